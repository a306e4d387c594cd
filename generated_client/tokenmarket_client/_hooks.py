# Laid in from overrides/tokenmarket_client/_hooks.py by `nox -s generate`: edit it there and regenerate, not here.
"""Named hooks: behaviour the spec cannot state, called by the generated resources.

An operation names its hooks in `openapi.yaml` (`x-tokenmarket-sdk.hooks`, hook point to the
name of a function here); the generated method passes that function to the runtime, which
calls it at its point (openai-python's `lib/` and `post_parser` pattern). Hook points:

- `prepare(body) -> post_parser | None`: sees (and may change) the JSON body just before it
  is sent; the post-parser it returns, if any, is applied to the parsed result as
  `post_parser(result, response, secret)`.

Values a hook sends are typed by the generated request TypedDicts (`params`), so narrowing an
enumeration in the spec is a `mypy --strict` error on the hook's line, and
tests/client/test_hooks.py fails naming the hook.
"""

from __future__ import annotations

import binascii
import sys
from array import array
from typing import TYPE_CHECKING, Any, Final

from ._exceptions import APIResponseValidationError, excerpt

if TYPE_CHECKING:
    import httpx

    from .params import CreateEmbeddingRequest
    from .schemas import CreateEmbeddingResponse

__all__ = ["EMBEDDINGS_WIRE_FORMAT", "ask_base64_embeddings", "decode_vector"]


EMBEDDINGS_WIRE_FORMAT: Final = "base64"
"""What `ask_base64_embeddings` asks for; tests/client/test_hooks.py checks the spec lists it."""


def _embeddings_wire_format(body: CreateEmbeddingRequest) -> None:
    # Typed by the generated request: if the spec stops listing `base64`, mypy flags this line.
    body["encoding_format"] = EMBEDDINGS_WIRE_FORMAT


def ask_base64_embeddings(body: dict[str, Any]) -> Any:  # noqa: ANN401 (a post-parser)
    """Embeddings: ask for base64 vectors (several times smaller on the wire than JSON floats,
    and faster to decode) unless the caller chose `encoding_format`; decode them back to
    `list[float]` after parsing, so the caller sees floats either way."""
    if "encoding_format" in body:
        return None
    _embeddings_wire_format(body)  # type: ignore[arg-type]  # a plain dict is the runtime body
    return _decode_embeddings


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


def _decode_embeddings(
    result: CreateEmbeddingResponse, response: httpx.Response, secret: str
) -> CreateEmbeddingResponse:
    """Replace every base64 vector of `result` by its floats, in place; return `result`."""
    try:
        for item in result.data:
            if isinstance(item.embedding, str):
                item.embedding = decode_vector(item.embedding)
    except ValueError as exc:
        raise APIResponseValidationError(
            f"An embedding is not valid base64 float32 ({exc}); body: "
            f"{excerpt(response.content, secret)!r} (request_id={result.request_id})",
            response=response,
            body=response.content,
        ) from exc
    return result
