"""The official `openai` package, pointed at the mock, works as it does against OpenAI.

`base_url=<mock>/v1` and `api_key=<key>`: chat (plain and streaming, sync and async),
embeddings with the SDK's default base64 encoding, images, speech, and errors that carry the
mock's `code`, `type`, `param` and `request_id`.
"""

from __future__ import annotations

import asyncio
import base64
import io
import wave

import numpy as np
import openai
import pytest
from openai import AsyncOpenAI, OpenAI
from openai.types.chat import ChatCompletionMessageParam

from tests.mock.support import TOKEN, LiveServer
from tests.mock.test_operations import png_size


@pytest.fixture
def sdk(live: LiveServer) -> OpenAI:
    return OpenAI(base_url=f"{live.url}/v1", api_key=TOKEN, max_retries=0, timeout=30)


QUICK: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Reply with only OK."}]


def test_chat(sdk: OpenAI) -> None:
    completion = sdk.chat.completions.create(model="DeepSeek-V4-pro", messages=QUICK)
    assert completion.choices[0].message.content == "OK"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.total_tokens == 12
    raw = sdk.chat.completions.with_raw_response.create(model="DeepSeek-V4-pro", messages=QUICK)
    assert raw.headers["x-tokenmarket-billed-units"] == "12"
    assert raw.parse().id == completion.id


def test_chat_tool_call(sdk: OpenAI) -> None:
    completion = sdk.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        tools=[
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "parameters": {
                        "type": "object",
                        "properties": {"city": {"type": "string"}},
                        "required": ["city"],
                    },
                },
            }
        ],
    )
    (call,) = completion.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather"  # type: ignore[union-attr]
    assert call.function.arguments == '{"city":"Paris"}'  # type: ignore[union-attr]


def test_chat_streaming(sdk: OpenAI) -> None:
    stream = sdk.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "Tell me about streams"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces, usage = [], None
    for chunk in stream:
        if chunk.choices:
            pieces.append(chunk.choices[0].delta.content or "")
        if chunk.usage is not None:
            usage = chunk.usage
    assert "".join(pieces) == "Mock reply to: Tell me about streams"
    assert len(pieces) > 5
    assert usage is not None
    assert usage.completion_tokens == 8


def test_chat_streaming_async(live: LiveServer) -> None:
    async def run() -> str:
        client = AsyncOpenAI(base_url=f"{live.url}/v1", api_key=TOKEN, max_retries=0)
        async with client:
            stream = await client.chat.completions.create(model="m", messages=QUICK, stream=True)
            return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    assert asyncio.run(run()) == "OK"


def test_embeddings_default_base64(sdk: OpenAI) -> None:
    raw = sdk.embeddings.with_raw_response.create(
        model="text-embedding-3-small", input=["hello", "world"]
    )
    assert b'"embedding":"' in raw.http_response.content  # the SDK asked for base64
    result = raw.parse()
    assert [len(d.embedding) for d in result.data] == [1536, 1536]
    floats = sdk.embeddings.create(
        model="text-embedding-3-small", input=["hello", "world"], encoding_format="float"
    )
    for packed, plain in zip(result.data, floats.data, strict=True):
        assert (
            np.array(packed.embedding, dtype=np.float32).tobytes()
            == np.array(plain.embedding, dtype=np.float32).tobytes()
        )
    assert result.usage.prompt_tokens == 2


def test_images(sdk: OpenAI) -> None:
    b64 = sdk.images.generate(
        prompt="a fox", model="gpt-image-1", response_format="b64_json", size="1024x1024", n=2
    )
    assert b64.data is not None
    assert len(b64.data) == 2
    assert png_size(base64.b64decode(b64.data[0].b64_json or "")) == (256, 256)
    url = sdk.images.generate(prompt="a fox", model="gpt-image-1", response_format="url")
    assert url.data is not None
    assert (url.data[0].url or "").endswith(".png")


def test_speech(sdk: OpenAI) -> None:
    speech = sdk.audio.speech.create(
        model="gpt-4o-mini-tts",
        voice="alloy",
        input="Hello from TokenMarket",
        response_format="wav",
    )
    with wave.open(io.BytesIO(speech.content)) as audio:
        assert audio.getframerate() == 24_000
        assert audio.getnframes() == round(22 * 0.06 * 24_000)
    with sdk.audio.speech.with_streaming_response.create(
        model="gpt-4o-mini-tts", voice="alloy", input="Hello", response_format="mp3"
    ) as response:
        assert response.headers["content-type"] == "audio/mpeg"
        data = b"".join(response.iter_bytes())
    assert data[:1] == b"\xff"


def test_errors_carry_code_and_request_id(live: LiveServer, sdk: OpenAI) -> None:
    bad_key = OpenAI(base_url=f"{live.url}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as auth:
        bad_key.chat.completions.create(model="m", messages=QUICK)
    assert auth.value.status_code == 401
    assert auth.value.code == "AUTH_001"
    assert auth.value.type == "unauthorized"
    assert (auth.value.request_id or "").startswith("req_")
    assert auth.value.request_id == auth.value.response.headers["x-request-id"]

    with pytest.raises(openai.BadRequestError) as bad:
        sdk.chat.completions.create(model="m", messages=QUICK, temperature=3)
    assert (bad.value.code, bad.value.param) == ("REQUEST_001", "temperature")
    assert (bad.value.request_id or "").startswith("req_")

    with pytest.raises(openai.RateLimitError) as limited:
        sdk.chat.completions.create(
            model="m", messages=QUICK, extra_headers={"X-Mock-Fault": "rate_limit"}
        )
    assert limited.value.code == "RATE_LIMIT"

    with pytest.raises(openai.InternalServerError) as upstream:
        sdk.chat.completions.create(
            model="m", messages=QUICK, extra_headers={"X-Mock-Fault": "provider_error"}
        )
    assert (upstream.value.status_code, upstream.value.code) == (502, "PROVIDER_001")


def test_sdk_retries_then_succeeds(live: LiveServer) -> None:
    retrying = OpenAI(base_url=f"{live.url}/v1", api_key=TOKEN, max_retries=2)
    completion = retrying.chat.completions.create(
        model="m",
        messages=QUICK,
        user="sdk-retry",
        extra_headers={"X-Mock-Fault": "rate_limit:10; times=2"},
    )
    assert completion.choices[0].message.content == "OK"


def test_error_event_in_a_stream_raises(sdk: OpenAI) -> None:
    stream = sdk.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "one two three four five"}],
        stream=True,
        extra_headers={"X-Mock-Fault": "stream_error"},
    )
    with pytest.raises(openai.APIError) as error:
        for _ in stream:
            pass
    assert error.value.code == "PROVIDER_001"
