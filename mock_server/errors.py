"""The error envelope of openapi.yaml and the failures the mock answers with it.

Every failure is ``{"error": {"message", "type", "code", "param"}}`` with the status and the
``type``/``code`` pair that the spec documents for that status (its ``x-error-codes``, read
through :mod:`generator.spec`: this module names statuses, never the pairs). Statuses the spec
documents no pair for (404, 405, 408, 500, 503) use the mock's own open ``type``/``code``, as
the spec's ``default`` response allows. Messages never contain the API key, request headers or
request body values: only field names and fixed text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Final

from generator.spec import Spec, load_spec

__all__ = [
    "ApiError",
    "envelope",
    "internal_error",
    "invalid_request",
    "payload_too_large",
    "provider_error",
    "provider_timeout",
    "rate_limited",
    "too_much_output",
    "unauthorized",
    "use_spec",
]

UNAUTHORIZED_MESSAGE: Final = "API key is missing, invalid, or disabled."

_OWN_CODES: Final = {
    404: ("not_found", "NOT_FOUND"),
    405: ("method_not_allowed", "METHOD_NOT_ALLOWED"),
    408: ("request_timeout", "REQUEST_TIMEOUT"),
    500: ("internal_error", "INTERNAL"),
    503: ("overloaded", "OVERLOADED"),
}
"""The mock's own pairs, for statuses the spec documents none for (its `default` response)."""

_spec: list[Spec] = []


def use_spec(spec: Spec) -> None:
    """Take the documented pairs from ``spec`` (``create_app`` calls it; default: openapi.yaml).

    The pairs are API-wide, so one table serves every app of the process.
    """
    _spec[:] = [spec]
    documented.cache_clear()


@cache
def documented(status: int) -> tuple[str, str]:
    """The ``type``/``code`` the spec documents for ``status`` (else the mock's own pair)."""
    spec = _spec[0] if _spec else load_spec()
    for pair in spec.error_codes:
        if pair.status == status:
            return pair.type, pair.code
    return _OWN_CODES.get(status, ("http_error", f"HTTP_{status}"))


def envelope(message: str, type_: str, code: str, param: str | None = None) -> dict[str, object]:
    """The spec's ``ErrorEnvelope`` as a plain dict, ready to serialise."""
    return {"error": {"message": message, "type": type_, "code": code, "param": param}}


@dataclass(eq=False)
class ApiError(Exception):
    """A failure to answer with the error envelope (raised anywhere in request handling)."""

    status: int
    message: str
    param: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    type: str = field(init=False)
    code: str = field(init=False)

    def __post_init__(self) -> None:
        super().__init__(self.message)
        self.type, self.code = documented(self.status)

    def body(self) -> dict[str, object]:
        """The envelope of this error."""
        return envelope(self.message, self.type, self.code, self.param)


def invalid_request(message: str, param: str | None = None) -> ApiError:
    """400 with the pair documented for 400: the request failed validation."""
    return ApiError(400, message, param)


def payload_too_large(limit: int) -> ApiError:
    """413 with the pair documented for 413: the body is over the size limit."""
    return ApiError(413, f"Request body exceeds {limit} bytes.")


def unauthorized() -> ApiError:
    """401 with the pair documented for 401: the key is missing, malformed or unknown."""
    return ApiError(401, UNAUTHORIZED_MESSAGE)


def rate_limited(retry_after_ms: int) -> ApiError:
    """429 with the documented pair, ``Retry-After`` (seconds) and ``retry-after-ms``."""
    seconds = max(0, -(-retry_after_ms // 1000))  # whole seconds, rounded up
    return ApiError(
        429,
        f"Rate limit exceeded, retry after {seconds} seconds.",
        headers={"Retry-After": str(seconds), "retry-after-ms": str(retry_after_ms)},
    )


def provider_error() -> ApiError:
    """502 with the documented pair: the upstream provider failed."""
    return ApiError(502, "The upstream provider returned an error.")


def provider_timeout() -> ApiError:
    """504 with the documented pair: the upstream provider timed out."""
    return ApiError(504, "The upstream operation timed out.")


def internal_error() -> ApiError:
    """500, the spec's ``default`` response."""
    return ApiError(500, "Internal error.")


def too_much_output(message: str, param: str | None = None) -> ApiError:
    """400: the request asks the mock to produce more than one answer may hold."""
    return ApiError(400, message, param)
