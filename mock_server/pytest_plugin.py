"""pytest plugin of the `tokenmarket-mock` distribution: the TokenMarket mock as a fixture.

Installing `tokenmarket-mock` registers this module with pytest (entry point `pytest11`), so a
test suite of code that calls TokenMarket gets, with nothing to configure:

- `tokenmarket_mock`: the mock gateway for the test. It is the real mock (the same ASGI app as
  `python -m mock_server`) served by uvicorn on a free loopback port, started once per test
  session in a background thread. The fixture sets `TOKENMARKET_BASE_URL` and
  `TOKENMARKET_API_KEY` for the test (so `TokenMarket()` finds the mock), yields a
  :class:`TokenMarketMock` with `base_url` and `api_key`, and forgets unused faults afterwards.
- `tokenmarket_mock_server`: the same object, session-scoped, without the environment.

`tokenmarket_mock.inject("rate_limit")` makes the next request that reaches the mock fail the
way TokenMarket fails (the mock's `X-Mock-Fault` faults: `rate_limit[:MS]`, `provider_error`,
`provider_timeout`, `server_error`, `html_error`, `malformed_json`, `cut_stream`,
`stream_error`, `slow:MS`, `slow_stream:MS`), whatever client or code sends it: the fault is
added to that request inside the server, so the code under test needs no test hook.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.errors import ApiError
from mock_server.faults import HEADER, parse_faults

if TYPE_CHECKING:
    from tokenmarket_client import AsyncTokenMarket, TokenMarket

__all__ = ["TokenMarketMock", "tokenmarket_mock", "tokenmarket_mock_server"]

STARTUP_SECONDS: Final = 60.0
"""How long the server may take to accept connections before the fixture gives up."""
_HEADER_KEY: Final = HEADER.lower().encode("ascii")


class FaultInjector:
    """ASGI middleware in front of the mock: adds armed faults to the next requests, in order.

    A queue rather than a flag so that `inject("rate_limit", requests=2)` fails exactly two
    requests (a client's first try and its first retry) and the third goes through.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._armed: deque[bytes] = deque()
        self._lock = threading.Lock()

    def arm(self, fault: bytes, requests: int) -> None:
        """Queue `fault` (an `X-Mock-Fault` value) for the next `requests` requests."""
        with self._lock:
            self._armed.extend([fault] * requests)

    def clear(self) -> None:
        """Forget every armed fault not used yet."""
        with self._lock:
            self._armed.clear()

    @property
    def pending(self) -> int:
        """How many requests still have a fault waiting for them."""
        with self._lock:
            return len(self._armed)

    def _take(self) -> bytes | None:
        with self._lock:
            return self._armed.popleft() if self._armed else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection, adding the next armed fault to an HTTP request."""
        if scope["type"] == "http":
            fault = self._take()
            if fault is not None:
                headers = [item for item in scope["headers"] if item[0].lower() != _HEADER_KEY]
                scope = {**scope, "headers": [*headers, (_HEADER_KEY, fault)]}
        await self._app(scope, receive, send)


class TokenMarketMock:
    """The running mock gateway as a test sees it: where it is, its key, and its faults."""

    def __init__(self, base_url: str, api_key: str, injector: FaultInjector) -> None:
        self.base_url = base_url
        """`http://127.0.0.1:PORT`: the client's `base_url` (or `TOKENMARKET_BASE_URL`)."""
        self.api_key = api_key
        """The one key this mock accepts, fresh for each test session."""
        self._injector = injector

    def __repr__(self) -> str:
        # The key is a test key, but keys never go into a repr (nor a log, nor an error).
        return f"TokenMarketMock(base_url={self.base_url!r})"

    @property
    def env(self) -> dict[str, str]:
        """`TOKENMARKET_BASE_URL` and `TOKENMARKET_API_KEY` for this mock (for a subprocess)."""
        return {"TOKENMARKET_BASE_URL": self.base_url, "TOKENMARKET_API_KEY": self.api_key}

    def client(self, **options: Any) -> TokenMarket:  # noqa: ANN401 - TokenMarket's own
        """A `TokenMarket` client of this mock; `options` go to it (e.g. `max_retries=0`)."""
        from tokenmarket_client import TokenMarket

        return TokenMarket(base_url=self.base_url, api_key=self.api_key, **options)

    def async_client(self, **options: Any) -> AsyncTokenMarket:  # noqa: ANN401 - as client()
        """An `AsyncTokenMarket` client of this mock; `options` go to it."""
        from tokenmarket_client import AsyncTokenMarket

        return AsyncTokenMarket(base_url=self.base_url, api_key=self.api_key, **options)

    def inject(self, fault: str, *, requests: int = 1) -> None:
        """Make the next `requests` requests that reach the mock fail with `fault`.

        `fault` is any value the mock's `X-Mock-Fault` header takes (see the module docstring),
        e.g. `"rate_limit"`, `"rate_limit:250"`, `"provider_error"`, `"provider_timeout"` or
        `"cut_stream"`. Requests are counted in the order they arrive, retries included.

        Raises:
            ValueError: `fault` is not a fault the mock knows, or `requests` is below 1.
        """
        if requests < 1:
            raise ValueError(f"requests must be at least 1, not {requests}")
        if ";" in fault:
            raise ValueError("give the number of requests as requests=N, not '; times=N'")
        try:
            parse_faults(fault)
        except ApiError as error:
            raise ValueError(f"tokenmarket_mock.inject: {error.message}") from None
        if not fault.strip():
            raise ValueError("tokenmarket_mock.inject: name a fault")
        self._injector.arm(fault.strip().encode("ascii"), requests)

    @property
    def pending(self) -> int:
        """How many requests still have an injected fault waiting for them."""
        return self._injector.pending

    def clear(self) -> None:
        """Forget the injected faults no request has used yet."""
        self._injector.clear()


def _config(app: ASGIApp, **options: Any) -> Any:  # noqa: ANN401 - a uvicorn.Config
    """The uvicorn configuration `python -m mock_server` runs with: the mock's own
    (`mock_server.server.server_config`, its guarded protocol) when it has one, else uvicorn's
    with the same settings as `python -m mock_server`."""
    import uvicorn  # imported here: pytest loads this plugin in every session, used or not

    try:
        from mock_server.server import (  # type: ignore[import-not-found, unused-ignore]
            server_config,
        )
    except ModuleNotFoundError:
        return uvicorn.Config(
            app,
            lifespan="off",
            log_config=None,
            proxy_headers=False,
            server_header=False,
            **options,
        )
    return server_config(app, **options)


def _serve(injector: FaultInjector) -> tuple[Any, threading.Thread, int]:
    """Start uvicorn on a free loopback port in a daemon thread; return it once it accepts."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port: int = sock.getsockname()[1]
    config = _config(injector, log_level="warning", access_log=False, timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="tokenmarket-mock", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("tokenmarket_mock: the mock gateway did not start (see the log)")
        time.sleep(0.01)
    return server, thread, port


@pytest.fixture(scope="session")
def tokenmarket_mock_server() -> Iterator[TokenMarketMock]:
    """The TokenMarket mock gateway on a free loopback port, for the whole test session."""
    from mock_server.app import create_app

    api_key = f"tm-test-{secrets.token_urlsafe(18)}"
    injector = FaultInjector(create_app([api_key]))
    server, thread, port = _serve(injector)
    try:
        yield TokenMarketMock(f"http://127.0.0.1:{port}", api_key, injector)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def tokenmarket_mock(
    tokenmarket_mock_server: TokenMarketMock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TokenMarketMock]:
    """The session's mock gateway, with TOKENMARKET_BASE_URL and TOKENMARKET_API_KEY set for
    this test; faults it injected and no request used are forgotten when it ends."""
    for name, value in tokenmarket_mock_server.env.items():
        monkeypatch.setenv(name, value)
    try:
        yield tokenmarket_mock_server
    finally:
        tokenmarket_mock_server.clear()
