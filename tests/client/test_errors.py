"""Errors: every non-2xx becomes the typed error, from the envelope or, failing that, the status."""

from __future__ import annotations

import json

import httpx
import pytest
from tokenmarket_client import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    InternalServerError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    StreamInterruptedError,
    TokenMarketError,
)
from tokenmarket_client._exceptions import error_class, make_status_error

from generator.spec import load_spec

from .conftest import KEY, MESSAGES, close, make_client, resolve
from .loopback import LoopbackServer, envelope

pytestmark = pytest.mark.anyio


def answer(status: int, body: bytes | dict[str, object], **headers: str) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = httpx.Request("POST", "https://cloud.hopegate.ai/api/v1/chat/completions")
    return httpx.Response(status, content=content, headers=headers, request=request)


def error_body(code: object, type_: str = "t", message: str = "m", **more: object) -> bytes:
    return json.dumps({"error": {"message": message, "type": type_, "code": code, **more}}).encode()


def test_hierarchy() -> None:
    for cls in (APIConnectionError, APIResponseValidationError, APIStatusError):
        assert issubclass(cls, TokenMarketError)
    assert issubclass(APITimeoutError, APIConnectionError)
    assert issubclass(StreamInterruptedError, APIConnectionError)
    for cls in (
        InvalidRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        RateLimitError,
        InternalServerError,
    ):
        assert issubclass(cls, APIStatusError)
    assert issubclass(ProviderError, InternalServerError)
    assert issubclass(ProviderTimeoutError, InternalServerError)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "REQUEST_001", InvalidRequestError),
        (413, "REQUEST_001", InvalidRequestError),  # the code picks the class
        (401, "AUTH_001", AuthenticationError),
        (400, "AUTH_001", AuthenticationError),
        (502, "PROVIDER_001", ProviderError),
        (504, "PROVIDER_TIMEOUT", ProviderTimeoutError),
        (429, "RATE_LIMIT", RateLimitError),
        # unknown codes fall back on the status
        (400, "SOMETHING_NEW", InvalidRequestError),
        (401, "X", AuthenticationError),
        (403, "X", PermissionDeniedError),
        (404, "X", NotFoundError),
        (429, "X", RateLimitError),
        (502, "X", ProviderError),
        (504, "X", ProviderTimeoutError),
        (500, "INTERNAL", InternalServerError),
        (503, "X", InternalServerError),
        (413, "X", APIStatusError),
        (409, "X", APIStatusError),
        (422, "X", APIStatusError),
    ],
)
def test_class_by_code_then_status(status: int, code: str, expected: type[APIStatusError]) -> None:
    error = make_status_error(answer(status, error_body(code)), error_body(code), secret=KEY)
    assert type(error) is expected
    assert error.status_code == status
    assert error.code == code


def test_fields_of_an_envelope_error() -> None:
    body = error_body("REQUEST_001", "invalid_request_body", "messages: field required")
    body = json.dumps(
        {
            "error": {
                "message": "messages: field required",
                "type": "invalid_request_body",
                "code": "REQUEST_001",
                "param": "messages",
                "extra": 1,
            }
        }
    ).encode()
    response = answer(400, body, **{"x-request-id": "req_42", "x-tokenmarket-cost": "0"})
    error = make_status_error(response, body, secret=KEY)
    assert isinstance(error, InvalidRequestError)
    assert error.message == (
        "400 Bad Request: messages: field required (type=invalid_request_body, "
        "code=REQUEST_001, param=messages, request_id=req_42) "
        "at POST https://cloud.hopegate.ai/api/v1/chat/completions"
    )
    assert str(error) == error.message
    assert (error.type, error.code, error.param) == (
        "invalid_request_body",
        "REQUEST_001",
        "messages",
    )
    assert error.request_id == "req_42"
    assert error.headers["x-tokenmarket-cost"] == "0"
    assert error.body == body
    assert error.response is response
    assert error.error is not None
    assert error.error.additional_properties == {"extra": 1}


def test_integer_code_and_loose_envelopes() -> None:
    error = make_status_error(answer(400, error_body(1001)), error_body(1001), secret=KEY)
    assert error.code == "1001"
    loose = b'{"error": "quota exhausted"}'
    error = make_status_error(answer(429, loose), loose, secret=KEY)
    assert isinstance(error, RateLimitError)
    assert error.message.startswith("429 Too Many Requests: quota exhausted")
    partial = b'{"error": {"message": "no code here"}}'
    error = make_status_error(answer(502, partial), partial, secret=KEY)
    assert isinstance(error, ProviderError)
    assert error.code is None
    assert "no code here" in error.message


@pytest.mark.parametrize(
    ("status", "body", "expected", "shown"),
    [
        (503, b"<html><body><h1>503 Service Unavailable</h1></body></html>", InternalServerError,
         "'<html><body><h1>503 Service Unavailable</h1></body></html>'"),
        (502, b"Bad gateway\n\n   from nginx", ProviderError, "'Bad gateway from nginx'"),
        (503, b"", InternalServerError, "empty body"),
        (401, b"   ", AuthenticationError, "empty body"),
        (500, b'["not", "an", "envelope"]', InternalServerError, '\'["not", "an", "envelope"]\''),
    ],
)  # fmt: skip
def test_non_envelope_bodies(
    status: int, body: bytes, expected: type[APIStatusError], shown: str
) -> None:
    error = make_status_error(answer(status, body), body, secret=KEY)
    assert type(error) is expected
    assert shown in error.message
    assert error.code is None
    assert error.error is None
    assert error.body == body


def test_long_bodies_are_cut_and_the_key_is_redacted() -> None:
    body = ("<html>" + "x" * 5000 + f" Authorization: Bearer {KEY}</html>").encode()
    error = make_status_error(answer(503, body), body, secret=KEY)
    assert len(error.message.split(" at POST ")[0]) < 300
    assert error.message.count("…") == 1
    echo = error_body("AUTH_001", message=f"key {KEY} is disabled")
    error = make_status_error(answer(401, echo), echo, secret=KEY)
    assert KEY not in error.message
    assert "key [redacted] is disabled" in error.message


def test_retry_after_on_the_error() -> None:
    body = error_body("RATE_LIMIT")
    error = make_status_error(answer(429, body, **{"Retry-After": "7"}), body, secret=KEY)
    assert error.retry_after == 7.0
    error = make_status_error(answer(429, body, **{"retry-after-ms": "1500"}), body, secret=KEY)
    assert error.retry_after == 1.5
    assert make_status_error(answer(429, body), body, secret=KEY).retry_after is None


async def test_errors_through_the_client(mode: str, server: LoopbackServer) -> None:
    server.push(
        envelope(401, "unauthorized", "AUTH_001", "API key is missing, invalid, or disabled.")
    )
    client = make_client(mode, server.url)
    try:
        with pytest.raises(AuthenticationError) as caught:
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    finally:
        await close(client)
    error = caught.value
    assert error.status_code == 401
    assert error.request_id == "req_test"
    assert error.message.startswith("401 Unauthorized: API key is missing, invalid, or disabled.")
    assert error.type == "unauthorized"
    assert error.billing.cost is None


def test_connection_errors_have_no_request_id() -> None:
    assert APIConnectionError("x").request_id is None
    assert APITimeoutError().message == "Request timed out."


def test_every_documented_code_picks_its_status_class_whatever_the_status() -> None:
    """The code table comes from the spec's `x-error-codes`: a new documented code is known
    by regeneration alone, and its first documented status decides the class."""
    pairs = load_spec().error_codes
    assert pairs
    for pair in pairs:
        first = next(p.status for p in pairs if p.code == pair.code)
        assert error_class(500, pair.code) is error_class(first, None), pair
