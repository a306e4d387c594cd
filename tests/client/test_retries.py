"""Retry timing rules: server hints (`retry-after-ms`, `Retry-After` seconds or HTTP date), the
cap, and exponential backoff with jitter. No clock is read: the rules are pure functions."""

from __future__ import annotations

import email.utils

import httpx
import pytest
from tokenmarket_client import RetryPolicy, TokenMarket
from tokenmarket_client._headers import retry_after

NOW = 1_764_000_000.0


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "2"}, 2.0),
        ({"Retry-After": "0.5"}, 0.5),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "-3"}, None),  # negative: absent, so backoff applies
        ({"retry-after-ms": "-5", "Retry-After": "2"}, 2.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),  # the precise one wins
        ({"retry-after-ms": "soon", "Retry-After": "9"}, 9.0),
        ({"Retry-After": email.utils.formatdate(NOW + 30, usegmt=True)}, 30.0),
        ({"Retry-After": email.utils.formatdate(NOW - 30, usegmt=True)}, 0.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00"}, None),  # no zone: unusable
        ({"Retry-After": "later"}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "inf"}, None),
        ({}, None),
    ],
)
def test_retry_after(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after(httpx.Headers(headers), now=NOW) == seconds


def test_backoff_grows_and_is_capped_with_jitter() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=0.25)
    for retry, full in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (10, 8.0)]:
        for _ in range(50):
            assert full * 0.75 <= policy.backoff(retry) <= full
    assert RetryPolicy(jitter=0.0).backoff(1) == 1.0


def _status(code: int, **headers: str) -> httpx.Response:
    return httpx.Response(code, headers=headers)


def test_which_answers_are_retried_and_after_how_long() -> None:
    client = TokenMarket(api_key="k", retry_policy=RetryPolicy(jitter=0.0, max_retry_after=60))
    try:
        assert client._retry_delay(0, None) == 0.5  # a connection error: backoff
        assert client._retry_delay(1, _status(503)) == 1.0
        assert client._retry_delay(0, _status(429, **{"Retry-After": "3"})) == 3.0
        assert client._retry_delay(0, _status(503, **{"Retry-After": "60"})) == 60.0
        assert client._retry_delay(0, _status(429, **{"Retry-After": "61"})) is None
        for code in (408, 409, 429, 500, 502, 503, 504, 599):
            assert client._retry_delay(0, _status(code)) is not None, code
        for code in (400, 401, 403, 404, 413, 422, 301):
            assert client._retry_delay(0, _status(code)) is None, code
    finally:
        client.close()


def test_negative_max_retries_is_refused() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        TokenMarket(api_key="k", max_retries=-1)
