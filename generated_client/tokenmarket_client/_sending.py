# Laid in from overrides/tokenmarket_client/_sending.py by `nox -s generate`: edit it there and regenerate, not here.
"""The sending half's helpers: one call's attempts, its deadline, reading bodies within limits.

`_base_client` sends; this module decides what its attempts may do and turns what httpx raises
into the package's errors:

- `Attempts`: the retries made and the time waited by one call, the retry-wait budget
  (`RetryPolicy.max_total_wait`) and the deadline (checked before each attempt; every phase's
  timeout cut to the time left);
- `Deadline` / `AsyncDeadline`: a response body that stops once the deadline passed;
- `inspect`: one pass over an answer's headers (scrub a key a server echoes; may the body be
  read whole?); `read_whole`: a read response with the decoded body;
- `check_api_key`, `wrong_http_client`: what the constructor refuses, without showing the key;
- `HTTPX_ERRORS`, `shows_secret`, `connection_error`: no httpx exception escapes, and none that
  shows the key is chained.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import cache
from typing import Final, Protocol

import httpx

from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    DeadlineExceededError,
    InvalidAPIKeyError,
    InvalidHTTPClientError,
    ResponseTooLargeError,
    TokenMarketError,
    redact,
    request_line,
    secret_forms,
)
from ._limits import LIMITS_EXTENSION, Clock, Limits


class _Policy(Protocol):
    @property
    def max_total_wait(self) -> float: ...


class _Config(Protocol):
    """What `Attempts` reads of the client."""

    @property
    def api_key(self) -> str: ...
    @property
    def max_retries(self) -> int: ...
    @property
    def retry_policy(self) -> _Policy: ...
    @property
    def limits(self) -> Limits: ...


def connection_error(
    exc: httpx.TransportError, request: httpx.Request, attempts: int, secret: str
) -> tuple[APIConnectionError, bool]:
    """The error to raise for a transport failure, and whether a retry may help."""
    reason = redact(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, secret)
    where = request_line(request)
    tried = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"{where} timed out {tried} ({reason})", request=request), True
    retryable = isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError | httpx.ProxyError)
    return APIConnectionError(f"{where} failed {tried} ({reason})", request=request), retryable


HTTPX_ERRORS: Final = (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, httpx.CookieConflict)
"""Every exception httpx raises on its own (`TooManyRedirects`, `DecodingError` and the
transport errors are `HTTPError`s; the others are not)."""


def shows_secret(exc: BaseException, secret: str) -> bool:
    """Whether `exc` or anything chained to it shows the key, in any form."""
    forms = secret_forms(secret)
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = f"{current!s} {current!r}"
        if any(form in text for form in forms):
            return True
        current = current.__cause__ or current.__context__
    return False


def check_api_key(api_key: object) -> str:
    """The key if it can go in a header as it is; else an error that says why, not the key."""
    if not isinstance(api_key, str):
        raise InvalidAPIKeyError(f"api_key must be a str, not {type(api_key).__name__}")
    for position, char in enumerate(api_key):
        if char.isascii() and char.isprintable() and not char.isspace():
            continue
        kind = (
            "a line break"
            if char in "\r\n"
            else "whitespace"
            if char.isspace()
            else "a control character"
            if not char.isprintable()
            else "a non-ASCII character"
        )
        where = "at its end" if position == len(api_key) - 1 else f"at position {position + 1}"
        raise InvalidAPIKeyError(
            f"The API key ({len(api_key)} characters) has {kind} {where}: keys are printable "
            "ASCII without spaces. A key read from a file or a secret store often keeps its "
            "trailing newline: strip it (`key.strip()`)."
        )
    return api_key


def wrong_http_client(given: object, wanted: type) -> InvalidHTTPClientError:
    other = "AsyncTokenMarket" if wanted is httpx.Client else "TokenMarket"
    hint = (
        f" (an {type(given).__name__} belongs with {other})"
        if isinstance(given, httpx.Client | httpx.AsyncClient)
        else ""
    )
    return InvalidHTTPClientError(
        f"http_client must be an {wanted.__module__}.{wanted.__name__}, not "
        f"{type(given).__module__}.{type(given).__qualname__}{hint}"
    )


@cache
def _secret_bytes(secret: str) -> tuple[bytes, ...]:
    return tuple(form.encode("utf-8") for form in secret_forms(secret))


def inspect(response: httpx.Response, secret: str, limit: int) -> bool:
    """One pass over the raw headers (this runs on every call): replace any value that echoes
    the key, so that no request id, repr or message made from the headers later can show it;
    return whether the body can be read with `read()`: not compressed, and a Content-Length
    (which h11 enforces) within `limit`. Otherwise it is read piece by piece and counted."""
    raw = response.headers.raw
    values = b"\0".join([value for _, value in raw])  # one search per form, not per header
    for form in _secret_bytes(secret):
        if form in values:
            items = response.headers.multi_items()
            response.headers = httpx.Headers([(key, redact(value, secret)) for key, value in items])
            break
    identity = True
    length = -1
    for name, value in raw:
        if len(name) == 14 or len(name) == 16:  # the two names below; skip the rest cheaply
            lower = name.lower()
            if lower == b"content-encoding":
                identity = identity and value.strip().lower() in (b"", b"identity")
            elif lower == b"content-length":
                length = int(value) if value.isdigit() else -1
    return identity and 0 <= length <= limit


def too_large(response: httpx.Response, limit: int, name: str, what: str) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"{what} of the {response.status_code} answer to {response.request.method} "
        f"{request_line(response.request)} is larger than {limit} bytes after decompression "
        f"(Limits.{name}); the connection was closed "
        f"(request_id={response.headers.get('x-request-id')})",
        limit=limit,
        limit_name=name,
        response=response,
    )


def read_whole(response: httpx.Response, body: bytes) -> httpx.Response:
    """A read response with the decoded `body`, for the code that parses answers."""
    headers = response.headers
    if "content-encoding" in headers:  # `body` is decoded: its length is its own
        headers = httpx.Headers(
            [
                (name, value)
                for name, value in headers.multi_items()
                if name.lower() not in ("content-encoding", "content-length")
            ]
        )
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions=response.extensions,
    )


class Attempts:
    """The state of one call's attempts: retries made, time waited, the deadline."""

    __slots__ = ("client", "clock", "request", "retry", "timeouts", "waited")

    def __init__(self, client: _Config, request: httpx.Request, deadline: float | None) -> None:
        self.client = client
        self.request = request
        self.retry = 0
        self.waited = 0.0
        self.clock = Clock(deadline)
        self.timeouts: dict[str, float | None] = (
            {} if deadline is None else dict(request.extensions.get("timeout") or {})
        )
        request.extensions[LIMITS_EXTENSION] = client.limits

    def start(self) -> None:
        """Before an attempt: raise if the deadline passed; no phase may wait past it."""
        if self.clock.ends_at is None:
            return
        if self.clock.expired():
            raise self.deadline_error()
        self.request.extensions["timeout"] = self.clock.clamp(self.timeouts)

    def deadline_error(self) -> DeadlineExceededError:
        seconds = self.clock.seconds or 0.0
        request = self.request
        return DeadlineExceededError(
            f"{request_line(request)}: the call's deadline of {seconds:g} s passed "
            f"({self._tally()})",
            deadline=seconds,
            request=request,
        )

    def _tally(self) -> str:
        attempts = self.retry + 1
        return (
            f"{attempts} attempt{'s' if attempts != 1 else ''}, "
            f"{self.waited:.3f} s waited between them"
        )

    def delay(self, wanted: float | None) -> float | None:
        """`wanted` if a retry may wait it (retries left, total wait, deadline), else None."""
        client = self.client
        if wanted is None or self.retry >= client.max_retries:
            return None
        if self.waited + wanted > client.retry_policy.max_total_wait:
            return None
        left = self.clock.left()
        if left is not None and wanted >= left:
            return None
        return wanted

    def note(self, error: TokenMarketError, wanted: float | None) -> TokenMarketError:
        """`error` with how long this call waited, and why it stopped retrying, if it did."""
        client = self.client
        why = ""
        if wanted is not None and self.retry < client.max_retries:
            total = client.retry_policy.max_total_wait
            if self.waited + wanted > total:
                why = (
                    f"; not retried: another {wanted:g} s would pass "
                    f"RetryPolicy.max_total_wait={total:g} s"
                )
            else:
                why = f"; not retried: another {wanted:g} s would pass the deadline"
        if not why and self.retry == 0:
            return error
        message = f"{error.message} [{self._tally()}{why}]"
        error.message = message
        error.args = (message,)
        return error

    def waiting(self, seconds: float) -> None:
        self.waited += seconds
        self.retry += 1

    def failure(self, exc: BaseException) -> tuple[TokenMarketError, bool]:
        """The error for an httpx exception of this attempt, and whether a retry may help."""
        request = self.request
        secret = self.client.api_key
        if isinstance(exc, httpx.TimeoutException) and self.clock.expired():
            return self.deadline_error(), False
        if isinstance(exc, httpx.TransportError):
            return connection_error(exc, request, self.retry + 1, secret)
        reason = redact(f"{type(exc).__name__}: {exc}", secret)
        where = request_line(request)
        return APIConnectionError(f"{where} failed ({reason})", request=request), False


class Deadline(httpx.SyncByteStream):
    """A response body that stops with `DeadlineExceededError` once the call's deadline passed."""

    def __init__(self, stream: httpx.SyncByteStream, attempts: Attempts) -> None:
        self._stream = stream
        self._attempts = attempts

    def __iter__(self) -> Iterator[bytes]:
        clock = self._attempts.clock
        try:
            for chunk in self._stream:
                yield chunk
                if clock.expired():
                    raise self._attempts.deadline_error()
        except httpx.TimeoutException as exc:
            if clock.expired():
                raise self._attempts.deadline_error() from exc
            raise

    def close(self) -> None:
        self._stream.close()


class AsyncDeadline(httpx.AsyncByteStream):
    """`_Deadline` for the async client."""

    def __init__(self, stream: httpx.AsyncByteStream, attempts: Attempts) -> None:
        self._stream = stream
        self._attempts = attempts

    async def __aiter__(self) -> AsyncIterator[bytes]:
        clock = self._attempts.clock
        try:
            async for chunk in self._stream:
                yield chunk
                if clock.expired():
                    raise self._attempts.deadline_error()
        except httpx.TimeoutException as exc:
            if clock.expired():
                raise self._attempts.deadline_error() from exc
            raise

    async def aclose(self) -> None:
        await self._stream.aclose()
