"""The errors the client raises: one root, one class per documented failure.

```
TokenMarketError
├── APIConnectionError            no usable answer: refused, reset, DNS, TLS, cut off
│   ├── APITimeoutError           a connect, read, write or pool timeout
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
The API key is never part of a message: if a body echoes it, the excerpt shows `[redacted]`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _json
from ._headers import ResponseInfo, retry_after

if TYPE_CHECKING:
    import httpx

    from .models.error_detail import ErrorDetail

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "InternalServerError",
    "InvalidRequestError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProviderError",
    "ProviderTimeoutError",
    "RateLimitError",
    "StreamInterruptedError",
    "TokenMarketError",
]

EXCERPT_CHARS = 200
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


_BY_CODE: dict[str, type[APIStatusError]] = {
    "REQUEST_001": InvalidRequestError,
    "AUTH_001": AuthenticationError,
    "PROVIDER_001": ProviderError,
    "PROVIDER_TIMEOUT": ProviderTimeoutError,
    # The spec marks `rate_limit_exceeded`/`RATE_LIMIT` as an assumption.
    "RATE_LIMIT": RateLimitError,
}
_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
    502: ProviderError,
    504: ProviderTimeoutError,
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


def redact(text: str, secret: str | None) -> str:
    """`text` with every occurrence of `secret` replaced."""
    if secret and secret in text:
        return text.replace(secret, REDACTED)
    return text


def excerpt(body: bytes, secret: str | None = None) -> str:
    """The first characters of a body, whitespace collapsed, for a message."""
    text = " ".join(body[: EXCERPT_CHARS * 4].decode("utf-8", "replace").split())
    text = redact(text, secret)
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


def _request_line(response: httpx.Response) -> str:
    """`POST https://host/api/v1/chat/completions`: the full URL, never its query or userinfo."""
    try:
        request = response.request
    except RuntimeError:  # a response made by hand, without a request
        return "(unknown request)"
    url = request.url.copy_with(query=None, fragment=None, username=None, password=None)
    return f"{request.method} {url}"


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
        message = f"{where}, {what} (request_id={request_id}){at}"
        return cls(message, response=response, body=body)
    detail, fields = envelope
    code = fields["code"]
    text = redact(fields["message"] or "(no message)", secret)
    labels = [f"{name}={fields[name]}" for name in ("type", "code", "param") if fields[name]]
    labels.append(f"request_id={request_id}")
    message = f"{where}: {text} ({', '.join(labels)}){at}"
    return error_class(status, code)(
        message,
        response=response,
        body=body,
        error=detail,
        type=fields["type"],
        code=code,
        param=fields["param"],
    )
