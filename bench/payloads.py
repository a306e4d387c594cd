"""The requests every variant sends, and the replay server's answers, recorded from the mock.

The replay server's bytes are the mock's own: its chat completion, the chunks of a 256-token
stream repeated to 1,000 chunks (a role chunk, 998 content chunks, a finish chunk, then
`data: [DONE]`), and a speech answer in mp3 repeated to the requested size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import httpx

STREAM_CHUNKS: Final = 1000
EMBEDDING_INPUTS: Final = 100
EMBEDDING_DIMENSIONS: Final = 3072

CHAT_MODEL: Final = "DeepSeek-V4-pro"
CHAT_MESSAGES: Final[list[dict[str, Any]]] = [{"role": "user", "content": "Reply with only OK."}]
"""The public quick start: a small call whose answer is about 450 bytes."""

STREAM_MESSAGES: Final[list[dict[str, Any]]] = [
    {"role": "user", "content": "Reply with only " + "word " * 300}
]
"""The mock's longest reply (256 tokens): one SSE event per token."""

EMBEDDING_MODEL: Final = "text-embedding-3-large"
EMBEDDING_INPUT: Final = [
    f"Sentence number {i} about the quick brown fox and the lazy dog, for embedding."
    for i in range(EMBEDDING_INPUTS)
]

SPEECH_REQUEST: Final[dict[str, Any]] = {
    "model": "tts-1",
    "voice": "alloy",
    "input": "The bench reads a long answer, streamed to a file. " * 12,
    "response_format": "mp3",
}


def chat_body() -> dict[str, Any]:
    """The small chat request."""
    return {"model": CHAT_MODEL, "messages": CHAT_MESSAGES}


def stream_body() -> dict[str, Any]:
    """The streamed chat request (the replay server answers it with 1,000 chunks)."""
    return {"model": CHAT_MODEL, "messages": STREAM_MESSAGES, "stream": True}


def embedding_body(encoding_format: str | None) -> dict[str, Any]:
    """100 inputs at 3,072 dimensions, with `encoding_format` when given."""
    body: dict[str, Any] = {
        "model": EMBEDDING_MODEL,
        "input": EMBEDDING_INPUT,
        "dimensions": EMBEDDING_DIMENSIONS,
    }
    if encoding_format is not None:
        body["encoding_format"] = encoding_format
    return body


def record(mock_url: str, token: str, directory: Path) -> dict[str, int]:
    """Ask the mock for the replay server's answers and write them to `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=mock_url, headers=headers, timeout=60.0) as client:
        chat = client.post("/v1/chat/completions", json=chat_body())
        chat.raise_for_status()
        streamed = client.post("/v1/chat/completions", json=stream_body())
        streamed.raise_for_status()
        speech = client.post("/v1/audio/speech", json=SPEECH_REQUEST)
        speech.raise_for_status()
    events = [event for event in streamed.content.split(b"\n\n") if event]
    if events[-1] != b"data: [DONE]" or len(events) < 4:
        raise RuntimeError(f"unexpected stream from the mock: {len(events)} events")
    first, content, last = events[0], events[1:-2], events[-2]
    body = [first]
    body += [content[i % len(content)] for i in range(STREAM_CHUNKS - 2)]
    body += [last, b"data: [DONE]"]
    (directory / "chat.json").write_bytes(chat.content)
    (directory / "stream.sse").write_bytes(b"".join(event + b"\n\n" for event in body))
    (directory / "speech.bin").write_bytes(speech.content)
    return {
        "chat_bytes": len(chat.content),
        "stream_events": len(body) - 1,
        "stream_bytes": sum(len(event) + 2 for event in body),
        "speech_sample_bytes": len(speech.content),
    }
