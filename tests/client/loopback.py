"""A scripted HTTP/1.1 server on 127.0.0.1 with byte-level control, for the client's fault tests.

Each request the server reads is answered by the next handler of its script (FIFO); a handler
writes raw bytes to the socket, so it can send an HTML 503, cut a body at a given byte, or stall
before answering. Real sockets, real httpx: nothing of httpx is mocked. Every wait is bounded,
and closing the server releases every stalled handler at once.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_STALL = 10.0  # seconds: the longest any handler waits, whatever the test does


@dataclass
class Seen:
    """One request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    """What a handler is given: the socket to write to and the server (for `released`)."""

    conn: socket.socket
    server: LoopbackServer

    def send(self, data: bytes) -> None:
        self.conn.sendall(data)

    def wait(self, seconds: float = MAX_STALL) -> None:
        """Stall: return when the server closes, or after `seconds` (at most MAX_STALL)."""
        self.server.released.wait(min(seconds, MAX_STALL))


Handler = Callable[[Reply, Seen], bool]
"""Answers one request; returns whether the connection may serve another."""


def _head(status: int, reason: str, headers: Mapping[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def respond(
    status: int,
    body: bytes = b"",
    *,
    content_type: str = "application/json",
    headers: Mapping[str, str] | None = None,
    request_id: str | None = "req_test",
) -> Handler:
    """A complete answer with Content-Length."""

    def handler(reply: Reply, seen: Seen) -> bool:
        head: dict[str, str] = {"content-type": content_type, "content-length": str(len(body))}
        if request_id:
            head["x-request-id"] = request_id
        head.update(headers or {})
        reply.send(_head(status, REASONS.get(status, "Status"), head) + body)
        return True

    return handler


def respond_json(
    status: int,
    obj: object,
    *,
    headers: Mapping[str, str] | None = None,
    request_id: str | None = "req_test",
) -> Handler:
    return respond(status, json.dumps(obj).encode(), headers=headers, request_id=request_id)


def envelope(status: int, type_: str, code: str, message: str, **headers: str) -> Handler:
    """An answer with TokenMarket's error envelope."""
    error = {"error": {"message": message, "type": type_, "code": code, "param": None}}
    return respond_json(status, error, headers=headers)


def cut_body(
    status: int, body: bytes, at: int, *, content_type: str = "application/json"
) -> Handler:
    """Announce the whole body's length, send `at` bytes of it, then close the connection."""

    def handler(reply: Reply, seen: Seen) -> bool:
        head = {"content-type": content_type, "content-length": str(len(body))}
        head["x-request-id"] = "req_cut"
        reply.send(_head(status, REASONS.get(status, "Status"), head) + body[:at])
        return False

    return handler


def stall(seconds: float = MAX_STALL) -> Handler:
    """Read the request, answer nothing, then close (a read timeout for the client)."""

    def handler(reply: Reply, seen: Seen) -> bool:
        reply.wait(seconds)
        return False

    return handler


def event_stream(
    events: Iterable[bytes],
    *,
    cut_after: int | None = None,
    stall_after: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Handler:
    """A chunked `text/event-stream` answer, one HTTP chunk per element of `events`.

    `cut_after=n` closes the connection after n elements, without the chunked terminator;
    `stall_after=n` stops sending after n elements until the server closes.
    """
    pieces = list(events)

    def handler(reply: Reply, seen: Seen) -> bool:
        head = {
            "content-type": "text/event-stream",
            "transfer-encoding": "chunked",
            "x-request-id": "req_stream",
        }
        head.update(headers or {})
        reply.send(_head(200, "OK", head))
        for number, piece in enumerate(pieces):
            if number == cut_after:
                return False
            if number == stall_after:
                reply.wait()
                return False
            reply.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        if cut_after is not None and cut_after >= len(pieces):
            return False
        reply.send(b"0\r\n\r\n")
        return True

    return handler


def raw_body_stream(status: int, total: int, *, piece: int = 256 * 1024) -> Handler:
    """A large binary body of `total` bytes sent in pieces, with Content-Length."""

    def handler(reply: Reply, seen: Seen) -> bool:
        head = {
            "content-type": "audio/mpeg",
            "content-length": str(total),
            "x-request-id": "req_audio",
        }
        reply.send(_head(status, REASONS.get(status, "Status"), head))
        block = bytes(range(256)) * (piece // 256)
        sent = 0
        while sent < total:
            size = min(piece, total - sent)
            reply.send(block[:size])
            sent += size
        return True

    return handler


@dataclass
class LoopbackServer:
    """The server; use it through the `server` fixture."""

    host: str = "127.0.0.1"
    requests: list[Seen] = field(default_factory=list)
    script: deque[Handler] = field(default_factory=deque)
    released: threading.Event = field(default_factory=threading.Event)
    connections: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._sock = socket.create_server((self.host, 0))
        self._sock.settimeout(0.05)
        self.port: int = self._sock.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def push(self, *handlers: Handler) -> None:
        with self._lock:
            self.script.extend(handlers)

    def close(self) -> None:
        self.released.set()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes accept() at once on Linux
        self._sock.close()
        self._accepting.join(timeout=MAX_STALL)
        for thread in self._threads:
            thread.join(timeout=MAX_STALL)

    def _accept(self) -> None:
        while not self.released.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(MAX_STALL)
        reader = conn.makefile("rb")
        try:
            while not self.released.is_set():
                seen = self._read(reader)
                if seen is None:
                    return
                with self._lock:
                    self.requests.append(seen)
                    handler = self.script.popleft() if self.script else None
                if handler is None:
                    handler = respond_json(500, {"error": "the test's script ran out"})
                if not handler(Reply(conn, self), seen):
                    return
        except OSError:
            return
        finally:
            reader.close()
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    @staticmethod
    def _read(reader: Any) -> Seen | None:
        line = reader.readline(65536)
        if not line:
            return None
        method, path, _ = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            header = reader.readline(65536)
            if header in (b"\r\n", b"\n", b""):
                break
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = reader.read(int(headers.get("content-length", "0")))
        return Seen(method, path, headers, body)


def free_port() -> int:
    """A port nothing listens on (bound, then released): connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
