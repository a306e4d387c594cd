"""How fast the mock serves: requests per second (small chat) and SSE chunks per second.

A closed loop of keep-alive connections on raw asyncio sockets, each sending the same
pre-encoded request and reading the answer (Content-Length or chunked), so that the load
generator costs far less CPU per request than the mock (one uvicorn worker) it measures.
Bounded by time and by a request cap.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from bench import payloads

MAX_REQUESTS: Final = 200_000


@dataclass
class Load:
    """What one load run saw."""

    requests: int
    events: int
    errors: int
    seconds: float


def _request(host: str, path: str, token: str, body: dict[str, object]) -> bytes:
    data = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
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


async def _worker(url: str, request: bytes, deadline: float, budget: list[int], load: Load) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            writer.write(request)
            status, body = await _response(reader)
            if status != 200:
                load.errors += 1
                continue
            load.requests += 1
            if body.startswith(b"data:"):
                load.events += body.count(b"\n\ndata: ") + 1 - body.count(b"data: [DONE]")
    finally:
        writer.close()


async def _run(url: str, request: bytes, seconds: float, connections: int) -> Load:
    load = Load(0, 0, 0, 0.0)
    budget = [MAX_REQUESTS]
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(_worker(url, request, deadline, budget, load) for _ in range(connections))
    )
    load.seconds = time.perf_counter() - started
    return load


def run(url: str, token: str, kind: str, seconds: float, connections: int) -> Load:
    """Load the mock at `url` with `kind` (`chat` or `stream`) for about `seconds`."""
    host = urlsplit(url).netloc
    body = payloads.chat_body() if kind == "chat" else payloads.stream_body()
    request = _request(host, "/v1/chat/completions", token, body)
    return asyncio.run(_run(url, request, seconds, connections))
