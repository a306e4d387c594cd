"""Deliberately broken mock gateways: ASGI wrappers that each break one promise of the spec.

Each wrapper sits in front of the real mock and corrupts what crosses it, so the mock's own
code stays correct and the tests prove that the fuzzer's checks catch each kind of contract
bug a real gateway could have.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Breaker = Callable[[ASGIApp], ASGIApp]


def _rewrite_body(app: ASGIApp, rewrite: Callable[[bytes], bytes]) -> ASGIApp:
    """Buffer each response, pass its body through `rewrite`, fix Content-Length."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                assert start is not None
                body = rewrite(b"".join(chunks))
                headers = [(k, v) for k, v in start["headers"] if k != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await app(scope, receive, capture)

    return wrapped


def _rewrite_headers(
    app: ASGIApp, rewrite: Callable[[list[tuple[bytes, bytes]]], list[tuple[bytes, bytes]]]
) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def patched(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": rewrite(list(message["headers"]))}
            await send(message)

        await app(scope, receive, patched)

    return wrapped


def leaked_500(app: ASGIApp) -> ASGIApp:
    """An unhandled exception reaches the client as a bare 500 page."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        body = b"Internal Server Error"
        headers = [(b"content-type", b"text/plain"), (b"x-request-id", b"req_broken")]
        await send({"type": "http.response.start", "status": 500, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return wrapped


def dropped_required_field(app: ASGIApp) -> ASGIApp:
    """JSON answers lose their required `model` field."""

    def drop(body: bytes) -> bytes:
        try:
            payload = json.loads(body)
        except ValueError:
            return body
        if isinstance(payload, dict):
            payload.pop("model", None)
        return json.dumps(payload).encode()

    return _rewrite_body(app, drop)


def skipped_auth(app: ASGIApp) -> ASGIApp:
    """The gateway forgets to check the key: every request is treated as authenticated."""
    from .conftest import AUTH

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = [(k, v) for k, v in scope["headers"] if k != b"authorization"]
            headers.append((b"authorization", AUTH["Authorization"].encode()))
            scope = {**scope, "headers": headers}
        await app(scope, receive, send)

    return wrapped


def mislabelled_audio(app: ASGIApp) -> ASGIApp:
    """WAV bytes go out labelled as MP3."""

    def relabel(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        return [
            (k, b"audio/mpeg" if k == b"content-type" and v == b"audio/wav" else v)
            for k, v in headers
        ]

    return _rewrite_headers(app, relabel)


def stream_without_done(app: ASGIApp) -> ASGIApp:
    """Event streams end without their `data: [DONE]` event."""
    return _rewrite_body(app, lambda body: body.replace(b"data: [DONE]\n\n", b""))


def undocumented_error_code(app: ASGIApp) -> ASGIApp:
    """401 answers carry a code the spec does not document for 401."""
    return _rewrite_body(app, lambda body: body.replace(b'"AUTH_001"', b'"AUTH_999"'))


def missing_request_id(app: ASGIApp) -> ASGIApp:
    """Answers lose their x-request-id."""
    return _rewrite_headers(app, lambda headers: [h for h in headers if h[0] != b"x-request-id"])
