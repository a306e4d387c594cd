"""openapi.yaml covers what the public documentation promises, in the form the issue asks for."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support import resolve

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "docs" / "tokenmarket-public-api-docs.txt"

OPERATIONS = {
    "/v1/chat/completions": "createChatCompletion",
    "/v1/embeddings": "createEmbedding",
    "/v1/images/generations": "createImage",
    "/v1/audio/speech": "createSpeech",
    "/v1/rerank": "createRerank",
    "/v1/video/generations": "createVideoGeneration",
}
DOCUMENTED_ERRORS = {
    "400": ("invalid_request_body", "REQUEST_001"),
    "401": ("unauthorized", "AUTH_001"),
    "502": ("provider_error", "PROVIDER_001"),
    "504": ("timeout", "PROVIDER_TIMEOUT"),
}
AUDIO_TYPES = ["audio/mpeg", "audio/opus", "audio/aac", "audio/flac", "audio/wav", "audio/pcm"]


def _seed_curl_bodies() -> dict[str, Any]:
    """The JSON body of every curl example in the public documentation, by path."""
    text = SEED.read_text(encoding="utf-8")
    pattern = r'curl -X POST "https://cloud\.hopegate\.ai/api(?P<path>[^"]+)"'
    pattern += r".*?-d '(?P<body>.*?)'"
    bodies = {m["path"]: json.loads(m["body"]) for m in re.finditer(pattern, text, flags=re.S)}
    assert set(bodies) == set(OPERATIONS), "the seed document changed: review the spec"
    return bodies


def test_paths_and_operation_ids(spec: dict[str, Any]) -> None:
    assert {path: ops["post"]["operationId"] for path, ops in spec["paths"].items()} == OPERATIONS
    assert spec["openapi"] == "3.1.0"
    assert spec["servers"][0]["url"] == "https://cloud.hopegate.ai/api"
    assert spec["servers"][1]["url"] == "http://127.0.0.1:{port}"


@pytest.mark.parametrize("path", OPERATIONS)
def test_operation_shape(spec: dict[str, Any], path: str) -> None:
    operation = spec["paths"][path]["post"]
    assert operation["security"] == [{"bearerAuth": []}], "openapi-python-client needs it here"
    assert operation["tags"]
    assert operation["summary"]
    assert operation["description"]
    body = operation["requestBody"]["content"]["application/json"]
    assert "$ref" in body["schema"], "request bodies are named components"
    request_schema = resolve(spec, body["schema"])
    assert "provider" in request_schema["properties"]
    for status, (error_type, code) in DOCUMENTED_ERRORS.items():
        response = resolve(spec, operation["responses"][status])
        assert {"type": error_type, "code": code} in response["x-error-codes"]
    assert "default" in operation["responses"]
    assert "Retry-After" in resolve(spec, operation["responses"]["429"])["headers"]
    ok = resolve(spec, operation["responses"]["200"])
    assert "x-request-id" in ok["headers"]
    assert any(name.startswith("x-tokenmarket-") for name in ok["headers"])


@pytest.mark.parametrize("path", OPERATIONS)
def test_public_doc_curl_body_is_the_request_example(spec: dict[str, Any], path: str) -> None:
    body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    values = [example["value"] for example in body["examples"].values()]
    assert _seed_curl_bodies()[path] in values


def test_response_bodies_are_named_and_exemplified(spec: dict[str, Any]) -> None:
    for path in OPERATIONS:
        for status, response in spec["paths"][path]["post"]["responses"].items():
            response = resolve(spec, response)
            for media_type, media in response.get("content", {}).items():
                assert "$ref" in media["schema"], f"{path} {status} {media_type}"
                if media_type.startswith("audio/") or media_type == "application/octet-stream":
                    continue  # binary audio: no example can be written in YAML
                assert media.get("examples") or "example" in media, f"{path} {status} {media_type}"


def test_chat_json_first_then_sse(spec: dict[str, Any]) -> None:
    ok = resolve(spec, spec["paths"]["/v1/chat/completions"]["post"]["responses"]["200"])
    assert list(ok["content"]) == ["application/json", "text/event-stream"]
    event = resolve(spec, ok["content"]["text/event-stream"]["schema"])
    branches = event["properties"]["data"]["anyOf"]
    done = resolve(spec, next(branch for branch in branches if "$ref" in branch))
    assert done["enum"] == ["[DONE]"]
    json_branch = next(branch for branch in branches if "contentSchema" in branch)
    assert json_branch["contentMediaType"] == "application/json"
    refs = {item["$ref"].rsplit("/", 1)[1] for item in json_branch["contentSchema"]["anyOf"]}
    assert refs == {"ChatCompletionChunk", "ErrorEnvelope"}


def test_speech_is_binary_in_every_audio_format(spec: dict[str, Any]) -> None:
    ok = spec["paths"]["/v1/audio/speech"]["post"]["responses"]["200"]
    assert set(AUDIO_TYPES) <= set(ok["content"])
    request = spec["components"]["schemas"]["CreateSpeechRequest"]
    assert {"response_format", "format"} <= set(request["properties"])


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
