"""The bounded gzip/deflate decoder agrees with httpx's and never produces a big piece.

httpx decodes each socket read in one call; `_decoding` uses zlib's `max_length` so that a
bomb's pieces stay at `DECODE_PIECE` bytes. Checked on real httpx responses, sync and async.
"""

from __future__ import annotations

import random
import zlib

import httpx
import pytest
from tokenmarket_client._decoding import DECODE_PIECE, aiter_decoded, iter_decoded

pytestmark = pytest.mark.anyio


def compress(data: bytes, encoding: str) -> bytes:
    wbits = {"gzip": 31, "deflate": 15, "raw-deflate": -15}[encoding]
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


def response(body: bytes, encoding: str, piece: int = 7000) -> httpx.Response:
    """A streamed response whose raw body arrives in `piece`-byte reads."""
    name = "deflate" if encoding == "raw-deflate" else encoding
    chunks = [body[at : at + piece] for at in range(0, len(body), piece)]

    class Raw(httpx.SyncByteStream, httpx.AsyncByteStream):
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield from chunks

        async def __aiter__(self):  # type: ignore[no-untyped-def]
            for chunk in chunks:
                yield chunk

    request = httpx.Request("POST", "http://test/")
    return httpx.Response(200, headers={"content-encoding": name}, stream=Raw(), request=request)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
@pytest.mark.parametrize("seed", range(3))
def test_agrees_with_httpx(encoding: str, seed: int) -> None:
    rng = random.Random(seed)
    data = bytes(rng.getrandbits(8) for _ in range(50_000)) + b"\0" * 3_000_000
    body = compress(data, encoding)
    ours = b"".join(iter_decoded(response(body, encoding)))
    theirs = response(body, encoding).read()
    assert ours == theirs == data


def test_a_bomb_comes_in_small_pieces() -> None:
    body = compress(b"\0" * (64 * 1024 * 1024), "gzip")
    sizes = [len(piece) for piece in iter_decoded(response(body, "gzip", piece=64 * 1024))]
    assert sum(sizes) == 64 * 1024 * 1024
    assert max(sizes) <= DECODE_PIECE  # httpx: one piece of up to 64 MB per read


def test_recut_and_identity() -> None:
    body = compress(b"abc" * 100_000, "gzip")
    pieces = list(iter_decoded(response(body, "gzip"), 4096))
    assert all(len(piece) == 4096 for piece in pieces[:-1])
    assert b"".join(pieces) == b"abc" * 100_000
    plain = httpx.Response(200, content=b"plain")
    assert b"".join(iter_decoded(plain)) == b"plain"


def test_a_body_that_does_not_decode() -> None:
    with pytest.raises(httpx.DecodingError):
        list(iter_decoded(response(b"\x1f\x8b not gzip", "gzip")))
    with pytest.raises(httpx.DecodingError):
        list(iter_decoded(response(b"not deflate at all", "deflate")))


async def test_async() -> None:
    data = b"xyz" * 500_000
    body = compress(data, "gzip")
    pieces = [piece async for piece in aiter_decoded(response(body, "gzip"))]
    assert b"".join(pieces) == data
    assert max(len(piece) for piece in pieces) <= DECODE_PIECE
    recut = [piece async for piece in aiter_decoded(response(body, "gzip"), 1000)]
    assert b"".join(recut) == data
