"""The error envelope of openapi.yaml and the failures the mock answers with it.

Every failure is ``{"error": {"message", "type", "code", "param"}}`` with the status and the
``type``/``code`` pair that the spec documents for it (its ``x-error-codes``). Messages never
contain the API key, request headers or request body values: only field names and fixed text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "ApiError",
    "envelope",
    "internal_error",
    "invalid_request",
    "payload_too_large",
    "provider_error",
    "provider_timeout",
    "rate_limited",
    "unauthorized",
]

UNAUTHORIZED_MESSAGE: Final = "API key is missing, invalid, or disabled."


def envelope(message: str, type_: str, code: str, param: str | None = None) -> dict[str, object]:
    """The spec's ``ErrorEnvelope`` as a plain dict, ready to serialise."""
    return {"error": {"message": message, "type": type_, "code": code, "param": param}}


@dataclass(eq=False)
class ApiError(Exception):
    """A failure to answer with the error envelope (raised anywhere in request handling)."""

    status: int
    message: str
    type: str
    code: str
    param: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def body(self) -> dict[str, object]:
        """The envelope of this error."""
        return envelope(self.message, self.type, self.code, self.param)


def invalid_request(message: str, param: str | None = None) -> ApiError:
    """400 ``invalid_request_body``/``REQUEST_001``: the request failed validation."""
    return ApiError(400, message, "invalid_request_body", "REQUEST_001", param)


def payload_too_large(limit: int) -> ApiError:
    """413 ``invalid_request_body``/``REQUEST_001``: the body is over the size limit."""
    return ApiError(
        413, f"Request body exceeds {limit} bytes.", "invalid_request_body", "REQUEST_001"
    )


def unauthorized() -> ApiError:
    """401 ``unauthorized``/``AUTH_001``: the key is missing, malformed or unknown."""
    return ApiError(401, UNAUTHORIZED_MESSAGE, "unauthorized", "AUTH_001")


def rate_limited(retry_after_ms: int) -> ApiError:
    """429 ``rate_limit_exceeded``/``RATE_LIMIT`` with ``Retry-After`` and ``retry-after-ms``."""
    seconds = max(0, -(-retry_after_ms // 1000))  # whole seconds, rounded up
    return ApiError(
        429,
        f"Rate limit exceeded, retry after {seconds} seconds.",
        "rate_limit_exceeded",
        "RATE_LIMIT",
        headers={"Retry-After": str(seconds), "retry-after-ms": str(retry_after_ms)},
    )


def provider_error() -> ApiError:
    """502 ``provider_error``/``PROVIDER_001``: the upstream provider failed."""
    return ApiError(
        502, "The upstream provider returned an error.", "provider_error", "PROVIDER_001"
    )


def provider_timeout() -> ApiError:
    """504 ``timeout``/``PROVIDER_TIMEOUT``: the upstream provider timed out."""
    return ApiError(504, "The upstream operation timed out.", "timeout", "PROVIDER_TIMEOUT")


def internal_error() -> ApiError:
    """500 ``internal_error``/``INTERNAL``, the spec's ``default`` response."""
    return ApiError(500, "Internal error.", "internal_error", "INTERNAL")
