"""Size limits on decoded bytes, and no raw httpx exception escapes (issue 13, items 4-5).

In process and small (the memory side is `test_hostile_memory.py`): a compressed answer past
`Limits.max_response_bytes` raises `ResponseTooLargeError` and gives the connection back, an
ordinary compressed answer still parses, an error body is capped after decompression, and
every failure httpx can raise (a redirect loop of the caller's `follow_redirects=True` client,
a body that does not decompress) reaches the caller as a `TokenMarketError`. A wrong
`http_client` is refused when the client is made.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from tokenmarket_client import (
    APIConnectionError,
    AsyncStreamedBinaryResponse,
    AsyncTokenMarket,
    InternalServerError,
    InvalidHTTPClientError,
    Limits,
    ResponseTooLargeError,
    StreamInterruptedError,
    TokenMarket,
    TokenMarketError,
)

from . import hostile
from .conftest import KEY, MESSAGES, close, collect, make_client, resolve, wait_pool_idle
from .loopback import Handler, LoopbackServer
from .test_client import embeddings_answer

pytestmark = pytest.mark.anyio

MiB = 1024 * 1024
SPEECH: dict[str, Any] = {"model": "gpt-4o-mini-tts", "input": "Hello", "voice": "alloy"}
COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "OK"}}
    ],
}
SMALL = Limits(max_response_bytes=MiB, max_sse_line_bytes=MiB, max_sse_event_bytes=MiB)


async def make_call(client: Any, call: str) -> Any:
    """One non-streamed call of `call`'s kind."""
    if call == "chat":
        return await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    if call == "embeddings":
        return await resolve(client.embeddings.create(model="e", input="a"))
    return await resolve(client.audio.speech.create(**SPEECH))


async def read_streamed(mode: str, client: Any, *, whole: bool) -> None:
    """Enter `with_streaming_response` for speech and read the audio (whole or in pieces)."""
    call = client.audio.speech.with_streaming_response.create(**SPEECH)
    if mode == "async":
        async with call as audio:
            assert isinstance(audio, AsyncStreamedBinaryResponse)
            if whole:
                await audio.read()
            else:
                async for _ in audio.iter_bytes():
                    pass
    else:
        with call as audio:
            if whole:
                audio.read()
            else:
                for _ in audio.iter_bytes():
                    pass


async def test_compressed_answers_still_parse(mode: str, server: LoopbackServer) -> None:
    """The limit path (read piece by piece, then a read response) keeps every answer right."""
    audio = bytes(range(256)) * 4000
    server.push(
        hostile.gzipped(200, json.dumps(COMPLETION).encode()),
        hostile.gzipped(200, json.dumps(embeddings_answer(False)).encode()),
        hostile.gzipped(200, audio, content_type="audio/mpeg"),
        hostile.gzipped(200, json.dumps(COMPLETION).encode()),
    )
    client = make_client(mode, server.url)
    try:
        chat = await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
        assert chat.choices[0].message.content == "OK"
        assert chat.request_id == "req_hostile"
        embeddings = await resolve(client.embeddings.create(model="e", input=["a", "b"]))
        assert len(embeddings.data) == 2
        speech = await resolve(client.audio.speech.create(**SPEECH))
        assert speech.content == audio
        raw = await resolve(
            client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
        )
        assert raw.json() == COMPLETION
        assert "content-encoding" not in raw.headers  # the body held is the decoded one
        assert await wait_pool_idle(client)
    finally:
        await close(client)
    assert server.requests[0].headers["accept-encoding"]  # httpx asked for compression


@pytest.mark.parametrize("call", ["chat", "embeddings", "speech"])
async def test_a_decoded_body_past_the_limit(mode: str, server: LoopbackServer, call: str) -> None:
    kind = "audio/mpeg" if call == "speech" else "application/json"
    server.push(hostile.bomb(200, 64 * MiB, content_type=kind))
    client = make_client(mode, server.url, max_retries=0)
    client.limits = SMALL
    try:
        with pytest.raises(ResponseTooLargeError) as caught:
            await make_call(client, call)
        assert caught.value.limit == MiB
        assert caught.value.limit_name == "max_response_bytes"
        assert caught.value.request_id == "req_hostile"
        assert "after decompression" in str(caught.value)
        assert await wait_pool_idle(client)
    finally:
        await close(client)
    assert len(server.requests) == 1  # a limit is not retried


async def test_an_uncompressed_body_past_the_limit(mode: str, server: LoopbackServer) -> None:
    """Chunked, no Content-Length: counted as it arrives, like a compressed one."""
    server.push(hostile.chunked(200, hostile.repeat(b" " * 65536, 4 * MiB)))
    client = make_client(mode, server.url, max_retries=0)
    client.limits = SMALL
    try:
        with pytest.raises(ResponseTooLargeError):
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
        assert await wait_pool_idle(client)
    finally:
        await close(client)


async def test_a_streamed_binary_read_is_limited(mode: str, server: LoopbackServer) -> None:
    server.push(hostile.bomb(200, 8 * MiB, content_type="audio/mpeg"))
    client = make_client(mode, server.url, max_retries=0)
    client.limits = SMALL
    try:
        with pytest.raises(ResponseTooLargeError):
            await read_streamed(mode, client, whole=True)
        assert await wait_pool_idle(client)
    finally:
        await close(client)


@pytest.mark.parametrize("stream", [False, True])
async def test_an_error_body_is_capped_after_decompression(
    mode: str, server: LoopbackServer, stream: bool
) -> None:
    server.push(hostile.bomb(500, 64 * MiB))
    client = make_client(mode, server.url, max_retries=0)
    try:
        with pytest.raises(InternalServerError) as caught:
            await resolve(
                client.chat.completions.create(model="m", messages=MESSAGES, stream=stream)
            )
        assert len(caught.value.body) == 64 * 1024
        assert await wait_pool_idle(client)
    finally:
        await close(client)


def _garbage() -> Handler:
    return hostile.chunked(
        200, lambda: iter([b"\x1f\x8b not gzip at all"]), headers={"content-encoding": "gzip"}
    )


async def test_a_body_that_does_not_decompress(mode: str, server: LoopbackServer) -> None:
    server.push(_garbage())
    client = make_client(mode, server.url, max_retries=0)
    try:
        with pytest.raises(APIConnectionError, match="DecodingError") as caught:
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
        assert not isinstance(caught.value, httpx.HTTPError)
    finally:
        await close(client)


async def test_a_stream_that_does_not_decompress(mode: str, server: LoopbackServer) -> None:
    server.push(
        hostile.chunked(
            200,
            lambda: iter([b"\x1f\x8b not gzip at all"]),
            content_type="text/event-stream",
            headers={"content-encoding": "gzip"},
        ),
        hostile.chunked(
            200,
            lambda: iter([b"\x1f\x8b not gzip at all"]),
            content_type="audio/mpeg",
            headers={"content-encoding": "gzip"},
        ),
    )
    client = make_client(mode, server.url, max_retries=0)
    try:
        stream = await resolve(
            client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        )
        with pytest.raises(StreamInterruptedError, match="DecodingError"):
            await collect(stream)
        with pytest.raises(StreamInterruptedError, match="DecodingError"):
            await read_streamed(mode, client, whole=False)
    finally:
        await close(client)


async def test_a_redirect_loop_of_the_callers_client(mode: str, server: LoopbackServer) -> None:
    for _ in range(25):
        server.push(hostile.redirect_loop())
    http: Any = (
        httpx.Client(follow_redirects=True, max_redirects=5)
        if mode == "sync"
        else httpx.AsyncClient(follow_redirects=True, max_redirects=5)
    )
    client = make_client(mode, server.url, http_client=http, max_retries=1)
    try:
        with pytest.raises(APIConnectionError, match="TooManyRedirects") as caught:
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
        assert not isinstance(caught.value, httpx.HTTPError)
    finally:
        await close(client)
        await resolve(http.aclose() if mode == "async" else http.close())
    assert len(server.requests) == 6  # one call, not retried: a loop stays a loop


@pytest.mark.parametrize(
    ("cls", "given"),
    [
        (TokenMarket, httpx.AsyncClient()),
        (AsyncTokenMarket, httpx.Client()),
        (TokenMarket, "http://proxy"),
        (AsyncTokenMarket, object()),
        (TokenMarket, httpx.HTTPTransport()),
    ],
)
def test_a_wrong_http_client_is_refused_at_construction(cls: type[Any], given: Any) -> None:
    with pytest.raises(InvalidHTTPClientError, match="http_client must be an httpx") as caught:
        cls(api_key=KEY, http_client=given)
    assert isinstance(caught.value, TypeError)
    assert isinstance(caught.value, TokenMarketError)
    if isinstance(given, httpx.Client | httpx.AsyncClient):
        assert "belongs with" in str(caught.value)


def _httpx_exceptions() -> list[type[Exception]]:
    """Every exception class httpx exports."""
    return sorted(
        (
            value
            for value in vars(httpx).values()
            if isinstance(value, type) and issubclass(value, Exception)
        ),
        key=lambda cls: cls.__name__,
    )


def _make(cls: type[Exception], request: httpx.Request) -> Exception:
    """An instance of `cls`, whichever of httpx's constructor signatures it has."""
    make: Any = cls
    arguments: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        (("boom",), {"request": request}),
        (("boom",), {"request": request, "response": httpx.Response(500)}),
        (("boom",), {}),
        ((), {}),
    ]
    for args, kwargs in arguments:
        try:
            made: Exception = make(*args, **kwargs)
        except TypeError:
            continue
        return made
    raise AssertionError(f"cannot make {cls}")


@pytest.mark.parametrize("cls", _httpx_exceptions(), ids=lambda cls: cls.__name__)
async def test_no_httpx_exception_escapes_a_call(mode: str, cls: type[Exception]) -> None:
    """Whatever httpx raises while sending (a transport of the caller's own, too) reaches the
    caller as a `TokenMarketError`."""

    def fail(request: httpx.Request) -> httpx.Response:
        raise _make(cls, request)

    transport = httpx.MockTransport(fail)
    http: Any = (
        httpx.Client(transport=transport)
        if mode == "sync"
        else httpx.AsyncClient(transport=transport)
    )
    client = make_client(mode, "http://test", http_client=http, max_retries=1)
    delays: list[float] = []
    try:
        client._sleep = (  # retries are not the point here: no waiting
            (lambda seconds: delays.append(seconds)) if mode == "sync" else _async_record(delays)
        )
        with pytest.raises(TokenMarketError) as caught:
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
        assert not isinstance(caught.value, httpx.HTTPError | httpx.StreamError)
    finally:
        await close(client)
        await resolve(http.aclose() if mode == "async" else http.close())


def _async_record(delays: list[float]) -> Any:
    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    return sleep
