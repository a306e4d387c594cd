"""Real mock responses conform to openapi.yaml: status, content type, headers, body, SSE events.

Every request example of the spec, plus variants that reach the other branches of each
operation (streams with usage, tools, logprobs, base64 embeddings, every audio format…), and
every error the mock can give (400, 401, 413, 429, 502, 504, 500 and the 404/405 ``default``),
is sent to the app and its answer is validated against the spec with jsonschema.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

import pytest
from starlette.testclient import TestClient

from generator.spec import Operation
from mock_server import create_app
from tests.mock.spec_check import SpecChecker, chunks
from tests.mock.support import AUTH, OPERATIONS, QUICK_START, SPEC, SPEECH_FORMATS, TOKEN

CHAT = "/v1/chat/completions"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}

VARIANTS: list[tuple[str, dict[str, Any]]] = [
    (CHAT, QUICK_START),
    (CHAT, {**QUICK_START, "stream": True}),
    (CHAT, {**QUICK_START, "stream": True, "stream_options": {"include_usage": True}, "n": 3}),
    (
        CHAT,
        {
            "model": "m",
            "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
            "tools": [WEATHER_TOOL],
            "stream": True,
            "stream_options": {"include_usage": True},
        },
    ),
    (
        CHAT,
        {
            "model": "m",
            "messages": [{"role": "user", "content": "Hello there, how are you?"}],
            "tools": [WEATHER_TOOL],
            "tool_choice": "required",
            "n": 2,
        },
    ),
    (
        CHAT,
        {
            **QUICK_START,
            "logprobs": True,
            "top_logprobs": 3,
            "reasoning_effort": "high",
            "max_tokens": 7,
        },
    ),
    (CHAT, {**QUICK_START, "logprobs": True, "top_logprobs": 2, "stream": True}),
    (CHAT, {**QUICK_START, "response_format": {"type": "json_object"}}),
    (
        CHAT,
        {
            "model": "m",
            "messages": [
                {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "Describe"},
                        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}},
                    ],
                },
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
            ],
            "stop": ["tool"],
        },
    ),
    ("/v1/embeddings", {"model": "text-embedding-3-large", "input": "hello"}),
    (
        "/v1/embeddings",
        {"model": "e", "input": [[1, 2], [3]], "encoding_format": "base64", "dimensions": 8},
    ),
    (
        "/v1/images/generations",
        {"model": "gpt-image-1", "prompt": "a fox", "response_format": "b64_json", "n": 2},
    ),
    ("/v1/images/generations", {"model": "gpt-image-1", "prompt": "a fox", "size": "1792x1024"}),
    ("/v1/rerank", {"model": "r", "query": "q", "documents": [{"text": "q"}, "x"], "top_n": 9}),
    ("/v1/rerank", {"model": "r", "query": "q", "documents": ["q"], "return_documents": False}),
    ("/v1/video/generations", {"model": "v", "prompt": "p", "duration": "7"}),
    *(
        ("/v1/audio/speech", {"model": "tts", "input": "Hi", "voice": "alloy", "format": fmt})
        for fmt in SPEECH_FORMATS
    ),
]
"""Bodies that reach the branches of the hand-written handlers (beyond the spec's examples)."""

EXAMPLES: list[tuple[Operation, str, Any]] = [
    (operation, name, body)
    for operation in OPERATIONS
    for name, body in (operation.request_examples or {"no body": None}).items()
]
"""Every request example of the spec, of every operation (derived: a new one is covered)."""


@pytest.mark.parametrize(
    ("operation", "name", "body"), EXAMPLES, ids=[f"{op.id}-{name}" for op, name, _ in EXAMPLES]
)
def test_request_examples_are_answered_as_declared(
    spec: dict[str, Any], client: TestClient, operation: Operation, name: str, body: Any
) -> None:
    kwargs = {} if body is None else {"json": body}
    response = client.request(operation.method, operation.path, **kwargs)
    assert response.status_code == operation.success_status, (operation.id, response.text)
    assert SpecChecker(spec).check(operation.path, response, operation.method) == [], body


@pytest.mark.parametrize(("path", "body"), VARIANTS)
def test_variants_are_answered_as_declared(
    spec: dict[str, Any], client: TestClient, path: str, body: dict[str, Any]
) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    assert SpecChecker(spec).check(path, response) == []


def test_stream_chunks_share_one_id(client: TestClient) -> None:
    response = client.post(CHAT, json={**QUICK_START, "stream": True, "n": 2})
    assert response.headers["content-type"].startswith("text/event-stream")
    assert len({chunk["id"] for chunk in chunks(response.text)}) == 1


ERRORS: list[tuple[str, dict[str, str], Any, int]] = [
    ("no key", {"Authorization": ""}, QUICK_START, 401),
    ("invalid body", {}, {"model": "m"}, 400),
    ("malformed JSON", {"Content-Type": "application/json"}, b"{", 400),
    ("wrong content type", {"Content-Type": "text/plain"}, b"{}", 400),
    (
        "too large",
        {"Content-Type": "application/json"},
        b" " * (SPEC.limit("max_request_body_bytes") + 1),
        413,
    ),
    ("rate limited", {"X-Mock-Fault": "rate_limit"}, QUICK_START, 429),
    ("provider error", {"X-Mock-Fault": "provider_error"}, QUICK_START, 502),
    ("provider timeout", {"X-Mock-Fault": "provider_timeout"}, QUICK_START, 504),
    ("server error", {"X-Mock-Fault": "server_error"}, QUICK_START, 500),
    ("unknown fault", {"X-Mock-Fault": "nope"}, QUICK_START, 400),
    ("bad idempotency key", {"Idempotency-Key": "has space"}, QUICK_START, 400),
]


@pytest.mark.parametrize(("name", "headers", "body", "status"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_answered_as_declared(
    spec: dict[str, Any],
    client: TestClient,
    name: str,
    headers: dict[str, str],
    body: Any,
    status: int,
) -> None:
    kwargs: dict[str, Any] = {"content": body} if isinstance(body, bytes) else {"json": body}
    response = client.post(CHAT, headers=headers, **kwargs)
    assert response.status_code == status, response.text
    assert SpecChecker(spec).check(CHAT, response) == []
    error = response.json()["error"]
    documented = SpecChecker(spec)._response(CHAT, status)[1].get("x-error-codes")
    if documented:
        assert {"type": error["type"], "code": error["code"]} in documented


def test_rate_limit_headers(client: TestClient) -> None:
    response = client.post(CHAT, json=QUICK_START, headers={"X-Mock-Fault": "rate_limit:1500"})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert response.headers["retry-after-ms"] == "1500"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", CHAT, 405), ("OPTIONS", CHAT, 405), ("POST", "/v2", 404), ("POST", CHAT + "/", 404)],
)
def test_unknown_routes_get_the_envelope(
    spec: dict[str, Any], client: TestClient, method: str, path: str, status: int
) -> None:
    response = client.request(method, path, headers=AUTH)
    assert response.status_code == status
    assert response.headers["x-request-id"].startswith("req_")
    assert SpecChecker(spec).errors("/components/schemas/ErrorEnvelope", response.json()) == []
    if status == 405:
        assert response.headers["allow"] == "POST"


def test_request_ids_are_unique(client: TestClient) -> None:
    ids = {client.post(CHAT, json=QUICK_START).headers["x-request-id"] for _ in range(50)}
    ids |= {client.post(CHAT, json={"model": 1}).headers["x-request-id"] for _ in range(50)}
    assert len(ids) == 100


def test_checker_is_not_vacuous(spec: dict[str, Any], client: TestClient) -> None:
    """The same checker reports a response that breaks the spec."""
    response = client.post(CHAT, json=QUICK_START)
    broken = response.json()
    del broken["choices"]
    checker = SpecChecker(spec)
    assert checker.errors("/components/schemas/ChatCompletion", broken)
    assert checker.errors("/components/schemas/ErrorEnvelope", {"error": {"code": 1}})
    assert checker.is_valid_request(CHAT, QUICK_START)
    assert not checker.is_valid_request(
        CHAT, {**QUICK_START, "tools": [{"type": "function", "function": {"name": "a\n"}}]}
    )


def test_a_client_that_leaves_mid_body_is_not_an_error(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app([TOKEN])
    sent: list[MutableMapping[str, Any]] = []
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": b'{"model":', "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": CHAT,
        "raw_path": CHAT.encode(),
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "server": ("127.0.0.1", 1),
        "headers": [
            (b"authorization", f"Bearer {TOKEN}".encode()),
            (b"content-type", b"application/json"),
        ],
    }
    asyncio.run(app(scope, receive, send))
    assert "Traceback" not in caplog.text
    assert sent[0]["status"] == 499
