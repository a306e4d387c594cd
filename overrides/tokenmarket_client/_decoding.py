"""A response's decoded bytes in pieces of bounded size, whatever the compression ratio.

httpx decodes each read of the socket in one call (`zlib.decompressobj().decompress(data)`),
so 64 KiB of gzip that unpacks 1,000 to 1 becomes 64 MB at once, before any limit can count
it. Here gzip and deflate are decoded with zlib's `max_length`, `DECODE_PIECE` bytes at a time,
so no more than that is ever produced ahead of the limit that reads it. Identity bodies, and
encodings zlib does not do (`br`, `zstd`, several encodings in a row), go through httpx's own
`iter_bytes()`. A body that does not decode raises httpx's `DecodingError`, as httpx would.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Final

import httpx

DECODE_PIECE: Final = 256 * 1024
"""The most decoded bytes produced at once from a compressed body."""

_GZIP: Final = frozenset({"gzip", "x-gzip"})


def _encoding(response: httpx.Response) -> str:
    value: str = response.headers.get("content-encoding", "")
    return value.strip().lower()


class _Inflater:
    """zlib, bounded: gzip, or deflate with or without its zlib header (as httpx reads it)."""

    __slots__ = ("_first", "_inflate", "_raw_fallback", "_request")

    def __init__(self, encoding: str, request: httpx.Request) -> None:
        self._raw_fallback = encoding == "deflate"
        self._first = True
        self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 16 if encoding in _GZIP else 15)
        self._request = request

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            while data:
                piece = self._inflate.decompress(data, DECODE_PIECE)
                self._first = False
                data = self._inflate.unconsumed_tail
                if piece:
                    yield piece
                if self._inflate.eof:
                    return  # what follows the end of the stream is ignored, as httpx does
        except zlib.error as exc:
            if self._first and self._raw_fallback:  # deflate without its zlib header
                self._raw_fallback = False
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                yield from self.feed(data)
                return
            raise httpx.DecodingError(str(exc), request=self._request) from exc

    def flush(self) -> bytes:
        try:
            return self._inflate.flush()
        except zlib.error as exc:
            raise httpx.DecodingError(str(exc), request=self._request) from exc


def _compressed(response: httpx.Response) -> str | None:
    encoding = _encoding(response)
    return encoding if encoding in _GZIP or encoding == "deflate" else None


def iter_decoded(response: httpx.Response, chunk_size: int | None = None) -> Iterator[bytes]:
    """The decoded body, in pieces of at most `DECODE_PIECE` bytes when it is gzip or deflate
    (or re-cut to `chunk_size`); any other body is httpx's `iter_bytes(chunk_size)` itself."""
    encoding = _compressed(response)
    if encoding is None:
        return response.iter_bytes(chunk_size)
    pieces = _inflate(response, encoding)
    return pieces if chunk_size is None else _recut(pieces, chunk_size)


def _inflate(response: httpx.Response, encoding: str) -> Iterator[bytes]:
    inflater = _Inflater(encoding, response.request)
    for raw in response.iter_raw():
        yield from inflater.feed(raw)
    tail = inflater.flush()
    if tail:
        yield tail


def _recut(pieces: Iterator[bytes], size: int) -> Iterator[bytes]:
    held = bytearray()
    for piece in pieces:
        held += piece
        while len(held) >= size:
            yield bytes(held[:size])
            del held[:size]
    if held:
        yield bytes(held)


def aiter_decoded(response: httpx.Response, chunk_size: int | None = None) -> AsyncIterator[bytes]:
    """`iter_decoded` for an async response."""
    encoding = _compressed(response)
    if encoding is None:
        return response.aiter_bytes(chunk_size)
    pieces = _ainflate(response, encoding)
    return pieces if chunk_size is None else _arecut(pieces, chunk_size)


async def _ainflate(response: httpx.Response, encoding: str) -> AsyncIterator[bytes]:
    inflater = _Inflater(encoding, response.request)
    async for raw in response.aiter_raw():
        for piece in inflater.feed(raw):
            yield piece
    tail = inflater.flush()
    if tail:
        yield tail


async def _arecut(pieces: AsyncIterator[bytes], size: int) -> AsyncIterator[bytes]:
    held = bytearray()
    async for piece in pieces:
        held += piece
        while len(held) >= size:
            yield bytes(held[:size])
            del held[:size]
    if held:
        yield bytes(held)
