"""User code as it will be written, checked by `mypy --strict` in `nox -s lint`.

Nothing here runs against a server (test_typing.py only imports it). Each `assert_type` pins
what a call returns; each `# type: ignore[code]` marks a mistake mypy must catch: strict mode
reports an unused ignore, so if the types ever stop catching it, lint fails.
"""

from __future__ import annotations

from typing import assert_type

from tokenmarket_client import (
    APIResponse,
    AsyncAPIResponse,
    AsyncStream,
    AsyncTokenMarket,
    BinaryResponse,
    ChatCompletion,
    ChatCompletionChunk,
    ChatMessage,
    CreateEmbeddingResponse,
    ImagesResponse,
    RerankResponse,
    Stream,
    StreamedBinaryResponse,
    TokenMarket,
    VideoTask,
)
from tokenmarket_client.params import ChatTool
from tokenmarket_client.schemas import ChatCompletionMessage


def plain(client: TokenMarket) -> None:
    completion = client.chat.completions.create(
        model="DeepSeek-V4-pro",
        provider="dataeyes",
        messages=[
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": [{"type": "text", "text": "What is on this picture?"},
                                         {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function",
                 "function": {"name": "get_weather", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        ],
        temperature=0.2,
        tool_choice="auto",
        response_format={"type": "json_object"},
        extra_headers={"X-Trace": "1"},
        extra_body={"top_k": 3},
        timeout=30.0,
    )  # fmt: skip
    assert_type(completion, ChatCompletion)
    assert_type(completion.request_id, str | None)
    print(completion.choices[0].message.content, completion.billing.cost)


def streamed(client: TokenMarket, tools: list[ChatTool], history: list[ChatMessage]) -> None:
    stream = client.chat.completions.create(
        model="m",
        messages=history,
        tools=tools,
        stream=True,
        stream_options={"include_usage": True},
    )
    assert_type(stream, Stream[ChatCompletionChunk])
    with stream:
        for chunk in stream:
            assert_type(chunk, ChatCompletionChunk)
    final = client.chat.completions.create(model="m", messages=history, stream=True)
    assert_type(final.get_final_completion(), ChatCompletion)


def maybe_streamed(client: TokenMarket, stream: bool) -> None:
    result = client.chat.completions.create(model="m", messages=[], stream=stream)
    assert_type(result, ChatCompletion | Stream[ChatCompletionChunk])


def other_operations(client: TokenMarket) -> None:
    assert_type(client.embeddings.create(model="e", input=["a", "b"]), CreateEmbeddingResponse)
    assert_type(client.embeddings.create(model="e", input="a").data[0].embedding, list[float] | str)
    image = client.images.generate(prompt="fox", model="gpt-image-1", size="1024x1024")
    assert_type(image, ImagesResponse)
    assert_type(client.rerank.create(model="r", query="q", documents=["a"]), RerankResponse)
    assert_type(client.video.generations.create(model="v", prompt="p"), VideoTask)
    speech = client.audio.speech.create(model="t", input="Hi", voice="alloy", response_format="wav")
    assert_type(speech, BinaryResponse)
    with client.audio.speech.with_streaming_response.create(
        model="t", input="Hi", voice="alloy"
    ) as audio:
        assert_type(audio, StreamedBinaryResponse)
        audio.stream_to_file("speech.mp3")
    raw = client.chat.completions.with_raw_response.create(model="m", messages=[])
    assert_type(raw, APIResponse[ChatCompletion])
    assert_type(raw.parse(), ChatCompletion)
    with client.chat.completions.with_streaming_response.create(
        model="m", messages=[], stream=True
    ) as response:
        assert_type(response.parse(), Stream[ChatCompletionChunk])


def results(client: TokenMarket, history: list[ChatMessage]) -> None:
    completion = client.chat.completions.create(model="m", messages=history)
    message = completion.choices[0].message
    assert_type(message, ChatCompletionMessage)
    assert_type(message.content, str | None)
    assert_type(completion.object, str)
    print(completion.model_dump_json(), completion.to_dict(), completion.usage)
    # A result goes back into the conversation, as openai allows.
    client.chat.completions.create(model="m", messages=[*history, message])
    quick = client.with_options(timeout=5.0, max_retries=0)
    assert_type(quick, TokenMarket)
    assert_type(client.copy(api_key="other"), TokenMarket)


async def asynchronous(client: AsyncTokenMarket) -> None:
    completion = await client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "Hi"}]
    )
    assert_type(completion, ChatCompletion)
    stream = await client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "Hi"}], stream=True
    )
    assert_type(stream, AsyncStream[ChatCompletionChunk])
    async with stream:
        async for chunk in stream:
            assert_type(chunk, ChatCompletionChunk)
    raw = await client.rerank.with_raw_response.create(model="r", query="q", documents=["a"])
    assert_type(raw, AsyncAPIResponse[RerankResponse])


def mistakes(client: TokenMarket) -> None:
    client.chat.completions.create(model="m", messages=[{"role": "usr", "content": "Hi"}])  # type: ignore[list-item]
    client.chat.completions.create(model="m", messages=[{"role": "tool", "content": "x"}])  # type: ignore[list-item]
    client.chat.completions.create(model="m", messages=[], temprature=1)  # type: ignore[call-overload]
    client.chat.completions.create(messages=[])  # type: ignore[call-overload]
    client.embeddings.create(model="e", input="a", encoding_format="float16")  # type: ignore[arg-type]
    client.audio.speech.create(model="t", input="Hi", voice="alloy", response_format="ogg")  # type: ignore[arg-type]
    client.rerank.create(model="r", query="q")  # type: ignore[call-arg]
    client.embeddings.create(model="e", input="a", dimension=3)  # type: ignore[call-arg]
    client.images.generate(prompt="fox", model="i", max_retries=0)  # type: ignore[call-arg]
    client.chat.completions.create(model="m", messages=[], max_token=5)  # type: ignore[call-overload]
    client.chat.completions.create(model="m", messages=[], stream="yes")  # type: ignore[call-overload]
    print(client.audio.speech.create(model="t", input="Hi", voice="alloy").choices)  # type: ignore[attr-defined]
