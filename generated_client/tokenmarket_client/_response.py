# Laid in from overrides/tokenmarket_client/_response.py by `nox -s generate`: edit it there and regenerate, not here.
"""What a call returns besides a parsed model: raw responses and binary (audio) bodies.

- `APIResponse[R]`: the HTTP answer behind any result (`with_raw_response`): status, headers,
  body, and `parse()` for the result the plain call would have returned.
- `BinaryResponse` / `AsyncBinaryResponse`: a binary body that was read whole (speech).
- `StreamedBinaryResponse` / `AsyncStreamedBinaryResponse`: a binary body read as it arrives,
  never held whole (`with_streaming_response`); `stream_to_file` writes in constant memory.
  Its `read()` holds at most `Limits.max_response_bytes` (decoded), like a non-streamed body.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, TypeVar

import httpx

from . import _json
from ._closing import AsyncClosesOnExit, ClosesOnExit
from ._decoding import aiter_decoded, iter_decoded
from ._exceptions import (
    APIResponseValidationError,
    APITimeoutError,
    ResponseTooLargeError,
    StreamInterruptedError,
    TokenMarketError,
    excerpt,
    redact,
)
from ._headers import ResponseInfo
from ._limits import DEFAULT_LIMITS, LIMITS_EXTENSION, Limits

if TYPE_CHECKING:
    from ._streaming import AsyncStream, Stream

R = TypeVar("R")
CHUNK_SIZE = 64 * 1024
"""Bytes per piece when writing audio to a file or iterating a body already read."""


class _Model(Protocol):
    _headers: httpx.Headers | None

    @classmethod
    def model_validate_json(cls, json_data: bytes, /) -> Self: ...


M = TypeVar("M", bound=_Model)
B = TypeVar("B", bound="_BinaryBase")


def reason(exc: Exception) -> str:
    """A one-line account of why a body did not parse (pydantic's reports run to many lines)."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            found = errors(include_url=False, include_input=False)
        except TypeError:
            found = None
        if found:
            first = found[0]
            where = ".".join(str(part) for part in first.get("loc", ())) or "(root)"
            count = len(found)
            more = f", and {count - 1} more" if count > 1 else ""
            noun = "error" if count == 1 else "errors"
            message = first.get("msg")
            return f"{type(exc).__name__}: {count} validation {noun}: {where}: {message}{more}"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def invalid_answer(
    response: httpx.Response, body: bytes, name: str, exc: Exception, secret: str | None
) -> APIResponseValidationError:
    """The error for a 2xx answer that is not what the spec says: URL, request id, excerpt."""
    return APIResponseValidationError(
        f"The {response.status_code} answer to {response.request.method} "
        f"{response.request.url.copy_with(query=None)} is not a valid {name} "
        f"({redact(reason(exc), secret)}); body: {excerpt(body, secret)!r} "
        f"(request_id={response.headers.get('x-request-id')})",
        response=response,
        body=body,
    )


def parse_json(response: httpx.Response, cls: type[M], *, secret: str | None = None) -> M:
    """The body as the result model `cls`, validated straight from the bytes, headers attached."""
    body = response.read()
    try:
        result = cls.model_validate_json(body)
    except ValueError as exc:  # pydantic's ValidationError is one
        raise invalid_answer(response, body, cls.__name__, exc, secret) from exc
    # Straight into the instance: pydantic's __setattr__ would only get there more slowly.
    object.__setattr__(result, "_headers", response.headers)
    return result


def _unread() -> TokenMarketError:
    return TokenMarketError(
        "The body of a streamed answer is not read: iterate `parse()` (the stream) instead"
    )


def _used_up(exc: httpx.StreamError) -> TokenMarketError:
    return TokenMarketError(
        f"The body can be read once, inside its `with` block ({type(exc).__name__})"
    )


def json_parser(cls: type[M]) -> Callable[[httpx.Response, str], M]:
    """The parser of an operation whose answer is the JSON of `cls`."""

    def parse(response: httpx.Response, secret: str) -> M:
        return parse_json(response, cls, secret=secret)

    return parse


def stream_parser(cls: type[M]) -> Callable[[httpx.Response, str], Stream[M]]:
    """The parser of a streamed call whose events carry the JSON of `cls`."""
    from ._streaming import Stream

    # The validator itself: `model_validate_json` is a Python wrapper around it (0.35 µs).
    validate: Callable[[bytes], M] = cls.__pydantic_validator__.validate_json  # type: ignore[attr-defined]

    def parse(response: httpx.Response, secret: str) -> Stream[M]:
        return Stream(response, validate, secret=secret)

    return parse


def async_stream_parser(cls: type[M]) -> Callable[[httpx.Response, str], AsyncStream[M]]:
    """`stream_parser` for the async client."""
    from ._streaming import AsyncStream

    validate: Callable[[bytes], M] = cls.__pydantic_validator__.validate_json  # type: ignore[attr-defined]

    def parse(response: httpx.Response, secret: str) -> AsyncStream[M]:
        return AsyncStream(response, validate, secret=secret)

    return parse


def binary_parser(cls: type[B]) -> Callable[[httpx.Response, str], B]:
    """The parser of an operation whose answer is bytes (`BinaryResponse` and its kin)."""

    def parse(response: httpx.Response, secret: str) -> B:
        return cls(response)

    return parse


class _RawResponse(ResponseInfo, Generic[R]):
    """The raw HTTP answer of a call; `parse()` gives what the plain call returns.

    For a streamed call (`stream=True`) the body is not read: `parse()` returns the stream.
    """

    __slots__ = ("_headers", "_parse", "_parsed", "http_response")

    http_response: httpx.Response
    """The httpx response itself."""

    def __init__(self, response: httpx.Response, parse: Callable[[httpx.Response], R]) -> None:
        self.http_response = response
        self._headers = response.headers
        self._parse = parse
        self._parsed: list[R] = []

    def __repr__(self) -> str:
        return f"<APIResponse {self.status_code} request_id={self.request_id}>"

    @property
    def status_code(self) -> int:
        """The HTTP status."""
        return self.http_response.status_code

    @property
    def url(self) -> httpx.URL:
        """The URL that was requested."""
        return self.http_response.request.url

    @property
    def content(self) -> bytes:
        """The body's bytes (not available for a stream before it is read)."""
        try:
            return self.http_response.content
        except httpx.ResponseNotRead as exc:
            raise _unread() from exc

    @property
    def text(self) -> str:
        """The body as text."""
        try:
            return self.http_response.text
        except httpx.ResponseNotRead as exc:
            raise _unread() from exc

    def json(self) -> Any:  # noqa: ANN401 (any JSON value)
        """The body as JSON, untyped."""
        return _json.loads(self.content)

    def parse(self) -> R:
        """The result the plain call returns (parsed once, then cached)."""
        if not self._parsed:
            self._parsed.append(self._parse(self.http_response))
        return self._parsed[0]


class APIResponse(_RawResponse[R]):
    """The raw HTTP answer of a call of `TokenMarket`; `parse()` gives the result."""

    __slots__ = ()

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body as it arrives (in `with_streaming_response`, where it is not read yet)."""
        yield from self.http_response.iter_bytes(chunk_size)

    def iter_lines(self) -> Iterator[str]:
        """The body's lines as they arrive."""
        yield from self.http_response.iter_lines()

    def read(self) -> bytes:
        """Read the whole body (needed before `parse()` in `with_streaming_response`)."""
        return self.http_response.read()

    def close(self) -> None:
        """Release the connection (the end of a `with_streaming_response` block does it)."""
        self.http_response.close()


class AsyncAPIResponse(_RawResponse[R]):
    """The raw HTTP answer of a call of `AsyncTokenMarket`; `parse()` gives the result."""

    __slots__ = ()

    async def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The body as it arrives (in `with_streaming_response`, where it is not read yet)."""
        async for piece in self.http_response.aiter_bytes(chunk_size):
            yield piece

    async def iter_lines(self) -> AsyncIterator[str]:
        """The body's lines as they arrive."""
        async for line in self.http_response.aiter_lines():
            yield line

    async def read(self) -> bytes:
        """Read the whole body (needed before `parse()` in `with_streaming_response`)."""
        return await self.http_response.aread()

    async def close(self) -> None:
        """Release the connection (the end of a `with_streaming_response` block does it)."""
        await self.http_response.aclose()


def _content_type(headers: httpx.Headers) -> str:
    value: str = headers.get("content-type", "application/octet-stream")
    return value.split(";", 1)[0].strip()


def _max_bytes(response: httpx.Response) -> int:
    limits = response.request.extensions.get(LIMITS_EXTENSION)
    return (limits if isinstance(limits, Limits) else DEFAULT_LIMITS).max_response_bytes


def _too_large(response: httpx.Response, limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"The body is larger than {limit} bytes after decompression (Limits.max_response_bytes);"
        f" read it with iter_bytes() or stream_to_file() instead "
        f"(request_id={response.headers.get('x-request-id')})",
        limit=limit,
        limit_name="max_response_bytes",
        response=response,
    )


def _cut_short(
    response: httpx.Response, exc: httpx.HTTPError
) -> APITimeoutError | StreamInterruptedError:
    request_id = response.headers.get("x-request-id")
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"The body stalled past the read timeout (request_id={request_id})",
            request=response.request,
        )
    return StreamInterruptedError(
        f"The body ended early ({type(exc).__name__}: {exc}) (request_id={request_id})",
        request=response.request,
    )


class _BinaryBase(ResponseInfo):
    __slots__ = ("_headers", "response")

    response: httpx.Response
    """The httpx response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._headers = response.headers

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.content_type} "
            f"length={self.headers.get('content-length')} request_id={self.request_id}>"
        )

    @property
    def content_type(self) -> str:
        """The media type of the body, e.g. `audio/mpeg` (without parameters)."""
        return _content_type(self.headers)


class BinaryResponse(_BinaryBase):
    """A binary answer (speech audio) read whole: `content`, or pieces, or a file."""

    __slots__ = ()

    @property
    def content(self) -> bytes:
        """All the bytes."""
        return self.response.content

    def iter_bytes(self, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The bytes in pieces of `chunk_size`."""
        view = memoryview(self.response.content)
        for start in range(0, len(view), chunk_size):
            yield bytes(view[start : start + chunk_size])

    def stream_to_file(self, path: str | os.PathLike[str]) -> int:
        """Write the bytes to `path` (no copy is made); return how many were written."""
        content = self.response.content
        with open(path, "wb") as file:
            file.write(content)
        return len(content)


class AsyncBinaryResponse(_BinaryBase):
    """`BinaryResponse` for the async client: the same, with coroutines for I/O."""

    __slots__ = ()

    @property
    def content(self) -> bytes:
        """All the bytes."""
        return self.response.content

    async def iter_bytes(self, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        """The bytes in pieces of `chunk_size`."""
        view = memoryview(self.response.content)
        for start in range(0, len(view), chunk_size):
            yield bytes(view[start : start + chunk_size])

    async def stream_to_file(self, path: str | os.PathLike[str]) -> int:
        """Write the bytes to `path` in a worker thread; return how many were written."""
        import anyio  # the event loop's thread pool, asyncio or trio

        content = self.response.content

        def write() -> None:
            with open(path, "wb") as file:
                file.write(content)

        await anyio.to_thread.run_sync(write)
        return len(content)


class StreamedBinaryResponse(_BinaryBase, ClosesOnExit):
    """A binary answer read as it arrives, never held whole. Use it in a `with` block."""

    __slots__ = ("_body",)
    _body: bytes

    def close(self) -> None:
        """Release the connection (unread bytes are dropped)."""
        self.response.close()

    def __del__(self) -> None:
        # Dropped without `with` or `close()`: give the connection back all the same.
        if not self.response.is_closed:
            with contextlib.suppress(Exception):
                self.response.close()

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The bytes as they arrive (or re-cut to `chunk_size`)."""
        try:
            yield from iter_decoded(self.response, chunk_size)
        except httpx.HTTPError as exc:  # also a DecodingError: a body that does not decompress
            raise _cut_short(self.response, exc) from exc
        except httpx.StreamError as exc:  # read before, or closed
            raise _used_up(exc) from exc

    def read(self) -> bytes:
        """Read the rest of the body into memory and return all of it (at most
        `Limits.max_response_bytes`, else `ResponseTooLargeError`)."""
        body: bytes | None = getattr(self, "_body", None)
        if body is not None:
            return body
        limit = _max_bytes(self.response)
        pieces: list[bytes] = []
        size = 0
        try:
            for piece in self.iter_bytes():
                size += len(piece)
                if size > limit:
                    raise _too_large(self.response, limit)
                pieces.append(piece)
        finally:
            self.close()
        self._body = b"".join(pieces)
        return self._body

    @property
    def content(self) -> bytes:
        """All the bytes (reads the body whole: prefer `iter_bytes` or `stream_to_file`)."""
        return self.read()

    def stream_to_file(self, path: str | os.PathLike[str], chunk_size: int | None = None) -> int:
        """Write the body to `path` as it arrives, in constant memory; return the byte count."""
        written = 0
        with open(path, "wb") as file:
            for piece in self.iter_bytes(chunk_size):
                file.write(piece)
                written += len(piece)
        return written


class AsyncStreamedBinaryResponse(_BinaryBase, AsyncClosesOnExit):
    """`StreamedBinaryResponse` for the async client. Use it in an `async with` block."""

    __slots__ = ("_body",)
    _body: bytes

    async def close(self) -> None:
        """Release the connection (unread bytes are dropped)."""
        await self.response.aclose()

    async def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The bytes as they arrive (or re-cut to `chunk_size`)."""
        try:
            async for piece in aiter_decoded(self.response, chunk_size):
                yield piece
        except httpx.HTTPError as exc:  # also a DecodingError: a body that does not decompress
            raise _cut_short(self.response, exc) from exc
        except httpx.StreamError as exc:  # read before, or closed
            raise _used_up(exc) from exc

    async def read(self) -> bytes:
        """Read the rest of the body into memory and return all of it (at most
        `Limits.max_response_bytes`, else `ResponseTooLargeError`)."""
        body: bytes | None = getattr(self, "_body", None)
        if body is not None:
            return body
        limit = _max_bytes(self.response)
        pieces: list[bytes] = []
        size = 0
        try:
            async for piece in self.iter_bytes():
                size += len(piece)
                if size > limit:
                    raise _too_large(self.response, limit)
                pieces.append(piece)
        finally:
            await self.close()
        self._body = b"".join(pieces)
        return self._body

    async def stream_to_file(
        self, path: str | os.PathLike[str], chunk_size: int | None = None
    ) -> int:
        """Write the body to `path` as it arrives, in constant memory; return the byte count.

        Each piece is written from a worker thread, so the event loop never waits on the disk.
        """
        import anyio

        written = 0
        async with await anyio.open_file(path, "wb") as file:
            async for piece in self.iter_bytes(chunk_size):
                await file.write(piece)
                written += len(piece)
        return written


class _Closes(Protocol):
    def close(self) -> None: ...


class _AsyncCloses(Protocol):
    def close(self) -> Awaitable[None]: ...


C = TypeVar("C", bound=_Closes)
AC = TypeVar("AC", bound=_AsyncCloses)


class StreamingCall(Generic[C]):
    """A call made on entering a `with` block; the block gets its response, closed on exit."""

    __slots__ = ("_entered", "_make")

    def __init__(self, make: Callable[[], C]) -> None:
        self._make = make
        self._entered: C | None = None

    def __enter__(self) -> C:
        self._entered = self._make()
        return self._entered

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        entered, self._entered = self._entered, None
        if entered is not None:
            entered.close()


class AsyncStreamingCall(Generic[AC]):
    """A call made on entering an `async with` block; the block gets its response, closed on
    exit."""

    __slots__ = ("_entered", "_make")

    def __init__(self, make: Callable[[], Awaitable[AC]]) -> None:
        self._make = make
        self._entered: AC | None = None

    async def __aenter__(self) -> AC:
        self._entered = await self._make()
        return self._entered

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        entered, self._entered = self._entered, None
        if entered is not None:
            await entered.close()
