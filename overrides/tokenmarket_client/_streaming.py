"""Server-sent-event streams of typed chunks, sync and async, and a helper that assembles them.

A `Stream` is what `chat.completions.create(..., stream=True)` returns once the server has
answered 2xx with `text/event-stream`. Iterating it yields one result model per event (the
generated `ChatCompletionChunk`, validated straight from the event's bytes with pydantic's
`model_validate_json`; provider extras stay in `model_extra`) and stops at `data: [DONE]`.
Comment lines and keep-alives are skipped. An event whose data is an
error envelope raises the typed error of its code. A body that ends, or a connection that
breaks, before `[DONE]` raises `StreamInterruptedError`; a stall longer than the read timeout
raises `APITimeoutError`. Nothing is retried once a stream has yielded data. A line or an event
larger than the client's `Limits` (16 MiB each by default) raises `ResponseTooLargeError` and
closes the connection; so does the call's `deadline`, with `DeadlineExceededError`.

The connection goes back to the pool when the stream ends, when `close()` is called, when a
`with` block exits, and when a `for` loop over the stream is left by `break` (the loop's
iterator is the only reference to the generator that holds the connection, so CPython closes it
at once; for `async for`, the event loop closes it on its next turn).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

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
    make_status_error,
    redact,
)
from ._headers import ResponseInfo
from ._limits import DEFAULT_LIMITS, LIMITS_EXTENSION, Limits
from ._sse import SSEDecoder, SSELimitError

if TYPE_CHECKING:
    from .schemas import ChatCompletion, ChatCompletionChunk

T = TypeVar("T")

DONE = b"[DONE]"


class _StreamBase(ResponseInfo, Generic[T]):
    __slots__ = (
        "_closed",
        "_headers",
        "_iterator",
        "_parse",
        "_secret",
        "_started",
        "chunks_received",
        "done",
        "response",
    )

    response: httpx.Response
    """The HTTP response being read."""
    chunks_received: int
    """How many chunks were yielded so far."""
    done: bool
    """Whether `data: [DONE]` arrived."""

    def __init__(
        self, response: httpx.Response, parse: Callable[[bytes], T], *, secret: str
    ) -> None:
        self.response = response
        self._headers = response.headers
        self._parse = parse
        self._secret = secret
        self._started = False
        self._closed = False
        self.chunks_received = 0
        self.done = False

    def __repr__(self) -> str:
        state = "done" if self.done else "closed" if self._closed else "open"
        return (
            f"<{type(self).__name__} {state} chunks={self.chunks_received} "
            f"request_id={self.request_id}>"
        )

    def _begin(self) -> bool:
        """Whether to iterate: False once closed; an error when iterated a second time."""
        if self._closed:
            return False
        if self._started:
            raise TokenMarketError(
                "This stream is already being iterated (a stream can be read once)."
            )
        self._started = True
        return True

    def _decode(self, event: str, data: bytes) -> T:
        # The chunk model validates the event's bytes itself (no dict in between); only data
        # that is not a chunk is looked at again, to tell an error envelope from garbage.
        if event != "error":
            try:
                return self._parse(data)
            except ValueError as exc:  # pydantic's ValidationError is one
                failure: Exception = exc
        else:
            failure = ValueError("an error event")
        try:
            obj = _json.loads(data)
        except ValueError as exc:
            raise self._invalid(data, exc) from exc
        if event == "error" or (type(obj) is dict and obj.get("error") is not None):
            raise make_status_error(self.response, data, secret=self._secret, in_stream=True)
        raise self._invalid(data, failure) from failure

    def _invalid(self, data: bytes, exc: Exception) -> APIResponseValidationError:
        from ._response import reason  # only on a bad event

        return APIResponseValidationError(
            f"Event {self.chunks_received + 1} of the stream is not a valid chunk "
            f"({redact(reason(exc), self._secret)}); data: {excerpt(data, self._secret)!r} "
            f"(request_id={self.request_id})",
            response=self.response,
            body=data,
        )

    def _decoder(self) -> SSEDecoder:
        limits = self.response.request.extensions.get(LIMITS_EXTENSION)
        if not isinstance(limits, Limits):
            limits = DEFAULT_LIMITS
        return SSEDecoder(max_line=limits.max_sse_line_bytes, max_event=limits.max_sse_event_bytes)

    def _too_large(self, exc: SSELimitError) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"{exc} (Limits.{exc.limit_name}) after {self.chunks_received} chunks; the "
            f"connection was closed (request_id={self.request_id})",
            limit=exc.limit,
            limit_name=exc.limit_name,
            response=self.response,
        )

    def _interrupted(self, exc: Exception | None) -> APITimeoutError | StreamInterruptedError:
        request = self.response.request
        count = self.chunks_received
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(
                f"The stream stalled past the read timeout after {count} chunks "
                f"(request_id={self.request_id})",
                request=request,
            )
        why = f" ({type(exc).__name__}: {redact(str(exc), self._secret)})" if exc else ""
        return StreamInterruptedError(
            f"The stream ended before data: [DONE] after {count} chunks{why} "
            f"(request_id={self.request_id}); the answer is incomplete",
            request=request,
            chunks_received=count,
        )


class Stream(_StreamBase[T], ClosesOnExit):
    """An iterator of typed chunks over one streamed answer; also a context manager."""

    __slots__ = ()
    _iterator: Iterator[T] | None

    def __init__(
        self, response: httpx.Response, parse: Callable[[bytes], T], *, secret: str
    ) -> None:
        super().__init__(response, parse, secret=secret)
        self._iterator = None

    def __iter__(self) -> Iterator[T]:
        return self._events() if self._begin() else iter(())

    def __next__(self) -> T:
        if self._iterator is None:
            self._iterator = iter(self)
        return next(self._iterator)

    def close(self) -> None:
        """Stop reading and release the connection; later iteration yields nothing."""
        self._closed = True
        self.response.close()

    def __del__(self) -> None:
        # A stream dropped unread would keep its connection checked out of the pool.
        if not self._closed and not self.response.is_closed:
            with contextlib.suppress(Exception):
                self.response.close()

    def _events(self) -> Iterator[T]:
        response = self.response
        # The model validates each event's bytes directly; `_decode` only sees what failed.
        parse, decode = self._parse, self._decode
        feed = self._decoder().feed
        try:
            for raw in _body(response):
                for event, data in feed(raw):
                    if data == DONE:
                        self.done = True
                        return
                    if event == "error":
                        chunk = decode(event, data)  # raises the typed error
                    else:
                        try:
                            chunk = parse(data)
                        except ValueError:
                            chunk = decode(event, data)  # raises: an envelope, or invalid
                    self.chunks_received += 1
                    yield chunk
                    if self._closed:
                        return
            raise self._interrupted(None)
        except SSELimitError as exc:
            raise self._too_large(exc) from None
        except httpx.HTTPError as exc:  # also a DecodingError: a body that does not decompress
            raise self._interrupted(exc) from exc
        except httpx.StreamError as exc:  # closed under the stream, not by `close()`
            if not self._closed:
                raise self._interrupted(exc) from exc
        finally:
            response.close()

    def get_final_completion(self: Stream[ChatCompletionChunk]) -> ChatCompletion:
        """Read the whole stream and assemble it into one `ChatCompletion` (see
        `ChatCompletionAccumulator`). Call it instead of iterating, not after."""
        accumulator = ChatCompletionAccumulator()
        for chunk in self:
            accumulator.add(chunk)
        return accumulator.completion(headers=self.headers)


class AsyncStream(_StreamBase[T], AsyncClosesOnExit):
    """An async iterator of typed chunks over one streamed answer; also an async context manager."""

    __slots__ = ()
    _iterator: AsyncIterator[T] | None

    def __init__(
        self, response: httpx.Response, parse: Callable[[bytes], T], *, secret: str
    ) -> None:
        super().__init__(response, parse, secret=secret)
        self._iterator = None

    def __aiter__(self) -> AsyncIterator[T]:
        return self._events() if self._begin() else _nothing()

    async def __anext__(self) -> T:
        if self._iterator is None:
            self._iterator = self.__aiter__()
        return await self._iterator.__anext__()

    async def close(self) -> None:
        """Stop reading and release the connection; later iteration yields nothing."""
        self._closed = True
        await self.response.aclose()

    async def _events(self) -> AsyncIterator[T]:
        response = self.response
        # The model validates each event's bytes directly; `_decode` only sees what failed.
        parse, decode = self._parse, self._decode
        feed = self._decoder().feed
        try:
            async for raw in _abody(response):
                for event, data in feed(raw):
                    if data == DONE:
                        self.done = True
                        return
                    if event == "error":
                        chunk = decode(event, data)  # raises the typed error
                    else:
                        try:
                            chunk = parse(data)
                        except ValueError:
                            chunk = decode(event, data)  # raises: an envelope, or invalid
                    self.chunks_received += 1
                    yield chunk
                    if self._closed:
                        return
            raise self._interrupted(None)
        except SSELimitError as exc:
            raise self._too_large(exc) from None
        except httpx.HTTPError as exc:  # also a DecodingError: a body that does not decompress
            raise self._interrupted(exc) from exc
        except httpx.StreamError as exc:  # closed under the stream, not by `close()`
            if not self._closed:
                raise self._interrupted(exc) from exc
        finally:
            await response.aclose()

    async def get_final_completion(self: AsyncStream[ChatCompletionChunk]) -> ChatCompletion:
        """Read the whole stream and assemble it into one `ChatCompletion` (see
        `ChatCompletionAccumulator`). Call it instead of iterating, not after."""
        accumulator = ChatCompletionAccumulator()
        async for chunk in self:
            accumulator.add(chunk)
        return accumulator.completion(headers=self.headers)


def _identity(response: httpx.Response) -> bool:
    """Whether the body arrives as sent (no Content-Encoding): then httpx's decoding layer
    (a decoder and a re-chunker per network read) has nothing to do and is skipped."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    return encoding == "identity" and not response.is_stream_consumed


def _body(response: httpx.Response) -> Iterator[bytes]:
    return response.iter_raw() if _identity(response) else iter_decoded(response)


def _abody(response: httpx.Response) -> AsyncIterator[bytes]:
    return response.aiter_raw() if _identity(response) else aiter_decoded(response)


async def _nothing() -> AsyncIterator[Any]:
    return
    yield  # an async generator that yields nothing


# -- assembling ------------------------------------------------------------------------------

# Delta keys that name something rather than carry text: a repeat is the same value again,
# not a piece to append (some providers repeat `role`, or a tool call's `id`, on every chunk).
_NAMES = frozenset({"role", "type", "id", "name", "index"})


class _Text(list[str]):
    """Pieces of a string being assembled (joined once at the end, not copied per chunk)."""


def _merge(target: dict[str, Any], delta: dict[str, Any]) -> None:
    """Fold one delta into what came before: text appends, objects merge, lists of indexed
    objects merge by `index`, other lists extend, anything else is replaced."""
    for key, value in delta.items():
        current = target.get(key)
        if value is None:
            target.setdefault(key, None)
        elif isinstance(value, str):
            if key in _NAMES:
                if not current:
                    target[key] = value
            elif isinstance(current, _Text):
                current.append(value)
            else:
                target[key] = _Text([value])
        elif isinstance(value, dict):
            if not isinstance(current, dict):
                current = target[key] = {}
            _merge(current, value)
        elif isinstance(value, list):
            if not isinstance(current, list):
                current = target[key] = []
            if value and all(isinstance(item, dict) and "index" in item for item in value):
                for item in value:
                    same = next((old for old in current if old.get("index") == item["index"]), None)
                    if same is None:
                        same = {}
                        current.append(same)
                    _merge(same, item)
            else:
                current.extend(value)
        else:
            target[key] = value


def _finish(value: object) -> Any:  # noqa: ANN401 (the JSON it was made from)
    if isinstance(value, _Text):
        return "".join(value)
    if isinstance(value, dict):
        return {key: _finish(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finish(item) for item in value]
    return value


class ChatCompletionAccumulator:
    """Assembles the chunks of a stream into the `ChatCompletion` a non-streamed call returns.

    Text (`content`, `reasoning_content`, `refusal`, a tool call's `arguments`, and any text
    field a provider adds) is concatenated; tool calls are put together from their pieces by
    `index`; `finish_reason`, `usage` and the other top-level fields take their last value.
    Feed it every chunk with `add()` while iterating, then call `completion()`.
    """

    def __init__(self) -> None:
        self._top: dict[str, Any] = {}
        self._choices: dict[int, dict[str, Any]] = {}

    def add(self, chunk: ChatCompletionChunk) -> ChatCompletionChunk:
        """Fold in one chunk; returns it, so `for c in stream: use(acc.add(c))` reads well."""
        data = chunk.to_dict()
        for choice in data.pop("choices", None) or []:
            index = choice.get("index", 0)
            into = self._choices.get(index)
            if into is None:
                into = self._choices[index] = {"index": index, "message": {}}
            for key, value in choice.items():
                if key == "delta":
                    _merge(into["message"], value or {})
                elif key == "logprobs" and isinstance(value, dict):
                    _merge(into.setdefault("logprobs", {}), value)
                elif key != "index" and (value is not None or key not in into):
                    into[key] = value
        for key, value in data.items():
            if value is not None or key not in self._top:
                self._top[key] = value
        return chunk

    def completion(self, *, headers: httpx.Headers | None = None) -> ChatCompletion:
        """The assembled completion (the generated `ChatCompletion` model)."""
        from .schemas import ChatCompletion  # the models load on first use

        if not self._top:
            raise TokenMarketError("No chunk was added: there is nothing to assemble.")
        top = _finish(self._top)
        top["object"] = "chat.completion"
        choices = []
        for index in sorted(self._choices):
            choice = _finish(self._choices[index])
            message = choice["message"]
            message.setdefault("role", "assistant")
            message.setdefault("content", None)
            calls = message.get("tool_calls")
            if isinstance(calls, list):
                calls.sort(key=lambda call: call.get("index", 0))
                for call in calls:
                    call.pop("index", None)
            choice.setdefault("finish_reason", None)
            choices.append(choice)
        top["choices"] = choices
        try:
            result = ChatCompletion.model_validate(top)
        except ValueError as exc:
            raise TokenMarketError(f"The chunks do not make a completion: {exc!r}") from exc
        result._headers = headers
        return result
