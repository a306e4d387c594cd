"""The ASGI application: routing, authentication, validation, headers and fault injection.

``create_app()`` builds a Starlette app serving the six operations of openapi.yaml under
``/v1``, plus ``GET /files/images/{name}`` for the image URLs the mock hands out. Every
operation goes through the same steps, each of which may answer with the error envelope:

1. ``Authorization: Bearer <key>`` must name a known key: else 401 ``AUTH_001``.
2. ``X-Mock-Fault`` (see :mod:`mock_server.faults`) and ``Idempotency-Key`` are checked: 400.
3. The body: over ``max_body_bytes`` (by ``Content-Length`` or as read) is 413; a content type
   other than JSON, malformed JSON or a body the spec forbids is 400 ``REQUEST_001`` naming
   the field (see :mod:`mock_server.validation`).
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
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import anyio.to_thread
import orjson
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from tokenmarket_models import (
    CreateChatCompletionRequest,
    CreateEmbeddingRequest,
    CreateImageRequest,
    CreateSpeechRequest,
    CreateVideoRequest,
    RerankRequest,
)

from mock_server import chat, embeddings, images, rerank, speech, video
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
from mock_server.text import stable_hex
from mock_server.validation import (
    MAX_NESTING,
    Shortcut,
    canonical_json,
    check_content_type,
    check_idempotency_key,
    token_ids_stand_in,
    validate_body,
)

__all__ = ["MAX_BODY_BYTES", "QUOTA_LIMIT", "MockState", "create_app"]

logger = logging.getLogger("mock_server")

MAX_BODY_BYTES: Final = 4 * 1024 * 1024
"""The largest request body accepted (the spec's 413 example names 4194304 bytes)."""

QUOTA_LIMIT: Final = 10_000
"""``x-ratelimit-limit-requests``: requests per key and minute (reported, never enforced)."""

_THREAD_THRESHOLD: Final = 64 * 1024  # bodies larger than this are handled in a thread
_CUT_MESSAGE: Final = "ASGI callable returned without completing response."
_HTML_503: Final = (
    b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    b"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n"
    b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_SSE_BATCH: Final = 16 * 1024

Handler = Callable[[Any, Context], Answer]


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the spec: its path, request model and handler."""

    path: str
    model: type[BaseModel]
    handler: Handler
    heavy: bool = False  # CPU-bound: always run in a worker thread
    shortcuts: Mapping[str, Shortcut] | None = None  # fast exact checks of large fields
    links: bool = False  # answers with URLs of the mock itself (needs its base URL)


OPERATIONS: Final = (
    Operation("/v1/chat/completions", CreateChatCompletionRequest, chat.handle),
    Operation(
        "/v1/embeddings",
        CreateEmbeddingRequest,
        embeddings.handle,
        heavy=True,
        shortcuts={"input": token_ids_stand_in},
    ),
    Operation("/v1/images/generations", CreateImageRequest, images.handle, heavy=True, links=True),
    Operation("/v1/audio/speech", CreateSpeechRequest, speech.handle, heavy=True),
    Operation("/v1/rerank", RerankRequest, rerank.handle),
    Operation("/v1/video/generations", CreateVideoRequest, video.handle),
)


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
    max_body_bytes: int = MAX_BODY_BYTES
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
    """The SSE body: events, ``[DONE]``, and the stream faults."""
    events = answer.events
    stop = len(events)
    tail = [_DONE]
    if faults.has("cut_stream") or faults.has("stream_error") or faults.has("malformed_json"):
        stop = max(1, len(events) // 2)
        if faults.has("stream_error"):
            tail = [_sse(provider_error().body())]
        elif faults.has("malformed_json") and stop < len(events):
            broken = orjson.dumps(events[stop])
            tail = [b"data: " + broken[: len(broken) // 2] + b"\n\n", _DONE]
        elif faults.has("cut_stream"):
            tail = []
    if faults.slow_stream_ms:
        delay = faults.slow_stream_ms / 1000
        for event in events[:stop]:
            await asyncio.sleep(delay)
            yield _sse(event)
        for piece in tail:
            await asyncio.sleep(delay)
            yield piece
        return
    buffer = bytearray()
    for event in events[:stop]:
        buffer += _sse(event)
        if len(buffer) >= _SSE_BATCH:
            yield bytes(buffer)
            buffer.clear()
            await asyncio.sleep(0)
    for piece in tail:
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


def _render(answer: Answer, headers: dict[str, str], faults: Faults) -> Response:
    headers = {**headers, **answer.billing.headers()}
    if isinstance(answer, SseAnswer):
        headers["cache-control"] = "no-cache"
        headers["x-accel-buffering"] = "no"
        return StreamingResponse(
            _stream(answer, faults), headers=headers, media_type="text/event-stream"
        )
    if isinstance(answer, JsonAnswer):
        content = orjson.dumps(answer.body, option=orjson.OPT_SERIALIZE_NUMPY)
        media_type = "application/json"
    else:
        assert isinstance(answer, BinaryAnswer)
        content, media_type = answer.content, answer.media_type
    if faults.has("cut_stream"):
        return _CutResponse(content, headers=headers, media_type=media_type)
    if faults.has("malformed_json"):
        content = content[: len(content) // 2]
    return Response(content, headers=headers, media_type=media_type)


def _check_declared_length(declared: str | None, limit: int) -> None:
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
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


def _answer(
    operation: Operation, request: BaseModel, document: dict[str, Any], base_url: str
) -> Answer:
    key = stable_hex(operation.path, canonical_json(document))
    return operation.handler(request, Context(key=key, base_url=base_url, document=document))


async def _handle(state: MockState, operation: Operation, request: Request, rid: str) -> Response:
    headers = request.headers
    token = bearer_token(headers.get("authorization"))
    if token is None or not state.tokens.accepts(token):
        raise unauthorized()
    fault_header = headers.get("x-mock-fault")
    faults = parse_faults(fault_header)
    idempotency_key = headers.get("idempotency-key")
    check_idempotency_key(idempotency_key)
    _check_declared_length(headers.get("content-length"), state.max_body_bytes)
    check_content_type(headers.get("content-type"))
    body = await _read_body(request, state.max_body_bytes)
    in_thread = operation.heavy or len(body) > _THREAD_THRESHOLD
    if in_thread:
        parsed, document = await anyio.to_thread.run_sync(
            validate_body, operation.model, body, state.max_nesting, operation.shortcuts
        )
    else:
        parsed, document = validate_body(
            operation.model, body, state.max_nesting, operation.shortcuts
        )

    if faults and not state.retries.should_fail(
        faults,
        operation.path.encode(),
        body,
        (fault_header or "").encode("latin-1"),
        (idempotency_key or "").encode("latin-1"),
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

    base_url = str(request.base_url) if operation.links else ""
    if in_thread:
        answer = await anyio.to_thread.run_sync(_answer, operation, parsed, document, base_url)
    else:
        answer = _answer(operation, parsed, document, base_url)
    success_headers = {
        "x-request-id": rid,
        "x-ratelimit-limit-requests": str(QUOTA_LIMIT),
        "x-ratelimit-remaining-requests": str(state.quota.remaining(state.tokens.digest_of(token))),
    }
    return _render(answer, success_headers, faults)


def _endpoint(state: MockState, operation: Operation) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        rid = _request_id()
        try:
            return await _handle(state, operation, request, rid)
        except ApiError as error:
            return error_response(error, rid)
        except ClientDisconnect:
            return Response(status_code=499)  # nobody is left to read it
        except Exception:
            logger.exception("unexpected failure in %s (request %s)", operation.path, rid)
            return error_response(internal_error(), rid)

    endpoint.__name__ = operation.handler.__module__.rsplit(".", 1)[-1]
    return endpoint


async def _image_file(request: Request) -> Response:
    rid = _request_id()
    name = str(request.path_params["name"])
    found = await anyio.to_thread.run_sync(images.image_file, name)
    if found is None:
        raise HTTPException(404)
    content, media_type = found
    headers = {"x-request-id": rid, "cache-control": "public, max-age=31536000, immutable"}
    return Response(content, headers=headers, media_type=media_type)


_HTTP_ERRORS: Final = {
    404: ("not_found", "NOT_FOUND", "No such path."),
    405: ("method_not_allowed", "METHOD_NOT_ALLOWED", "Method not allowed on this path."),
}


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    type_, code, message = _HTTP_ERRORS.get(exc.status_code, ("http_error", "HTTP", exc.detail))
    headers = {**(exc.headers or {}), "x-request-id": _request_id()}
    return _json(exc.status_code, envelope(message, type_, code), headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    return error_response(internal_error(), _request_id())


def create_app(
    tokens: Iterable[str] | None = None,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    max_nesting: int = MAX_NESTING,
) -> Starlette:
    """Build the mock gateway as an ASGI app (for uvicorn, or in-process tests).

    Args:
        tokens: The API keys to accept; by default those of ``TOKENMARKET_MOCK_TOKENS``, else
            the development key ``tm-mock-dev-key``.
        max_body_bytes: The largest request body accepted; larger ones get 413.
        max_nesting: The deepest JSON nesting accepted; deeper bodies get 400.
    """
    state = MockState(
        TokenSet(tokens_from_env() if tokens is None else tokens),
        max_body_bytes=max_body_bytes,
        max_nesting=max_nesting,
    )
    routes = [Route(op.path, _endpoint(state, op), methods=["POST"]) for op in OPERATIONS]
    routes.append(Route("/files/images/{name}", _image_file, methods=["GET"]))
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_exception, Exception: _server_error},
    )
    app.router.redirect_slashes = False  # `/v1/embeddings/` is a 404, as on a real gateway
    app.state.mock = state
    logging.getLogger("uvicorn.error").addFilter(_DROP_CUT_MESSAGE)
    return app
