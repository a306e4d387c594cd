"""Fixtures of the client tests: the loopback server, clients in both modes, pool checks.

Tests that should hold for the sync and the async client take the `mode` fixture and are
written once as `async def` (anyio's pytest plugin runs them): in sync mode they call the sync
client directly (the loopback server has its own threads, so blocking is fine) and the helpers
below await only what is awaitable.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tokenmarket_client import AsyncStream, AsyncTokenMarket, RetryPolicy, TokenMarket

from .loopback import LoopbackServer

KEY = "tm-secret-key-7f3c2a9e"
"""A key distinctive enough to search logs and messages for."""
FAST = RetryPolicy(initial_delay=0.001, max_delay=0.004)
DATA = Path(__file__).parent / "data"
MESSAGES: list[Any] = [{"role": "user", "content": "Reply with only OK."}]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    running = LoopbackServer()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


def make_client(mode: str, base_url: str, **options: Any) -> Any:
    """A `TokenMarket` or `AsyncTokenMarket` with fast retries (unless told otherwise)."""
    options.setdefault("api_key", KEY)
    options.setdefault("retry_policy", FAST)
    options.setdefault("timeout", httpx.Timeout(5.0))
    cls = TokenMarket if mode == "sync" else AsyncTokenMarket
    return cls(base_url=base_url, **options)


async def resolve(value: Any) -> Any:
    """`value`, awaited if it is awaitable (a coroutine of the async client)."""
    if inspect.isawaitable(value):
        return await value
    return value


async def collect(stream: Any) -> list[Any]:
    """Every chunk of a sync or async stream."""
    if isinstance(stream, AsyncStream):
        return [chunk async for chunk in stream]
    return list(stream)


async def close(client: Any) -> None:
    await resolve(client.close())


def record_sleeps(monkeypatch: pytest.MonkeyPatch, client: Any) -> list[float]:
    """Make the client's retry waits instant, and return the list of delays it asked for."""
    delays: list[float] = []
    if isinstance(client, AsyncTokenMarket):

        async def async_sleep(seconds: float) -> None:
            delays.append(seconds)

        monkeypatch.setattr(client, "_sleep", async_sleep)
    else:

        def sleep(seconds: float) -> None:
            delays.append(seconds)

        monkeypatch.setattr(client, "_sleep", sleep)
    return delays


def pool(client: Any) -> Any:
    """The httpcore connection pool under the client's httpx client."""
    return client._client._transport._pool


def pool_idle(client: Any) -> bool:
    """No request in flight and no connection checked out of the pool."""
    connections = pool(client).connections
    busy = [c for c in connections if not (c.is_idle() or c.is_closed())]
    return not pool(client)._requests and not busy


async def wait_pool_idle(client: Any) -> bool:
    """`pool_idle`, giving the event loop a few turns to finalize abandoned async generators."""
    for _ in range(100):
        if pool_idle(client):
            return True
        await asyncio.sleep(0.01)
    return pool_idle(client)


@pytest.fixture
def recorded_stream() -> bytes:
    """A chat stream as a gateway sends it: keep-alives, reasoning, UTF-8, tool calls, usage."""
    return (DATA / "chat_stream.sse").read_bytes()


async def achunks(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk
