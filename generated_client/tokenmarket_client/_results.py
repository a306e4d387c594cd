# Laid in from overrides/tokenmarket_client/_results.py by `nox -s generate`: edit it there and regenerate, not here.
"""The results of the JSON operations: the generated models, plus what the response said.

Each class here subclasses a generated attrs model and adds nothing to its shape: fields,
`from_dict`, `to_dict`, `additional_properties`, repr and equality are the generated ones. The
subclass only holds the response's headers (one slot) and offers `headers`, `request_id`,
`billing` and `rate_limit` from them. `isinstance(result, models.ChatCompletion)` holds, so code
may annotate with either class.

Embeddings: unless the caller chooses `encoding_format`, the client asks for `base64` (several
times smaller on the wire than JSON floats, and faster to decode) and decodes each vector back to
`list[float]` here, so the caller sees floats either way. A caller who asks for `base64` gets the
strings as sent.
"""

from __future__ import annotations

import binascii
import sys
from array import array

from ._headers import ResponseInfo
from .models.chat_completion import ChatCompletion as _ChatCompletion
from .models.create_embedding_response import (
    CreateEmbeddingResponse as _CreateEmbeddingResponse,
)
from .models.images_response import ImagesResponse as _ImagesResponse
from .models.rerank_response import RerankResponse as _RerankResponse
from .models.video_task import VideoTask as _VideoTask

__all__ = [
    "ChatCompletion",
    "CreateEmbeddingResponse",
    "ImagesResponse",
    "RerankResponse",
    "VideoTask",
]


class ChatCompletion(_ChatCompletion, ResponseInfo):
    """A chat completion (the generated model) with its response's headers."""

    __slots__ = ("_headers",)


class CreateEmbeddingResponse(_CreateEmbeddingResponse, ResponseInfo):
    """Embeddings (the generated model) with their response's headers."""

    __slots__ = ("_headers",)

    @property
    def vectors(self) -> list[list[float]]:
        """Every embedding as floats, in input order (base64 vectors decoded)."""
        return [
            item.embedding if isinstance(item.embedding, list) else decode_vector(item.embedding)
            for item in self.data
        ]


class ImagesResponse(_ImagesResponse, ResponseInfo):
    """Generated images (the generated model) with their response's headers."""

    __slots__ = ("_headers",)


class RerankResponse(_RerankResponse, ResponseInfo):
    """Rerank results (the generated model) with their response's headers."""

    __slots__ = ("_headers",)


class VideoTask(_VideoTask, ResponseInfo):
    """A video generation task (the generated model) with its response's headers."""

    __slots__ = ("_headers",)


def decode_vector(encoded: str) -> list[float]:
    """A base64 string of little-endian float32 values, as Python floats."""
    try:
        raw = binascii.a2b_base64(encoded)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not base64: {exc}") from exc
    if len(raw) % 4:
        raise ValueError(f"{len(raw)} bytes is not a whole number of float32 values")
    values = array("f")
    values.frombytes(raw)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()


def decode_embeddings(result: CreateEmbeddingResponse) -> CreateEmbeddingResponse:
    """Replace every base64 vector of `result` by its floats, in place; return `result`."""
    for item in result.data:
        if isinstance(item.embedding, str):
            item.embedding = decode_vector(item.embedding)
    return result
