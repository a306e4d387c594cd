"""The byte-level SSE decoder: every split of a recorded stream, line endings, the WHATWG
rules, and agreement with httpx-sse (the team's reference decoder) on random streams."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest
from httpx_sse._decoders import SSEDecoder as ReferenceDecoder
from httpx_sse._decoders import SSELineDecoder as ReferenceLines
from tokenmarket_client._sse import SSEDecoder


def decode(pieces: list[bytes]) -> list[tuple[str, bytes]]:
    decoder = SSEDecoder()
    events: list[tuple[str, bytes]] = []
    for piece in pieces:
        events.extend(decoder.feed(piece))
    return events


def reference(stream: bytes) -> list[tuple[str, bytes]]:
    """httpx-sse's reading of a whole stream: its line splitting and field parsing, keeping
    only events that had a `data` line (the WHATWG rule; httpx-sse also dispatches the others)."""
    lines = ReferenceLines()
    decoder = ReferenceDecoder()
    events: list[tuple[str, bytes]] = []
    has_data = False
    for line in [*lines.decode(stream.decode("utf-8")), *lines.flush()]:
        if line.partition(":")[0] == "data":
            has_data = True
        event = decoder.decode(line)
        if event is not None:
            if has_data:
                name = "" if event.event == "message" else event.event
                events.append((name, event.data.encode()))
            has_data = False
    return events


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_every_split_of_the_recorded_stream(recorded_stream: bytes, newline: bytes) -> None:
    stream = recorded_stream.replace(b"\n", newline)
    whole = decode([stream])
    assert len(whole) == 12  # 11 chunks and [DONE]
    assert whole[-1] == ("", b"[DONE]")
    for at in range(len(stream) + 1):
        assert decode([stream[:at], stream[at:]]) == whole, at


def test_one_byte_at_a_time(recorded_stream: bytes) -> None:
    crlf = recorded_stream.replace(b"\n", b"\r\n")
    for stream in (recorded_stream, crlf):
        assert decode([stream[i : i + 1] for i in range(len(stream))]) == decode([stream])


def test_random_splits_into_many_pieces(recorded_stream: bytes) -> None:
    rng = random.Random(20261125)
    whole = decode([recorded_stream])
    for _ in range(300):
        cuts = sorted(rng.sample(range(1, len(recorded_stream)), rng.randint(2, 40)))
        bounds = [0, *cuts, len(recorded_stream)]
        pieces = [recorded_stream[a:b] for a, b in pairwise(bounds)]
        assert decode(pieces) == whole


def test_whatwg_rules() -> None:
    stream = (
        b"\xef\xbb\xbf: a comment first\n"
        b"data: one\n\n"
        b"data:two-no-space\n\n"
        b"data:  three-two-spaces\n\n"
        b"event: error\ndata: {}\n\n"
        b"data: a\ndata: b\n\n"
        b"id: 7\nretry: 100\n\n"  # no data: nothing is dispatched
        b"data\n\n"  # a field without a colon: empty data
        b"unknown: field\ndata: x\n\n"
        b"event: named\n\n"  # no data: nothing is dispatched, and the name is reset
        b"data: y\n\n"
        b"data: unterminated"
    )
    assert decode([stream]) == [
        ("", b"one"),
        ("", b"two-no-space"),
        ("", b" three-two-spaces"),
        ("error", b"{}"),
        ("", b"a\nb"),
        ("", b""),
        ("", b"x"),
        ("", b"y"),
    ]
    decoder = SSEDecoder()
    decoder.feed(stream)
    assert decoder.pending, "a body that ends inside an event is visible"


def test_bom_split_across_reads() -> None:
    assert decode([b"\xef", b"\xbb", b"\xbfdata: x\n\n"]) == [("", b"x")]
    assert decode([b"\xef\xbb\xbf", b"data: x\n\n"]) == [("", b"x")]


def test_cr_at_the_end_of_a_read_then_lf() -> None:
    assert decode([b"data: x\r", b"\n\r", b"\n"]) == [("", b"x")]
    assert decode([b"data: x\r", b"\r"]) == [("", b"x")]


def test_utf8_split_inside_a_character() -> None:
    text = "data: Olá 👋\n\n".encode()
    for at in range(len(text) + 1):
        assert decode([text[:at], text[at:]]) == [("", "Olá 👋".encode())]


def test_agrees_with_httpx_sse_on_random_streams() -> None:
    rng = random.Random(7)
    atoms = [
        "data: {}\n",
        "data: x\n",
        "data:y\n",
        "\n",
        ": keep-alive\n",
        "event: e\n",
        "id: 1\n",
        "retry: 5\n",
        "data: é 👋\n",
        "field: ignored\n",
        "\r\n",
        "data: z\r\n",
        "data: w\r",
    ]
    for _ in range(500):
        stream = "".join(rng.choice(atoms) for _ in range(rng.randint(1, 30))).encode()
        assert decode([stream]) == reference(stream), stream
