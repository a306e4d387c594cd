"""The kit's one load generator: how many requests per second the mock serves, over raw sockets.

Usage::

    python -m mock_server.loadtest [--kind chat|stream|speech:FMT] [--seconds 3]
                                   [--concurrency 16] [--max-requests 1000000] [--url URL]

Without ``--url`` it starts the mock (:mod:`mock_server.launcher`) with a fresh random key
(passed in the environment, never printed), loads it, and stops it. It refuses any URL that is
not on loopback. The client is a minimal HTTP/1.1 keep-alive client on raw asyncio sockets: a
closed loop of connections, each sending the same pre-encoded request and reading the answer
(Content-Length or chunked), so that it costs far less CPU per request than the server it
measures. It stops by itself after ``--seconds`` (at most 60) or ``--max-requests``, and prints
one JSON line: requests, errors, seconds, requests per second, latency percentiles, and for
streams the SSE events per second. ``bench`` uses :func:`run_load` too.

SSE events are counted one way everywhere (:func:`sse_events`): the ``data:`` events of a
body, the final ``data: [DONE]`` not included.

Kinds: ``chat`` is the public quick start (``"Reply with only OK."``, about 450 bytes back);
``stream`` is a streamed chat whose reply is 256 tokens (258 SSE events); ``speech:FMT`` is a
100-character text to speech in format FMT (6 s of audio).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from generator.spec import load_spec
from mock_server.launcher import is_loopback, start_mock

__all__ = ["MAX_SECONDS", "Load", "encode_request", "run_load", "sse_events"]

MAX_SECONDS: Final = 60.0
MAX_REQUESTS: Final = 1_000_000


def sse_events(body: bytes) -> int:
    """The number of ``data:`` events in an SSE body, ``data: [DONE]`` not counted."""
    starts = body.count(b"\n\ndata: ") + (1 if body.startswith(b"data: ") else 0)
    return starts - body.count(b"data: [DONE]")


def encode_request(host: str, path: str, token: str, body: dict[str, Any]) -> bytes:
    """One HTTP/1.1 POST of a JSON body, ready to send on a keep-alive connection."""
    payload = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one HTTP/1.1 response (Content-Length or chunked); return status and body."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = None
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if length is not None:
        return status, await reader.readexactly(length)
    if not chunked:
        raise RuntimeError("a response without Content-Length that is not chunked")
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return status, bytes(body)
        body += await reader.readexactly(size + 2)
        del body[-2:]


@dataclass
class Load:
    """What one load run saw."""

    requests: int = 0
    """Answers with status 200."""
    events: int = 0
    """SSE events in those answers (see :func:`sse_events`)."""
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        """Rates and latency percentiles, as the command line prints them."""
        latencies = sorted(self.latencies) or [0.0]
        seconds = self.seconds or 1e-9
        return {
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "requests_per_second": round(self.requests / seconds, 1),
            "sse_events_per_second": round(self.events / seconds, 1),
            "latency_ms_p50": round(statistics.median(latencies) * 1000, 2),
            "latency_ms_p99": round(latencies[int(0.99 * (len(latencies) - 1))] * 1000, 2),
        }


async def _worker(
    host: str, port: int, request: bytes, deadline: float, budget: list[int], load: Load
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            started = time.perf_counter()
            writer.write(request)
            status, body = await _response(reader)
            load.latencies.append(time.perf_counter() - started)
            if status != 200:
                load.errors += 1
                continue
            load.requests += 1
            if body.startswith(b"data:"):
                load.events += sse_events(body)
    finally:
        writer.close()


async def _run(
    url: str, request: bytes, seconds: float, connections: int, max_requests: int
) -> Load:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    load = Load()
    budget = [max_requests]
    started = time.perf_counter()
    deadline = started + min(seconds, MAX_SECONDS)
    await asyncio.gather(
        *(_worker(host, port, request, deadline, budget, load) for _ in range(connections))
    )
    load.seconds = time.perf_counter() - started
    return load


def run_load(
    url: str,
    token: str,
    path: str,
    body: dict[str, Any],
    seconds: float,
    connections: int,
    max_requests: int = MAX_REQUESTS,
) -> Load:
    """Send ``body`` to ``url + path`` from ``connections`` keep-alive connections, closed
    loop, for about ``seconds`` (at most :data:`MAX_SECONDS`) or ``max_requests`` requests."""
    if not is_loopback(url):
        raise ValueError("the load generator loads loopback servers only")
    request = encode_request(urlsplit(url).netloc, path, token, body)
    return asyncio.run(_run(url, request, seconds, connections, max_requests))


def _kind(kind: str) -> tuple[str, dict[str, object]]:
    """The path and JSON body of one request of ``kind``."""
    spec = load_spec()
    if kind in ("chat", "stream"):
        path = spec.operation("createChatCompletion").path
        text = "Reply with only OK." if kind == "chat" else "Reply with only " + "word " * 300
        body: dict[str, object] = {
            "model": "DeepSeek-V4-pro",
            "messages": [{"role": "user", "content": text}],
            "stream": kind == "stream",
        }
        return path, body
    if kind.startswith("speech:"):
        path = spec.operation("createSpeech").path
        return path, {"model": "tts", "voice": "alloy", "input": "x" * 100, "format": kind[7:]}
    raise SystemExit(f"unknown --kind {kind!r}")


def main(argv: list[str] | None = None) -> int:
    """Run one bounded load and print its measurements as JSON."""
    parser = argparse.ArgumentParser(prog="python -m mock_server.loadtest", description=__doc__)
    parser.add_argument("--kind", default="chat", help="chat, stream or speech:FMT")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=MAX_REQUESTS)
    parser.add_argument("--url", help="a running mock (loopback only); default: start one")
    parser.add_argument("--token", help="the key of the running mock at --url")
    args = parser.parse_args(argv)
    seconds = min(max(args.seconds, 0.1), MAX_SECONDS)
    path, body = _kind(args.kind)
    mock = None
    if args.url:
        if not is_loopback(args.url):
            raise SystemExit("--url must be a loopback address (127.0.0.0/8, ::1, localhost)")
        url, token = args.url, args.token or os.environ.get("TOKENMARKET_MOCK_TOKENS", "")
    else:
        token = secrets.token_urlsafe(24)
        mock = start_mock(token)
        url = mock.url
    try:
        load = run_load(url, token, path, body, seconds, args.concurrency, args.max_requests)
    finally:
        if mock is not None:
            mock.stop(timeout=15)
    print(json.dumps({"kind": args.kind, "concurrency": args.concurrency, **load.summary()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
