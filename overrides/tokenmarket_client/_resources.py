"""The friendly resources: `client.chat.completions`, `client.embeddings`, `client.images`,
`client.audio.speech`, `client.rerank`, `client.video.generations`, sync and async.

Each method takes the operation's request fields as keyword arguments, typed by the TypedDict
generated from the spec (`tokenmarket_client.params`), so a field added to `openapi.yaml`
reaches these signatures and the wire by regeneration alone, and a misspelt field or a wrong
message `role` is a type error under `mypy --strict`. Each also takes:

- `extra_headers`: headers to add (a None value removes one the client would send),
- `extra_body`: JSON fields to add to the body (they win over the typed ones),
- `timeout`: this call's timeout (seconds, an `httpx.Timeout`, or None for none),
- `idempotency_key`: the `Idempotency-Key` of this call (a fresh UUID when not given).

`with_raw_response` has the same methods, returning an `APIResponse` (status, headers, body,
and `parse()`). The calls themselves go through the generated `_get_kwargs()` of each operation
and the generated models' `from_dict` (see `_base_client` and `_results`).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, NotRequired, Required, TypeAlias, Unpack, overload

import httpx

from ._base_client import (
    EVENT_STREAM,
    NOT_GIVEN,
    Body,
    Headers,
    NotGiven,
    Operation,
    Timeout,
)
from ._chunks import chunk_from_dict
from ._exceptions import APIResponseValidationError, excerpt
from ._response import (
    APIResponse,
    AsyncBinaryResponse,
    AsyncStreamedBinaryResponse,
    AsyncStreamingCall,
    BinaryResponse,
    StreamedBinaryResponse,
    StreamingCall,
    parse_json,
)
from ._results import (
    ChatCompletion,
    CreateEmbeddingResponse,
    ImagesResponse,
    RerankResponse,
    VideoTask,
    decode_embeddings,
)
from ._streaming import AsyncStream, Stream
from .api.audio import create_speech
from .api.chat import create_chat_completion
from .api.embeddings import create_embedding
from .api.images import create_image
from .api.rerank import create_rerank
from .api.video import create_video_generation
from .models.chat_completion_chunk import ChatCompletionChunk
from .params import (
    AssistantMessage,
    CreateChatCompletionRequest,
    CreateEmbeddingRequest,
    CreateImageRequest,
    CreateSpeechRequest,
    CreateVideoRequest,
    DeveloperMessage,
    RerankRequest,
    SystemMessage,
    ToolMessage,
    UserMessage,
)

if TYPE_CHECKING:
    from ._client import AsyncTokenMarket, TokenMarket

__all__ = [
    "AsyncAudio",
    "AsyncChat",
    "AsyncCompletions",
    "AsyncEmbeddings",
    "AsyncImages",
    "AsyncRerank",
    "AsyncSpeech",
    "AsyncVideo",
    "AsyncVideoGenerations",
    "Audio",
    "Chat",
    "ChatCompletionNonStreamingParams",
    "ChatCompletionStreamingParams",
    "ChatMessage",
    "Completions",
    "Embeddings",
    "Images",
    "Rerank",
    "Speech",
    "Video",
    "VideoGenerations",
]


ChatMessage: TypeAlias = (
    SystemMessage | DeveloperMessage | UserMessage | AssistantMessage | ToolMessage
)
"""One message of `messages` (the spec's `ChatMessage`), for annotating a conversation kept in a
variable: `history: list[ChatMessage]`. datamodel-code-generator inlines this union in the
generated TypedDicts; a test checks that it stays the type of `messages`' items."""


# The generated request TypedDict with `stream` narrowed, so that the overloads of `create` can
# tell a streamed call from a plain one. Every other field is inherited, never restated.
# (Narrowing a field in a subclass is what mypy flags here; call sites are checked in full.)
class ChatCompletionStreamingParams(CreateChatCompletionRequest):
    """`CreateChatCompletionRequest` with `stream=True`."""

    stream: Required[Literal[True]]  # type: ignore[misc]


class ChatCompletionNonStreamingParams(CreateChatCompletionRequest):
    """`CreateChatCompletionRequest` with `stream` absent or False."""

    stream: NotRequired[Literal[False]]  # type: ignore[misc]


# -- how each operation's answer is read ------------------------------------------------------


def _chat(response: httpx.Response, secret: str) -> ChatCompletion:
    return parse_json(response, ChatCompletion, secret=secret)


def _chat_stream(response: httpx.Response, secret: str) -> Stream[ChatCompletionChunk]:
    return Stream(response, chunk_from_dict, secret=secret)


def _chat_async_stream(response: httpx.Response, secret: str) -> AsyncStream[ChatCompletionChunk]:
    return AsyncStream(response, chunk_from_dict, secret=secret)


def _embeddings(response: httpx.Response, secret: str) -> CreateEmbeddingResponse:
    return parse_json(response, CreateEmbeddingResponse, secret=secret)


def _embeddings_decoded(response: httpx.Response, secret: str) -> CreateEmbeddingResponse:
    result = parse_json(response, CreateEmbeddingResponse, secret=secret)
    try:
        return decode_embeddings(result)
    except ValueError as exc:
        raise APIResponseValidationError(
            f"An embedding is not valid base64 float32 ({exc}); body: "
            f"{excerpt(response.content, secret)!r} (request_id={result.request_id})",
            response=response,
            body=response.content,
        ) from exc


def _images(response: httpx.Response, secret: str) -> ImagesResponse:
    return parse_json(response, ImagesResponse, secret=secret)


def _rerank(response: httpx.Response, secret: str) -> RerankResponse:
    return parse_json(response, RerankResponse, secret=secret)


def _video(response: httpx.Response, secret: str) -> VideoTask:
    return parse_json(response, VideoTask, secret=secret)


def _speech(response: httpx.Response, secret: str) -> BinaryResponse:
    return BinaryResponse(response)


def _speech_async(response: httpx.Response, secret: str) -> AsyncBinaryResponse:
    return AsyncBinaryResponse(response)


def _speech_streamed(response: httpx.Response, secret: str) -> StreamedBinaryResponse:
    return StreamedBinaryResponse(response)


def _speech_async_streamed(response: httpx.Response, secret: str) -> AsyncStreamedBinaryResponse:
    return AsyncStreamedBinaryResponse(response)


CHAT = Operation(create_chat_completion._get_kwargs, _chat)
CHAT_STREAM = Operation(
    create_chat_completion._get_kwargs, _chat_stream, stream=True, accept=EVENT_STREAM
)
CHAT_ASYNC_STREAM = Operation(
    create_chat_completion._get_kwargs, _chat_async_stream, stream=True, accept=EVENT_STREAM
)
EMBEDDINGS = Operation(create_embedding._get_kwargs, _embeddings)
EMBEDDINGS_DECODED = Operation(create_embedding._get_kwargs, _embeddings_decoded)
IMAGES = Operation(create_image._get_kwargs, _images)
RERANK = Operation(create_rerank._get_kwargs, _rerank)
VIDEO = Operation(create_video_generation._get_kwargs, _video)
SPEECH = Operation(create_speech._get_kwargs, _speech)
SPEECH_ASYNC = Operation(create_speech._get_kwargs, _speech_async)
SPEECH_STREAMED = Operation(create_speech._get_kwargs, _speech_streamed, stream=True)
SPEECH_ASYNC_STREAMED = Operation(create_speech._get_kwargs, _speech_async_streamed, stream=True)


def _is_stream(params: CreateChatCompletionRequest, extra_body: Body | None) -> bool:
    return bool(params.get("stream") or (extra_body and extra_body.get("stream")))


def _embedding_params(
    params: CreateEmbeddingRequest, extra_body: Body | None
) -> tuple[dict[str, Any], bool]:
    """Ask for base64 when the caller did not choose; say whether to decode it back."""
    body: dict[str, Any] = dict(params)
    if "encoding_format" in body or (extra_body and "encoding_format" in extra_body):
        return body, False
    body["encoding_format"] = "base64"
    return body, True


# -- sync --------------------------------------------------------------------------------


class Completions:
    """`client.chat.completions`: chat completions, plain or streamed."""

    def __init__(self, client: TokenMarket) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> CompletionsWithRawResponse:
        """The same calls, returning the raw `APIResponse`."""
        return CompletionsWithRawResponse(self._client)

    @overload
    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[ChatCompletionStreamingParams],
    ) -> Stream[ChatCompletionChunk]: ...
    @overload
    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[ChatCompletionNonStreamingParams],
    ) -> ChatCompletion: ...
    @overload
    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateChatCompletionRequest],
    ) -> ChatCompletion | Stream[ChatCompletionChunk]: ...
    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateChatCompletionRequest],
    ) -> ChatCompletion | Stream[ChatCompletionChunk]:
        """Create a chat completion; with `stream=True`, an iterator of chunks.

        The fields are those of `params.CreateChatCompletionRequest` (`model`, `messages`,
        `provider`, `stream`, `temperature`, `tools`, ...). A streamed call returns once the
        server answered; iterate the stream (in a `with` block, or to its end)
        to read it.
        """
        if _is_stream(params, extra_body):
            return self._client._run(
                CHAT_STREAM,
                params,
                extra_headers=extra_headers,
                extra_body=extra_body,
                timeout=timeout,
                idempotency_key=idempotency_key,
            )
        return self._client._run(
            CHAT,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class CompletionsWithRawResponse:
    """`client.chat.completions.with_raw_response`."""

    def __init__(self, client: TokenMarket) -> None:
        self._client = client

    @overload
    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[ChatCompletionStreamingParams],
    ) -> APIResponse[Stream[ChatCompletionChunk]]: ...
    @overload
    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[ChatCompletionNonStreamingParams],
    ) -> APIResponse[ChatCompletion]: ...
    @overload
    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateChatCompletionRequest],
    ) -> APIResponse[ChatCompletion] | APIResponse[Stream[ChatCompletionChunk]]: ...
    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateChatCompletionRequest],
    ) -> APIResponse[ChatCompletion] | APIResponse[Stream[ChatCompletionChunk]]:
        """`chat.completions.create`, returning the raw response; `parse()` gives the result."""
        if _is_stream(params, extra_body):
            return self._client._run_raw(
                CHAT_STREAM,
                params,
                extra_headers=extra_headers,
                extra_body=extra_body,
                timeout=timeout,
                idempotency_key=idempotency_key,
            )
        return self._client._run_raw(
            CHAT,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class Chat:
    """`client.chat`."""

    def __init__(self, client: TokenMarket) -> None:
        self._client = client

    @cached_property
    def completions(self) -> Completions:
        """Chat completions."""
        return Completions(self._client)


class Embeddings:
    """`client.embeddings`."""

    def __init__(self, client: TokenMarket) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> EmbeddingsWithRawResponse:
        """The same calls, returning the raw `APIResponse`."""
        return EmbeddingsWithRawResponse(self._client)

    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateEmbeddingRequest],
    ) -> CreateEmbeddingResponse:
        """Embed `input` with `model`.

        Without `encoding_format` the vectors travel as base64 float32 and come back decoded to
        floats; with `encoding_format` the answer is exactly what was asked for.
        """
        body, decode = _embedding_params(params, extra_body)
        return self._client._run(
            EMBEDDINGS_DECODED if decode else EMBEDDINGS,
            body,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class EmbeddingsWithRawResponse:
    """`client.embeddings.with_raw_response`."""

    def __init__(self, client: TokenMarket) -> None:
        self._client = client

    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateEmbeddingRequest],
    ) -> APIResponse[CreateEmbeddingResponse]:
        """`embeddings.create`, returning the raw response."""
        body, decode = _embedding_params(params, extra_body)
        return self._client._run_raw(
            EMBEDDINGS_DECODED if decode else EMBEDDINGS,
            body,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class Images:
    """`client.images`."""

    def __init__(self, client: TokenMarket) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> ImagesWithRawResponse:
        """The same calls, returning the raw `APIResponse`."""
        return ImagesWithRawResponse(self._client)

    def generate(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateImageRequest],
    ) -> ImagesResponse:
        """Generate images from `prompt`."""
        return self._client._run(
            IMAGES,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class ImagesWithRawResponse:
    """`client.images.with_raw_response`."""

    def __init__(self, client: TokenMarket) -> None:
        self._client = client

    def generate(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateImageRequest],
    ) -> APIResponse[ImagesResponse]:
        """`images.generate`, returning the raw response."""
        return self._client._run_raw(
            IMAGES,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class Speech:
    """`client.audio.speech`: text to speech, binary audio."""

    def __init__(self, client: TokenMarket) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> SpeechWithRawResponse:
        """The same calls, returning the raw `APIResponse`."""
        return SpeechWithRawResponse(self._client)

    @cached_property
    def with_streaming_response(self) -> SpeechWithStreamingResponse:
        """The same calls as context managers whose audio is read as it arrives."""
        return SpeechWithStreamingResponse(self._client)

    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateSpeechRequest],
    ) -> BinaryResponse:
        """Speak `input` with `voice`; the audio is read whole (see `with_streaming_response`)."""
        return self._client._run(
            SPEECH,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class SpeechWithRawResponse:
    """`client.audio.speech.with_raw_response`."""

    def __init__(self, client: TokenMarket) -> None:
        self._client = client

    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateSpeechRequest],
    ) -> APIResponse[BinaryResponse]:
        """`audio.speech.create`, returning the raw response."""
        return self._client._run_raw(
            SPEECH,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class SpeechWithStreamingResponse:
    """`client.audio.speech.with_streaming_response`."""

    def __init__(self, client: TokenMarket) -> None:
        self._client = client

    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateSpeechRequest],
    ) -> StreamingCall[StreamedBinaryResponse]:
        """`audio.speech.create` as a context manager; the audio is never held whole.

        The request is sent on entering the block (with retries, before any audio is read);
        the connection is released on leaving it.
        """
        return StreamingCall(
            lambda: self._client._run(
                SPEECH_STREAMED,
                params,
                extra_headers=extra_headers,
                extra_body=extra_body,
                timeout=timeout,
                idempotency_key=idempotency_key,
            )
        )


class Rerank:
    """`client.rerank`."""

    def __init__(self, client: TokenMarket) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> RerankWithRawResponse:
        """The same calls, returning the raw `APIResponse`."""
        return RerankWithRawResponse(self._client)

    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[RerankRequest],
    ) -> RerankResponse:
        """Rank `documents` by relevance to `query`, best first."""
        return self._client._run(
            RERANK,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class RerankWithRawResponse:
    """`client.rerank.with_raw_response`."""

    def __init__(self, client: TokenMarket) -> None:
        self._client = client

    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[RerankRequest],
    ) -> APIResponse[RerankResponse]:
        """`rerank.create`, returning the raw response."""
        return self._client._run_raw(
            RERANK,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class VideoGenerations:
    """`client.video.generations`."""

    def __init__(self, client: TokenMarket) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> VideoGenerationsWithRawResponse:
        """The same calls, returning the raw `APIResponse`."""
        return VideoGenerationsWithRawResponse(self._client)

    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateVideoRequest],
    ) -> VideoTask:
        """Start a video generation task; the answer is the task, not the video."""
        return self._client._run(
            VIDEO,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class VideoGenerationsWithRawResponse:
    """`client.video.generations.with_raw_response`."""

    def __init__(self, client: TokenMarket) -> None:
        self._client = client

    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateVideoRequest],
    ) -> APIResponse[VideoTask]:
        """`video.generations.create`, returning the raw response."""
        return self._client._run_raw(
            VIDEO,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class Audio:
    """`client.audio`."""

    def __init__(self, client: TokenMarket) -> None:
        self._client = client

    @cached_property
    def speech(self) -> Speech:
        """Text to speech."""
        return Speech(self._client)


class Video:
    """`client.video`."""

    def __init__(self, client: TokenMarket) -> None:
        self._client = client

    @cached_property
    def generations(self) -> VideoGenerations:
        """Video generation tasks."""
        return VideoGenerations(self._client)


# -- async --------------------------------------------------------------------------------


class AsyncCompletions:
    """`client.chat.completions`: chat completions, plain or streamed."""

    def __init__(self, client: AsyncTokenMarket) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> AsyncCompletionsWithRawResponse:
        """The same calls, returning the raw `APIResponse`."""
        return AsyncCompletionsWithRawResponse(self._client)

    @overload
    async def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[ChatCompletionStreamingParams],
    ) -> AsyncStream[ChatCompletionChunk]: ...
    @overload
    async def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[ChatCompletionNonStreamingParams],
    ) -> ChatCompletion: ...
    @overload
    async def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateChatCompletionRequest],
    ) -> ChatCompletion | AsyncStream[ChatCompletionChunk]: ...
    async def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateChatCompletionRequest],
    ) -> ChatCompletion | AsyncStream[ChatCompletionChunk]:
        """Create a chat completion; with `stream=True`, an async iterator of chunks.

        The fields are those of `params.CreateChatCompletionRequest` (`model`, `messages`,
        `provider`, `stream`, `temperature`, `tools`, ...). A streamed call returns once the
        server answered; iterate the stream (in a `async with` block, or to its end)
        to read it.
        """
        if _is_stream(params, extra_body):
            return await self._client._run(
                CHAT_ASYNC_STREAM,
                params,
                extra_headers=extra_headers,
                extra_body=extra_body,
                timeout=timeout,
                idempotency_key=idempotency_key,
            )
        return await self._client._run(
            CHAT,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class AsyncCompletionsWithRawResponse:
    """`client.chat.completions.with_raw_response`."""

    def __init__(self, client: AsyncTokenMarket) -> None:
        self._client = client

    @overload
    async def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[ChatCompletionStreamingParams],
    ) -> APIResponse[AsyncStream[ChatCompletionChunk]]: ...
    @overload
    async def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[ChatCompletionNonStreamingParams],
    ) -> APIResponse[ChatCompletion]: ...
    @overload
    async def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateChatCompletionRequest],
    ) -> APIResponse[ChatCompletion] | APIResponse[AsyncStream[ChatCompletionChunk]]: ...
    async def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateChatCompletionRequest],
    ) -> APIResponse[ChatCompletion] | APIResponse[AsyncStream[ChatCompletionChunk]]:
        """`chat.completions.create`, returning the raw response; `parse()` gives the result."""
        if _is_stream(params, extra_body):
            return await self._client._run_raw(
                CHAT_ASYNC_STREAM,
                params,
                extra_headers=extra_headers,
                extra_body=extra_body,
                timeout=timeout,
                idempotency_key=idempotency_key,
            )
        return await self._client._run_raw(
            CHAT,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class AsyncChat:
    """`client.chat`."""

    def __init__(self, client: AsyncTokenMarket) -> None:
        self._client = client

    @cached_property
    def completions(self) -> AsyncCompletions:
        """Chat completions."""
        return AsyncCompletions(self._client)


class AsyncEmbeddings:
    """`client.embeddings`."""

    def __init__(self, client: AsyncTokenMarket) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> AsyncEmbeddingsWithRawResponse:
        """The same calls, returning the raw `APIResponse`."""
        return AsyncEmbeddingsWithRawResponse(self._client)

    async def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateEmbeddingRequest],
    ) -> CreateEmbeddingResponse:
        """Embed `input` with `model`.

        Without `encoding_format` the vectors travel as base64 float32 and come back decoded to
        floats; with `encoding_format` the answer is exactly what was asked for.
        """
        body, decode = _embedding_params(params, extra_body)
        return await self._client._run(
            EMBEDDINGS_DECODED if decode else EMBEDDINGS,
            body,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class AsyncEmbeddingsWithRawResponse:
    """`client.embeddings.with_raw_response`."""

    def __init__(self, client: AsyncTokenMarket) -> None:
        self._client = client

    async def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateEmbeddingRequest],
    ) -> APIResponse[CreateEmbeddingResponse]:
        """`embeddings.create`, returning the raw response."""
        body, decode = _embedding_params(params, extra_body)
        return await self._client._run_raw(
            EMBEDDINGS_DECODED if decode else EMBEDDINGS,
            body,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class AsyncImages:
    """`client.images`."""

    def __init__(self, client: AsyncTokenMarket) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> AsyncImagesWithRawResponse:
        """The same calls, returning the raw `APIResponse`."""
        return AsyncImagesWithRawResponse(self._client)

    async def generate(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateImageRequest],
    ) -> ImagesResponse:
        """Generate images from `prompt`."""
        return await self._client._run(
            IMAGES,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class AsyncImagesWithRawResponse:
    """`client.images.with_raw_response`."""

    def __init__(self, client: AsyncTokenMarket) -> None:
        self._client = client

    async def generate(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateImageRequest],
    ) -> APIResponse[ImagesResponse]:
        """`images.generate`, returning the raw response."""
        return await self._client._run_raw(
            IMAGES,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class AsyncSpeech:
    """`client.audio.speech`: text to speech, binary audio."""

    def __init__(self, client: AsyncTokenMarket) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> AsyncSpeechWithRawResponse:
        """The same calls, returning the raw `APIResponse`."""
        return AsyncSpeechWithRawResponse(self._client)

    @cached_property
    def with_streaming_response(self) -> AsyncSpeechWithStreamingResponse:
        """The same calls as async context managers whose audio is read as it arrives."""
        return AsyncSpeechWithStreamingResponse(self._client)

    async def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateSpeechRequest],
    ) -> AsyncBinaryResponse:
        """Speak `input` with `voice`; the audio is read whole (see `with_streaming_response`)."""
        return await self._client._run(
            SPEECH_ASYNC,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class AsyncSpeechWithRawResponse:
    """`client.audio.speech.with_raw_response`."""

    def __init__(self, client: AsyncTokenMarket) -> None:
        self._client = client

    async def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateSpeechRequest],
    ) -> APIResponse[AsyncBinaryResponse]:
        """`audio.speech.create`, returning the raw response."""
        return await self._client._run_raw(
            SPEECH_ASYNC,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class AsyncSpeechWithStreamingResponse:
    """`client.audio.speech.with_streaming_response`."""

    def __init__(self, client: AsyncTokenMarket) -> None:
        self._client = client

    def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateSpeechRequest],
    ) -> AsyncStreamingCall[AsyncStreamedBinaryResponse]:
        """`audio.speech.create` as an async context manager; the audio is never held whole.

        The request is sent on entering the block (with retries, before any audio is read);
        the connection is released on leaving it.
        """
        return AsyncStreamingCall(
            lambda: self._client._run(
                SPEECH_ASYNC_STREAMED,
                params,
                extra_headers=extra_headers,
                extra_body=extra_body,
                timeout=timeout,
                idempotency_key=idempotency_key,
            )
        )


class AsyncRerank:
    """`client.rerank`."""

    def __init__(self, client: AsyncTokenMarket) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> AsyncRerankWithRawResponse:
        """The same calls, returning the raw `APIResponse`."""
        return AsyncRerankWithRawResponse(self._client)

    async def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[RerankRequest],
    ) -> RerankResponse:
        """Rank `documents` by relevance to `query`, best first."""
        return await self._client._run(
            RERANK,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class AsyncRerankWithRawResponse:
    """`client.rerank.with_raw_response`."""

    def __init__(self, client: AsyncTokenMarket) -> None:
        self._client = client

    async def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[RerankRequest],
    ) -> APIResponse[RerankResponse]:
        """`rerank.create`, returning the raw response."""
        return await self._client._run_raw(
            RERANK,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class AsyncVideoGenerations:
    """`client.video.generations`."""

    def __init__(self, client: AsyncTokenMarket) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> AsyncVideoGenerationsWithRawResponse:
        """The same calls, returning the raw `APIResponse`."""
        return AsyncVideoGenerationsWithRawResponse(self._client)

    async def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateVideoRequest],
    ) -> VideoTask:
        """Start a video generation task; the answer is the task, not the video."""
        return await self._client._run(
            VIDEO,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class AsyncVideoGenerationsWithRawResponse:
    """`client.video.generations.with_raw_response`."""

    def __init__(self, client: AsyncTokenMarket) -> None:
        self._client = client

    async def create(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        **params: Unpack[CreateVideoRequest],
    ) -> APIResponse[VideoTask]:
        """`video.generations.create`, returning the raw response."""
        return await self._client._run_raw(
            VIDEO,
            params,
            extra_headers=extra_headers,
            extra_body=extra_body,
            timeout=timeout,
            idempotency_key=idempotency_key,
        )


class AsyncAudio:
    """`client.audio`."""

    def __init__(self, client: AsyncTokenMarket) -> None:
        self._client = client

    @cached_property
    def speech(self) -> AsyncSpeech:
        """Text to speech."""
        return AsyncSpeech(self._client)


class AsyncVideo:
    """`client.video`."""

    def __init__(self, client: AsyncTokenMarket) -> None:
        self._client = client

    @cached_property
    def generations(self) -> AsyncVideoGenerations:
        """Video generation tasks."""
        return AsyncVideoGenerations(self._client)
