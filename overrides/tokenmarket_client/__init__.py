"""Typed client for the TokenMarket unified AI API.

```python
from tokenmarket_client import TokenMarket

client = TokenMarket()  # reads TOKENMARKET_API_KEY
completion = client.chat.completions.create(
    model="DeepSeek-V4-pro", messages=[{"role": "user", "content": "Reply with only OK."}]
)
print(completion.choices[0].message.content, completion.request_id)
```

`TokenMarket` / `AsyncTokenMarket` are the friendly clients (streaming, binary audio, typed
errors, retries, timeouts). Their results (`ChatCompletion`, ...) are the generated models of
`tokenmarket_client.models` plus the response's `headers`, `request_id`, `billing` and
`rate_limit`. Underneath, the generated low-level client is `Client` /
`AuthenticatedClient` with one module per operation under `tokenmarket_client.api`; the models
are in `tokenmarket_client.models`, and request shapes as TypedDicts in
`tokenmarket_client.params`.
"""

from typing import TYPE_CHECKING

from ._base_client import DEFAULT_TIMEOUT, NOT_GIVEN, NotGiven, RetryPolicy
from ._client import AsyncTokenMarket, TokenMarket
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    DeadlineExceededError,
    InternalServerError,
    InvalidAPIKeyError,
    InvalidHTTPClientError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    ResponseTooLargeError,
    StreamInterruptedError,
    TokenMarketError,
)
from ._headers import Billing, RateLimit
from ._limits import DEFAULT_LIMITS, Limits
from ._response import (
    APIResponse,
    AsyncBinaryResponse,
    AsyncStreamedBinaryResponse,
    BinaryResponse,
    StreamedBinaryResponse,
)
from ._streaming import AsyncStream, ChatCompletionAccumulator, Stream

if TYPE_CHECKING:
    from ._resources import ChatMessage
    from ._results import (
        ChatCompletion,
        CreateEmbeddingResponse,
        ImagesResponse,
        RerankResponse,
        VideoTask,
    )
    from .client import AuthenticatedClient, Client

__all__ = (
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncBinaryResponse",
    "AsyncStream",
    "AsyncStreamedBinaryResponse",
    "AsyncTokenMarket",
    "AuthenticatedClient",
    "AuthenticationError",
    "Billing",
    "BinaryResponse",
    "ChatCompletion",
    "ChatCompletionAccumulator",
    "ChatMessage",
    "Client",
    "CreateEmbeddingResponse",
    "DeadlineExceededError",
    "ImagesResponse",
    "InternalServerError",
    "InvalidAPIKeyError",
    "InvalidHTTPClientError",
    "InvalidRequestError",
    "Limits",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "ProviderError",
    "ProviderTimeoutError",
    "RateLimit",
    "RateLimitError",
    "RerankResponse",
    "ResponseTooLargeError",
    "RetryPolicy",
    "Stream",
    "StreamInterruptedError",
    "StreamedBinaryResponse",
    "TokenMarket",
    "TokenMarketError",
    "VideoTask",
)

_RESULTS = ("ChatCompletion", "CreateEmbeddingResponse", "ImagesResponse", "RerankResponse")


def __getattr__(name: str) -> object:
    # The generated low-level client and the models need attrs: load them only when used.
    if name in ("AuthenticatedClient", "Client"):
        from . import client

        return getattr(client, name)
    if name in _RESULTS or name == "VideoTask":
        from . import _results

        return getattr(_results, name)
    if name == "ChatMessage":
        from . import _resources

        return _resources.ChatMessage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
