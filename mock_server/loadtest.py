"""A bounded loopback load generator for the mock: how many requests per second it serves.

Usage::

    python -m mock_server.loadtest [--kind chat|stream|speech:FMT] [--seconds 3]
                                   [--concurrency 16] [--max-requests 1000000] [--url URL]

Without ``--url`` it starts ``python -m mock_server --port 0`` with a fresh random key (passed
in the environment, never printed), loads it, and stops it. It refuses any URL that is not on
loopback. The client is a minimal HTTP/1.1 keep-alive client on raw asyncio sockets, so that
the Python client costs as little CPU as possible next to the server on a small machine. It
stops by itself after ``--seconds`` (at most 60) or ``--max-requests``, and prints one JSON
line: requests, errors, seconds, requests per second, latency percentiles, and for streams
the SSE events per second.

Kinds: ``chat`` is the public quick start (``"Reply with only OK."``, about 450 bytes back);
``stream`` is a streamed chat whose reply is 256 tokens (258 SSE events); ``speech:FMT`` is a
100-character text to speech in format FMT (6 s of audio).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

MAX_SECONDS: Final = 60.0
_LINE: Final = "mock_server listening on "


def _request(kind: str, host: str, token: str) -> tuple[str, bytes]:
    """The path and JSON body of one request of ``kind``."""
    if kind == "chat":
        path = "/v1/chat/completions"
        body: dict[str, object] = {
            "model": "DeepSeek-V4-pro",
            "provider": "dataeyes",
            "messages": [{"role": "user", "content": "Reply with only OK."}],
            "stream": False,
        }
    elif kind == "stream":
        path = "/v1/chat/completions"
        body = {
            "model": "m",
            "messages": [{"role": "user", "content": "Reply with only " + "word " * 300}],
            "stream": True,
        }
    elif kind.startswith("speech:"):
        path = "/v1/audio/speech"
        body = {"model": "tts", "voice": "alloy", "input": "x" * 100, "format": kind[7:]}
    else:
        raise SystemExit(f"unknown --kind {kind!r}")
    payload = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return path, head.encode() + payload


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one HTTP/1.1 response (Content-Length or chunked); return status and body."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    body = bytearray()
    while True:  # chunked transfer encoding
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return status, bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    events: int = 0
    sent: int = 0


async def _worker(
    host: str, port: int, request: bytes, deadline: float, limit: int, tally: _Tally
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < deadline and tally.sent < limit:
            tally.sent += 1
            started = time.perf_counter()
            writer.write(request)
            status, body = await _read_response(reader)
            tally.latencies.append(time.perf_counter() - started)
            if status != 200:
                tally.errors += 1
            tally.events += body.count(b"data: ")
    finally:
        writer.close()


async def run_load(
    url: str, token: str, kind: str, seconds: float, concurrency: int, limit: int
) -> dict[str, object]:
    """Load ``url`` and return the measurements."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    _, request = _request(kind, f"{host}:{port}", token)
    tally = _Tally()
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(
        *(_worker(host, port, request, deadline, limit, tally) for _ in range(concurrency))
    )
    elapsed = time.monotonic() - started
    done = len(tally.latencies)
    latencies = sorted(tally.latencies) or [0.0]
    result: dict[str, object] = {
        "kind": kind,
        "concurrency": concurrency,
        "requests": done,
        "errors": tally.errors,
        "seconds": round(elapsed, 3),
        "requests_per_second": round(done / elapsed, 1),
        "latency_ms_p50": round(statistics.median(latencies) * 1000, 2),
        "latency_ms_p99": round(latencies[int(0.99 * (len(latencies) - 1))] * 1000, 2),
    }
    if kind == "stream":
        result["sse_events_per_second"] = round(tally.events / elapsed, 1)
    return result


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _start_mock(token: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "TOKENMARKET_MOCK_TOKENS": token}
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith(_LINE):
        process.kill()
        raise SystemExit(f"the mock did not start: {line!r}")
    return process, line[len(_LINE) :].strip()


def main(argv: list[str] | None = None) -> int:
    """Run one bounded load and print its measurements as JSON."""
    parser = argparse.ArgumentParser(prog="python -m mock_server.loadtest", description=__doc__)
    parser.add_argument("--kind", default="chat", help="chat, stream or speech:FMT")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--url", help="a running mock (loopback only); default: start one")
    parser.add_argument("--token", help="the key of the running mock at --url")
    args = parser.parse_args(argv)
    seconds = min(max(args.seconds, 0.1), MAX_SECONDS)
    process = None
    if args.url:
        if not _is_loopback(args.url):
            raise SystemExit("--url must be a loopback address (127.0.0.0/8, ::1, localhost)")
        url, token = args.url, args.token or os.environ.get("TOKENMARKET_MOCK_TOKENS", "")
    else:
        token = secrets.token_urlsafe(24)
        process, url = _start_mock(token)
    try:
        result = asyncio.run(
            run_load(url, token, args.kind, seconds, args.concurrency, args.max_requests)
        )
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=15)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
