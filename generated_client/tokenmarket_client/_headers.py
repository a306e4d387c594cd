# Laid in from overrides/tokenmarket_client/_headers.py by `nox -s generate`: edit it there and regenerate, not here.
"""What TokenMarket says in response headers, typed: request id, billing, quota, retry hints.

openapi-python-client does not turn response headers into code, so the header names below are
the ones `openapi.yaml` declares under `components/headers`. Except `x-request-id`, `Retry-After`
and `retry-after-ms`, the spec marks every one of them as an assumption (TokenMarket promises
billing and quota headers without naming them). Every response header stays available as
`headers` whatever its name.
"""

from __future__ import annotations

import email.utils
import math
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

REQUEST_ID = "x-request-id"
COST = "x-tokenmarket-cost"
BILLED_UNITS = "x-tokenmarket-billed-units"
BILLING_UNIT = "x-tokenmarket-billing-unit"
LIMIT_REQUESTS = "x-ratelimit-limit-requests"
REMAINING_REQUESTS = "x-ratelimit-remaining-requests"
RETRY_AFTER = "retry-after"
RETRY_AFTER_MS = "retry-after-ms"


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Billing:
    """The billing headers of one answer; `None` where the header was absent or unreadable."""

    cost: Decimal | None
    """What the request cost in US dollars (`x-tokenmarket-cost`)."""
    billed_units: int | None
    """How many units were billed (`x-tokenmarket-billed-units`)."""
    billing_unit: str | None
    """The unit: `token`, `character` or `task`, an open string (`x-tokenmarket-billing-unit`)."""

    @classmethod
    def from_headers(cls, headers: httpx.Headers) -> Billing:
        """Read the billing headers; a malformed value reads as `None`, never as an error."""
        raw_cost = headers.get(COST)
        cost: Decimal | None = None
        if raw_cost is not None:
            try:
                cost = Decimal(raw_cost.strip())
            except InvalidOperation:
                cost = None
        return cls(cost, _int(headers.get(BILLED_UNITS)), headers.get(BILLING_UNIT))


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The request quota headers of one answer; `None` where absent or unreadable."""

    limit_requests: int | None
    """Requests the key may make in the current window (`x-ratelimit-limit-requests`)."""
    remaining_requests: int | None
    """Requests the key has left in the window (`x-ratelimit-remaining-requests`)."""

    @classmethod
    def from_headers(cls, headers: httpx.Headers) -> RateLimit:
        """Read the quota headers; a malformed value reads as `None`."""
        return cls(_int(headers.get(LIMIT_REQUESTS)), _int(headers.get(REMAINING_REQUESTS)))


class ResponseInfo:
    """`headers`, `request_id`, `billing` and `rate_limit` for anything made from a response."""

    __slots__ = ()
    _headers: httpx.Headers | None

    @property
    def headers(self) -> httpx.Headers:
        """Every header of the HTTP response, case-insensitive."""
        headers: httpx.Headers | None = getattr(self, "_headers", None)
        if headers is None:
            import httpx  # only for objects made without a response

            return httpx.Headers()
        return headers

    @property
    def request_id(self) -> str | None:
        """TokenMarket's id of the request (`x-request-id`): quote it to support."""
        request_id: str | None = self.headers.get(REQUEST_ID)
        return request_id

    @property
    def billing(self) -> Billing:
        """The billing headers, typed."""
        return Billing.from_headers(self.headers)

    @property
    def rate_limit(self) -> RateLimit:
        """The request quota headers, typed."""
        return RateLimit.from_headers(self.headers)


def _seconds(value: str | None, *, scale: float) -> float | None:
    if value is None:
        return None
    try:
        number = float(value) / scale
    except ValueError:
        return None
    # A negative wait is nonsense, not "now": read it as absent, so that backoff applies
    # (taking it as 0 let a server make the client retry at once, again and again).
    return number if math.isfinite(number) and number >= 0.0 else None


def retry_after(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """How long the server asks the client to wait, in seconds, or `None` if it does not say.

    `retry-after-ms` (milliseconds) wins over `Retry-After`, which is either seconds or an HTTP
    date. A date in the past means "now" (0); a negative, infinite or unreadable number is read
    as absent (`None`), so the client's own backoff applies.
    """
    millis = _seconds(headers.get(RETRY_AFTER_MS), scale=1000.0)
    if millis is not None:
        return millis
    value = headers.get(RETRY_AFTER)
    if value is None:
        return None
    seconds = _seconds(value, scale=1.0)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)
