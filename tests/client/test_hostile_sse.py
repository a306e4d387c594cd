"""The SSE decoder is linear and bounded (issue 13, item 3).

Correctness is checked against httpx-sse on streams with long lines cut into small reads; the
limits raise a typed error and give the connection back. Linear time is not timed here (a
shared machine): the decoder holds a long line as a list of pieces, which the last test
checks structurally; memory is bounded by `test_hostile_memory.py`.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from tokenmarket_client import DEFAULT_LIMITS, Limits, ResponseTooLargeError
from tokenmarket_client._sse import SSEDecoder, SSELimitError

from .conftest import MESSAGES, close, collect, make_client, resolve, wait_pool_idle
from .loopback import LoopbackServer, event_stream
from .test_sse import reference

pytestmark = pytest.mark.anyio

MiB = 1024 * 1024


def pieces_of(stream: bytes, size: int) -> list[bytes]:
    return [stream[at : at + size] for at in range(0, len(stream), size)]


def decode(pieces: list[bytes], **limits: int) -> list[tuple[str, bytes]]:
    decoder = SSEDecoder(**limits)
    events: list[tuple[str, bytes]] = []
    for piece in pieces:
        events.extend(decoder.feed(piece))
    return events


def test_a_4_mib_event_in_4_kib_reads_agrees_with_httpx_sse() -> None:
    data = b'{"arguments": "' + b"x" * (4 * MiB) + b'"}'
    stream = b": hi\r\nevent: big\r\ndata: " + data + b"\r\n\r\ndata: [DONE]\r\n\r\n"
    events = decode(pieces_of(stream, 4096))
    assert events == [("big", data), ("", b"[DONE]")]
    assert events == reference(stream)


@pytest.mark.parametrize("seed", range(20))
def test_random_streams_with_long_lines_agree_with_httpx_sse(seed: int) -> None:
    rng = random.Random(seed)
    newline = rng.choice([b"\n", b"\r\n", b"\r"])
    parts: list[bytes] = []
    for _ in range(rng.randint(1, 12)):
        kind = rng.random()
        if kind < 0.15:
            parts.append(b": keep-alive" + newline)
        elif kind < 0.3:
            parts.append(b"event: e" + str(rng.randint(0, 9)).encode() + newline)
        elif kind < 0.4:
            parts.append(b"id: 7" + newline)
        else:
            text = bytes(rng.choice(b'abc{}": ,') for _ in range(rng.choice([0, 5, 3000])))
            parts.append(b"data:" + rng.choice([b"", b" "]) + text + newline)
        if rng.random() < 0.4:
            parts.append(newline)
    stream = b"".join(parts) + newline
    expected = reference(stream)
    assert decode([stream]) == expected
    assert decode(pieces_of(stream, rng.choice([1, 7, 4096]))) == expected
    cuts = sorted(rng.sample(range(len(stream) + 1), min(6, len(stream) + 1)))
    split = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    assert decode(split) == expected


def test_a_long_line_is_held_in_pieces_not_rejoined_per_read() -> None:
    """What makes feeding linear: the pieces of an unfinished line are kept, not joined to
    every new read (which copied the whole line each time: quadratic)."""
    decoder = SSEDecoder()
    for _ in range(100):
        assert decoder.feed(b"a" * 4096) == []
    assert decoder._partial_size == 100 * 4096
    assert len(decoder._partial) == 100  # one piece per read, none joined yet
    assert decoder.feed(b"\n\n") == []  # an `a...` field without a colon: ignored


def test_the_line_limit() -> None:
    with pytest.raises(SSELimitError) as caught:
        decode(pieces_of(b"data: " + b"x" * 2000 + b"\n\n", 100), max_line=1024)
    assert caught.value.limit_name == "max_sse_line_bytes"
    with pytest.raises(SSELimitError):  # a whole line inside one read
        decode([b"data: " + b"x" * 2000 + b"\n\n"], max_line=1024)
    line = b"data: " + b"x" * 1000 + b"\n\n"
    assert decode([line], max_line=1024) == [("", b"x" * 1000)]  # up to it is fine


def test_the_event_limit() -> None:
    lines = b"data: " + b"x" * 100 + b"\n"
    with pytest.raises(SSELimitError) as caught:
        decode([lines * 20 + b"\n"], max_event=1024)
    assert caught.value.limit_name == "max_sse_event_bytes"
    assert decode([lines * 9 + b"\n"], max_event=1024) == [("", b"\n".join([b"x" * 100] * 9))]


def test_the_defaults_are_generous_and_limits_are_checked() -> None:
    assert DEFAULT_LIMITS.max_sse_line_bytes >= 8 * MiB
    assert DEFAULT_LIMITS.max_sse_event_bytes >= 8 * MiB
    assert DEFAULT_LIMITS.max_response_bytes >= 2048 * 3072 * 20  # a big float embeddings batch
    with pytest.raises(ValueError, match="max_sse_line_bytes"):
        Limits(max_sse_line_bytes=0)


def chunk_event(arguments: str) -> bytes:
    body: dict[str, Any] = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": None,
                "delta": {
                    "tool_calls": [
                        {"index": 0, "id": "t", "type": "function",
                         "function": {"name": "f", "arguments": arguments}}
                    ]
                },
            }
        ],
    }  # fmt: skip
    return b"data: " + json.dumps(body).encode() + b"\n\n"


async def test_a_4_mib_tool_call_chunk_passes_with_the_defaults(
    mode: str, server: LoopbackServer
) -> None:
    event = chunk_event("x" * (4 * MiB))
    server.push(event_stream([*pieces_of(event, 64 * 1024), b"data: [DONE]\n\n"]))
    client = make_client(mode, server.url)
    try:
        stream = await resolve(client.chat.completions.create(model="m", messages=MESSAGES,
                                                              stream=True))  # fmt: skip
        chunks = await collect(stream)
        assert len(chunks) == 1
    finally:
        await close(client)


@pytest.mark.parametrize("which", ["line", "event"])
async def test_past_a_limit_the_stream_raises_and_releases_the_connection(
    mode: str, server: LoopbackServer, which: str
) -> None:
    if which == "line":
        events = [b"data: " + b"x" * 1024] * 16  # one line, never ended
    else:
        events = [b"data: " + b"x" * 1000 + b"\n"] * 16  # lines, never a blank one
    server.push(event_stream(events, stall_after=16))
    client = make_client(mode, server.url)
    client.limits = Limits(max_sse_line_bytes=4096, max_sse_event_bytes=4096)
    try:
        stream = await resolve(client.chat.completions.create(model="m", messages=MESSAGES,
                                                              stream=True))  # fmt: skip
        with pytest.raises(ResponseTooLargeError) as caught:
            await collect(stream)
        assert caught.value.limit == 4096
        assert caught.value.limit_name == f"max_sse_{which}_bytes"
        assert caught.value.request_id == "req_stream"
        assert await wait_pool_idle(client)
    finally:
        await close(client)
