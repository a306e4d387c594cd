"""The HTTP server under the app: uvicorn's httptools protocol with the guards uvicorn lacks.

uvicorn bounds the idle time between requests (``timeout_keep_alive``) but nothing while a
request arrives: its keep-alive timer is cancelled by the first byte, so a connection that
sends half a request line, or headers and half a body, stays open for ever, and enough of
them exhaust the file descriptors. :class:`GuardedProtocol` adds, per connection:

* a **request-head timeout** (:data:`HEAD_TIMEOUT`): the head (request line and headers) must
  be complete within this many seconds of the connection opening or of the request's first
  byte; else a connection that sent part of a head gets 408 in the envelope and is closed, and
  one that sent nothing is closed silently (as an idle keep-alive connection is);
* a **body stall timeout** (:data:`BODY_STALL_TIMEOUT`): while a request body is incomplete,
  a gap of this many seconds without a byte closes the connection (the app sees a
  disconnect); time the app itself takes to read does not count;
* a **connection cap** (:func:`default_max_connections`: the soft ``RLIMIT_NOFILE`` less
  :data:`FD_RESERVE`): a connection beyond it is answered 503 in the envelope at once and
  closed, so the mock never runs out of descriptors for the clients it already has;
* **protocol-level rejects** (malformed request line or headers, a bad ``Content-Length``,
  ``Content-Length`` with ``Transfer-Encoding``, a bare CR) answered 400 in the envelope with
  an ``x-request-id``, instead of uvicorn's plain text.
"""

from __future__ import annotations

import asyncio
import os
import resource
from typing import Any, ClassVar, Final

import orjson
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from mock_server import errors

__all__ = [
    "BODY_STALL_TIMEOUT",
    "FD_RESERVE",
    "HEAD_TIMEOUT",
    "GuardedProtocol",
    "default_max_connections",
    "server_config",
]

HEAD_TIMEOUT: Final = 5.0
"""Seconds a request head may take to arrive, from the connection or its first byte."""

BODY_STALL_TIMEOUT: Final = 10.0
"""Seconds a request body may go without a byte before the connection is closed."""

FD_RESERVE: Final = 64
"""File descriptors kept free of connections (logs, the listening socket, encoders)."""

_REASONS: Final = {400: "Bad Request", 408: "Request Timeout", 503: "Service Unavailable"}


def default_max_connections() -> int:
    """The soft limit on open files less :data:`FD_RESERVE` (at least 16)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        soft = 65_536
    return max(16, soft - FD_RESERVE)


def raw_error(status: int, message: str) -> bytes:
    """A complete HTTP/1.1 error response in the envelope that closes the connection."""
    body = orjson.dumps(errors.envelope(message, *errors.documented(status)))
    head = (
        f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        f"x-request-id: req_{os.urandom(12).hex()}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a head timeout, a body stall timeout and a cap."""

    head_timeout: ClassVar[float] = HEAD_TIMEOUT
    body_stall_timeout: ClassVar[float] = BODY_STALL_TIMEOUT
    max_connections: ClassVar[int] = 1024

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._in_head = False  # part of a request head has arrived, not all of it
        self._in_body = False  # the head is in, the body is not complete

    # -- the connection ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Refuse a connection over the cap at once; else start the clock of its first head."""
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            self.transport.write(raw_error(503, "Too many connections; retry later."))
            self.transport.close()
            return
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_expired)

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop both clocks."""
        self._cancel_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Parse, then set the clocks by where the request stands.

        A request that arrives whole in one read arms no clock at all (the common case, so
        the guard costs next to nothing per request); a partial head starts the head clock
        once (it is not restarted by later bytes); a partial body restarts the stall clock.
        """
        super().data_received(data)
        if self._in_head:
            if self._head_timer is None:
                self._head_timer = self.loop.call_later(self.head_timeout, self._head_expired)
        elif self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        if self._in_body:
            self._body_timer = self.loop.call_later(self.body_stall_timeout, self._body_stalled)

    def send_400_response(self, msg: str) -> None:
        """A request the parser refuses: 400 in the envelope, then close."""
        self._in_head = self._in_body = False
        self.transport.write(raw_error(400, f"{msg} The request is not valid HTTP/1.1."))
        self.transport.close()

    # -- parser callbacks -------------------------------------------------------------------

    def on_message_begin(self) -> None:
        """The first byte of a request."""
        self._in_head = True
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        """The head is in; a body may follow."""
        self._in_head = False
        self._in_body = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        """The whole request is in."""
        self._in_body = False
        super().on_message_complete()

    # -- clocks -------------------------------------------------------------------------------

    def _cancel_timers(self) -> None:
        for timer in (self._head_timer, self._body_timer):
            if timer is not None:
                timer.cancel()
        self._head_timer = self._body_timer = None

    def _head_expired(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a response is under way: the keep-alive logic owns the connection
        if self._in_head:
            self.transport.write(raw_error(408, "The request head took too long to arrive."))
        self.transport.close()

    def _body_stalled(self) -> None:
        self._body_timer = None
        if self.transport.is_closing() or not self._in_body:
            return
        if self.flow.read_paused:  # the app is not reading: the client is not to blame
            self._body_timer = self.loop.call_later(self.body_stall_timeout, self._body_stalled)
            return
        self.transport.close()


def server_config(
    app: ASGIApp,
    *,
    head_timeout: float = HEAD_TIMEOUT,
    body_stall_timeout: float = BODY_STALL_TIMEOUT,
    max_connections: int | None = None,
    **options: Any,  # noqa: ANN401 - uvicorn.Config's own keyword arguments
) -> uvicorn.Config:
    """The uvicorn configuration the mock runs with (``python -m mock_server`` and tests).

    ``options`` go to ``uvicorn.Config`` (log level, graceful shutdown, ...).
    """
    protocol = type(
        "MockProtocol",
        (GuardedProtocol,),
        {
            "head_timeout": head_timeout,
            "body_stall_timeout": body_stall_timeout,
            "max_connections": max_connections or default_max_connections(),
        },
    )
    settings: dict[str, Any] = {
        "lifespan": "off",
        "log_config": None,
        "proxy_headers": False,
        "server_header": False,
        **options,
    }
    return uvicorn.Config(app, http=protocol, **settings)
