# Laid in from overrides/tokenmarket_client/_client.py by `nox -s generate`: edit it there and regenerate, not here.
"""`TokenMarket` and `AsyncTokenMarket`: the clients users make.

The resources (`chat`, `embeddings`, ...) and with them the generated models are imported on
first use, so `import tokenmarket_client` costs little more than importing httpx.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Self

import httpx

from ._base_client import (
    DEFAULT_MAX_RETRIES,
    NOT_GIVEN,
    AsyncClientCore,
    NotGiven,
    RetryPolicy,
    SyncClientCore,
    Timeout,
)

if TYPE_CHECKING:
    from ._resources import (
        AsyncAudio,
        AsyncChat,
        AsyncEmbeddings,
        AsyncImages,
        AsyncRerank,
        AsyncVideo,
        Audio,
        Chat,
        Embeddings,
        Images,
        Rerank,
        Video,
    )

__all__ = ["AsyncTokenMarket", "TokenMarket"]


class TokenMarket(SyncClientCore):
    """The TokenMarket API client.

    ```python
    client = TokenMarket()  # TOKENMARKET_API_KEY, TOKENMARKET_BASE_URL from the environment
    completion = client.chat.completions.create(
        model="DeepSeek-V4-pro", messages=[{"role": "user", "content": "Hi"}]
    )
    ```

    Args:
        api_key: the Bearer key; default `TOKENMARKET_API_KEY`. Never shown in a repr or error.
        base_url: default `TOKENMARKET_BASE_URL`, else `https://cloud.hopegate.ai/api`.
        timeout: seconds, an `httpx.Timeout`, or None for none; default 5 s to connect and
            600 s for the rest (generation is slow). Each call may pass its own.
        max_retries: retries after the first attempt (default 2); 0 turns retrying off.
        default_headers: headers sent with every request.
        http_client: an `httpx.Client` to use (its proxies, transport, limits); the client
            does not close it.
        retry_policy: the backoff delays and the longest `Retry-After` honoured.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=None if base_url is None else str(base_url),
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            retry_policy=retry_policy,
            http_client_timeout=None if http_client is None else http_client.timeout,
        )
        self._init_http(http_client)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @cached_property
    def chat(self) -> Chat:
        """Chat completions: `client.chat.completions.create(...)`."""
        from ._resources import Chat

        return Chat(self)

    @cached_property
    def embeddings(self) -> Embeddings:
        """Embeddings: `client.embeddings.create(...)`."""
        from ._resources import Embeddings

        return Embeddings(self)

    @cached_property
    def images(self) -> Images:
        """Image generation: `client.images.generate(...)`."""
        from ._resources import Images

        return Images(self)

    @cached_property
    def audio(self) -> Audio:
        """Text to speech: `client.audio.speech.create(...)`."""
        from ._resources import Audio

        return Audio(self)

    @cached_property
    def rerank(self) -> Rerank:
        """Reranking: `client.rerank.create(...)`."""
        from ._resources import Rerank

        return Rerank(self)

    @cached_property
    def video(self) -> Video:
        """Video generation: `client.video.generations.create(...)`."""
        from ._resources import Video

        return Video(self)


class AsyncTokenMarket(AsyncClientCore):
    """The TokenMarket API client for asyncio: `TokenMarket`'s methods as coroutines.

    ```python
    async with AsyncTokenMarket() as client:
        completion = await client.chat.completions.create(
            model="DeepSeek-V4-pro", messages=[{"role": "user", "content": "Hi"}]
        )
    ```

    Takes the same arguments as `TokenMarket`, with an `httpx.AsyncClient` as `http_client`.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=None if base_url is None else str(base_url),
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            retry_policy=retry_policy,
            http_client_timeout=None if http_client is None else http_client.timeout,
        )
        self._init_http(http_client)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @cached_property
    def chat(self) -> AsyncChat:
        """Chat completions: `await client.chat.completions.create(...)`."""
        from ._resources import AsyncChat

        return AsyncChat(self)

    @cached_property
    def embeddings(self) -> AsyncEmbeddings:
        """Embeddings: `await client.embeddings.create(...)`."""
        from ._resources import AsyncEmbeddings

        return AsyncEmbeddings(self)

    @cached_property
    def images(self) -> AsyncImages:
        """Image generation: `await client.images.generate(...)`."""
        from ._resources import AsyncImages

        return AsyncImages(self)

    @cached_property
    def audio(self) -> AsyncAudio:
        """Text to speech: `await client.audio.speech.create(...)`."""
        from ._resources import AsyncAudio

        return AsyncAudio(self)

    @cached_property
    def rerank(self) -> AsyncRerank:
        """Reranking: `await client.rerank.create(...)`."""
        from ._resources import AsyncRerank

        return AsyncRerank(self)

    @cached_property
    def video(self) -> AsyncVideo:
        """Video generation: `await client.video.generations.create(...)`."""
        from ._resources import AsyncVideo

        return AsyncVideo(self)
