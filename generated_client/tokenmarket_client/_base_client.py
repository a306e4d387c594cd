# Laid in from overrides/tokenmarket_client/_base_client.py by `nox -s generate`: edit it there and regenerate, not here.
"""Configuration, request building, retries and timeouts shared by the sync and async clients.

Every call goes the same way:

1. The generated resource method (`tokenmarket_client.resources`) passes its `Operation` (the
   method and path from the spec, how to read the answer, the named hook if the spec gives
   one) and the keyword arguments it was called with. The body is those arguments minus the
   ones not given, merged with `extra_body`; models in it (a result passed back) are encoded
   as the spec asks (`_models.to_request`). `extra_query` becomes the query string.
2. One `httpx.Request` is built and sent up to `1 + max_retries` times. Connection errors,
   timeouts, 408, 409, 429 and 5xx are retried after a delay: the server's `retry-after-ms` or
   `Retry-After` (seconds or HTTP date) when it gives one and it is at most
   `RetryPolicy.max_retry_after`, otherwise exponential backoff with jitter. A server that asks
   for a longer wait gets no retry: the error is raised at once, with its `retry_after`.
   400, 401, 403, 404 and 422 are never retried.
3. All attempts of one call carry the same `Idempotency-Key` (a fresh UUID per call unless the
   caller passes `idempotency_key=`), so that a server which knows the header can tell a retry
   from a new request. The header's name is an assumption of the spec: TokenMarket's public
   documentation names none; servers that do not know it ignore it.
4. A non-2xx answer becomes the typed error of `_exceptions`; a stream is returned to the
   caller only after its status was checked, so nothing is ever retried once a stream has
   yielded data.
5. What a server may make the client hold is bounded (`Limits`, see `_limits`): every answer
   is sent for with `stream=True` and its decoded bytes are read in bounded pieces (`_decoding`)
   up to its limit, so a small compressed body cannot unpack into gigabytes. The retry waits of
   one call add up to at most `RetryPolicy.max_total_wait`; an opt-in `deadline` bounds it all.
6. No httpx exception escapes: every one a call can meet (a redirect loop of the caller's
   `follow_redirects=True` client, a body that does not decompress, a broken stream) becomes
   a `TokenMarketError`, and nothing that shows the key, in any escaped form, is chained.
"""

from __future__ import annotations

import logging
import os
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Final, Generic, Self, TypeAlias, TypeVar
from urllib.parse import quote

import httpx

from . import _json
from ._closing import AsyncClosesOnExit, ClosesOnExit
from ._contract_check import ContractCheck, ContractChecker, check_mode
from ._decoding import aiter_decoded, iter_decoded
from ._exceptions import (
    APIResponseValidationError,
    APIStatusError,
    TokenMarketError,
    excerpt,
    make_status_error,
    redact,
)
from ._headers import retry_after
from ._limits import DEFAULT_LIMITS, Limits, check_deadline
from ._log_redaction import protect
from ._sending import (
    HTTPX_ERRORS,
    AsyncDeadline,
    Attempts,
    Deadline,
    check_api_key,
    inspect,
    read_whole,
    shows_secret,
    too_large,
    wrong_http_client,
)

if TYPE_CHECKING:
    from ._response import APIResponse, AsyncAPIResponse

log: Final = logging.getLogger("tokenmarket_client")

DEFAULT_BASE_URL: Final = "https://cloud.hopegate.ai/api"
DEFAULT_TIMEOUT: Final = httpx.Timeout(600.0, connect=5.0)
"""Connect within 5 s; otherwise a generous 600 s, since generation (long answers, images,
video tasks, speech) can take minutes and a stream may pause between chunks."""
DEFAULT_MAX_RETRIES: Final = 2
API_KEY_ENV: Final = "TOKENMARKET_API_KEY"
BASE_URL_ENV: Final = "TOKENMARKET_BASE_URL"
IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
MAX_ERROR_BODY: Final = DEFAULT_LIMITS.max_error_bytes
RETRY_STATUSES: Final = frozenset({408, 409, 429})

EVENT_STREAM: Final = "text/event-stream"

HttpxClientT = TypeVar("HttpxClientT", httpx.Client, httpx.AsyncClient)
R = TypeVar("R")


class NotGiven:
    """The default of options that `None` would mean something for (`timeout=None`: no limit)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()

Timeout: TypeAlias = float | httpx.Timeout | None
"""Seconds for every phase, an `httpx.Timeout` for each phase, or None for no limit."""
Headers: TypeAlias = Mapping[str, str | None]
"""Extra headers; a None value removes a header the client would send (e.g. `Idempotency-Key`)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to wait between attempts. The number of retries is `max_retries`."""

    initial_delay: float = 0.5
    """The first backoff delay in seconds; it doubles at each retry."""
    max_delay: float = 8.0
    """The longest backoff delay in seconds."""
    jitter: float = 0.25
    """Each backoff delay is shortened by a random fraction of up to this much."""
    max_retry_after: float = 60.0
    """The longest server-requested wait (`Retry-After`) honoured; a longer one is not retried."""
    max_total_wait: float = 60.0
    """The most one call waits between its attempts, all retries together: a wait that would
    take the total past it is not made, and the last error is raised, saying how long was
    waited (without it, `Retry-After: 60` on every answer kept a call asleep for 2 minutes)."""

    def backoff(self, retry: int) -> float:
        """The delay before retry number `retry` (0 for the first) when the server gave none."""
        delay = min(self.initial_delay * (2.0**retry), self.max_delay)
        return delay * (1.0 - self.jitter * random.random())  # noqa: S311 (jitter, not crypto)


Body: TypeAlias = Mapping[str, Any]
"""Extra JSON body fields, merged over the typed ones (they win)."""
Query: TypeAlias = Mapping[str, str | int | float | bool]
"""Extra query-string parameters."""
Prepare: TypeAlias = Callable[[dict[str, Any]], "Callable[[Any, httpx.Response, str], Any] | None"]
"""A named hook run on the body before sending; it may return a post-parser for the result."""


@dataclass(frozen=True, slots=True)
class Operation(Generic[R]):
    """One way of calling one operation: where it is, and how to read the answer."""

    method: str
    path: str
    parse: Callable[[httpx.Response, str], R]
    """Makes the result from a 2xx response (read, unless `stream`) and the key to redact."""
    stream: bool = False
    """Keep the body unread: the result reads it (an event stream, streamed audio)."""
    accept: str | None = None
    prepare: Prepare | None = None
    """The spec's `x-tokenmarket-sdk.hooks.prepare` hook (`_hooks`), if any."""
    path_params: tuple[str, ...] = ()
    """Arguments that fill the path's `{name}` templates (percent-encoded), not the body."""
    query_params: tuple[str, ...] = ()
    """Arguments sent in the query string, not the body."""
    has_body: bool = True
    """Whether the operation takes a JSON request body."""
    operation_id: str = ""
    """The spec's operationId: what the contract check (`contract_check=`) validates against."""


def given(params: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of a call that were given (NOT_GIVEN ones dropped)."""
    return {key: value for key, value in params.items() if value is not NOT_GIVEN}


@cache
def _user_agent() -> str:
    try:
        from importlib.metadata import version  # a few ms, once: not at import time

        return f"tokenmarket-client-python/{version('tokenmarket-client')}"
    except Exception:  # not installed as a distribution: still a client
        return "tokenmarket-client-python"


def _is_retryable_status(status: int) -> bool:
    return status in RETRY_STATUSES or status >= 500


class BaseClient(Generic[HttpxClientT]):
    """What the sync and async clients share: configuration and request building."""

    api_key: str
    base_url: str
    timeout: Timeout
    max_retries: int
    retry_policy: RetryPolicy
    _limits: Limits
    _deadline: float | None
    _contract: ContractChecker | None
    _client: HttpxClientT
    _owns_client: bool
    _per_request_headers: dict[str, str]
    _default_timeout: Timeout | httpx._client.UseClientDefault
    _path_prefix: str = ""
    """The leading segment every path of the spec shares (`/v1`); the generated client sets
    it, so that a base URL ending in it (the openai habit) is accepted as well."""

    def _configure(
        self,
        *,
        api_key: str | None,
        base_url: str | httpx.URL | None,
        timeout: Timeout | NotGiven,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        retry_policy: RetryPolicy | None,
        http_client_timeout: httpx.Timeout | None,
        limits: Limits | None = None,
        deadline: float | None = None,
        contract_check: ContractCheck | None = None,
    ) -> None:
        api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        if not api_key:
            raise TokenMarketError(
                f"No API key: pass api_key= or set the {API_KEY_ENV} environment variable."
            )
        # Refused here, not when sent: httpx would print the header, key and all, in its error.
        self.api_key = check_api_key(api_key)
        protect(self.api_key)
        self.limits = DEFAULT_LIMITS if limits is None else limits
        self.deadline = deadline
        mode = check_mode(contract_check)
        self._contract = None if mode is None else ContractChecker(mode)
        self.base_url = self._normalize_base_url(
            str(base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL)
        )
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.max_retries = max_retries
        self.retry_policy = retry_policy or RetryPolicy()
        if isinstance(timeout, NotGiven):
            # A caller's own httpx client keeps its timeout unless it is httpx's 5 s default.
            given = http_client_timeout
            keep = given is not None and given != httpx.Timeout(5.0)
            timeout = given if keep else DEFAULT_TIMEOUT
        self.timeout = timeout
        self._custom_headers = dict(default_headers or {})
        self._default_headers = {
            "Authorization": f"Bearer {api_key}",
            "User-Agent": _user_agent(),
            **self._custom_headers,
        }
        self._urls: dict[str, httpx.URL] = {}

    def _normalize_base_url(self, base_url: str) -> str:
        """The base URL without a trailing slash nor the spec's path prefix (`/v1`).

        Canonical is the form without it (`https://cloud.hopegate.ai/api`); with it, the
        paths of the spec (`/v1/chat/completions`) would otherwise be doubled.
        """
        url = base_url.rstrip("/")
        prefix = self._path_prefix
        if prefix and url.endswith(prefix):
            url = url[: -len(prefix)].rstrip("/")
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, UnicodeError) as exc:
            raise TokenMarketError(f"base_url is not a valid URL ({exc})") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise TokenMarketError(
                f"base_url must be an http:// or https:// URL with a host, not {url!r}"
            )
        return url

    @property
    def limits(self) -> Limits:
        """What the client reads at most from a server (see `Limits`); may be replaced."""
        return self._limits

    @limits.setter
    def limits(self, limits: Limits) -> None:
        if not isinstance(limits, Limits):
            raise TypeError(f"limits must be a tokenmarket_client.Limits, not {limits!r}")
        self._limits = limits

    @property
    def deadline(self) -> float | None:
        """Seconds one call may take in all (attempts, waits, reads), or None (the default)."""
        return self._deadline

    @deadline.setter
    def deadline(self, deadline: float | None) -> None:
        self._deadline = check_deadline(deadline)

    @property
    def contract_check(self) -> ContractCheck | None:
        """Whether answers are checked against the spec: None (off), "warn" or "raise"."""
        return None if self._contract is None else self._contract.mode

    _http_client_type: type = object

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:  # noqa: ANN401 (the subclass's)
        # Checked before `__init__`, which reads `http_client.timeout`: a wrong object is
        # refused with a clear error, not an AttributeError (or, for an AsyncClient given to
        # the sync client, a coroutine where a response was expected, at the first call).
        given = kwargs.get("http_client")
        if given is not None and not isinstance(given, cls._http_client_type):
            raise wrong_http_client(given, cls._http_client_type)
        return super().__new__(cls)

    def __repr__(self) -> str:
        # Never the key, not even a part of it.
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, max_retries={self.max_retries}, "
            f"timeout={self.timeout!r})"
        )

    def _copy_from(
        self,
        source: BaseClient[HttpxClientT],
        *,
        api_key: str | None,
        base_url: str | httpx.URL | None,
        timeout: Timeout | NotGiven,
        max_retries: int | None,
        default_headers: Mapping[str, str] | None,
        retry_policy: RetryPolicy | None,
        limits: Limits | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
        contract_check: ContractCheck | NotGiven | None = NOT_GIVEN,
    ) -> None:
        """Configure `self` as `source` with some options replaced, on `source`'s pool."""
        headers = {**source._custom_headers, **(default_headers or {})}
        self._configure(
            api_key=api_key if api_key is not None else source.api_key,
            base_url=base_url if base_url is not None else source.base_url,
            timeout=source.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=source.max_retries if max_retries is None else max_retries,
            default_headers=headers,
            retry_policy=retry_policy or source.retry_policy,
            http_client_timeout=None,
            limits=limits if limits is not None else source.limits,
            deadline=source.deadline if isinstance(deadline, NotGiven) else deadline,
            contract_check=(
                source.contract_check if isinstance(contract_check, NotGiven) else contract_check
            ),
        )
        # The pool is shared and stays `source`'s to close; the key and headers of the copy
        # travel with each request, over the pool's defaults.
        self._client = source._client
        self._owns_client = False
        self._per_request_headers = dict(self._default_headers)
        self._default_timeout = self.timeout

    def copy(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        retry_policy: RetryPolicy | None = None,
        limits: Limits | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
        contract_check: ContractCheck | NotGiven | None = NOT_GIVEN,
    ) -> Self:
        """A client like this one with the given options replaced, sharing its connection pool.

        `default_headers` are added to this client's. Closing the copy leaves the pool open;
        closing this client closes it for both. `deadline=None` turns the copy's deadline off.
        """
        clone = type(self).__new__(type(self))
        clone._copy_from(
            self,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            retry_policy=retry_policy,
            limits=limits,
            deadline=deadline,
            contract_check=contract_check,
        )
        return clone

    with_options = copy
    """`client.with_options(timeout=5).chat.completions.create(...)`: `copy` by its openai name."""

    # -- building -------------------------------------------------------------------------

    def _build_request(
        self,
        operation: Operation[Any],
        body: dict[str, Any],
        *,
        idempotency_key: str | None,
        extra_headers: Headers | None,
        extra_query: Query | None,
        timeout: Timeout | NotGiven,
    ) -> httpx.Request:
        """The request of one call; what httpx cannot encode is a `TokenMarketError`."""
        try:
            return self._assemble_request(
                operation,
                body,
                idempotency_key=idempotency_key,
                extra_headers=extra_headers,
                extra_query=extra_query,
                timeout=timeout,
            )
        except (httpx.InvalidURL, UnicodeError) as exc:
            # A header name or value that is not ASCII, a path parameter that makes no URL:
            # the caller's input, said in their terms (and never with the key in it).
            reason = redact(f"{type(exc).__name__}: {exc}", self.api_key)
            raise TokenMarketError(
                f"{operation.method} {operation.path}: the request cannot be built ({reason}); "
                "header names and values must be ASCII"
            ) from None

    def _assemble_request(
        self,
        operation: Operation[Any],
        body: dict[str, Any],
        *,
        idempotency_key: str | None,
        extra_headers: Headers | None,
        extra_query: Query | None,
        timeout: Timeout | NotGiven,
    ) -> httpx.Request:
        headers: dict[str, str] = {IDEMPOTENCY_HEADER: idempotency_key or str(uuid.uuid4())}
        if operation.has_body:
            headers["Content-Type"] = "application/json"
        if self._per_request_headers:
            headers = {**self._per_request_headers, **headers}
        if operation.accept is not None:
            headers["Accept"] = operation.accept
        removed: list[str] = []
        if extra_headers:
            for name, value in extra_headers.items():
                if value is None:
                    removed.append(name)
                    headers.pop(name, None)
                else:
                    headers[name] = value
        query: dict[str, Any] | None = dict(extra_query) if extra_query else None
        if operation.path_params or operation.query_params:
            body = dict(body)
            filled = {name: quote(str(body.pop(name)), safe="") for name in operation.path_params}
            found = {name: body.pop(name) for name in operation.query_params if name in body}
            if found:
                query = {**found, **(query or {})}
            url = httpx.URL(self.base_url + operation.path.format_map(filled))
        else:
            cached = self._urls.get(operation.path)
            if cached is None:
                # Parsed once per path: httpx re-parses a string URL on every request (about
                # a sixth of building one), an `httpx.URL` it takes as it is.
                cached = self._urls[operation.path] = httpx.URL(self.base_url + operation.path)
            url = cached
        request = self._client.build_request(
            operation.method,
            url,
            content=_json.dumps(body) if operation.has_body else None,
            headers=headers,
            params=query,
            timeout=self._default_timeout if isinstance(timeout, NotGiven) else timeout,
        )
        for name in removed:
            if name in request.headers:
                del request.headers[name]
        return request

    def _prepare(
        self,
        operation: Operation[Any],
        params: Mapping[str, Any],
        extra_body: Body | None,
    ) -> tuple[dict[str, Any], Callable[[Any, httpx.Response, str], Any] | None]:
        """The JSON body of a call, and the post-parser its hook asks for (if any)."""
        body = given(params)
        if extra_body:
            body.update(extra_body)
        post = operation.prepare(body) if operation.prepare is not None else None
        return body, post

    # -- retrying -------------------------------------------------------------------------

    def _retry_delay(self, retry: int, response: httpx.Response | None) -> float | None:
        """Seconds to wait before retry number `retry`, or None when not to retry."""
        if response is None:
            return self.retry_policy.backoff(retry)
        if not _is_retryable_status(response.status_code):
            return None
        asked = retry_after(response.headers)
        if asked is None:
            return self.retry_policy.backoff(retry)
        if asked > self.retry_policy.max_retry_after:
            return None
        return asked

    def _log_retry(self, request: httpx.Request, delay: float, retry: int, why: str) -> None:
        if log.isEnabledFor(logging.INFO):
            log.info(
                "Retrying %s %s in %.3f s (retry %d of %d): %s",
                request.method,
                request.url.path,
                delay,
                retry + 1,
                self.max_retries,
                redact(why, self.api_key),
            )

    def _parse_of(self, operation: Operation[R]) -> Callable[[httpx.Response, str], R]:
        """The operation's parser, with the contract check first when it is on."""
        return operation.parse if self._contract is None else self._contract.parser(operation)

    def _status_error(self, response: httpx.Response, body: bytes) -> APIStatusError:
        return make_status_error(response, body, secret=self.api_key)

    def _not_a_stream(self, response: httpx.Response, body: bytes) -> TokenMarketError:
        """The error for a 2xx answer to a streamed call that is not an event stream."""
        error = make_status_error(response, body, secret=self.api_key)
        if error.code is not None or error.type is not None:
            return error  # an error envelope sent with a 2xx status
        return APIResponseValidationError(
            f"Asked for {EVENT_STREAM}, got {response.headers.get('content-type')!r} "
            f"(request_id={response.headers.get('x-request-id')}); body: "
            f"{excerpt(body, self.api_key)!r}",
            response=response,
            body=body,
        )


def _error_reason(response: httpx.Response) -> str:
    request_id = response.headers.get("x-request-id")
    return f"{response.status_code} {response.reason_phrase} (request_id={request_id})"


def _finish(
    first: Callable[[httpx.Response, str], R],
    post: Callable[[Any, httpx.Response, str], Any] | None,
    secret: str,
) -> Callable[[httpx.Response], R]:
    """How an `APIResponse` makes its result: the operation's parser, then the hook's."""

    def parse(response: httpx.Response) -> R:
        result = first(response, secret)
        return result if post is None else post(result, response, secret)

    return parse


class SyncClientCore(BaseClient[httpx.Client], ClosesOnExit):
    """The configuration and sending half of `TokenMarket`."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        retry_policy: RetryPolicy | None = None,
        limits: Limits | None = None,
        deadline: float | None = None,
        contract_check: ContractCheck | None = None,
    ) -> None:
        """Make a client.

        Args:
            api_key: the Bearer key; default `TOKENMARKET_API_KEY`. Never shown in a repr or
                error.
            base_url: default `TOKENMARKET_BASE_URL`, else `https://cloud.hopegate.ai/api`; a
                trailing `/v1` is accepted too.
            timeout: seconds, an `httpx.Timeout`, or None for none; default 5 s to connect and
                600 s for the rest (generation is slow). Each call may pass its own.
            max_retries: retries after the first attempt (default 2); 0 turns retrying off.
            default_headers: headers sent with every request.
            http_client: an httpx client to use (its proxies, transport, limits); the client
                does not close it.
            retry_policy: the backoff delays, the longest `Retry-After` honoured and the
                longest total wait of one call's retries.
            limits: how much a server may make the client hold (`Limits`: decoded body,
                error body, SSE line and event sizes); default `DEFAULT_LIMITS`.
            deadline: seconds one call may take in all, retries and reading included; default
                None (only the per-phase `timeout`). Each call may pass its own.
            contract_check: "warn" or "raise" to check every answer strictly against the
                spec (`ContractDriftWarning` / `ContractDriftError`); default None (off). Needs
                the `contract` extra.
        """
        self._configure(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            retry_policy=retry_policy,
            http_client_timeout=None if http_client is None else http_client.timeout,
            limits=limits,
            deadline=deadline,
            contract_check=contract_check,
        )
        self._init_http(http_client)

    _http_client_type = httpx.Client

    def _init_http(self, http_client: httpx.Client | None) -> None:
        if http_client is None:
            self._client = httpx.Client(headers=self._default_headers, timeout=self.timeout)
            self._owns_client = True
            self._per_request_headers = {}
            # The pool was made with this timeout: leave it to httpx (no Timeout per request).
            self._default_timeout = httpx.USE_CLIENT_DEFAULT
        else:
            self._client = http_client
            self._owns_client = False
            self._per_request_headers = dict(self._default_headers)
            self._default_timeout = self.timeout

    def _sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def _send(
        self,
        request: httpx.Request,
        *,
        stream: bool,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> httpx.Response:
        """Send with retries; return a 2xx response (unread if `stream`), or raise.

        The body of a non-streamed answer is read here, counted after decompression, up to
        `limits.max_response_bytes`; `deadline` (default: the client's) bounds the call.
        """
        attempts = Attempts(
            self, request, self.deadline if isinstance(deadline, NotGiven) else deadline
        )
        secret = self.api_key
        while True:
            attempts.start()
            escaped: TokenMarketError | None = None
            try:
                response = self._client.send(request, stream=True)
                if attempts.clock.ends_at is not None:
                    response.stream = Deadline(response.stream, attempts)  # type: ignore[arg-type]
                fits = inspect(response, secret, self.limits.max_response_bytes)
                if 200 <= response.status_code < 300:
                    return response if stream else self._read_body(response, fits=fits)
            except HTTPX_ERRORS as exc:
                failure, retryable = attempts.failure(exc)
                wanted = self.retry_policy.backoff(attempts.retry) if retryable else None
                delay = attempts.delay(wanted)
                if delay is None:
                    failure = attempts.note(failure, wanted)
                    if not shows_secret(exc, secret):
                        raise failure from exc
                    escaped = failure  # raised below, outside this block: nothing chained
                else:
                    self._log_retry(request, delay, attempts.retry, failure.message)
                    self._sleep(delay)
                    attempts.waiting(delay)
                    continue
            if escaped is not None:
                raise escaped
            body = self._read_error_body(response, self.limits.max_error_bytes)
            error = self._status_error(response, body)
            wanted = self._retry_delay(attempts.retry, response)
            delay = attempts.delay(wanted)
            if delay is None:
                raise attempts.note(error, wanted)
            self._log_retry(request, delay, attempts.retry, _error_reason(response))
            self._sleep(delay)
            attempts.waiting(delay)

    def _read_body(self, response: httpx.Response, *, fits: bool) -> httpx.Response:
        """`response` read whole, or `ResponseTooLargeError` once its decoded bytes pass the
        limit (the connection is then closed, the rest never read)."""
        limit = self.limits.max_response_bytes
        if fits:
            try:
                response.read()
            except BaseException:
                response.close()
                raise
            return response
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in iter_decoded(response):
                size += len(chunk)
                if size > limit:
                    raise too_large(response, limit, "max_response_bytes", "The body")
                chunks.append(chunk)
        finally:
            response.close()
        return read_whole(response, b"".join(chunks))

    @staticmethod
    def _read_error_body(response: httpx.Response, limit: int = MAX_ERROR_BODY) -> bytes:
        """The first `limit` decoded bytes of an error body; the rest is not read."""
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in iter_decoded(response):
                chunks.append(chunk)
                size += len(chunk)
                if size >= limit:
                    break
        except httpx.HTTPError:
            pass  # what arrived is the body: the error is the status, not the cut
        finally:
            response.close()
        body = b"".join(chunks)
        return body[:limit] if size > limit else body

    def _post(
        self,
        operation: Operation[Any],
        body: dict[str, Any],
        *,
        extra_headers: Headers | None,
        extra_query: Query | None,
        timeout: Timeout | NotGiven,
        idempotency_key: str | None,
        unread: bool = False,
    ) -> httpx.Response:
        request = self._build_request(
            operation,
            body,
            idempotency_key=idempotency_key,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
        )
        response = self._send(request, stream=operation.stream or unread)
        if operation.accept == EVENT_STREAM and not response.headers.get(
            "content-type", ""
        ).startswith(EVENT_STREAM):
            raise self._not_a_stream(response, self._read_error_body(response))
        return response

    def _run(
        self,
        operation: Operation[R],
        params: Mapping[str, Any],
        *,
        extra_headers: Headers | None,
        extra_query: Query | None,
        extra_body: Body | None,
        timeout: Timeout | NotGiven,
        idempotency_key: str | None,
    ) -> R:
        """Call `operation` with the given keyword arguments; return its parsed result."""
        body, post = self._prepare(operation, params, extra_body)
        response = self._post(
            operation,
            body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )
        parse = operation.parse if self._contract is None else self._contract.parser(operation)
        result = parse(response, self.api_key)
        return result if post is None else post(result, response, self.api_key)

    def _run_raw(
        self,
        operation: Operation[R],
        params: Mapping[str, Any],
        *,
        extra_headers: Headers | None,
        extra_query: Query | None,
        extra_body: Body | None,
        timeout: Timeout | NotGiven,
        idempotency_key: str | None,
        unread: bool = False,
    ) -> APIResponse[R]:
        """Call `operation`; return the raw response (`unread`: its body not read yet)."""
        from ._response import APIResponse

        body, post = self._prepare(operation, params, extra_body)
        response = self._post(
            operation,
            body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            idempotency_key=idempotency_key,
            unread=unread,
        )
        return APIResponse(response, _finish(self._parse_of(operation), post, self.api_key))

    def close(self) -> None:
        """Close the connection pool, if this client created it (not a caller's http_client)."""
        if self._owns_client:
            self._client.close()


class AsyncClientCore(BaseClient[httpx.AsyncClient], AsyncClosesOnExit):
    """The configuration and sending half of `AsyncTokenMarket`."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        retry_policy: RetryPolicy | None = None,
        limits: Limits | None = None,
        deadline: float | None = None,
        contract_check: ContractCheck | None = None,
    ) -> None:
        """Make a client.

        Args:
            api_key: the Bearer key; default `TOKENMARKET_API_KEY`. Never shown in a repr or
                error.
            base_url: default `TOKENMARKET_BASE_URL`, else `https://cloud.hopegate.ai/api`; a
                trailing `/v1` is accepted too.
            timeout: seconds, an `httpx.Timeout`, or None for none; default 5 s to connect and
                600 s for the rest (generation is slow). Each call may pass its own.
            max_retries: retries after the first attempt (default 2); 0 turns retrying off.
            default_headers: headers sent with every request.
            http_client: an httpx client to use (its proxies, transport, limits); the client
                does not close it.
            retry_policy: the backoff delays, the longest `Retry-After` honoured and the
                longest total wait of one call's retries.
            limits: how much a server may make the client hold (`Limits`: decoded body,
                error body, SSE line and event sizes); default `DEFAULT_LIMITS`.
            deadline: seconds one call may take in all, retries and reading included; default
                None (only the per-phase `timeout`). Each call may pass its own.
            contract_check: "warn" or "raise" to check every answer strictly against the
                spec (`ContractDriftWarning` / `ContractDriftError`); default None (off). Needs
                the `contract` extra.
        """
        self._configure(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            retry_policy=retry_policy,
            http_client_timeout=None if http_client is None else http_client.timeout,
            limits=limits,
            deadline=deadline,
            contract_check=contract_check,
        )
        self._init_http(http_client)

    _http_client_type = httpx.AsyncClient

    def _init_http(self, http_client: httpx.AsyncClient | None) -> None:
        if http_client is None:
            self._client = httpx.AsyncClient(headers=self._default_headers, timeout=self.timeout)
            self._owns_client = True
            self._per_request_headers = {}
            # The pool was made with this timeout: leave it to httpx (no Timeout per request).
            self._default_timeout = httpx.USE_CLIENT_DEFAULT
        else:
            self._client = http_client
            self._owns_client = False
            self._per_request_headers = dict(self._default_headers)
            self._default_timeout = self.timeout

    async def _sleep(self, seconds: float) -> None:
        import anyio  # asyncio or trio, whichever httpx runs on

        await anyio.sleep(seconds)

    async def _send(
        self,
        request: httpx.Request,
        *,
        stream: bool,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> httpx.Response:
        """Send with retries; return a 2xx response (unread if `stream`), or raise.

        The body of a non-streamed answer is read here, counted after decompression, up to
        `limits.max_response_bytes`; `deadline` (default: the client's) bounds the call.
        """
        attempts = Attempts(
            self, request, self.deadline if isinstance(deadline, NotGiven) else deadline
        )
        secret = self.api_key
        while True:
            attempts.start()
            escaped: TokenMarketError | None = None
            try:
                response = await self._client.send(request, stream=True)
                if attempts.clock.ends_at is not None:
                    response.stream = AsyncDeadline(response.stream, attempts)  # type: ignore[arg-type]
                fits = inspect(response, secret, self.limits.max_response_bytes)
                if 200 <= response.status_code < 300:
                    return response if stream else await self._read_body(response, fits=fits)
            except HTTPX_ERRORS as exc:
                failure, retryable = attempts.failure(exc)
                wanted = self.retry_policy.backoff(attempts.retry) if retryable else None
                delay = attempts.delay(wanted)
                if delay is None:
                    failure = attempts.note(failure, wanted)
                    if not shows_secret(exc, secret):
                        raise failure from exc
                    escaped = failure  # raised below, outside this block: nothing chained
                else:
                    self._log_retry(request, delay, attempts.retry, failure.message)
                    await self._sleep(delay)
                    attempts.waiting(delay)
                    continue
            if escaped is not None:
                raise escaped
            body = await self._read_error_body(response, self.limits.max_error_bytes)
            error = self._status_error(response, body)
            wanted = self._retry_delay(attempts.retry, response)
            delay = attempts.delay(wanted)
            if delay is None:
                raise attempts.note(error, wanted)
            self._log_retry(request, delay, attempts.retry, _error_reason(response))
            await self._sleep(delay)
            attempts.waiting(delay)

    async def _read_body(self, response: httpx.Response, *, fits: bool) -> httpx.Response:
        """`response` read whole, or `ResponseTooLargeError` once its decoded bytes pass the
        limit (the connection is then closed, the rest never read)."""
        limit = self.limits.max_response_bytes
        if fits:
            try:
                await response.aread()
            except BaseException:
                await response.aclose()
                raise
            return response
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in aiter_decoded(response):
                size += len(chunk)
                if size > limit:
                    raise too_large(response, limit, "max_response_bytes", "The body")
                chunks.append(chunk)
        finally:
            await response.aclose()
        return read_whole(response, b"".join(chunks))

    @staticmethod
    async def _read_error_body(response: httpx.Response, limit: int = MAX_ERROR_BODY) -> bytes:
        """The first `limit` decoded bytes of an error body; the rest is not read."""
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in aiter_decoded(response):
                chunks.append(chunk)
                size += len(chunk)
                if size >= limit:
                    break
        except httpx.HTTPError:
            pass  # what arrived is the body: the error is the status, not the cut
        finally:
            await response.aclose()
        body = b"".join(chunks)
        return body[:limit] if size > limit else body

    async def _post(
        self,
        operation: Operation[Any],
        body: dict[str, Any],
        *,
        extra_headers: Headers | None,
        extra_query: Query | None,
        timeout: Timeout | NotGiven,
        idempotency_key: str | None,
        unread: bool = False,
    ) -> httpx.Response:
        request = self._build_request(
            operation,
            body,
            idempotency_key=idempotency_key,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
        )
        response = await self._send(request, stream=operation.stream or unread)
        if operation.accept == EVENT_STREAM and not response.headers.get(
            "content-type", ""
        ).startswith(EVENT_STREAM):
            raise self._not_a_stream(response, await self._read_error_body(response))
        return response

    async def _run(
        self,
        operation: Operation[R],
        params: Mapping[str, Any],
        *,
        extra_headers: Headers | None,
        extra_query: Query | None,
        extra_body: Body | None,
        timeout: Timeout | NotGiven,
        idempotency_key: str | None,
    ) -> R:
        """Call `operation` with the given keyword arguments; return its parsed result."""
        body, post = self._prepare(operation, params, extra_body)
        response = await self._post(
            operation,
            body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )
        parse = operation.parse if self._contract is None else self._contract.parser(operation)
        result = parse(response, self.api_key)
        return result if post is None else post(result, response, self.api_key)

    async def _run_raw(
        self,
        operation: Operation[R],
        params: Mapping[str, Any],
        *,
        extra_headers: Headers | None,
        extra_query: Query | None,
        extra_body: Body | None,
        timeout: Timeout | NotGiven,
        idempotency_key: str | None,
        unread: bool = False,
    ) -> AsyncAPIResponse[R]:
        """Call `operation`; return the raw response (`unread`: its body not read yet)."""
        from ._response import AsyncAPIResponse

        body, post = self._prepare(operation, params, extra_body)
        response = await self._post(
            operation,
            body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            idempotency_key=idempotency_key,
            unread=unread,
        )
        return AsyncAPIResponse(response, _finish(self._parse_of(operation), post, self.api_key))

    async def close(self) -> None:
        """Close the connection pool, if this client created it (not a caller's http_client)."""
        if self._owns_client:
            await self._client.aclose()
