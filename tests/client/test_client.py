"""The client: configuration, what goes on the wire, every operation, raw responses, headers."""

from __future__ import annotations

import base64
import json
import struct
import subprocess
import sys
from decimal import Decimal
from typing import Any

import httpx
import pydantic
import pytest
from tokenmarket_client import (
    DEFAULT_TIMEOUT,
    APIResponse,
    APIResponseValidationError,
    APITimeoutError,
    AsyncAPIResponse,
    AsyncStream,
    AsyncTokenMarket,
    ChatCompletion,
    Stream,
    TokenMarket,
    TokenMarketError,
)
from tokenmarket_client import _json as client_json

from .conftest import KEY, MESSAGES, close, collect, make_client, resolve
from .loopback import LoopbackServer, event_stream, respond_json, stall

pytestmark = pytest.mark.anyio

COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1764000000,
    "model": "DeepSeek-V4-pro",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "OK"}}
    ],
    "usage": {"prompt_tokens": 19, "completion_tokens": 1, "total_tokens": 20},
}
SUCCESS_HEADERS = {
    "x-tokenmarket-cost": "0.000042",
    "x-tokenmarket-billed-units": "29",
    "x-tokenmarket-billing-unit": "token",
    "x-ratelimit-limit-requests": "600",
    "x-ratelimit-remaining-requests": "599",
}
VECTORS = [[0.5, -0.25, 1.0], [0.125, 2.0, -4.0]]


def b64(vector: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def embeddings_answer(encoded: bool) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": b64(v) if encoded else v}
            for i, v in enumerate(VECTORS)
        ],
        "model": "text-embedding-3-large",
        "usage": {"prompt_tokens": 4, "total_tokens": 4},
    }


# -- configuration ------------------------------------------------------------------------------


def test_key_and_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENMARKET_API_KEY", KEY)
    monkeypatch.setenv("TOKENMARKET_BASE_URL", "http://127.0.0.1:9/api/")
    with TokenMarket() as client:
        assert client.api_key == KEY
        assert client.base_url == "http://127.0.0.1:9/api"
    monkeypatch.delenv("TOKENMARKET_BASE_URL")
    client = TokenMarket()
    assert client.base_url == "https://cloud.hopegate.ai/api"
    assert client.timeout == DEFAULT_TIMEOUT
    assert client.max_retries == 2
    client.close()
    monkeypatch.delenv("TOKENMARKET_API_KEY")
    with pytest.raises(TokenMarketError, match="TOKENMARKET_API_KEY"):
        TokenMarket()
    with pytest.raises(TokenMarketError, match="TOKENMARKET_API_KEY"):
        AsyncTokenMarket()


def test_default_timeouts() -> None:
    assert DEFAULT_TIMEOUT.connect == 5.0
    assert DEFAULT_TIMEOUT.read == 600.0


def test_repr_never_shows_the_key() -> None:
    client = TokenMarket(api_key=KEY, base_url="http://127.0.0.1:9")
    assert KEY not in repr(client)
    assert KEY[-4:] not in repr(client)
    assert "base_url='http://127.0.0.1:9'" in repr(client)
    assert KEY not in repr(client._client.headers)
    client.close()


async def test_context_managers_close_the_pool(mode: str) -> None:
    if mode == "sync":
        with TokenMarket(api_key=KEY) as client:
            pass
        assert client._client.is_closed
    else:
        async with AsyncTokenMarket(api_key=KEY) as aclient:
            pass
        assert aclient._client.is_closed


async def test_a_callers_http_client(mode: str, server: LoopbackServer) -> None:
    server.push(respond_json(200, COMPLETION))
    http: Any = httpx.Client(timeout=httpx.Timeout(7.0)) if mode == "sync" else httpx.AsyncClient()
    client = (TokenMarket if mode == "sync" else AsyncTokenMarket)(
        api_key=KEY, base_url=server.url, http_client=http
    )
    assert client.timeout == (httpx.Timeout(7.0) if mode == "sync" else DEFAULT_TIMEOUT)
    completion = await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    assert completion.choices[0].message.content == "OK"
    await close(client)
    assert not http.is_closed, "the caller's client is the caller's to close"
    await resolve(http.aclose() if mode == "async" else http.close())
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


# -- the wire -----------------------------------------------------------------------------------


async def test_what_a_call_sends(mode: str, server: LoopbackServer) -> None:
    server.push(respond_json(200, COMPLETION), respond_json(200, COMPLETION))
    client = make_client(
        mode, server.url + "/api/", default_headers={"X-Team": "search", "X-Gone": "1"}
    )
    try:
        await resolve(
            client.chat.completions.create(
                model="DeepSeek-V4-pro",
                messages=[{"role": "system", "content": "Be brief."}, *MESSAGES],
                provider="dataeyes",
                temperature=0.2,
                extra_body={"top_k": 5, "temperature": 0.1},
                extra_headers={"X-Trace": "t-1", "X-Gone": None},
            )
        )
        await resolve(
            client.chat.completions.create(
                model="m", messages=MESSAGES, extra_headers={"Idempotency-Key": None}
            )
        )
    finally:
        await close(client)
    first, second = server.requests
    assert first.method == "POST"
    assert first.path == "/api/v1/chat/completions"
    assert first.headers["authorization"] == f"Bearer {KEY}"
    assert first.headers["content-type"] == "application/json"
    assert first.headers["user-agent"].startswith("tokenmarket-client-python")
    assert first.headers["x-team"] == "search"
    assert first.headers["x-trace"] == "t-1"
    assert "x-gone" not in first.headers
    assert len(first.headers["idempotency-key"]) == 36
    assert first.json() == {
        "model": "DeepSeek-V4-pro",
        "messages": [{"role": "system", "content": "Be brief."}, *MESSAGES],
        "provider": "dataeyes",
        "temperature": 0.1,  # extra_body wins
        "top_k": 5,
    }
    assert "idempotency-key" not in second.headers


async def test_per_call_timeout(mode: str, server: LoopbackServer) -> None:
    server.push(stall())
    client = make_client(mode, server.url, max_retries=0)
    try:
        with pytest.raises(APITimeoutError, match="ReadTimeout"):
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES, timeout=0.2))
    finally:
        await close(client)


# -- every operation, plain and raw ---------------------------------------------------------------


async def test_chat(mode: str, server: LoopbackServer) -> None:
    server.push(respond_json(200, COMPLETION, headers=SUCCESS_HEADERS))
    client = make_client(mode, server.url)
    try:
        completion = await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    finally:
        await close(client)
    assert isinstance(completion, ChatCompletion)
    assert isinstance(completion, pydantic.BaseModel)
    assert completion.usage is not None
    assert completion.system_fingerprint is None  # absent: None, as openai users expect
    assert completion.choices[0].message.content == "OK"
    assert completion.usage.total_tokens == 20
    assert completion.request_id == "req_test"
    assert completion.billing.cost == Decimal("0.000042")
    assert completion.billing.billed_units == 29
    assert completion.billing.billing_unit == "token"
    assert completion.rate_limit.limit_requests == 600
    assert completion.rate_limit.remaining_requests == 599
    assert completion.headers["x-tokenmarket-cost"] == "0.000042"
    assert completion.to_dict()["choices"] == COMPLETION["choices"]


async def test_malformed_billing_headers_read_as_none(mode: str, server: LoopbackServer) -> None:
    bad = {"x-tokenmarket-cost": "about a cent", "x-tokenmarket-billed-units": "many"}
    server.push(respond_json(200, COMPLETION, headers=bad))
    client = make_client(mode, server.url)
    try:
        completion = await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    finally:
        await close(client)
    assert completion.billing.cost is None
    assert completion.billing.billed_units is None
    assert completion.rate_limit.remaining_requests is None


async def test_embeddings_base64_by_default(mode: str, server: LoopbackServer) -> None:
    server.push(respond_json(200, embeddings_answer(encoded=True)))
    client = make_client(mode, server.url)
    try:
        result = await resolve(client.embeddings.create(model="e", input=["a", "b"]))
    finally:
        await close(client)
    assert server.requests[0].json()["encoding_format"] == "base64"
    assert [item.embedding for item in result.data] == VECTORS
    assert result.usage.total_tokens == 4


@pytest.mark.parametrize("encoding", ["float", "base64"])
async def test_embeddings_as_asked(mode: str, server: LoopbackServer, encoding: str) -> None:
    server.push(respond_json(200, embeddings_answer(encoded=encoding == "base64")))
    client = make_client(mode, server.url)
    try:
        result = await resolve(
            client.embeddings.create(model="e", input="a", encoding_format=encoding)
        )
    finally:
        await close(client)
    assert server.requests[0].json()["encoding_format"] == encoding
    if encoding == "base64":
        assert [item.embedding for item in result.data] == [b64(v) for v in VECTORS]
    else:
        assert [item.embedding for item in result.data] == VECTORS


async def test_embeddings_bad_base64(mode: str, server: LoopbackServer) -> None:
    answer = embeddings_answer(encoded=True)
    answer["data"][0]["embedding"] = "AAA"  # not a whole float32
    server.push(respond_json(200, answer))
    client = make_client(mode, server.url)
    try:
        with pytest.raises(APIResponseValidationError, match="base64 float32"):
            await resolve(client.embeddings.create(model="e", input="a"))
    finally:
        await close(client)


async def test_images_rerank_video(mode: str, server: LoopbackServer) -> None:
    images = {"created": 1, "data": [{"url": "https://cdn.example.org/fox.png"}]}
    rerank = {
        "model": "r",
        "results": [{"index": 1, "relevance_score": 0.9, "document": {"text": "b"}}],
        "usage": {"total_tokens": 3},
    }
    video = {"id": "video_1", "status": "queued", "task_id": "video_1", "vendor_field": True}
    server.push(respond_json(200, images), respond_json(200, rerank), respond_json(200, video))
    client = make_client(mode, server.url)
    try:
        image = await resolve(
            client.images.generate(prompt="fox", model="gpt-image-1", size="1024x1024")
        )
        ranked = await resolve(
            client.rerank.create(model="r", query="q", documents=["a", "b"], top_n=1)
        )
        task = await resolve(
            client.video.generations.create(model="kling-v1", prompt="plane", size="1280x720")
        )
    finally:
        await close(client)
    assert image.data[0].url == "https://cdn.example.org/fox.png"
    assert ranked.results[0].relevance_score == 0.9
    assert task.status == "queued"
    assert task.model_extra == {"vendor_field": True}
    assert [r.path for r in server.requests] == [
        "/v1/images/generations",
        "/v1/rerank",
        "/v1/video/generations",
    ]
    assert all(result.request_id == "req_test" for result in (image, ranked, task))


async def test_raw_responses(mode: str, server: LoopbackServer) -> None:
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}],
    }
    events = [b"data: " + json.dumps(chunk).encode() + b"\n\n", b"data: [DONE]\n\n"]
    server.push(
        respond_json(200, COMPLETION, headers=SUCCESS_HEADERS),
        event_stream(events),
        respond_json(200, embeddings_answer(encoded=True)),
        respond_json(200, {"created": 1, "data": []}),
        respond_json(200, {"model": "r", "results": []}),
        respond_json(200, {"id": "v", "status": "queued"}),
    )
    client = make_client(mode, server.url)
    try:
        raw = await resolve(
            client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
        )
        assert isinstance(raw, APIResponse | AsyncAPIResponse)
        assert raw.status_code == 200
        assert raw.request_id == "req_test"
        assert raw.billing.cost == Decimal("0.000042")
        assert raw.json()["id"] == "chatcmpl-1"
        assert raw.http_response.request.url.path == "/v1/chat/completions"
        completion = raw.parse()
        assert completion is raw.parse()
        assert completion.choices[0].message.content == "OK"

        raw_stream = await resolve(
            client.chat.completions.with_raw_response.create(
                model="m", messages=MESSAGES, stream=True
            )
        )
        assert raw_stream.headers["content-type"] == "text/event-stream"
        stream = raw_stream.parse()
        assert isinstance(stream, Stream | AsyncStream)
        assert [c.choices[0].delta.content for c in await collect(stream)] == ["hi"]

        raw_embeddings = await resolve(
            client.embeddings.with_raw_response.create(model="e", input="a")
        )
        assert [item.embedding for item in raw_embeddings.parse().data] == VECTORS
        raw_images = await resolve(client.images.with_raw_response.generate(prompt="p", model="i"))
        assert raw_images.parse().data == []
        raw_rerank = await resolve(
            client.rerank.with_raw_response.create(model="r", query="q", documents=["a"])
        )
        assert raw_rerank.parse().results == []
        raw_video = await resolve(
            client.video.generations.with_raw_response.create(model="v", prompt="p")
        )
        assert raw_video.parse().status == "queued"
    finally:
        await close(client)


async def test_a_2xx_body_that_does_not_parse(mode: str, server: LoopbackServer) -> None:
    server.push(respond_json(200, {"id": "x"}), respond_json(200, {"id": "x"}, request_id="r9"))
    client = make_client(mode, server.url)
    try:
        with pytest.raises(
            APIResponseValidationError, match=r"not a valid ChatCompletion \(ValidationError"
        ):
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
        with pytest.raises(APIResponseValidationError) as caught:
            await resolve(client.rerank.create(model="m", query="q", documents=["a"]))
    finally:
        await close(client)
    assert caught.value.request_id == "r9"
    assert caught.value.status_code == 200
    assert caught.value.body == b'{"id": "x"}'


# -- JSON backends, import cost ----------------------------------------------------------------


async def test_without_orjson(
    mode: str, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_json, "_loads", json.loads)
    monkeypatch.setattr(client_json, "_dumps", client_json._std_dumps)
    chunk = {"id": "c", "object": "o", "created": 1, "model": "m", "choices": []}
    events = [b"data: " + json.dumps(chunk).encode() + b"\n\n", b"data: [DONE]\n\n"]
    server.push(respond_json(200, COMPLETION), event_stream(events))
    client = make_client(mode, server.url)
    try:
        completion = await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
        stream = await resolve(
            client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        )
        assert len(await collect(stream)) == 1
    finally:
        await close(client)
    assert completion.choices[0].message.content == "OK"
    assert server.requests[0].json()["messages"] == MESSAGES


def test_json_fallbacks_where_orjson_is_stricter() -> None:
    assert client_json.loads(b'"\\ud800"') == "\ud800"  # a lone surrogate
    assert json.loads(client_json.dumps({"n": 2**70})) == {"n": 2**70}
    with pytest.raises(ValueError, match="Expecting property name"):
        client_json.loads(b"{not json")


def test_import_is_light() -> None:
    probe = (
        "import sys, tokenmarket_client; "
        "from tokenmarket_client import TokenMarket, AsyncTokenMarket, RateLimitError; "
        "print(sorted(m for m in ('attrs', 'orjson', 'tokenmarket_client.models', "
        "'tokenmarket_client.params', 'tokenmarket_client.schemas', 'pydantic', "
        "'tokenmarket_client.resources.chat') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
