"""Hostile answers for the loopback server: bombs, drips, endless streams, echoed keys, loops.

Each function returns a `loopback.Handler`. Bodies are produced lazily, piece by piece, as
HTTP chunks: a 1 GiB decompression bomb is compressed while it is sent, so the server never
holds it, and a handler stops as soon as the client closes the connection (which is what the
client must do at its limit) or the server is closed.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator, Mapping

from .loopback import REASONS, Handler, Reply, Seen

MiB = 1024 * 1024
GiB = 1024 * MiB

Pieces = Callable[[], Iterator[bytes]]
"""Makes the body's pieces afresh for each request."""


def _head(status: int, headers: Mapping[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunked(
    status: int,
    pieces: Pieces,
    *,
    content_type: str = "application/json",
    headers: Mapping[str, str] | None = None,
    interval: float = 0.0,
) -> Handler:
    """A chunked answer of `pieces()`, waiting `interval` seconds between pieces."""

    def handler(reply: Reply, seen: Seen) -> bool:
        head = {
            "content-type": content_type,
            "transfer-encoding": "chunked",
            "x-request-id": "req_hostile",
            **(headers or {}),
        }
        try:
            reply.send(_head(status, head))
            for piece in pieces():
                if reply.server.released.is_set():
                    return False
                if piece:
                    reply.send(b"%x\r\n%s\r\n" % (len(piece), piece))
                if interval:
                    reply.wait(interval)
            reply.send(b"0\r\n\r\n")
        except OSError:  # the client closed the connection: what it should do at a limit
            return False
        return True

    return handler


def compressed(raw: Pieces, encoding: str = "gzip") -> Pieces:
    """`raw()` compressed as it is produced (gzip or deflate), in pieces of about 16 KiB."""
    wbits = {"gzip": 31, "deflate": 15}[encoding]

    def pieces() -> Iterator[bytes]:
        packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
        held: list[bytes] = []
        size = 0
        for block in raw():
            out = packer.compress(block)
            if out:
                held.append(out)
                size += len(out)
            if size >= 16 * 1024:
                yield b"".join(held)
                held, size = [], 0
        held.append(packer.flush())
        yield b"".join(held)

    return pieces


def repeat(block: bytes, total: int, *, head: bytes = b"") -> Pieces:
    """`head`, then `block` over and over up to `total` bytes in all."""

    def pieces() -> Iterator[bytes]:
        if head:
            yield head
        sent = len(head)
        while sent < total:
            piece = block[: total - sent]
            yield piece
            sent += len(piece)

    return pieces


def bomb(
    status: int,
    decoded: int,
    *,
    content_type: str = "application/json",
    head: bytes = b"",
    fill: bytes = b"\0",
    encoding: str = "gzip",
) -> Handler:
    """A body of about `decoded / 1000` bytes on the wire that decodes to `decoded` bytes."""
    raw = repeat(fill * (MiB // len(fill)), decoded, head=head)
    return chunked(
        status,
        compressed(raw, encoding),
        content_type=content_type,
        headers={"content-encoding": encoding},
    )


def gzipped(status: int, body: bytes, *, content_type: str = "application/json") -> Handler:
    """An ordinary gzip-encoded answer (the limit path must still parse it right)."""
    return chunked(
        status,
        compressed(lambda: iter([body])),
        content_type=content_type,
        headers={"content-encoding": "gzip"},
    )


def drip(status: int, body: bytes, *, interval: float) -> Handler:
    """`body` with its Content-Length, one byte every `interval` seconds."""

    def handler(reply: Reply, seen: Seen) -> bool:
        head = {
            "content-type": "application/json",
            "content-length": str(len(body)),
            "x-request-id": "req_drip",
        }
        try:
            reply.send(_head(status, head))
            for byte in body:
                if reply.server.released.is_set():
                    return False
                reply.send(bytes([byte]))
                reply.wait(interval)
        except OSError:
            return False
        return True

    return handler


def keep_alive_forever(*, interval: float) -> Handler:
    """An event stream that sends only keep-alive comments, until the server closes."""

    def comments() -> Iterator[bytes]:
        while True:
            yield b": keep-alive\n\n"

    return chunked(200, comments, content_type="text/event-stream", interval=interval)


def redirect_loop() -> Handler:
    """A 302 back to the same path: a client that follows redirects loops."""

    def handler(reply: Reply, seen: Seen) -> bool:
        head = {"location": seen.path, "content-length": "0", "x-request-id": "req_loop"}
        reply.send(_head(302, head))
        return True

    return handler


def echo_envelope(status: int, secret: str, *, field: str, request_id: str = "req_echo") -> Handler:
    """An error envelope with `secret` in one of its fields (or only in `x-request-id`)."""
    error: dict[str, object] = {
        "message": "refused",
        "type": "invalid_request_error",
        "code": "REQUEST_001",
        "param": None,
    }
    if field in error:
        error[field] = f"echo {secret} echo"
    body = json.dumps({"error": error}).encode()

    def handler(reply: Reply, seen: Seen) -> bool:
        head = {
            "content-type": "application/json",
            "content-length": str(len(body)),
            "x-request-id": request_id,
        }
        reply.send(_head(status, head) + body)
        return True

    return handler


def html_echo(status: int, secret: str, *, spaces: int) -> Handler:
    """An HTML page with the key after `spaces` spaces (the excerpt collapses them)."""
    body = b"<html>" + b" " * spaces + secret.encode() + b"</html>"

    def handler(reply: Reply, seen: Seen) -> bool:
        head = {
            "content-type": "text/html",
            "content-length": str(len(body)),
            "x-request-id": "req_html",
        }
        reply.send(_head(status, head) + body)
        return True

    return handler
