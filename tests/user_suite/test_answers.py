"""A user's own test suite, written against the installed `tokenmarket_mock` fixture.

It is not collected by the kit's test run: tests/packaging runs it as a user would, in a fresh
virtual environment holding only the built tokenmarket-client and tokenmarket-mock wheels and
pytest (slow), and from the source tree with the plugin named by `-p` (quick).
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from answers import AnswerUnavailable, ask, ask_streaming
from tokenmarket_client import (
    APITimeoutError,
    AuthenticationError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    TokenMarket,
)

from mock_server.pytest_plugin import TokenMarketMock


def test_the_fixture_points_the_client_at_a_real_server(tokenmarket_mock: TokenMarketMock) -> None:
    assert tokenmarket_mock.base_url.startswith("http://127.0.0.1:")
    assert tokenmarket_mock.api_key not in repr(tokenmarket_mock)
    assert ask("Reply with only OK.")  # TokenMarket() found the mock through the environment
    # A real HTTP server on a socket: any client reaches it.
    answer = httpx.post(
        f"{tokenmarket_mock.base_url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {tokenmarket_mock.api_key}"},
        json={"model": "DeepSeek-V4-pro", "messages": [{"role": "user", "content": "Hi"}]},
    )
    assert answer.status_code == 200
    assert answer.headers["x-request-id"]


def test_clients_made_by_the_fixture(tokenmarket_mock: TokenMarketMock) -> None:
    with tokenmarket_mock.client(max_retries=0) as client:
        assert ask("Reply with only OK.", client=client)

    async def main() -> str:
        async with tokenmarket_mock.async_client() as client:
            completion = await client.chat.completions.create(
                model="DeepSeek-V4-pro", messages=[{"role": "user", "content": "Hi"}]
            )
        return completion.choices[0].message.content or ""

    assert asyncio.run(main())


def test_the_mock_checks_the_key(tokenmarket_mock: TokenMarketMock) -> None:
    client = TokenMarket(api_key="tm-not-the-key", max_retries=0)
    with pytest.raises(AuthenticationError):
        client.chat.completions.create(
            model="DeepSeek-V4-pro", messages=[{"role": "user", "content": "Hi"}]
        )


def test_streaming_answer(tokenmarket_mock: TokenMarketMock) -> None:
    assert ask_streaming("Say hello to the world.")


def test_rate_limit_is_retried_by_the_client(tokenmarket_mock: TokenMarketMock) -> None:
    tokenmarket_mock.inject("rate_limit:50")
    assert ask("Reply with only OK.")  # the first try got 429, the retry the answer
    assert tokenmarket_mock.pending == 0


@pytest.mark.parametrize(
    ("fault", "status", "error"),
    [
        ("rate_limit", 429, RateLimitError),
        ("provider_error", 502, ProviderError),
        ("provider_timeout", 504, ProviderTimeoutError),
    ],
)
def test_failures_reach_the_caller_as_its_own_error(
    tokenmarket_mock: TokenMarketMock, fault: str, status: int, error: type[Exception]
) -> None:
    tokenmarket_mock.inject(fault)
    with pytest.raises(AnswerUnavailable, match=f"^{status} ") as caught:
        ask("Hi", client=TokenMarket(max_retries=0))
    assert isinstance(caught.value.__cause__, error)
    assert ask("Hi", client=TokenMarket(max_retries=0))  # one request failed, the next did not


def test_a_cut_stream_is_reported(tokenmarket_mock: TokenMarketMock) -> None:
    tokenmarket_mock.inject("cut_stream")
    with pytest.raises(AnswerUnavailable, match="stream cut"):
        ask_streaming("Say hello to the world.", client=TokenMarket(max_retries=0))


def test_a_slow_answer_times_the_client_out(tokenmarket_mock: TokenMarketMock) -> None:
    tokenmarket_mock.inject("slow:5000")  # the mock waits 5 s before answering this request
    with pytest.raises(APITimeoutError):
        ask("Hi", client=TokenMarket(timeout=0.5, max_retries=0))


def test_faults_last_for_the_requests_asked(tokenmarket_mock: TokenMarketMock) -> None:
    tokenmarket_mock.inject("provider_error", requests=2)
    client = TokenMarket(max_retries=0)
    for _ in range(2):
        with pytest.raises(AnswerUnavailable):
            ask("Hi", client=client)
    assert ask("Hi", client=client)


def test_an_unknown_fault_is_refused(tokenmarket_mock: TokenMarketMock) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        tokenmarket_mock.inject("no_such_fault")
    assert tokenmarket_mock.pending == 0


def test_an_unused_fault_does_not_leak(
    tokenmarket_mock: TokenMarketMock,
) -> None:
    tokenmarket_mock.inject("provider_error")  # never used: forgotten when this test ends


def test_after_an_unused_fault(tokenmarket_mock: TokenMarketMock) -> None:
    assert tokenmarket_mock.pending == 0
    assert ask("Reply with only OK.", client=TokenMarket(max_retries=0))
