"""How long a hostile server can keep a call waiting (issue 13, item 6).

A negative `Retry-After` is read as absent (backoff applies, not an instant retry); the retry
waits of one call add up to at most `RetryPolicy.max_total_wait`, and the error says how long
was waited; an opt-in `deadline` ends a call that per-phase timeouts never would: endless
keep-alive comments, a body dripping one byte at a time, a server that never answers. Retry
waits are recorded instead of slept; the deadline tests wait for real (about a second each)
but assert no duration, only the outcome.
"""

from __future__ import annotations

import json

import httpx
import pytest
from tokenmarket_client import (
    APITimeoutError,
    DeadlineExceededError,
    InternalServerError,
    RateLimitError,
    RetryPolicy,
    TokenMarket,
)

from . import hostile
from .conftest import MESSAGES, close, collect, make_client, record_sleeps, resolve, wait_pool_idle
from .loopback import Handler, LoopbackServer, envelope, respond, stall

pytestmark = pytest.mark.anyio

COMPLETION = {
    "id": "c",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "OK"}}
    ],
}


def too_many(retry_after: str) -> Handler:
    return envelope(429, "rate_limit_exceeded", "RATE_LIMIT", "slow down",
                    **{"Retry-After": retry_after})  # fmt: skip


async def test_a_negative_retry_after_is_read_as_absent(
    mode: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.push(too_many("-1"), too_many("-30"), too_many("-0.5"))
    client = make_client(mode, server.url, retry_policy=RetryPolicy(initial_delay=0.25))
    delays = record_sleeps(monkeypatch, client)
    try:
        with pytest.raises(RateLimitError):
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    finally:
        await close(client)
    assert len(delays) == 2
    # Backoff with jitter: 0.25 s then 0.5 s, each shortened by at most a quarter; never 0.
    assert 0.18 <= delays[0] <= 0.25
    assert 0.37 <= delays[1] <= 0.5


async def test_the_total_retry_wait_is_bounded(
    mode: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Retry-After: 60` on every answer: one wait of 60 s (the default total), not two."""
    server.push(too_many("60"), too_many("60"), too_many("60"))
    client = make_client(mode, server.url, retry_policy=RetryPolicy())
    delays = record_sleeps(monkeypatch, client)
    try:
        with pytest.raises(RateLimitError) as caught:
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    finally:
        await close(client)
    assert RetryPolicy().max_total_wait == 60.0
    assert delays == [60.0]
    message = str(caught.value)
    assert "2 attempts, 60.000 s waited between them" in message
    assert "RetryPolicy.max_total_wait=60 s" in message
    assert len(server.requests) == 2


async def test_the_total_retry_wait_is_configurable(
    mode: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.push(too_many("1"))
    client = make_client(mode, server.url, retry_policy=RetryPolicy(max_total_wait=0.5))
    delays = record_sleeps(monkeypatch, client)
    try:
        with pytest.raises(RateLimitError, match="not retried: another 1 s would pass"):
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    finally:
        await close(client)
    assert delays == []


@pytest.mark.timeout(60)
async def test_the_deadline_ends_endless_keep_alives(mode: str, server: LoopbackServer) -> None:
    server.push(hostile.keep_alive_forever(interval=0.05))
    client = make_client(mode, server.url, timeout=httpx.Timeout(5.0))
    client.deadline = 1.0
    try:
        stream = await resolve(
            client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        )
        with pytest.raises(DeadlineExceededError, match="deadline of 1 s passed") as caught:
            await collect(stream)
        assert isinstance(caught.value, APITimeoutError)
        assert caught.value.deadline == 1.0
        assert await wait_pool_idle(client)
    finally:
        await close(client)


@pytest.mark.timeout(60)
async def test_the_deadline_ends_a_dripping_body(mode: str, server: LoopbackServer) -> None:
    """One byte every 0.5 s never trips a 5 s read timeout: the whole body would take 85 s."""
    server.push(hostile.drip(200, json.dumps(COMPLETION).encode(), interval=0.5))
    client = make_client(mode, server.url, timeout=httpx.Timeout(5.0))
    client.deadline = 1.0
    try:
        with pytest.raises(DeadlineExceededError):
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
        assert await wait_pool_idle(client)
    finally:
        await close(client)


@pytest.mark.timeout(60)
async def test_the_deadline_shortens_a_long_read_timeout(mode: str, server: LoopbackServer) -> None:
    server.push(stall())
    client = make_client(mode, server.url, timeout=httpx.Timeout(30.0), max_retries=2)
    client.deadline = 0.5
    try:
        with pytest.raises(DeadlineExceededError):
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    finally:
        await close(client)
    assert len(server.requests) == 1  # the deadline also ends the retries


async def test_no_retry_wait_goes_past_the_deadline(
    mode: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.push(envelope(503, "server_error", "X", "busy", **{"Retry-After": "5"}))
    client = make_client(mode, server.url)
    client.deadline = 2.0
    delays = record_sleeps(monkeypatch, client)
    try:
        with pytest.raises(InternalServerError, match="would pass the deadline"):
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    finally:
        await close(client)
    assert delays == []


async def test_without_a_deadline_nothing_changes(mode: str, server: LoopbackServer) -> None:
    server.push(respond(200, json.dumps(COMPLETION).encode()))
    client = make_client(mode, server.url)
    assert client.deadline is None
    try:
        result = await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
        assert result.choices[0].message.content == "OK"
    finally:
        await close(client)


def test_a_bad_deadline_or_limits_is_refused() -> None:
    client = TokenMarket(api_key="tm-k")
    try:
        for bad in (0, -1, float("inf"), float("nan"), True, "5"):
            with pytest.raises(ValueError, match="deadline"):
                client.deadline = bad  # type: ignore[assignment]
        client.deadline = 2
        assert client.deadline == 2.0
        with pytest.raises(TypeError, match="Limits"):
            client.limits = {"max_response_bytes": 1}  # type: ignore[assignment]
    finally:
        client.close()
