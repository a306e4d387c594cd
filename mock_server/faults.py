"""Fault injection: the ``X-Mock-Fault`` request header, a test hook of the mock only.

A client test or a demo adds the header to make the mock fail the way real upstream failures
look. The header is **not** in openapi.yaml: it is no part of the TokenMarket API, so the
contract fuzzer, which sends only what the spec declares, never sends it and never trips on
it. The failures it imitates that the spec *does* declare (429 with ``Retry-After``, 502, 504,
the ``default`` envelope, an error event in a stream) are answered exactly as declared, and
the mock's own tests check those answers against the spec.

Syntax: ``X-Mock-Fault: FAULT[,FAULT…][; times=N]``. Faults (case-sensitive):

==========================  ===============================================================
``rate_limit[:MS]``         429 ``rate_limit_exceeded``/``RATE_LIMIT``, ``Retry-After``
                            (seconds, rounded up) and ``retry-after-ms`` (default 1000 ms)
``provider_error``          502 ``provider_error``/``PROVIDER_001``
``provider_timeout``        504 ``timeout``/``PROVIDER_TIMEOUT``
``server_error``            500 ``internal_error``/``INTERNAL`` (the ``default`` response)
``html_error``              503 with an HTML page, as a load balancer in front would answer
``malformed_json``          200 whose JSON body is cut in half; in a stream, one event's
                            JSON is cut in half (then ``[DONE]``)
``cut_stream``              a stream that ends after half its chunks, without ``[DONE]``; a
                            JSON or audio body whose connection drops half-way (the declared
                            ``Content-Length`` is never reached)
``stream_error``            a stream that sends half its chunks, then an error event
                            (``provider_error``/``PROVIDER_001`` envelope) and ends
``slow:MS``                 wait MS milliseconds (at most 120000) before answering
``slow_stream:MS``          wait MS milliseconds (at most 10000) before each stream event
==========================  ===============================================================

``; times=N`` (N at most 1,000,000) applies the faults only to the first N identical requests
(same path, body, ``X-Mock-Fault`` and ``Idempotency-Key``) and answers normally after that:
the way to test a client's retries, which resend the same request. Faults are applied after
authentication and body validation (an invalid request gets its 4xx first). An unknown fault
or a malformed header gets 400 ``REQUEST_001`` with ``param`` ``X-Mock-Fault``.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

from mock_server.errors import ApiError, invalid_request

__all__ = ["HEADER", "Faults", "RetryCounter", "parse_faults"]

HEADER: Final = "X-Mock-Fault"
MAX_SLOW_MS: Final = 120_000
MAX_SLOW_STREAM_MS: Final = 10_000
DEFAULT_RETRY_AFTER_MS: Final = 1_000
MAX_TIMES: Final = 1_000_000
_SIMPLE: Final = frozenset(
    {
        "provider_error",
        "provider_timeout",
        "server_error",
        "html_error",
        "malformed_json",
        "cut_stream",
        "stream_error",
    }
)


@dataclass(frozen=True, slots=True)
class Faults:
    """The faults asked for by one request."""

    names: frozenset[str] = frozenset()
    slow_ms: int = 0
    slow_stream_ms: int = 0
    retry_after_ms: int | None = None  # set when rate_limit is asked for
    times: int | None = None

    def __bool__(self) -> bool:
        return bool(self.names or self.slow_ms or self.slow_stream_ms or self.retry_after_ms)

    def has(self, name: str) -> bool:
        """Whether the fault ``name`` is asked for."""
        return name in self.names


NONE: Final = Faults()


def _bad(detail: str) -> ApiError:
    return invalid_request(f"{HEADER}: {detail}", HEADER)


def _bounded(value: str, limit: int) -> int | None:
    """``value`` as a whole number from 0 to ``limit``, else None.

    The length is checked before ``int()``, which refuses more than 4,300 digits.
    """
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(limit)):
        return None
    number = int(value)
    return number if number <= limit else None


def _milliseconds(name: str, value: str, limit: int) -> int:
    number = _bounded(value, limit)
    if number is None:
        raise _bad(f"{name} takes a whole number of milliseconds from 0 to {limit}")
    return number


def parse_faults(header: str | None) -> Faults:
    """Parse the ``X-Mock-Fault`` header (None or empty: no fault).

    Raises:
        ApiError: 400 ``REQUEST_001`` for an unknown fault or a malformed value.
    """
    if header is None or not header.strip():
        return NONE
    spec, _, options = header.partition(";")
    names: set[str] = set()
    slow_ms = slow_stream_ms = 0
    retry_after_ms: int | None = None
    for raw in spec.split(","):
        item = raw.strip()
        name, has_arg, arg = item.partition(":")
        if name in _SIMPLE and not has_arg:
            names.add(name)
        elif name == "rate_limit":
            retry_after_ms = (
                _milliseconds(name, arg, MAX_SLOW_MS) if has_arg else DEFAULT_RETRY_AFTER_MS
            )
        elif name == "slow" and has_arg:
            slow_ms = _milliseconds(name, arg, MAX_SLOW_MS)
        elif name == "slow_stream" and has_arg:
            slow_stream_ms = _milliseconds(name, arg, MAX_SLOW_STREAM_MS)
        else:
            raise _bad(f"unknown fault {item[:40]!r}")
    times: int | None = None
    if options.strip():
        key, _, value = options.strip().partition("=")
        times = _bounded(value, MAX_TIMES)
        if key.strip() != "times" or times is None:
            raise _bad(f"the only option is '; times=N', N from 0 to {MAX_TIMES}")
    return Faults(frozenset(names), slow_ms, slow_stream_ms, retry_after_ms, times)


class RetryCounter:
    """Counts identical faulty requests for ``; times=N`` (bounded, thread-safe)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._seen: OrderedDict[bytes, int] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def should_fail(self, faults: Faults, *parts: bytes) -> bool:
        """Whether this request still gets its faults (counts it when ``times`` is set)."""
        if faults.times is None:
            return True
        digest = hashlib.sha256()
        for part in parts:
            digest.update(len(part).to_bytes(8, "little") + part)
        key = digest.digest()
        with self._lock:
            seen = self._seen.pop(key, 0)
            self._seen[key] = seen + 1
            while len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
        return seen < faults.times
