"""Streaming chat through the whole client, sync and async.

The recorded stream is delivered split at every byte boundary (the openai-python
`tests/test_streaming.py` pattern) through httpx's public `MockTransport`; connection release on
`break`, `close()` and `with` is checked on real sockets against the loopback server.
"""

from __future__ import annotations

import gc
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from tokenmarket_client import (
    APIResponseValidationError,
    APIStatusError,
    AsyncStream,
    AsyncTokenMarket,
    ChatCompletionAccumulator,
    ProviderError,
    Stream,
    StreamInterruptedError,
    TokenMarket,
    TokenMarketError,
)

from .conftest import (
    KEY,
    MESSAGES,
    close,
    collect,
    make_client,
    pool_idle,
    resolve,
    wait_pool_idle,
)
from .loopback import LoopbackServer, event_stream, respond, respond_json

SSE_HEADERS = {"content-type": "text/event-stream", "x-request-id": "req_rec"}
pytestmark = pytest.mark.anyio


class Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body delivered in exactly these pieces."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces

    def __iter__(self) -> Iterator[bytes]:
        yield from self.pieces

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece


class Feed:
    """A client whose every answer is `body` cut into the pieces `split` gives."""

    def __init__(self, mode: str, headers: dict[str, str] | None = None) -> None:
        self.pieces: list[bytes] = []
        self.requests: list[httpx.Request] = []
        answer_headers = headers or SSE_HEADERS

        def answer(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(200, headers=answer_headers, stream=Pieces(self.pieces))

        async def async_answer(request: httpx.Request) -> httpx.Response:
            return answer(request)

        if mode == "sync":
            http: Any = httpx.Client(transport=httpx.MockTransport(answer))
            self.client: Any = TokenMarket(api_key=KEY, base_url="http://tm.test", http_client=http)
        else:
            http = httpx.AsyncClient(transport=httpx.MockTransport(async_answer))
            self.client = AsyncTokenMarket(api_key=KEY, base_url="http://tm.test", http_client=http)
        self.http = http

    async def stream(self, pieces: list[bytes]) -> Any:
        self.pieces = pieces
        return await resolve(
            self.client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        )

    async def aclose(self) -> None:
        await close(self.client)
        await resolve(self.http.aclose() if isinstance(self.http, httpx.AsyncClient) else None)
        if isinstance(self.http, httpx.Client):
            self.http.close()


def expected_chunks(stream: bytes) -> list[dict[str, Any]]:
    return [
        json.loads(line[len(b"data: ") :])
        for line in stream.split(b"\n")
        if line.startswith(b"data: {")
    ]


async def test_every_byte_boundary(mode: str, recorded_stream: bytes) -> None:
    feed = Feed(mode)
    expected = expected_chunks(recorded_stream)
    assert len(expected) == 11
    try:
        for at in range(len(recorded_stream) + 1):
            stream = await feed.stream([recorded_stream[:at], recorded_stream[at:]])
            chunks = await collect(stream)
            assert [chunk.to_dict() for chunk in chunks] == expected, at
            assert stream.done
        one_byte_pieces = [recorded_stream[i : i + 1] for i in range(len(recorded_stream))]
        stream = await feed.stream(one_byte_pieces)
        assert [chunk.to_dict() for chunk in await collect(stream)] == expected
    finally:
        await feed.aclose()


async def test_chunks_are_typed_and_keep_unknown_fields(mode: str, recorded_stream: bytes) -> None:
    feed = Feed(mode)
    try:
        stream = await feed.stream([recorded_stream])
        assert isinstance(stream, Stream | AsyncStream)
        assert stream.request_id == "req_rec"
        chunks = await collect(stream)
    finally:
        await feed.aclose()
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[1].choices[0].delta.reasoning_content == "The user greets; "
    assert chunks[3].choices[0].delta.content == "Olá 👋, "
    assert chunks[3].model_extra == {"provider_latency_ms": 12}
    assert chunks[5].choices[0].delta.tool_calls[0].function.name == "get_weather"
    assert chunks[-1].choices == []
    assert chunks[-1].usage.total_tokens == 58
    sent = json.loads(feed.requests[0].content) if feed.requests else None
    if sent is not None:
        assert sent["stream"] is True
        assert feed.requests[0].headers["accept"] == "text/event-stream"


async def test_final_completion_assembles_the_pieces(mode: str, recorded_stream: bytes) -> None:
    feed = Feed(mode)
    try:
        stream = await feed.stream([recorded_stream])
        completion = await resolve(stream.get_final_completion())
    finally:
        await feed.aclose()
    assert completion.id == "chatcmpl-rec1"
    assert completion.object == "chat.completion"
    assert completion.request_id == "req_rec"
    (choice,) = completion.choices
    assert choice.finish_reason == "tool_calls"
    message = choice.message
    assert message.role == "assistant"
    assert message.content == "Olá 👋, let me check — ☀️?"
    assert message.reasoning_content == "The user greets; answer briefly and check the weather."
    calls = [(c.id, c.type, c.function.name, c.function.arguments) for c in message.tool_calls]
    assert calls == [
        ("call_1", "function", "get_weather", '{"city":"Paris"}'),
        ("call_2", "function", "get_time", "{}"),
    ]
    assert completion.usage.total_tokens == 58
    assert completion.usage.completion_tokens_details.reasoning_tokens == 9
    assert completion.model_extra == {"provider_latency_ms": 12}


async def test_accumulator_while_iterating(mode: str, recorded_stream: bytes) -> None:
    feed = Feed(mode)
    accumulator = ChatCompletionAccumulator()
    texts: list[str] = []
    try:
        stream = await feed.stream([recorded_stream])
        for chunk in await collect(stream):
            accumulator.add(chunk)
            if chunk.choices and isinstance(chunk.choices[0].delta.content, str):
                texts.append(chunk.choices[0].delta.content)
    finally:
        await feed.aclose()
    completion = accumulator.completion()
    assert completion.choices[0].message.content == "".join(texts)


def test_accumulator_handles_repeated_names_and_several_choices() -> None:
    from tokenmarket_client.schemas import ChatCompletionChunk

    def chunk(choices: list[dict[str, Any]]) -> ChatCompletionChunk:
        base = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
        return ChatCompletionChunk.model_validate({**base, "choices": choices})

    accumulator = ChatCompletionAccumulator()
    for index, text in [(0, "a"), (1, "x"), (0, "b"), (1, "y")]:
        delta = {"role": "assistant", "content": text}  # some providers repeat the role
        accumulator.add(chunk([{"index": index, "delta": delta, "finish_reason": None}]))
    accumulator.add(chunk([{"index": 1, "delta": {}, "finish_reason": "length"}]))
    completion = accumulator.completion()
    assert [c.message.content for c in completion.choices] == ["ab", "xy"]
    assert [c.message.role for c in completion.choices] == ["assistant", "assistant"]
    assert [c.finish_reason for c in completion.choices] == [None, "length"]
    with pytest.raises(TokenMarketError, match="nothing to assemble"):
        ChatCompletionAccumulator().completion()


def _event(obj: object) -> bytes:
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


def _chunk(text: str) -> bytes:
    return _event(
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
        }
    )


async def test_error_event_raises_the_typed_error(mode: str) -> None:
    feed = Feed(mode)
    error = {"error": {"message": "upstream went away", "type": "provider_error",
                       "code": "PROVIDER_001", "param": None}}  # fmt: skip
    received: list[Any] = []

    async def read(stream: Any) -> None:
        if isinstance(stream, AsyncStream):
            async for chunk in stream:
                received.append(chunk)
        else:
            received.extend(stream)

    try:
        stream = await feed.stream([_chunk("a"), _chunk("b"), _event(error), _chunk("never")])
        with pytest.raises(ProviderError) as caught:
            await read(stream)
    finally:
        await feed.aclose()
    assert len(received) == 2
    assert caught.value.code == "PROVIDER_001"
    assert caught.value.type == "provider_error"
    assert caught.value.message.startswith("error event in the stream: upstream went away")
    assert caught.value.request_id == "req_rec"
    assert caught.value.status_code == 200


async def test_unknown_error_code_in_a_stream(mode: str) -> None:
    feed = Feed(mode)
    error = {"error": {"message": "m", "type": "new_kind", "code": "NEW_9"}}
    try:
        stream = await feed.stream([_event(error)])
        with pytest.raises(APIStatusError) as caught:
            await collect(stream)
    finally:
        await feed.aclose()
    assert type(caught.value) is APIStatusError
    assert caught.value.code == "NEW_9"


async def test_end_without_done_is_an_interruption(mode: str) -> None:
    feed = Feed(mode)
    try:
        stream = await feed.stream([_chunk("a"), _chunk("b"), b'data: {"id":'])
        with pytest.raises(StreamInterruptedError, match=r"before data: \[DONE\] after 2 chunks"):
            await collect(stream)
    finally:
        await feed.aclose()
    assert stream.chunks_received == 2
    assert not stream.done


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"data: {not json\n\n", "JSONDecodeError"),
        (b'data: {"id": "c"}\n\n', "ValidationError: 4 validation errors"),
        (b"data: [1, 2]\n\n", "not a valid chunk"),
    ],
)
async def test_malformed_chunk(mode: str, data: bytes, match: str) -> None:
    feed = Feed(mode)
    try:
        stream = await feed.stream([_chunk("a"), data, b"data: [DONE]\n\n"])
        with pytest.raises(APIResponseValidationError, match=match) as caught:
            await collect(stream)
    finally:
        await feed.aclose()
    assert caught.value.body == data[len(b"data: ") : -2]


async def test_a_json_answer_to_a_stream_request(mode: str) -> None:
    feed = Feed(mode, headers={"content-type": "application/json"})
    try:
        with pytest.raises(APIResponseValidationError, match="Asked for text/event-stream"):
            await feed.stream([b'{"id": "not-a-stream"}'])
        error = b'{"error": {"message": "no", "type": "unauthorized", "code": "AUTH_001"}}'
        with pytest.raises(APIStatusError, match="no") as caught:
            await feed.stream([error])
    finally:
        await feed.aclose()
    assert caught.value.code == "AUTH_001"


async def test_next_and_single_iteration(mode: str, recorded_stream: bytes) -> None:
    feed = Feed(mode)
    try:
        stream = await feed.stream([recorded_stream])
        if isinstance(stream, AsyncStream):
            first = await stream.__anext__()
            second = await stream.__anext__()
        else:
            first, second = next(stream), next(stream)
        assert first.choices[0].delta.role == "assistant"
        assert second.choices[0].delta.reasoning_content == "The user greets; "
        with pytest.raises(TokenMarketError, match="read once"):
            await collect(stream)
        await resolve(stream.close())
    finally:
        await feed.aclose()


# -- connection release, on real sockets ------------------------------------------------------


def _many_chunks(count: int) -> list[bytes]:
    return [_chunk(f"t{i} ") for i in range(count)] + [b"data: [DONE]\n\n"]


async def test_break_releases_the_connection(mode: str, server: LoopbackServer) -> None:
    server.push(event_stream(_many_chunks(50)), respond(200, b'{"never": "used"}'))
    client = make_client(mode, server.url)
    try:
        stream = await resolve(
            client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        )
        seen = 0
        if isinstance(stream, AsyncStream):
            async for _ in stream:
                seen += 1
                if seen == 3:
                    break
        else:
            for _ in stream:
                seen += 1
                if seen == 3:
                    break
        assert seen == 3
        assert await wait_pool_idle(client)
    finally:
        await close(client)


async def test_close_and_with_release_the_connection(mode: str, server: LoopbackServer) -> None:
    server.push(event_stream(_many_chunks(50)), event_stream(_many_chunks(50)))
    client = make_client(mode, server.url)
    try:
        stream = await resolve(
            client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        )
        if isinstance(stream, AsyncStream):
            await stream.__anext__()
            await stream.close()
            assert [c async for c in stream] == []
        else:
            next(stream)
            stream.close()
            assert list(stream) == []
        assert await wait_pool_idle(client)

        stream = await resolve(
            client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        )
        if isinstance(stream, AsyncStream):
            async with stream:
                await stream.__anext__()
        else:
            with stream:
                next(stream)
        assert await wait_pool_idle(client)
    finally:
        await close(client)


async def test_a_finished_stream_leaves_the_pool_idle(mode: str, server: LoopbackServer) -> None:
    server.push(event_stream(_many_chunks(5)), respond_json(200, {"unused": True}))
    client = make_client(mode, server.url)
    try:
        stream = await resolve(
            client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        )
        assert len(await collect(stream)) == 5
        assert await wait_pool_idle(client)
    finally:
        await close(client)


def test_a_dropped_sync_stream_gives_its_connection_back(server: LoopbackServer) -> None:
    server.push(event_stream(_many_chunks(50)), event_stream(_many_chunks(50)))
    client = make_client("sync", server.url)
    try:
        stream = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        del stream
        gc.collect()
        assert pool_idle(client)
        stream = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        next(stream)  # a suspended generator now refers back to the stream: a cycle
        del stream
        gc.collect()
        assert pool_idle(client)
    finally:
        client.close()
