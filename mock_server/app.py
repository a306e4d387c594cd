"""The ASGI application: routing, authentication, validation, headers and fault injection.

``create_app()`` builds a Starlette app serving every operation of openapi.yaml (routes,
methods and request schemas read through :mod:`generator.spec`), plus
``GET /files/images/{name}`` for the image URLs the mock hands out. Operations with a
hand-written handler (:mod:`mock_server.registry`) answer realistically; the others answer
from the spec alone (:mod:`mock_server.spec_answers`). Every operation goes through the same
steps, each of which may answer with the error envelope:

1. ``Authorization: Bearer <key>`` must name a known key: else 401.
2. ``X-Mock-Fault`` (see :mod:`mock_server.faults`) and the spec's header parameters
   (``Idempotency-Key``) are checked: 400.
3. The body: over the spec's ``max_request_body_bytes`` (by ``Content-Length`` or as read)
   is 413; a content type other than JSON, malformed JSON or a body the spec forbids is 400
   naming the field (see :mod:`mock_server.validation`).
4. Faults asked for by the request, if any.
5. The operation's handler answers (CPU-heavy ones in a worker thread), and the answer gets
   the success headers: ``x-request-id``, the billing headers computed from the usage and the
   quota headers (a per-key count of requests in the current minute, never enforced).

Every response, errors, 404 and 405 included, carries a fresh ``x-request-id``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import anyio.to_thread
import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from generator.spec import Spec, load_spec
from mock_server import errors, images
from mock_server.answers import Answer, BinaryAnswer, Context, JsonAnswer, SseAnswer
from mock_server.auth import TokenSet, bearer_token, tokens_from_env
from mock_server.errors import (
    ApiError,
    envelope,
    internal_error,
    payload_too_large,
    provider_error,
    provider_timeout,
    rate_limited,
    unauthorized,
)
from mock_server.faults import NONE, Faults, RetryCounter, parse_faults
from mock_server.operations import ServedOperation, served_operations
from mock_server.text import stable_hex
from mock_server.validation import MAX_NESTING, canonical_json, check_content_type

__all__ = ["MAX_BODY_BYTES", "QUOTA_LIMIT", "MockState", "create_app"]

logger = logging.getLogger("mock_server")

MAX_BODY_BYTES: Final[int] = int(load_spec().limit("max_request_body_bytes"))
"""The largest request body accepted by default: the spec's ``max_request_body_bytes``."""

QUOTA_LIMIT: Final = 10_000
"""``x-ratelimit-limit-requests``: requests per key and minute (reported, never enforced)."""

_THREAD_THRESHOLD: Final = 64 * 1024  # bodies larger than this are handled in a thread
_MAX_DIGITS: Final = 18  # a Content-Length longer than this is over any limit (and int())
_CUT_MESSAGE: Final = "ASGI callable returned without completing response."
_HTML_503: Final = (
    b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    b"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n"
    b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_SSE_BATCH: Final = 16 * 1024


class _Quota:
    """Requests per key in the current minute, for the ``x-ratelimit-*`` headers."""

    def __init__(self) -> None:
        self._windows: dict[bytes, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def remaining(self, key: bytes) -> int:
        minute = int(time.monotonic() // 60)
        with self._lock:
            start, used = self._windows.get(key, (minute, 0))
            used = used + 1 if start == minute else 1
            self._windows[key] = (minute, used)
        return max(0, QUOTA_LIMIT - used)


@dataclass(slots=True)
class MockState:
    """The configuration and counters of one app (its ``repr`` shows no key)."""

    tokens: TokenSet
    spec: Spec
    max_body_bytes: int = MAX_BODY_BYTES
    public_url: str | None = None
    """The mock's own base URL for the links it hands out (else the socket's address)."""
    max_nesting: int = MAX_NESTING
    retries: RetryCounter = field(default_factory=RetryCounter)
    quota: _Quota = field(default_factory=_Quota)


def _request_id() -> str:
    return f"req_{os.urandom(12).hex()}"


def _json(status: int, body: object, headers: dict[str, str]) -> Response:
    return Response(
        orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )


def error_response(error: ApiError, request_id: str) -> Response:
    """The envelope of ``error`` with its headers and ``x-request-id``."""
    return _json(error.status, error.body(), {**error.headers, "x-request-id": request_id})


def _sse(event: object) -> bytes:
    return b"data: " + orjson.dumps(event) + b"\n\n"


_DONE: Final = b"data: [DONE]\n\n"


async def _stream(answer: SseAnswer, faults: Faults) -> AsyncIterator[bytes]:
    """The SSE body: events, ``[DONE]``, and the stream faults.

    Events are pulled from the answer one at a time and sent in batches of about 16 KiB;
    each batch waits for the transport (the server's flow control), so a client that does
    not read holds the stream at one batch.
    """
    stop = answer.count
    tail = [_DONE]
    broken_at = -1
    if faults.has("cut_stream") or faults.has("stream_error") or faults.has("malformed_json"):
        stop = max(1, answer.count // 2)
        if faults.has("stream_error"):
            tail = [_sse(provider_error().body())]
        elif faults.has("malformed_json") and stop < answer.count:
            broken_at = stop
        elif faults.has("cut_stream"):
            tail = []
    delay = faults.slow_stream_ms / 1000
    buffer = bytearray()
    for index, event in enumerate(answer.events):
        if index == broken_at:
            broken = orjson.dumps(event)
            tail = [b"data: " + broken[: len(broken) // 2] + b"\n\n", _DONE]
        if index >= stop:
            break
        if delay:
            await asyncio.sleep(delay)
            yield _sse(event)
            continue
        buffer += _sse(event)
        if len(buffer) >= _SSE_BATCH:
            yield bytes(buffer)
            buffer.clear()
            await asyncio.sleep(0)  # let other connections run between batches
    for piece in tail:
        if delay:
            await asyncio.sleep(delay)
            yield piece
        else:
            buffer += piece
    if buffer:
        yield bytes(buffer)


class _CutResponse(Response):
    """Sends half the body of a declared ``Content-Length``, then drops the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        half = self.body[: len(self.body) // 2]
        await send({"type": "http.response.body", "body": half, "more_body": True})
        # Returning now, with the response incomplete, makes the server close the connection.


class _DropCutMessage(logging.Filter):
    """Hides the server's complaint about the response that ``cut_stream`` cuts on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _CUT_MESSAGE


_DROP_CUT_MESSAGE: Final = _DropCutMessage()


def _render(
    answer: Answer, content: bytes, headers: dict[str, str], faults: Faults, status: int
) -> Response:
    headers = {**headers, **answer.billing.headers()}
    if isinstance(answer, SseAnswer):
        headers["cache-control"] = "no-cache"
        headers["x-accel-buffering"] = "no"
        return StreamingResponse(
            _stream(answer, faults), status, headers=headers, media_type="text/event-stream"
        )
    media_type = "application/json" if isinstance(answer, JsonAnswer) else answer.media_type
    if faults.has("cut_stream"):
        return _CutResponse(content, status, headers=headers, media_type=media_type)
    if faults.has("malformed_json"):
        content = content[: len(content) // 2]
    return Response(content, status, headers=headers, media_type=media_type)


def _check_declared_length(declared: str | None, limit: int) -> None:
    if declared is None:
        return
    text = declared.strip()
    if not (text.isascii() and text.isdigit()):
        raise errors.invalid_request("Content-Length must be a whole number of bytes.")
    # A length of more digits than any limit has is over it (and int() refuses 4,300 digits).
    if len(text) > _MAX_DIGITS or int(text) > limit:
        raise payload_too_large(limit)


async def _read_body(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise payload_too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _base_url(state: MockState, request: Request) -> str:
    """The mock's own base URL: the configured one, else the socket's (never ``Host``)."""
    if state.public_url:
        return state.public_url.rstrip("/") + "/"
    host, port = request.scope.get("server") or ("127.0.0.1", 80)
    shown = f"[{host}]" if ":" in str(host) else host
    return f"http://{shown}/" if port in (80, None) else f"http://{shown}:{port}/"


def _answer(
    state: MockState, served: ServedOperation, parsed: object, document: dict[str, Any], base: str
) -> tuple[Answer, bytes]:
    """The handler's answer and its body bytes (none yet for a stream, which is lazy)."""
    key = stable_hex(served.operation.path, canonical_json(document))
    ctx = Context(key=key, base_url=base, document=document, spec=state.spec)
    answer = served.handler(parsed, ctx)
    if isinstance(answer, JsonAnswer):
        return answer, orjson.dumps(answer.body, option=orjson.OPT_SERIALIZE_NUMPY)
    if isinstance(answer, BinaryAnswer):
        return answer, answer.content
    return answer, b""


async def _handle(
    state: MockState, served: ServedOperation, request: Request, rid: str
) -> Response:
    headers = request.headers
    token = bearer_token(headers.get("authorization"))
    if token is None or not state.tokens.accepts(token):
        raise unauthorized()
    fault_header = headers.get("x-mock-fault")
    faults = parse_faults(fault_header)
    for check in served.header_checks:
        check(headers.get(check.name))
    body = b""
    parsed: object = None
    document: dict[str, Any] = {}
    in_thread = served.heavy
    if served.validate is not None:
        _check_declared_length(headers.get("content-length"), state.max_body_bytes)
        check_content_type(headers.get("content-type"))
        body = await _read_body(request, state.max_body_bytes)
        in_thread = in_thread or len(body) > _THREAD_THRESHOLD
        if in_thread:
            parsed, document = await anyio.to_thread.run_sync(
                served.validate, body, state.max_nesting
            )
        else:
            parsed, document = served.validate(body, state.max_nesting)
        in_thread = in_thread or (served.heavy_when is not None and served.heavy_when(document))

    if faults and not state.retries.should_fail(
        faults,
        served.operation.path.encode(),
        body,
        (fault_header or "").encode("latin-1"),
        (headers.get("idempotency-key") or "").encode("latin-1"),
    ):
        faults = NONE
    if faults.slow_ms:
        await asyncio.sleep(faults.slow_ms / 1000)
    if faults.retry_after_ms is not None:
        raise rate_limited(faults.retry_after_ms)
    for name, error in (
        ("provider_error", provider_error),
        ("provider_timeout", provider_timeout),
        ("server_error", internal_error),
    ):
        if faults.has(name):
            raise error()
    if faults.has("html_error"):
        return Response(_HTML_503, 503, {"x-request-id": rid}, media_type="text/html")

    base = _base_url(state, request) if served.links else ""
    if in_thread:
        answer, content = await anyio.to_thread.run_sync(
            _answer, state, served, parsed, document, base
        )
    else:
        answer, content = _answer(state, served, parsed, document, base)
    success_headers = {
        "x-request-id": rid,
        "x-ratelimit-limit-requests": str(QUOTA_LIMIT),
        "x-ratelimit-remaining-requests": str(state.quota.remaining(state.tokens.digest_of(token))),
    }
    return _render(answer, content, success_headers, faults, served.operation.success_status)


def _endpoint(
    state: MockState, by_method: dict[str, ServedOperation]
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        rid = _request_id()
        served = by_method[request.method]
        try:
            return await _handle(state, served, request, rid)
        except ApiError as error:
            return error_response(error, rid)
        except ClientDisconnect:
            return Response(status_code=499)  # nobody is left to read it
        except Exception:
            logger.exception("unexpected failure in %s (request %s)", served.operation.id, rid)
            return error_response(internal_error(), rid)

    endpoint.__name__ = "_".join(item.operation.id for item in by_method.values())
    return endpoint


async def _image_file(request: Request) -> Response:
    rid = _request_id()
    name = str(request.path_params["name"])
    found = await anyio.to_thread.run_sync(images.cached_image_file, name)
    if found is None:
        raise HTTPException(404)
    content, media_type = found
    headers = {"x-request-id": rid, "cache-control": "public, max-age=31536000, immutable"}
    return Response(content, headers=headers, media_type=media_type)


_HTTP_MESSAGES: Final = {404: "No such path.", 405: "Method not allowed on this path."}


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    type_, code = errors.documented(exc.status_code)
    message = _HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
    headers = {**(exc.headers or {}), "x-request-id": _request_id()}
    return _json(exc.status_code, envelope(message, type_, code), headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    return error_response(internal_error(), _request_id())


def create_app(
    tokens: Iterable[str] | None = None,
    *,
    max_body_bytes: int | None = None,
    max_nesting: int = MAX_NESTING,
    spec: Path | str | None = None,
    public_url: str | None = None,
) -> Starlette:
    """Build the mock gateway as an ASGI app (for uvicorn, or in-process tests).

    Args:
        tokens: The API keys to accept; by default those of ``TOKENMARKET_MOCK_TOKENS``, else
            the development key ``tm-mock-dev-key``.
        max_body_bytes: The largest request body accepted; larger ones get 413 (default: the
            spec's ``max_request_body_bytes``).
        max_nesting: The deepest JSON nesting accepted; deeper bodies get 400.
        spec: The OpenAPI document to serve (default: openapi.yaml of the repository).
        public_url: The mock's own base URL, for the links it hands out (image URLs); by
            default the address of the socket the request came in on (never ``Host``).

    Raises:
        generator.spec.SpecError: the spec has an operation the mock cannot answer (a
            handler whose operation or model is missing, a response with no valid body).
    """
    loaded = load_spec(spec)
    errors.use_spec(loaded)
    state = MockState(
        TokenSet(tokens_from_env() if tokens is None else tokens),
        loaded,
        max_body_bytes=(
            int(loaded.limit("max_request_body_bytes"))
            if max_body_bytes is None
            else max_body_bytes
        ),
        max_nesting=max_nesting,
        public_url=public_url,
    )
    served = served_operations(loaded)
    by_path: dict[str, dict[str, ServedOperation]] = {}
    for item in served:
        by_path.setdefault(item.operation.path, {})[item.operation.method] = item
    routes = [
        Route(path, _endpoint(state, methods), methods=list(methods))
        for path, methods in by_path.items()
    ]
    routes.append(Route("/files/images/{name}", _image_file, methods=["GET"]))
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_exception, Exception: _server_error},
    )
    app.router.redirect_slashes = False  # `/v1/embeddings/` is a 404, as on a real gateway
    app.state.mock = state
    app.state.from_spec_only = tuple(item.operation.id for item in served if item.from_spec)
    logging.getLogger("uvicorn.error").addFilter(_DROP_CUT_MESSAGE)
    return app
