# Laid in from overrides/tokenmarket_client/_exceptions.py by `nox -s generate`: edit it there and regenerate, not here.
"""The errors the client raises: one root, one class per documented failure.

```
TokenMarketError
├── InvalidAPIKeyError            (also a ValueError) the key has whitespace, control or
│                                 non-ASCII characters: refused when the client is made
├── InvalidHTTPClientError        (also a TypeError) `http_client` is not the right httpx client
├── ResponseTooLargeError         an answer, error body, line or event past its `Limits`
├── APIConnectionError            no usable answer: refused, reset, DNS, TLS, cut off, a
│   │                             redirect loop, a body that does not decompress
│   ├── APITimeoutError           a connect, read, write or pool timeout
│   │   └── DeadlineExceededError the call's `deadline=` passed
│   └── StreamInterruptedError    a stream ended before `data: [DONE]`
├── APIResponseValidationError    a 2xx answer whose body does not parse
└── APIStatusError                a non-2xx answer, or an error event inside a stream
    ├── InvalidRequestError       400, or code REQUEST_001 (also on 413)
    ├── AuthenticationError       401, or code AUTH_001
    ├── PermissionDeniedError     403
    ├── NotFoundError             404
    ├── RateLimitError            429, or code RATE_LIMIT
    └── InternalServerError       5xx without a more precise class
        ├── ProviderError         502, or code PROVIDER_001
        └── ProviderTimeoutError  504, or code PROVIDER_TIMEOUT
```

A documented `code` picks the class; an unknown code falls back on the HTTP status. Every error
has `request_id` (None when there was no answer); `APIStatusError` also has `status_code`,
`type`, `code`, `message`, `param`, `headers`, `body` (the raw bytes) and `response`. The body
is parsed with the generated `ErrorEnvelope.from_dict`; a body that is not an envelope (a proxy's
HTML 503, an empty body) still gives the class of its status, with a short excerpt as message.
The API key is never part of a message: wherever a server echoes it (the envelope's fields, a
header, an HTML page), in any escaped form (repr, bytes, percent or JSON escapes), the message
shows `[redacted]`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote

from . import _json
from ._headers import ResponseInfo, retry_after
from ._operations import ERROR_CODES

if TYPE_CHECKING:
    import httpx

    from .models.error_detail import ErrorDetail

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "DeadlineExceededError",
    "InternalServerError",
    "InvalidAPIKeyError",
    "InvalidHTTPClientError",
    "InvalidRequestError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProviderError",
    "ProviderTimeoutError",
    "RateLimitError",
    "ResponseTooLargeError",
    "StreamInterruptedError",
    "TokenMarketError",
]

EXCERPT_CHARS = 200
EXCERPT_WINDOW = 64 * 1024
"""Bytes of a body that are redacted before its excerpt is cut (an error body is at most this)."""
REDACTED = "[redacted]"


class TokenMarketError(Exception):
    """The root of every error this package raises."""

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def request_id(self) -> str | None:
        """TokenMarket's id of the request (`x-request-id`), when an answer arrived."""
        return None


class InvalidAPIKeyError(TokenMarketError, ValueError):
    """The API key cannot be sent: it has whitespace, a control or a non-ASCII character.

    Typical of a key read from a file with its trailing newline. The message says what is
    wrong and where, never the key.
    """


class InvalidHTTPClientError(TokenMarketError, TypeError):
    """`http_client` is not an `httpx.Client` (for `TokenMarket`) or an `httpx.AsyncClient`
    (for `AsyncTokenMarket`)."""


class ResponseTooLargeError(ResponseInfo, TokenMarketError):
    """An answer was larger than the client's `Limits` allow; the connection was closed.

    `limit` is the limit in bytes and `limit_name` the `Limits` field that set it.
    """

    limit: int
    limit_name: str
    response: httpx.Response | None

    def __init__(
        self,
        message: str,
        *,
        limit: int,
        limit_name: str,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.limit = limit
        self.limit_name = limit_name
        self.response = response
        self._headers = None if response is None else response.headers


class APIConnectionError(TokenMarketError):
    """No usable answer arrived: the connection failed, was reset or was cut off."""

    request: httpx.Request | None

    def __init__(
        self, message: str = "Connection error.", *, request: httpx.Request | None = None
    ) -> None:
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout expired (see `timeout=`)."""

    def __init__(
        self, message: str = "Request timed out.", *, request: httpx.Request | None = None
    ) -> None:
        super().__init__(message, request=request)


class DeadlineExceededError(APITimeoutError):
    """The call's overall `deadline=` passed (attempts, retry waits and reads together)."""

    deadline: float

    def __init__(
        self, message: str, *, deadline: float, request: httpx.Request | None = None
    ) -> None:
        super().__init__(message, request=request)
        self.deadline = deadline


class StreamInterruptedError(APIConnectionError):
    """A stream ended, or its connection broke, before the server's `data: [DONE]`.

    The chunks already yielded are all the client got; a stream is never retried once it has
    yielded data. `chunks_received` says how many events arrived.
    """

    chunks_received: int

    def __init__(
        self, message: str, *, request: httpx.Request | None = None, chunks_received: int = 0
    ) -> None:
        super().__init__(message, request=request)
        self.chunks_received = chunks_received


class APIResponseValidationError(ResponseInfo, TokenMarketError):
    """A 2xx answer whose body is not what the spec promises (not JSON, or the wrong shape)."""

    status_code: int
    body: bytes
    response: httpx.Response

    def __init__(self, message: str, *, response: httpx.Response, body: bytes) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self._headers = response.headers


class APIStatusError(ResponseInfo, TokenMarketError):
    """The server answered with an error: a non-2xx status, or an error event in a stream."""

    status_code: int
    type: str | None
    code: str | None
    param: str | None
    body: bytes
    response: httpx.Response
    error: ErrorDetail | None
    """The parsed `error` object of the envelope, or None when the body was not an envelope."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: bytes,
        error: ErrorDetail | None = None,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.error = error
        self.type = type
        self.code = code
        self.param = param
        self._headers = response.headers

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait (`retry-after-ms` or `Retry-After`), if it did."""
        return retry_after(self.headers)


class InvalidRequestError(APIStatusError):
    """400, or `invalid_request_body`/`REQUEST_001`: the request body failed validation."""


class AuthenticationError(APIStatusError):
    """401, or `unauthorized`/`AUTH_001`: the API key is missing, invalid or disabled."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this."""


class NotFoundError(APIStatusError):
    """404: no such route or resource (check `base_url`)."""


class RateLimitError(APIStatusError):
    """429, or `RATE_LIMIT`: too many requests or quota exhausted; see `retry_after`."""


class InternalServerError(APIStatusError):
    """A 5xx answer without a more precise class (a proxy's 503 lands here)."""


class ProviderError(InternalServerError):
    """502, or `provider_error`/`PROVIDER_001`: the upstream provider failed or is unavailable."""


class ProviderTimeoutError(InternalServerError):
    """504, or `timeout`/`PROVIDER_TIMEOUT`: the upstream provider timed out."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
    502: ProviderError,
    504: ProviderTimeoutError,
}
# A documented code means its status's class whatever the status (REQUEST_001 on a 413 too);
# the codes and their statuses are the spec's `x-error-codes`, generated into _operations.
_BY_CODE: dict[str, type[APIStatusError]] = {
    code: _BY_STATUS[status] for code, status in ERROR_CODES.items() if status in _BY_STATUS
}


def error_class(status_code: int, code: str | None) -> type[APIStatusError]:
    """The class for a status and an error code: the code's if documented, else the status's."""
    if code is not None and code in _BY_CODE:
        return _BY_CODE[code]
    if status_code in _BY_STATUS:
        return _BY_STATUS[status_code]
    if status_code >= 500:
        return InternalServerError
    return APIStatusError


@lru_cache(maxsize=16)
def secret_forms(secret: str) -> tuple[str, ...]:
    """The ways `secret` can appear in text: as is, repr-escaped, bytes-escaped (as h11 and
    httpcore print header values), percent-escaped and JSON-escaped; longest first."""
    encoded = secret.encode("utf-8", "backslashreplace")
    forms = {
        secret,
        repr(secret)[1:-1],
        repr(encoded)[2:-1],
        encoded.decode("ascii", "backslashreplace"),
        quote(secret, safe=""),
        quote(secret, safe="/"),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }
    return tuple(sorted((form for form in forms if form), key=len, reverse=True))


def redact(text: str, secret: str | None) -> str:
    """`text` with every occurrence of `secret`, in any of its `secret_forms`, replaced."""
    if not secret:
        return text
    for form in secret_forms(secret):
        if form in text:
            text = text.replace(form, REDACTED)
    return text


def _redact_cut_end(text: str, secret: str) -> str:
    """`text`, which was cut from something longer, without a beginning of a key at its end."""
    for form in secret_forms(secret):
        for size in range(len(form) - 1, 3, -1):
            if text.endswith(form[:size]):
                return text[:-size] + REDACTED
    return text


def excerpt(body: bytes, secret: str | None = None) -> str:
    """The first characters of a body, whitespace collapsed, for a message.

    The body (up to `EXCERPT_WINDOW` bytes) is redacted before whitespace is collapsed and the
    excerpt cut: a key after a long run of spaces is gone before the spaces shrink to one.
    """
    window = body[:EXCERPT_WINDOW]
    text = redact(window.decode("utf-8", "replace"), secret)
    if secret and len(body) > len(window):
        text = _redact_cut_end(text, secret)
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _read_envelope(data: object) -> tuple[ErrorDetail | None, dict[str, str | None]] | None:
    """The envelope's fields, via the generated model; leniently for near-envelopes."""
    if not isinstance(data, dict) or "error" not in data:
        return None
    from .models.error_envelope import ErrorEnvelope  # errors are rare: load the model then

    try:
        detail = ErrorEnvelope.from_dict(data).error
    except (KeyError, TypeError, ValueError, AttributeError):
        # Not the documented shape; gateways in the field send {"error": "text"} or leave
        # fields out. Keep what is there rather than lose the message.
        raw = data["error"]
        if isinstance(raw, str):
            return None, {"message": raw, "type": None, "code": None, "param": None}
        if not isinstance(raw, dict):
            return None
        fields = {key: _text(raw.get(key)) for key in ("message", "type", "code", "param")}
        return None, fields
    fields = {
        "message": _text(detail.message),
        "type": _text(detail.type_),
        "code": _text(detail.code),
        "param": _text(detail.param) if isinstance(detail.param, str) else None,
    }
    return detail, fields


def display_url(url: httpx.URL) -> str:
    """Scheme, host, port and path of a URL, for messages (no query, no credentials)."""
    return str(url.copy_with(query=None, fragment=None, username=None, password=None))


def request_line(request: httpx.Request) -> str:
    """`POST https://host/api/v1/chat/completions`: the full URL, never its query or userinfo."""
    return f"{request.method} {display_url(request.url)}"


def _request_line(response: httpx.Response) -> str:
    """The request line of the request `response` answers."""
    try:
        request = response.request
    except RuntimeError:  # a response made by hand, without a request
        return "(unknown request)"
    return request_line(request)


def make_status_error(
    response: httpx.Response,
    body: bytes,
    *,
    secret: str | None,
    in_stream: bool = False,
) -> APIStatusError:
    """The typed error for an error answer (or, with `in_stream`, an error event's data)."""
    status = response.status_code
    envelope = None
    if body.strip():
        try:
            envelope = _read_envelope(_json.loads(body))
        except ValueError:
            envelope = None
    request_id = response.headers.get("x-request-id")
    where = "error event in the stream" if in_stream else f"{status} {response.reason_phrase}"
    at = f" at {_request_line(response)}"
    if envelope is None:
        cls = error_class(status, None)
        shown = excerpt(body, secret)
        what = f"non-envelope body: {shown!r}" if shown else "empty body"
        message = redact(f"{where}, {what} (request_id={request_id}){at}", secret)
        return cls(message, response=response, body=body)
    detail, raw = envelope
    code = raw["code"]  # the class is chosen on the code as sent
    # A server may echo the key in any field: every field is redacted, not only `message`.
    fields = {name: None if value is None else redact(value, secret) for name, value in raw.items()}
    text = fields["message"] or "(no message)"
    labels = [f"{name}={fields[name]}" for name in ("type", "code", "param") if fields[name]]
    labels.append(f"request_id={request_id}")
    message = redact(f"{where}: {text} ({', '.join(labels)}){at}", secret)
    return error_class(status, code)(
        message,
        response=response,
        body=body,
        error=detail,
        type=fields["type"],
        code=fields["code"],
        param=fields["param"],
    )
