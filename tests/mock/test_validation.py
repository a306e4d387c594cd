"""The mock accepts exactly what the spec allows and rejects exactly what it forbids.

A differential test: thousands of request bodies, made by replacing (or removing) every field
of a rich request of each operation with awkward values, are judged both by jsonschema against
openapi.yaml and by the mock's validation. The verdicts must agree, and a rejection must name
the mutated field (or the object that contains it) in ``param``. Then the corner cases where
pydantic's strict mode and JSON Schema differ, and the malformed inputs that must get an
envelope, never a 500 or a hang.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server.errors import ApiError
from mock_server.operations import ServedOperation, served_operations
from mock_server.validation import MAX_NESTING, ModelValidator
from tests.mock.spec_check import SpecChecker
from tests.mock.support import QUICK_START, SPEC, first_example

Path_ = tuple[str | int, ...]

# Rich bodies (every field set) for the operations that have hand-written handlers, by
# operationId; any other operation of the spec is mutated from its first request example.
RICH: dict[str, dict[str, Any]] = {
    "createChatCompletion": {
        "model": "m",
        "messages": [
            {"role": "system", "content": "s", "name": "n"},
            {"role": "user", "content": [{"type": "text", "text": "t"}]},
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "u"}}]},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "content": "r", "tool_call_id": "c"},
        ],
        "stream": False,
        "stream_options": {"include_usage": True},
        "temperature": 1,
        "top_p": 0.5,
        "max_tokens": 5,
        "stop": ["x"],
        "n": 2,
        "seed": 3,
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
        "response_format": {"type": "json_schema", "json_schema": {"name": "j", "strict": None}},
        "presence_penalty": -2,
        "logprobs": True,
        "top_logprobs": 20,
    },
    "createEmbedding": {
        "model": "m",
        "input": ["a", "b"],
        "encoding_format": "base64",
        "dimensions": 4,
        "user": "u",
        "provider": "p",
    },
    "createImage": {
        "prompt": "p",
        "model": "m",
        "n": 2,
        "size": "64x32",
        "quality": "hd",
        "response_format": "b64_json",
        "output_format": "png",
    },
    "createSpeech": {
        "model": "m",
        "input": "i",
        "voice": "v",
        "response_format": "pcm",
        "format": "wav",
        "speed": 2,
        "instructions": "x",
    },
    "createRerank": {
        "model": "m",
        "query": "q",
        "documents": ["a", {"text": "b"}],
        "top_n": 1,
        "return_documents": False,
    },
    "createVideoGeneration": {
        "model": "m",
        "prompt": "p",
        "size": "64x32",
        "seconds": 5,
        "duration": "7",
        "image_url": "u",
    },
}

PROBES: list[Any] = [
    None,
    True,
    0,
    1,
    -1,
    1.0,
    1.5,
    2,
    129,
    2**70,
    "",
    "x",
    "1",
    "auto",
    "abc\n",
    "64x32\n",
    "\u00e9" * 3,
    [],
    ["x"],
    [1],
    [[1]],
    {},
    {"text": "x"},
]
REMOVE = object()


def _paths(node: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _mutate(body: dict[str, Any], path: Path_, value: Any) -> dict[str, Any]:
    mutated = copy.deepcopy(body)
    parent: Any = mutated
    for part in path[:-1]:
        parent = parent[part]
    if value is REMOVE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return mutated


def _param(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


SERVED = tuple(item for item in served_operations(SPEC) if item.validate is not None)


def _mock_verdict(validate: Any, body: dict[str, Any]) -> ApiError | None:
    try:
        validate(json.dumps(body).encode())
    except ApiError as error:
        return error
    return None


@pytest.mark.parametrize("served", SERVED, ids=[item.operation.id for item in SERVED])
def test_mock_and_spec_agree_on_every_mutation(
    spec: dict[str, Any], served: ServedOperation
) -> None:
    checker = SpecChecker(spec)
    operation = served.operation
    base = RICH.get(operation.id) or first_example(operation)
    assert checker.is_valid_request(operation.path, base, operation.method)
    disagreements: list[str] = []
    misnamed: list[str] = []
    checked = accepted = 0
    for path in list(_paths(base)):
        for value in [REMOVE, *PROBES]:
            body = _mutate(base, path, value)
            expected = checker.is_valid_request(operation.path, body, operation.method)
            error = _mock_verdict(served.validate, body)
            checked += 1
            accepted += expected
            if expected != (error is None):
                shown = "removed" if value is REMOVE else repr(value)
                disagreements.append(f"{_param(path)} = {shown}: spec {expected}, mock {error}")
            elif error is not None:
                assert error.status == 400
                assert error.code == "REQUEST_001"
                where, param = _param(path), error.param or ""
                if not (where.startswith(param) or param.startswith(where)) or not param:
                    misnamed.append(f"{where} = {value!r}: param {param!r}")
    assert disagreements == []
    assert misnamed == []
    assert checked > (100 if operation.id in RICH else 0)
    assert 0 < accepted < checked  # both verdicts were exercised


BIG = list(range(1500))
TOKEN_ID_INPUTS: list[tuple[str, Any]] = [
    ("flat", BIG),
    ("nested", [BIG, [1], BIG]),
    ("2048 rows", [[1]] * 1025 + [BIG] + [[2]] * 1022),
    ("2049 rows", [[1]] * 2048 + [BIG]),
    ("a negative id", [*BIG, -1]),
    ("a boolean", [*BIG, True]),
    ("a float id", [*BIG, 1.5]),
    ("an integral float id", [*BIG, 2.0]),
    ("a string", [*BIG, "1"]),
    ("an empty row", [BIG, []]),
    ("a null row", [BIG, None]),
    ("mixed rows and ids", [BIG, 1]),
    ("a negative id in a row", [BIG, [0, -5]]),
]


@pytest.mark.parametrize(("name", "value"), TOKEN_ID_INPUTS, ids=[t[0] for t in TOKEN_ID_INPUTS])
def test_token_id_shortcut_agrees_with_the_spec(
    spec: dict[str, Any], name: str, value: Any
) -> None:
    """Large token-id inputs skip pydantic (too slow for them): the verdict must not change."""
    (served,) = [item for item in SERVED if item.operation.id == "createEmbedding"]
    assert isinstance(served.validate, ModelValidator)
    body = {"model": "m", "input": value}
    expected = SpecChecker(spec).is_valid_request(served.operation.path, body)
    fast = _mock_verdict(served.validate, body)
    slow = _mock_verdict(ModelValidator(served.validate.model, None), body)
    assert (fast is None) == (slow is None) == expected
    if fast is not None and slow is not None:
        assert fast.param == slow.param


# Where pydantic's strict mode and JSON Schema 2020-12 differ, the spec wins.
CORNERS: list[tuple[str, dict[str, Any], bool]] = [
    ("integer written 1.0 is an integer", {"n": 1.0}, True),
    ("integer written 1e1 is an integer", {"max_tokens": 1e1}, True),
    ("integer written 1.5 is not", {"n": 1.5}, False),
    ("a string of digits is not an integer", {"n": "1"}, False),
    ("a boolean is not an integer", {"n": True}, False),
    ("an integer is a number", {"temperature": 2}, True),
    ("a boolean is not a number", {"temperature": False}, False),
    ("null is refused where the spec has no null", {"stream": None}, False),
    ("null is accepted where the spec allows it", {"user": "u", "seed": 2**80}, True),
    (
        "ECMA $ does not match before a final newline",
        {"tools": [{"type": "function", "function": {"name": "f\n"}}]},
        False,
    ),
    ("unknown fields pass through", {"x-anything": {"nested": [1, None]}}, True),
    (
        "unknown fields pass through at depth",
        {"stream_options": {"include_usage": True, "z": 1}},
        True,
    ),
]


@pytest.mark.parametrize(("name", "change", "valid"), CORNERS, ids=[c[0] for c in CORNERS])
def test_json_schema_corner_cases(
    spec: dict[str, Any], client: TestClient, name: str, change: dict[str, Any], valid: bool
) -> None:
    body = {**QUICK_START, **change}
    assert SpecChecker(spec).is_valid_request("/v1/chat/completions", body) is valid
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == (200 if valid else 400), response.text


RAW: list[tuple[str, bytes, str | None]] = [
    ("NaN literal", b'{"model":"m","messages":[],"temperature":NaN}', None),
    ("Infinity literal", b'{"temperature":Infinity}', None),
    ("trailing garbage", b'{"model":"m"} x', None),
    ("not UTF-8", b'{"model":"\xff"}', None),
    ("UTF-8 BOM", b'\xef\xbb\xbf{"model":"m"}', None),
    ("an array", b"[]", None),
    ("a string", b'"x"', None),
    ("empty", b"", None),
    ("whitespace", b"  \n", None),
    ("huge integer literal", b'{"n":' + b"9" * 5000 + b"}", None),
    ("deep nesting", b'{"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}", None),
    ("nesting over the limit", b'{"x":' + b"[" * MAX_NESTING + b"]" * MAX_NESTING + b"}", None),
    ("missing field", b'{"model":"m"}', "messages"),
    ("wrong type deep", b'{"model":"m","messages":[{"role":"user","content":5}]}', None),
]


@pytest.mark.parametrize(("name", "body", "param"), RAW, ids=[r[0] for r in RAW])
def test_malformed_bodies_get_the_envelope(
    client: TestClient, name: str, body: bytes, param: str | None
) -> None:
    response = client.post(
        "/v1/chat/completions", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request_body", "REQUEST_001")
    if param is not None:
        assert error["param"] == param
        assert error["message"] == "messages: field required"


def test_nesting_at_the_limit_is_accepted(client: TestClient) -> None:
    depth = MAX_NESTING - 1  # the top-level object is one level
    body = b'{"model":"m","messages":[{"role":"user","content":"hi"}],"x":'
    body += b"[" * depth + b"]" * depth + b"}"
    response = client.post(
        "/v1/chat/completions", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text


def test_lone_surrogates_are_accepted_and_answered(client: TestClient) -> None:
    body = b'{"model":"m","messages":[{"role":"user","content":"a\\ud800b"}]}'
    response = client.post(
        "/v1/chat/completions", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == "Mock reply to: a\ufffdb"


def test_string_lengths_count_code_points(client: TestClient) -> None:
    speech = {"model": "m", "voice": "v", "response_format": "pcm"}
    emoji = "\U0001f600"  # one code point, two UTF-16 units, four UTF-8 bytes
    ok = client.post("/v1/audio/speech", json={**speech, "input": emoji * 4096})
    assert ok.status_code == 200
    too_long = client.post("/v1/audio/speech", json={**speech, "input": emoji * 4097})
    assert too_long.status_code == 400
    assert too_long.json()["error"]["param"] == "input"


def test_duplicate_keys_keep_the_last(client: TestClient) -> None:
    body = b'{"model":"m","messages":[{"role":"user","content":"hi"}],"n":1,"n":"x"}'
    response = client.post(
        "/v1/chat/completions", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "n"


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/json", 200),
        ("application/json; charset=utf-8", 200),
        ("Application/JSON;charset=UTF-8", 200),
        ("application/json; charset=latin-1", 400),
        ("text/plain", 400),
        ("application/x-www-form-urlencoded", 400),
        ("application/jsonx", 400),
        (None, 400),
    ],
)
def test_content_type(client: TestClient, content_type: str | None, status: int) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(
        "/v1/chat/completions", content=json.dumps(QUICK_START).encode(), headers=headers
    )
    assert response.status_code == status
    if status == 400:
        assert response.json()["error"]["code"] == "REQUEST_001"


def test_body_size_limit(client: TestClient) -> None:
    limit = SPEC.limit("max_request_body_bytes")
    padded = json.dumps({**QUICK_START, "pad": "x" * (limit - 200)}).encode()
    assert len(padded) <= limit
    assert (
        client.post(
            "/v1/chat/completions", content=padded, headers={"Content-Type": "application/json"}
        ).status_code
        == 200
    )
    over = json.dumps({**QUICK_START, "pad": "x" * limit}).encode()
    response = client.post(
        "/v1/chat/completions", content=over, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == {
        "message": f"Request body exceeds {limit} bytes.",
        "type": "invalid_request_body",
        "code": "REQUEST_001",
        "param": None,
    }


def test_chunked_body_over_the_limit(client: TestClient) -> None:
    def pieces() -> Iterator[bytes]:
        yield b'{"model":"m","pad":"'
        for _ in range(5):
            yield b"x" * 1024 * 1024
        yield b'"}'

    response = client.post(
        "/v1/chat/completions", content=pieces(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


@pytest.mark.parametrize("key", ["", "a b", "é", "x" * 256])
def test_idempotency_key_follows_its_schema(client: TestClient, key: str) -> None:
    response = client.post(
        "/v1/chat/completions", json=QUICK_START, headers={b"Idempotency-Key": key.encode()}
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "Idempotency-Key"
    good = client.post("/v1/chat/completions", json=QUICK_START, headers={"Idempotency-Key": "k-1"})
    assert good.status_code == 200
