"""Huge but valid requests are answered, completely and with bounded output.

No timings are asserted here (the bench session measures speed); the suite's timeout is the
guard against a hang. Each case is at or near a limit the spec allows.
"""

from __future__ import annotations

import base64
import json

import httpx
from starlette.testclient import TestClient

from mock_server.chat import MAX_OUTPUT_UNITS, MAX_REPLY_TOKENS
from tests.mock.spec_check import chunks

CHAT = "/v1/chat/completions"


def test_n_128_with_a_long_message(client: TestClient) -> None:
    text = "word " * 700_000  # 3.5 MB
    response = client.post(
        CHAT, json={"model": "m", "n": 128, "messages": [{"role": "user", "content": text}]}
    )
    assert response.status_code == 200
    body = response.json()
    assert len(body["choices"]) == 128
    assert body["usage"]["prompt_tokens"] == 3 + 3 + 700_001  # the final space is a token
    assert len(response.content) < 100_000  # replies are bounded, whatever the prompt


def test_n_128_stream_with_logprobs(http: httpx.Client) -> None:
    body = {
        "model": "m",
        "n": 128,
        "stream": True,
        "stream_options": {"include_usage": True},
        "logprobs": True,
        "top_logprobs": 20,
        "messages": [{"role": "user", "content": "Reply with only " + "word " * 100_000}],
    }
    # 128 choices x 256 tokens x 21 log probabilities: over the documented output bound.
    refused = http.post(CHAT, json=body)
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "n"
    assert str(MAX_OUTPUT_UNITS) in refused.json()["error"]["message"]
    # Without log probabilities the longest reply in 128 choices is within it.
    response = http.post(CHAT, json={**body, "logprobs": False, "top_logprobs": 0})
    assert response.status_code == 200
    # one event per token of the (bounded) reply, plus role, finish and usage, whatever n is
    assert response.text.count("\n\ndata: ") == MAX_REPLY_TOKENS + 3
    usage = json.loads(response.text.rsplit("\n\ndata: ", 2)[1])["usage"]
    assert usage["completion_tokens"] == 128 * MAX_REPLY_TOKENS
    events = chunks(
        http.post(CHAT, json={**body, "messages": [{"role": "user", "content": "hi"}]}).text
    )
    assert all(len(e["choices"]) == 128 for e in events[:-1])


def test_many_messages_and_tools(client: TestClient) -> None:
    messages = [{"role": "user", "content": "hi there"}] * 20_000
    tools = [
        {"type": "function", "function": {"name": f"f{i}", "parameters": {}}} for i in range(2_000)
    ]
    response = client.post(CHAT, json={"model": "m", "messages": messages, "tools": tools})
    assert response.status_code == 200


def test_2048_embeddings_at_the_largest_dimensions(client: TestClient) -> None:
    inputs = [f"document number {i}" for i in range(2048)]
    for encoding in ("float", "base64"):
        response = client.post(
            "/v1/embeddings",
            json={
                "model": "text-embedding-3-large",
                "input": inputs,
                "dimensions": 65536,
                "encoding_format": encoding,
            },
        )
        assert response.status_code == 200
        data = response.json()["data"]
        assert len(data) == 2048
        first = data[-1]["embedding"]
        size = len(base64.b64decode(first)) // 4 if encoding == "base64" else len(first)
        assert size == 3072  # the model's native size: dimensions only shortens


def test_large_token_id_inputs(client: TestClient) -> None:
    ids = list(range(500_000))  # 3.4 MB of JSON, just under the body limit
    response = client.post("/v1/embeddings", json={"model": "m", "input": ids})
    assert response.status_code == 200
    assert response.json()["usage"]["prompt_tokens"] == 500_000
    rows = [ids[:200]] * 2048
    response = client.post("/v1/embeddings", json={"model": "m", "input": rows})
    assert response.status_code == 200
    assert len(response.json()["data"]) == 2048


def test_1000_long_documents_to_rerank(client: TestClient) -> None:
    documents = [f"alpha gamma {i} " * 200 for i in range(1000)]
    response = client.post(
        "/v1/rerank",
        json={"model": "r", "query": "alpha beta " * 1000, "documents": documents, "top_n": 3},
    )
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


def test_longest_speech_and_largest_images(client: TestClient) -> None:
    speech = {"model": "s", "voice": "v", "input": "x" * 4096, "speed": 0.25}
    response = client.post("/v1/audio/speech", json={**speech, "response_format": "pcm"})
    assert len(response.content) == 120 * 24_000 * 2  # 30 s at speed 1, slowed down 4x
    images = client.post(
        "/v1/images/generations",
        json={
            "model": "m",
            "prompt": "p" * 32_000,
            "n": 10,
            "size": "99999x99999",
            "response_format": "b64_json",
        },
    )
    assert images.status_code == 200
    assert len(images.json()["data"]) == 10


def test_pathological_tool_schemas_give_bounded_arguments(client: TestClient) -> None:
    leaf: dict[str, object] = {"type": "number", "minimum": 10**400, "const": "x" * 10_000}
    schema: dict[str, object] = leaf
    for _ in range(10):
        schema = {"type": "array", "minItems": 9, "items": schema}
    wide = {"type": "object", "properties": {f"p{i}": schema for i in range(64)}}
    tool = {"type": "function", "function": {"name": "f", "parameters": wide}}
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "go"}],
        "tools": [tool],
        "tool_choice": "required",
        "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": wide}},
    }
    response = client.post(CHAT, json=body)
    assert response.status_code == 200
    arguments = response.json()["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert len(arguments) < 10_000
    del body["tools"], body["tool_choice"]
    assert client.post(CHAT, json=body).status_code == 200
