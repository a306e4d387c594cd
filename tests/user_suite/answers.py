"""The code under test: what an application that calls TokenMarket might have.

Nothing here knows about the mock: it uses the client as in production, configured by
TOKENMARKET_BASE_URL and TOKENMARKET_API_KEY (which the `tokenmarket_mock` fixture sets).
"""

from __future__ import annotations

from tokenmarket_client import APIStatusError, StreamInterruptedError, TokenMarket

MODEL = "DeepSeek-V4-pro"


class AnswerUnavailable(Exception):
    """The application's own error: TokenMarket could not answer this question."""


def ask(question: str, *, client: TokenMarket | None = None) -> str:
    """One answer, or AnswerUnavailable naming TokenMarket's error code."""
    client = client or TokenMarket()
    try:
        completion = client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": question}]
        )
    except APIStatusError as error:
        raise AnswerUnavailable(f"{error.status_code} {error.code}") from error
    return completion.choices[0].message.content or ""


def ask_streaming(question: str, *, client: TokenMarket | None = None) -> str:
    """The answer assembled from a stream; AnswerUnavailable if the stream is cut."""
    client = client or TokenMarket()
    pieces: list[str] = []
    try:
        stream = client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": question}], stream=True
        )
        with stream:
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    pieces.append(chunk.choices[0].delta.content)
    except StreamInterruptedError as error:
        raise AnswerUnavailable(f"stream cut after {len(pieces)} pieces") from error
    return "".join(pieces)
