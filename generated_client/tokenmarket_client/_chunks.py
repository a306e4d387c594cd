# Laid in from overrides/tokenmarket_client/_chunks.py by `nox -s generate`: edit it there and regenerate, not here.
"""Stream chunks into the generated models, fast.

The generated `ChatCompletionChunk.from_dict` costs about 9 µs per chunk on a small machine
(three nested `from_dict`s, each copying its dict, importing its nested models and defining its
parsers on every call): more than reading and decoding the event (about 1 µs with orjson).
`chunk_from_dict` builds the same objects with the generated classes' constructors, about 7x
faster, for the shape nearly every chunk has: known keys only, `delta` with text fields only, no
`usage` and no `logprobs` objects. Anything else (a key the fast path does not know, tool
calls, usage, logprobs, a missing or mistyped field) goes to the generated `from_dict`, so the
result, and any error, is always what `from_dict` gives.

The key sets below are checked against the generated classes at import: if regeneration added,
removed or retyped a field of the three models, the fast path switches itself off
(`FAST_PATH` is False) and every chunk goes through `from_dict`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import attrs

from .models.chat_completion_chunk import ChatCompletionChunk
from .models.chat_completion_chunk_choice import ChatCompletionChunkChoice
from .models.chat_completion_delta import ChatCompletionDelta
from .types import UNSET

__all__ = ["FAST_PATH", "chunk_from_dict"]

# JSON key -> attribute, for the fields the fast path fills in itself.
_CHUNK: Final = {
    "id": "id",
    "object": "object_",
    "created": "created",
    "model": "model",
    "choices": "choices",
    "system_fingerprint": "system_fingerprint",
}
_CHUNK_SLOW: Final = frozenset({"usage"})  # only when null
_CHOICE: Final = {"index": "index", "delta": "delta", "finish_reason": "finish_reason"}
_CHOICE_SLOW: Final = frozenset({"logprobs"})  # only when null
_DELTA: Final = {
    "role": "role",
    "content": "content",
    "reasoning_content": "reasoning_content",
    "refusal": "refusal",
}
_DELTA_SLOW: Final = frozenset({"tool_calls"})  # never on the fast path

_PLAIN: Final = frozenset({"None", "str", "int", "float", "bool", "Unset"})
_NESTED: Final = {
    (ChatCompletionChunk, "choices"): "list[ChatCompletionChunkChoice]",
    (ChatCompletionChunkChoice, "delta"): "ChatCompletionDelta",
}

_CHUNK_KEYS: Final = frozenset(_CHUNK) | _CHUNK_SLOW
_CHOICE_KEYS: Final = frozenset(_CHOICE) | _CHOICE_SLOW
_DELTA_KEYS: Final = frozenset(_DELTA)


def _matches(cls: type, fields: dict[str, str], slow: frozenset[str]) -> bool:
    """Whether `cls` has exactly these attributes, each of a plain type unless nested."""
    found = {a.name: a.type for a in attrs.fields(cls) if a.name != "additional_properties"}
    if set(found) != set(fields.values()) | slow:
        return False
    for name in fields.values():
        kind = found[name]
        nested = _NESTED.get((cls, name))
        if nested is not None:
            if kind != nested:
                return False
        elif not isinstance(kind, str) or not {p.strip() for p in kind.split("|")} <= _PLAIN:
            return False
    return True


FAST_PATH: Final = (
    _matches(ChatCompletionChunk, _CHUNK, _CHUNK_SLOW)
    and _matches(ChatCompletionChunkChoice, _CHOICE, _CHOICE_SLOW)
    and _matches(ChatCompletionDelta, _DELTA, _DELTA_SLOW)
)
"""Whether the generated models are still the ones the fast path was written for."""


class _Slow(Exception):
    """This chunk needs the generated `from_dict`."""


def _fast(data: Any) -> ChatCompletionChunk:  # noqa: ANN401 (decoded JSON)
    if type(data) is not dict or not data.keys() <= _CHUNK_KEYS or data.get("usage") is not None:
        raise _Slow
    listed = data["choices"]
    if type(listed) is not list:
        raise _Slow
    choices = []
    for choice in listed:
        if (
            type(choice) is not dict
            or not choice.keys() <= _CHOICE_KEYS
            or choice.get("logprobs", None) is not None
        ):
            raise _Slow
        delta = choice["delta"]
        if type(delta) is not dict or not delta.keys() <= _DELTA_KEYS:
            raise _Slow
        get = delta.get
        choices.append(
            ChatCompletionChunkChoice(
                index=choice["index"],
                delta=ChatCompletionDelta(
                    role=get("role", UNSET),
                    content=get("content", UNSET),
                    reasoning_content=get("reasoning_content", UNSET),
                    refusal=get("refusal", UNSET),
                ),
                finish_reason=choice.get("finish_reason", UNSET),
                logprobs=choice.get("logprobs", UNSET),
            )
        )
    return ChatCompletionChunk(
        id=data["id"],
        object_=data["object"],
        created=data["created"],
        model=data["model"],
        choices=choices,
        usage=data.get("usage", UNSET),
        system_fingerprint=data.get("system_fingerprint", UNSET),
    )


def _chunk_from_dict(data: Any) -> ChatCompletionChunk:  # noqa: ANN401 (decoded JSON)
    try:
        return _fast(data)
    except (_Slow, KeyError, TypeError):
        return ChatCompletionChunk.from_dict(data)


chunk_from_dict: Final[Callable[[Any], ChatCompletionChunk]] = (
    _chunk_from_dict if FAST_PATH else ChatCompletionChunk.from_dict
)
"""`ChatCompletionChunk.from_dict`, with the fast path when the models allow it."""
