"""The fault matrix: every fault, sync and async, plain and streamed, over real sockets.

Each case ends in its documented result, within the retry budget (`max_retries=2`: at most
three attempts), with every attempt of a call carrying the same `Idempotency-Key`, and with no
connection left checked out of the pool. Retry waits are recorded instead of slept.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from tokenmarket_client import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    InternalServerError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    StreamInterruptedError,
    TokenMarketError,
)

from .conftest import MESSAGES, close, make_client, record_sleeps, resolve, wait_pool_idle
from .loopback import (
    Handler,
    LoopbackServer,
    cut_body,
    envelope,
    event_stream,
    free_port,
    respond,
    respond_json,
    stall,
)

pytestmark = pytest.mark.anyio

COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1764000000,
    "model": "DeepSeek-V4-pro",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "OK"}}
    ],
}
HTML_503 = b"<html><head><title>503 Service Unavailable</title></head><body><h1>503 Service \
Unavailable</h1><p>The proxy has no healthy upstream.</p></body></html>"


def chunk(text: str) -> bytes:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1764000000,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }
    return b"data: " + json.dumps(body).encode() + b"\n\n"


EVENTS = [chunk("O"), chunk("K"), chunk("!"), b": keep-alive\n\n", chunk("?"), b"data: [DONE]\n\n"]


def ok(stream: bool) -> Handler:
    return event_stream(EVENTS) if stream else respond_json(200, COMPLETION)


Outcome = type[TokenMarketError] | None


@dataclass
class Case:
    name: str
    script: Callable[[bool], list[Handler]]
    """The server's answers, for a plain (False) or a streamed (True) call."""
    raises: Outcome | Callable[[bool], Outcome]
    """The error the call ends in (None: success), or a function of `stream` giving it."""
    requests: int | Callable[[bool], int]
    waits: list[float] | int | Callable[[bool], int] = field(default_factory=list)
    """The recorded retry waits: exact values, or how many (each the test's short backoff)."""
    match: str | None = None
    chunks_first: int = 0
    """For a stream that fails while being read: chunks yielded before the error."""
    refused: bool = False
    read_timeout: float = 5.0
    """Short only where the case is a stall: loaded machines answer slowly too."""

    def expected_error(self, stream: bool) -> Outcome:
        if self.raises is None or isinstance(self.raises, type):
            return self.raises
        return self.raises(stream)

    def expected_requests(self, stream: bool) -> int:
        return self.requests(stream) if callable(self.requests) else self.requests

    def expected_waits(self, stream: bool) -> list[float] | int:
        return self.waits(stream) if callable(self.waits) else self.waits


def when_streamed(error: Outcome) -> Callable[[bool], Outcome]:
    """`error` for a streamed call; success for a plain one."""
    return lambda stream: error if stream else None


CASES = [
    Case(
        "429 with Retry-After, then success",
        lambda s: [
            envelope(429, "rate_limit_exceeded", "RATE_LIMIT", "slow down", **{"Retry-After": "1"}),
            ok(s),
        ],
        None,
        requests=2,
        waits=[1.0],
    ),
    Case(
        "429 with retry-after-ms, then success",
        lambda s: [
            envelope(429, "rate_limit_exceeded", "RATE_LIMIT", "slow", **{"retry-after-ms": "250"}),
            ok(s),
        ],
        None,
        requests=2,
        waits=[0.25],
    ),
    Case(
        "429 asking longer than the cap: no retry",
        lambda s: [
            envelope(429, "rate_limit_exceeded", "RATE_LIMIT", "later", **{"Retry-After": "3600"})
        ],
        RateLimitError,
        requests=1,
        match="later",
    ),
    Case(
        "502 envelope, then success",
        lambda s: [envelope(502, "provider_error", "PROVIDER_001", "model unavailable"), ok(s)],
        None,
        requests=2,
        waits=1,
    ),
    Case(
        "502 envelope every time",
        lambda s: [envelope(502, "provider_error", "PROVIDER_001", "model unavailable")] * 3,
        ProviderError,
        requests=3,
        waits=2,
        match="model unavailable",
    ),
    Case(
        "504 envelope every time",
        lambda s: [envelope(504, "timeout", "PROVIDER_TIMEOUT", "upstream timed out")] * 3,
        ProviderTimeoutError,
        requests=3,
        waits=2,
        match="upstream timed out",
    ),
    Case(
        "HTML 503 from a proxy",
        lambda s: [respond(503, HTML_503, content_type="text/html", request_id=None)] * 3,
        InternalServerError,
        requests=3,
        waits=2,
        match="503 Service Unavailable, non-envelope body: '<html><head><title>503",
    ),
    Case(
        "empty 503, then success",
        lambda s: [respond(503, b"", content_type="text/plain"), ok(s)],
        None,
        requests=2,
        waits=1,
    ),
    Case(
        "malformed JSON on 200",
        lambda s: [
            event_stream([chunk("O"), b'data: {"id": \n\n', b"data: [DONE]\n\n"])
            if s
            else respond(200, b'{"id": "chatcmpl-1", "choices": [')
        ],
        APIResponseValidationError,
        requests=1,
        chunks_first=1,
    ),
    Case(
        "cut mid-way",
        lambda s: [
            event_stream(EVENTS, cut_after=3)
            if s
            else cut_body(200, json.dumps(COMPLETION).encode(), at=40),
            ok(s),
        ],
        # A stream that yielded data is never retried; a cut plain body is.
        when_streamed(StreamInterruptedError),
        requests=lambda s: 1 if s else 2,
        waits=lambda s: 0 if s else 1,
        chunks_first=3,
    ),
    Case(
        "cut every time",
        lambda s: (
            [event_stream(EVENTS, cut_after=0)]
            if s
            else [cut_body(200, json.dumps(COMPLETION).encode(), at=40)] * 3
        ),
        lambda s: StreamInterruptedError if s else APIConnectionError,
        requests=lambda s: 1 if s else 3,
        waits=lambda s: 0 if s else 2,
    ),
    Case(
        "read timeout before the answer",
        lambda s: [stall()] * 3,
        APITimeoutError,
        requests=3,
        waits=2,
        match="timed out after 3 attempts",
        read_timeout=0.25,
    ),
    Case(
        "read timeout inside the stream",
        lambda s: [event_stream(EVENTS, stall_after=2) if s else stall(), ok(s)],
        when_streamed(APITimeoutError),
        requests=lambda s: 1 if s else 2,
        waits=lambda s: 0 if s else 1,
        chunks_first=2,
        read_timeout=0.25,
    ),
    Case(
        "connection refused",
        lambda s: [],
        APIConnectionError,
        requests=0,
        waits=2,
        match="ConnectError",
        refused=True,
    ),
]


async def call(client: Any, stream: bool) -> tuple[int, Any]:
    """Make the call and read it to the end; return (chunks read, result)."""
    result = await resolve(
        client.chat.completions.create(model="DeepSeek-V4-pro", messages=MESSAGES, stream=stream)
    )
    if not stream:
        return 0, result
    count = 0
    try:
        if hasattr(result, "__aiter__"):
            async for _ in result:
                count += 1
        else:
            for _ in result:
                count += 1
    except TokenMarketError as exc:
        exc.add_note(f"chunks before the error: {count}")
        exc.chunks_before = count  # type: ignore[attr-defined]
        raise
    return count, result


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_fault(
    case: Case, stream: bool, mode: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.push(*case.script(stream))
    url = f"http://127.0.0.1:{free_port()}" if case.refused else server.url
    client = make_client(mode, url, timeout=httpx.Timeout(5.0, read=case.read_timeout))
    waits = record_sleeps(monkeypatch, client)
    raises = case.expected_error(stream)
    try:
        if raises is None:
            count, result = await call(client, stream)
            if stream:
                assert count == 4
                assert result.done
            else:
                assert result.choices[0].message.content == "OK"
                assert result.request_id == "req_test"
        else:
            with pytest.raises(raises, match=case.match) as caught:
                await call(client, stream)
            assert type(caught.value) is raises
            if stream and case.chunks_first:
                assert getattr(caught.value, "chunks_before", None) == case.chunks_first
        assert len(server.requests) == case.expected_requests(stream)
        expected_waits = case.expected_waits(stream)
        if isinstance(expected_waits, int):
            assert len(waits) == expected_waits
            assert all(0 < wait <= 0.004 for wait in waits)  # the test's backoff policy
        else:
            assert waits == expected_waits
        assert len(waits) <= 2, "more retries than max_retries"
        keys = {seen.headers.get("idempotency-key") for seen in server.requests}
        assert len(keys) <= 1, "one Idempotency-Key for all attempts"
        assert None not in keys
        assert await wait_pool_idle(client), "a connection is still checked out"
    finally:
        await close(client)


async def test_retries_off(
    mode: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.push(envelope(502, "provider_error", "PROVIDER_001", "down"), ok(False))
    client = make_client(mode, server.url, max_retries=0)
    waits = record_sleeps(monkeypatch, client)
    try:
        with pytest.raises(ProviderError):
            await call(client, False)
    finally:
        await close(client)
    assert len(server.requests) == 1
    assert waits == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
async def test_client_errors_are_not_retried(
    status: int, mode: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.push(envelope(status, "some_type", "SOME_CODE", "no"), ok(False))
    client = make_client(mode, server.url)
    record_sleeps(monkeypatch, client)
    try:
        with pytest.raises(TokenMarketError) as caught:
            await call(client, False)
    finally:
        await close(client)
    assert len(server.requests) == 1
    assert getattr(caught.value, "status_code", None) == status


@pytest.mark.parametrize("status", [408, 409, 500, 503])
async def test_retryable_statuses(
    status: int, mode: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.push(respond_json(status, {"error": "x"}), ok(False))
    client = make_client(mode, server.url)
    waits = record_sleeps(monkeypatch, client)
    try:
        _, result = await call(client, False)
    finally:
        await close(client)
    assert result.choices[0].message.content == "OK"
    assert len(server.requests) == 2
    assert len(waits) == 1


async def test_fresh_idempotency_key_per_call_and_caller_key(
    mode: str, server: LoopbackServer
) -> None:
    server.push(ok(False), ok(False), ok(False))
    client = make_client(mode, server.url)
    try:
        await call(client, False)
        await call(client, False)
        await resolve(
            client.chat.completions.create(
                model="m", messages=MESSAGES, idempotency_key="order-42-attempt"
            )
        )
    finally:
        await close(client)
    keys = [seen.headers["idempotency-key"] for seen in server.requests]
    assert keys[0] != keys[1]
    assert keys[2] == "order-42-attempt"
