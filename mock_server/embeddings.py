"""``POST /v1/embeddings``: deterministic unit vectors that reflect the words of each input.

Each vector is a *hashing-trick* embedding, so that texts sharing words are close (cosine
similarity well above that of unrelated texts) and the mock is useful for similarity demos:

* every word (``\\w+``, lower-cased; or every token id of a pre-tokenised input) adds ±1 at
  :data:`FEATURE_SLOTS` positions chosen by its CRC-32, for the first
  :data:`MAX_FEATURE_TOKENS` tokens of the input;
* a faint pseudo-random background seeded by the model and the whole input (blake2b) keeps
  every vector non-zero and different inputs distinct;
* the model's native size is 3072 when its name contains ``large`` and 1536 otherwise;
  ``dimensions`` shortens the vector to its first ``dimensions`` values, then renormalises
  (as OpenAI's ``text-embedding-3`` models do). The spec's ``dimensions`` *shortens*, so a value
  above the native size returns the native size.

Vectors are float32 and of unit length. ``encoding_format: base64`` returns the base64 of the
little-endian float32 bytes; ``float`` returns the same float32 values as JSON numbers.
Usage counts tokens with :mod:`mock_server.text` (or the number of token ids).
"""

from __future__ import annotations

import base64
import zlib
from decimal import Decimal
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from pydantic import MISSING
from tokenmarket_models import CreateEmbeddingRequest

from mock_server.answers import Billing, Context, JsonAnswer
from mock_server.text import count_tokens, stable_hex, words

__all__ = [
    "FEATURE_SLOTS",
    "MAX_FEATURE_TOKENS",
    "embed",
    "handle",
    "native_dimensions",
]

FEATURE_SLOTS: Final = 4
MAX_FEATURE_TOKENS: Final = 8192
PRICE_PER_TOKEN: Final = Decimal("0.00000013")
_BACKGROUND: Final = 0.02
_MULTIPLIERS: Final = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F], dtype=np.uint64)

Item = str | list[int]


def native_dimensions(model: str) -> int:
    """The mock model's vector size: 3072 for ``…large…`` models, 1536 otherwise."""
    return 3072 if "large" in model.lower() else 1536


def _features(item: Item) -> list[bytes]:
    if isinstance(item, str):
        return [word.encode("utf-8") for word in words(item)[:MAX_FEATURE_TOKENS]]
    return [b"#%d" % token for token in item[:MAX_FEATURE_TOKENS]]


def embed(item: Item, model: str, dimensions: int | None = None) -> npt.NDArray[np.float32]:
    """The unit vector of one input (see the module docstring)."""
    native = native_dimensions(model)
    size = native if dimensions is None else min(dimensions, native)
    identity = item if isinstance(item, str) else ",".join(map(str, item))
    seed = int(
        stable_hex(model, "str" if isinstance(item, str) else "ids", identity, length=16), 16
    )
    vector = np.random.default_rng(seed).standard_normal(native) * _BACKGROUND
    features = _features(item)
    if features:
        hashes = np.fromiter(
            (zlib.crc32(f) for f in features), dtype=np.uint64, count=len(features)
        )
        for multiplier in _MULTIPLIERS:
            mixed = (hashes * multiplier) & np.uint64(0xFFFFFFFF)
            slots = (mixed >> np.uint64(1)) % np.uint64(native)
            signs = np.where(mixed & np.uint64(1), 1.0, -1.0)
            np.add.at(vector, slots.astype(np.intp), signs)
    vector = vector[:size]
    vector /= np.linalg.norm(vector)
    return vector.astype("<f4")


def _items(value: object) -> list[Item]:
    """The inputs of the (validated) JSON ``input``: one text, texts, one or more id lists."""
    if isinstance(value, str):
        return [value]
    assert isinstance(value, list)
    if isinstance(value[0], int):
        return [value]
    return list(value)


def handle(req: CreateEmbeddingRequest, ctx: Context) -> JsonAnswer:
    """Answer a validated embeddings request."""
    # Token ids are read from the parsed JSON: they are validated by a shortcut, not pydantic.
    items = _items(ctx.document["input"])
    dimensions = req.dimensions if req.dimensions is not MISSING else None
    as_base64 = req.encoding_format == "base64"
    data: list[dict[str, Any]] = []
    prompt_tokens = 0
    for index, item in enumerate(items):
        vector = embed(item, req.model, dimensions)
        encoded: Any = base64.b64encode(vector.tobytes()).decode("ascii") if as_base64 else vector
        data.append({"object": "embedding", "index": index, "embedding": encoded})
        prompt_tokens += count_tokens(item) if isinstance(item, str) else len(item)
    body = {
        "object": "list",
        "data": data,
        "model": req.model,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    }
    return JsonAnswer(body, Billing(prompt_tokens, "token", PRICE_PER_TOKEN))
