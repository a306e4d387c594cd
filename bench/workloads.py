"""The variants of each in-process workload: our client, the raw floor, the official SDK.

Every variant of a workload sends the same request to the same server and does what a caller
would do with the answer (parse it; for a stream, every chunk; for embeddings, floats). The
first call of each is checked, so a variant that silently does less work cannot win.
"""

from __future__ import annotations

import base64
import json
from array import array
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any, Final

import httpx
import httpx_sse
import openai
from tokenmarket_client import AsyncTokenMarket, TokenMarket

from bench import payloads
from bench.stats import AsyncVariant, Variant

OURS: Final = "tokenmarket_client"
OURS_LOW: Final = "tokenmarket_client generated sync()"
HTTPX_JSON: Final = "httpx + json"
HTTPX_SSE: Final = "httpx + httpx-sse + json"
HTTPX_FLOAT: Final = "httpx + json (float)"
HTTPX_BASE64: Final = "httpx + json + base64 decode"
HTTPX_ASYNC: Final = "httpx.AsyncClient + json"
OPENAI: Final = "openai"
OPENAI_ASYNC: Final = "openai AsyncOpenAI"

CONCURRENT_CALLS: Final = 200


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise RuntimeError(f"bench: a variant's answer is wrong: {what}")


def _openai(base_url: str, token: str) -> openai.OpenAI:
    return openai.OpenAI(api_key=token, base_url=base_url + "/v1")


# -- one small chat call ------------------------------------------------------------------------


def chat(base_url: str, token: str, stack: ExitStack) -> list[Variant]:
    """A non-streamed chat call: facade, generated function, raw httpx, openai."""
    from tokenmarket_client.api.chat import create_chat_completion
    from tokenmarket_client.client import AuthenticatedClient
    from tokenmarket_client.models import ChatCompletion, CreateChatCompletionRequest

    body = payloads.chat_body()
    url = base_url + "/v1/chat/completions"
    ours = stack.enter_context(TokenMarket(api_key=token, base_url=base_url))
    low = stack.enter_context(AuthenticatedClient(base_url=base_url, token=token))
    raw = stack.enter_context(httpx.Client(headers={"Authorization": f"Bearer {token}"}))
    official = stack.enter_context(_openai(base_url, token))

    def run_ours() -> object:
        return ours.chat.completions.create(model=body["model"], messages=body["messages"])

    def run_low() -> object:
        request = CreateChatCompletionRequest.from_dict(body)
        return create_chat_completion.sync(client=low, body=request)

    def run_raw() -> Any:  # noqa: ANN401 (the JSON answer)
        response = raw.post(url, json=body)
        response.raise_for_status()
        return json.loads(response.content)

    def run_openai() -> object:
        return official.chat.completions.create(model=body["model"], messages=body["messages"])

    first = ours.chat.completions.create(model=body["model"], messages=body["messages"])
    _expect(first.choices[0].message.content == "OK", "ours")
    low_answer = run_low()
    _expect(isinstance(low_answer, ChatCompletion), f"generated sync(): {low_answer!r}")
    _expect(run_raw()["choices"][0]["message"]["content"] == "OK", "httpx")
    answer = official.chat.completions.create(model=body["model"], messages=body["messages"])
    _expect(answer.choices[0].message.content == "OK", "openai")
    return [
        Variant(OURS, run_ours),
        Variant(OURS_LOW, run_low),
        Variant(HTTPX_JSON, run_raw),
        Variant(OPENAI, run_openai),
    ]


# -- a 1,000-chunk stream -----------------------------------------------------------------------


def stream(base_url: str, token: str, stack: ExitStack) -> list[Variant]:
    """Consume a 1,000-chunk SSE stream, reading every chunk's text: ours, httpx-sse, openai."""
    body = payloads.stream_body()
    url = base_url + "/v1/chat/completions"
    ours = stack.enter_context(TokenMarket(api_key=token, base_url=base_url))
    raw = stack.enter_context(httpx.Client(headers={"Authorization": f"Bearer {token}"}))
    official = stack.enter_context(_openai(base_url, token))
    model, messages = body["model"], body["messages"]

    def run_ours() -> list[str]:
        text = []
        for chunk in ours.chat.completions.create(model=model, messages=messages, stream=True):
            if chunk.choices:
                text.append(chunk.choices[0].delta.content or "")
        return text

    def run_raw() -> list[str]:
        text = []
        loads = json.loads
        with httpx_sse.connect_sse(raw, "POST", url, json=body) as source:
            for event in source.iter_sse():
                if event.data == "[DONE]":
                    break
                choices = loads(event.data)["choices"]
                if choices:
                    text.append(choices[0]["delta"].get("content") or "")
        return text

    def run_openai() -> list[str]:
        text = []
        for chunk in official.chat.completions.create(model=model, messages=messages, stream=True):
            if chunk.choices:
                text.append(chunk.choices[0].delta.content or "")
        return text

    expected = run_raw()
    _expect(len(expected) == payloads.STREAM_CHUNKS, f"httpx-sse read {len(expected)} chunks")
    for name, run in ((OURS, run_ours), (OPENAI, run_openai)):
        _expect(run() == expected, f"{name}: not the same {len(expected)} chunks of text")
    return [Variant(OURS, run_ours), Variant(HTTPX_SSE, run_raw), Variant(OPENAI, run_openai)]


# -- embeddings: 100 inputs of 3,072 dimensions -------------------------------------------------


def _decode_base64(document: dict[str, Any]) -> dict[str, Any]:
    for item in document["data"]:
        values = array("f")
        values.frombytes(base64.b64decode(item["embedding"]))
        item["embedding"] = values.tolist()
    return document


def embeddings(base_url: str, token: str, stack: ExitStack) -> list[Variant]:
    """Embed 100 inputs at 3,072 dimensions; every variant ends with lists of floats."""
    url = base_url + "/v1/embeddings"
    ours = stack.enter_context(TokenMarket(api_key=token, base_url=base_url))
    raw = stack.enter_context(httpx.Client(headers={"Authorization": f"Bearer {token}"}))
    official = stack.enter_context(_openai(base_url, token))
    request = payloads.embedding_body(None)
    as_float = payloads.embedding_body("float")
    as_base64 = payloads.embedding_body("base64")

    def run_ours() -> list[list[float]]:
        result = ours.embeddings.create(
            model=request["model"], input=request["input"], dimensions=request["dimensions"]
        )
        return [item.embedding for item in result.data]  # type: ignore[misc]

    def run_float() -> list[list[float]]:
        response = raw.post(url, json=as_float)
        response.raise_for_status()
        return [item["embedding"] for item in json.loads(response.content)["data"]]

    def run_base64() -> list[list[float]]:
        response = raw.post(url, json=as_base64)
        response.raise_for_status()
        return [item["embedding"] for item in _decode_base64(json.loads(response.content))["data"]]

    def run_openai() -> list[list[float]]:
        result = official.embeddings.create(
            model=request["model"], input=request["input"], dimensions=request["dimensions"]
        )
        return [item.embedding for item in result.data]

    reference = run_float()
    for name, run in (
        (OURS, run_ours),
        (HTTPX_BASE64, run_base64),
        (OPENAI, run_openai),
    ):
        got = run()
        same = len(got) == payloads.EMBEDDING_INPUTS and all(
            len(vector) == payloads.EMBEDDING_DIMENSIONS
            and type(vector[0]) is float
            and abs(vector[0] - expected[0]) < 1e-6
            for vector, expected in zip(got, reference, strict=True)
        )
        _expect(same, f"{name}: not the float vectors of the float answer")
    return [
        Variant(OURS, run_ours),
        Variant(HTTPX_FLOAT, run_float),
        Variant(HTTPX_BASE64, run_base64),
        Variant(OPENAI, run_openai),
    ]


# -- async: 200 concurrent chat calls -----------------------------------------------------------


async def async_chat(
    base_url: str, token: str, closers: list[Callable[[], Any]]
) -> list[AsyncVariant]:
    """200 concurrent small chat calls with asyncio.gather: ours, httpx, openai.

    Each client is made as a user makes it, with its own default connection pool: ours and
    raw httpx get httpx's (100 connections, 20 kept alive), openai its own (httpx2, 1,000 and
    100). A larger httpx pool is a trap, measured: with 200 idle connections kept alive,
    httpcore checks every idle connection (a poll() each) for every request it places, and a
    call costs 30x more CPU than with the default pool.
    """
    import asyncio

    body = payloads.chat_body()
    url = base_url + "/v1/chat/completions"
    ours = AsyncTokenMarket(api_key=token, base_url=base_url)
    raw = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"})
    official = openai.AsyncOpenAI(api_key=token, base_url=base_url + "/v1")
    closers += [ours.close, raw.aclose, official.close]
    model, messages = body["model"], body["messages"]

    async def one_raw() -> Any:  # noqa: ANN401 (the JSON answer)
        response = await raw.post(url, json=body)
        response.raise_for_status()
        return json.loads(response.content)

    async def run_ours() -> list[Any]:
        return await asyncio.gather(
            *(
                ours.chat.completions.create(model=model, messages=messages)
                for _ in range(CONCURRENT_CALLS)
            )
        )

    async def run_raw() -> list[Any]:
        return await asyncio.gather(*(one_raw() for _ in range(CONCURRENT_CALLS)))

    async def run_openai() -> list[Any]:
        return await asyncio.gather(
            *(
                official.chat.completions.create(model=model, messages=messages)
                for _ in range(CONCURRENT_CALLS)
            )
        )

    first = (await run_ours())[0]
    _expect(first.choices[0].message.content == "OK", "ours (async)")
    _expect((await run_raw())[0]["choices"][0]["message"]["content"] == "OK", "httpx (async)")
    answer = (await run_openai())[0]
    _expect(answer.choices[0].message.content == "OK", "openai (async)")
    return [
        AsyncVariant(OURS, run_ours, CONCURRENT_CALLS),
        AsyncVariant(HTTPX_ASYNC, run_raw, CONCURRENT_CALLS),
        AsyncVariant(OPENAI_ASYNC, run_openai, CONCURRENT_CALLS),
    ]
