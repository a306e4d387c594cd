"""The generated low-level client makes all six non-streaming calls correctly.

Each call is built from its operation's request example in openapi.yaml (via the generated
model's `from_dict`), sent through `httpx.MockTransport`, answered with the operation's
response example, and checked on both sides of the wire: method, path, auth header and JSON
body going out; parsed model type and round-tripped fields coming back.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from tokenmarket_client import AuthenticatedClient
from tokenmarket_client.types import File

from tests.support import load_spec, resolve

ROOT = Path(__file__).resolve().parents[2]
SPEC = load_spec()
TOKEN = "tm-test-key"

# operationId -> (generated module, request model, response model or None for binary)
OPERATIONS = {
    "createChatCompletion": ("chat.create_chat_completion", "CreateChatCompletionRequest"),
    "createEmbedding": ("embeddings.create_embedding", "CreateEmbeddingRequest"),
    "createImage": ("images.create_image", "CreateImageRequest"),
    "createSpeech": ("audio.create_speech", "CreateSpeechRequest"),
    "createRerank": ("rerank.create_rerank", "RerankRequest"),
    "createVideoGeneration": ("video.create_video_generation", "CreateVideoRequest"),
}


def _operation(operation_id: str) -> tuple[str, dict[str, Any]]:
    for path, item in SPEC["paths"].items():
        if item["post"]["operationId"] == operation_id:
            return path, item["post"]
    raise LookupError(operation_id)


def _first_example(media: dict[str, Any]) -> Any:
    return next(iter(media["examples"].values()))["value"]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_generated_call_round_trip(operation_id: str) -> None:
    path, operation = _operation(operation_id)
    module_name, request_model = OPERATIONS[operation_id]
    module = importlib.import_module(f"tokenmarket_client.api.{module_name}")
    models = importlib.import_module("tokenmarket_client.models")

    request_example = _first_example(operation["requestBody"]["content"]["application/json"])
    ok = resolve(SPEC, operation["responses"]["200"])
    media_type, media = next(iter(ok["content"].items()))
    is_binary = media_type.startswith("audio/")
    audio = b"ID3\x04\x00fake-but-opaque-mp3-bytes"
    answer_body = audio if is_binary else json.dumps(_first_example(media)).encode()

    seen: list[httpx.Request] = []

    def transport(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        headers = {"content-type": media_type, "x-request-id": "req_1"}
        return httpx.Response(200, content=answer_body, headers=headers)

    client = AuthenticatedClient(
        base_url="https://cloud.hopegate.ai/api",
        token=TOKEN,
        httpx_args={"transport": httpx.MockTransport(transport)},
    )
    body = getattr(models, request_model).from_dict(request_example)
    response = module.sync_detailed(client=client, body=body, idempotency_key="idem-1")

    (request,) = seen
    assert request.method == "POST"
    assert request.url.path == "/api" + path
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["idempotency-key"] == "idem-1"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == request_example

    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req_1"
    if is_binary:
        assert isinstance(response.parsed, File)
        assert response.parsed.payload.read() == audio
    else:
        expected = _first_example(media)
        schema_name = media["schema"]["$ref"].rsplit("/", 1)[1]
        assert type(response.parsed).__name__ == schema_name
        round_tripped = response.parsed.to_dict()
        for key in expected:
            assert key in round_tripped, key


def test_error_envelopes_come_back_as_values() -> None:
    """The stock generated code returns errors as values; the overrides make them raise."""
    module = importlib.import_module("tokenmarket_client.api.rerank.create_rerank")
    models = importlib.import_module("tokenmarket_client.models")
    envelope = {"error": {"message": "m", "type": "unauthorized", "code": "AUTH_001"}}
    client = AuthenticatedClient(
        base_url="http://tokenmarket.test",
        token=TOKEN,
        httpx_args={"transport": httpx.MockTransport(lambda r: httpx.Response(401, json=envelope))},
    )
    body = models.RerankRequest(model="m", query="q", documents=["d"])
    parsed = module.sync(client=client, body=body)
    assert isinstance(parsed, models.ErrorEnvelope)
    assert parsed.error.code == "AUTH_001"
