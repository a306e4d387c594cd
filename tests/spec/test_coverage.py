"""openapi.yaml covers what the public documentation promises, in the form the issue asks for.

Every list of operations here comes from the spec through generator/spec.py: adding an operation
fails a test only when it lacks something every operation must have (a curl example in the
public documentation, unless the operation is marked `x-tokenmarket-assumption`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from generator.spec import ASSUMPTION_EXTENSION, Operation, load_spec

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "docs" / "tokenmarket-public-api-docs.txt"
READ = load_spec()
BASE_URL = "https://cloud.hopegate.ai/api"
# The error table of the public documentation (its "Error handling" section), by code.
DOC_ERROR_TABLE = re.compile(r"^(?P<type>[a-z_]+)(?P<code>[A-Z]+_(?:[0-9]+|[A-Z]+))[A-Z]", re.M)


def _seed_curl_bodies() -> dict[str, Any]:
    """The JSON body of every curl example in the public documentation, by path."""
    text = SEED.read_text(encoding="utf-8")
    pattern = rf'curl -X POST "{re.escape(BASE_URL)}(?P<path>[^"]+)"'
    pattern += r".*?-d '(?P<body>.*?)'"
    return {m["path"]: json.loads(m["body"]) for m in re.finditer(pattern, text, flags=re.S)}


def _documented_pairs() -> set[tuple[str, str]]:
    """The type/code pairs of the public documentation's error table."""
    text = SEED.read_text(encoding="utf-8").split("Error handling", 2)[-1]
    return {(m["type"], m["code"]) for m in DOC_ERROR_TABLE.finditer(text)}


def test_servers_and_version(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    assert spec["servers"][0]["url"] == BASE_URL
    assert spec["servers"][1]["url"] == "http://127.0.0.1:{port}"


def test_every_doc_curl_example_is_an_operation() -> None:
    paths = {operation.path for operation in READ.operations}
    missing = sorted(set(_seed_curl_bodies()) - paths)
    assert not missing, f"the public documentation has endpoints the spec lacks: {missing}"


@pytest.mark.parametrize("operation", READ.operations, ids=READ.operation_ids)
def test_operation_shape(operation: Operation) -> None:
    """What every operation of this API states (a new one copies an existing one's)."""
    raw = operation.raw
    where = operation.id
    assert raw.get("security") == [{"bearerAuth": []}], (
        f"{where}: needs `security: [bearerAuth: []]` (openapi-python-client reads it there)"
    )
    assert operation.tags, f"{where}: needs a tag (it names the low-level module)"
    assert operation.summary, f"{where}: needs a summary"
    assert operation.description, f"{where}: needs a description"
    body = operation.request_body
    assert body is not None, f"{where}: needs a JSON request body"
    name = operation.request_schema_name
    assert name, f"{where}: its request body must be a `$ref` to a named schema"
    assert "provider" in READ.schema(name).get("properties", {}), (
        f"{name} must have `provider` ($ref Provider): every request may name one"
    )
    pairs = {
        (pair.type, pair.code) for response in operation.responses for pair in response.error_codes
    }
    missing = _documented_pairs() - pairs
    assert not missing, f"{where} documents no response with {sorted(missing)}"
    assert operation.response("default") is not None, f"{where}: needs a `default` response"
    rate_limited = operation.response(429)
    assert rate_limited is not None, f"{where}: needs `429: $ref RateLimited`"
    assert "Retry-After" in rate_limited.headers, f"{where}: its 429 needs a Retry-After header"
    ok = operation.success
    assert "x-request-id" in ok.headers, f"{where}: its {ok.status} needs `*success_headers`"
    assert any(name.startswith("x-tokenmarket-") for name in ok.headers), (
        f"{where}: its {ok.status} needs the billing headers (`*success_headers`)"
    )


@pytest.mark.parametrize("operation", READ.operations, ids=READ.operation_ids)
def test_public_doc_curl_body_is_the_request_example(operation: Operation) -> None:
    if ASSUMPTION_EXTENSION in operation.raw:
        pytest.skip(f"{operation.id} is marked as an assumption: the public doc has no example")
    bodies = _seed_curl_bodies()
    assert operation.path in bodies, (
        f"docs/{SEED.name} has no curl example for {operation.method} {operation.path} "
        f"({operation.id}): add it, or mark the operation {ASSUMPTION_EXTENSION}"
    )
    assert bodies[operation.path] in operation.request_examples.values()


def test_response_bodies_are_named_and_exemplified() -> None:
    for operation in READ.operations:
        for response in operation.responses:
            for media in response.media_types:
                where = f"{operation.id} {response.status} {media.name}"
                assert "$ref" in media.schema, f"{where}: the schema must be a named `$ref`"
                if media.is_binary:
                    continue  # binary audio: no example can be written in YAML
                assert media.examples, f"{where}: needs an example"


def test_streaming_operations_list_json_first_then_sse(spec: dict[str, Any]) -> None:
    streaming = [operation for operation in READ.operations if operation.streams]
    assert streaming, "the spec has a streaming operation"
    for operation in streaming:
        media = operation.success.media_types
        assert [m.name for m in media][:2] == ["application/json", "text/event-stream"]
        event = READ.resolve(operation.success.media_type("text/event-stream").schema)  # type: ignore[union-attr]
        branches = event["properties"]["data"]["anyOf"]
        done = READ.resolve(next(branch for branch in branches if "$ref" in branch))
        assert done["enum"] == ["[DONE]"]
        json_branch = next(branch for branch in branches if "contentSchema" in branch)
        assert json_branch["contentMediaType"] == "application/json"
        refs = {item["$ref"].rsplit("/", 1)[1] for item in json_branch["contentSchema"]["anyOf"]}
        assert "ErrorEnvelope" in refs
        assert len(refs) == 2


def test_binary_answers_come_in_every_media_type_of_their_format_field() -> None:
    from fuzz.checks import format_fields

    binary = [operation for operation in READ.operations if operation.binary]
    assert binary, "the spec has a binary operation"
    for operation in binary:
        fields = format_fields(operation)
        assert fields, f"{operation.id}: no request field chooses the media type"
        for _, mapping, _ in fields:
            assert set(mapping.values()) <= set(operation.success_media_types), operation.id


def test_messages_discriminated_by_role(spec: dict[str, Any]) -> None:
    message = spec["components"]["schemas"]["ChatMessage"]
    assert message["discriminator"]["propertyName"] == "role"
    assert set(message["discriminator"]["mapping"]) == {
        "system",
        "developer",
        "user",
        "assistant",
        "tool",
    }
    assistant = spec["components"]["schemas"]["AssistantMessage"]["properties"]
    assert {"reasoning_content", "tool_calls"} <= set(assistant)


def test_growing_values_are_open_strings(spec: dict[str, Any]) -> None:
    """Values that grow must never be closed enums in responses (clients would reject them)."""
    schemas = spec["components"]["schemas"]
    open_fields = [
        schemas["ChatCompletionChoice"]["properties"]["finish_reason"],
        schemas["ChatCompletionChunkChoice"]["properties"]["finish_reason"],
        schemas["VideoTask"]["properties"]["status"],
        schemas["CreateSpeechRequest"]["properties"]["voice"],
        schemas["ModelId"],
        schemas["ErrorDetail"]["properties"]["type"],
        schemas["ErrorDetail"]["properties"]["code"],
    ]
    for field in open_fields:
        assert "enum" not in field
        assert "const" not in field


def test_no_response_schema_forbids_unknown_fields(spec: dict[str, Any]) -> None:
    for name, schema in spec["components"]["schemas"].items():
        assert schema.get("additionalProperties", True) is not False, name


# ------------------------------------------------------------------ fidelity and assumptions
def test_every_request_requires_model() -> None:
    """Every public example sends `model`, and the gateway routes by it."""
    for operation in READ.operations:
        name = operation.request_schema_name
        assert name, f"{operation.id}: its request body must be a named schema"
        required = READ.schema(name).get("required", [])
        assert "model" in required, f"{name} must require `model` (the gateway routes by it)"


def test_tracing_header_is_documented_but_not_required() -> None:
    header = READ.header("XRequestId")
    assert header.get("required", False) is False
    assert READ.assumption_at(header)


def test_rerank_answers_may_omit_model() -> None:
    """Cohere-style rerank answers, which gateways forward, carry no `model`."""
    assert "model" not in READ.schema("RerankResponse").get("required", [])


def test_assumptions_are_marked_with_a_reason() -> None:
    """What the public documentation does not state carries x-tokenmarket-assumption."""
    marked = READ.assumptions
    assert all(isinstance(reason, str) and len(reason) > 20 for reason in marked.values())
    doc_pairs = _documented_pairs()
    assert len(doc_pairs) == 4, "the public documentation's error table changed: review"
    # Error codes beyond the documentation's four are assumptions.
    for operation in READ.operations:
        for status in operation.error_statuses:
            response = operation.response(status)
            assert response is not None
            pairs = {(pair.type, pair.code) for pair in response.error_codes}
            node = operation.raw["responses"][str(status)]
            if pairs - doc_pairs:
                assert READ.assumption_at(node), f"{operation.id} {status}"
    # Header names the documentation never gives, and the idempotency header.
    for name in READ.raw["components"]["headers"]:
        if name != "RetryAfter":
            assert READ.assumption_at(READ.header(name)), name
    assert READ.assumption_at(READ.parameter("IdempotencyKey"))
