"""The stream chunks' fast path gives exactly what the generated `from_dict` gives.

`tokenmarket_client._chunks.chunk_from_dict` builds the generated models directly for common
chunks (see its docstring and README, "Performance"); every other chunk, and every error, is
the generated `ChatCompletionChunk.from_dict`'s. Checked here over every combination of the
shapes a chunk takes, and on malformed chunks.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from tokenmarket_client._chunks import FAST_PATH, chunk_from_dict
from tokenmarket_client.models import ChatCompletionChunk

BASE = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
DELTAS: list[dict[str, Any]] = [
    {},
    {"role": "assistant", "content": ""},
    {"content": "hello"},
    {"content": None},
    {"reasoning_content": "thinking"},
    {"refusal": "no"},
    {"content": 5},  # mistyped: kept as given, as from_dict does
    {"content": "x", "audio": {"id": "a"}},  # a field the models do not know
    {
        "tool_calls": [
            {"index": 0, "id": "t", "type": "function", "function": {"name": "f", "arguments": ""}}
        ]
    },
]
FINISH: list[dict[str, Any]] = [{}, {"finish_reason": None}, {"finish_reason": "stop"}]
LOGPROBS: list[dict[str, Any]] = [{}, {"logprobs": None}, {"logprobs": {"content": []}}]
CHOICE_EXTRA: list[dict[str, Any]] = [{}, {"native_finish_reason": "eos"}]
TOP: list[dict[str, Any]] = [
    {},
    {"system_fingerprint": "fp"},
    {"system_fingerprint": None},
    {"usage": None},
    {"usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}},
    {"provider": "dataeyes"},
]


def _chunks() -> list[dict[str, Any]]:
    chunks = []
    for delta, finish, logprobs, extra, top in itertools.product(
        DELTAS, FINISH, LOGPROBS, CHOICE_EXTRA, TOP
    ):
        choice = {"index": 0, "delta": delta, **finish, **logprobs, **extra}
        for choices in ([choice], [], [choice, {**choice, "index": 1}]):
            chunks.append({**BASE, **top, "choices": choices})
    return chunks


def test_the_fast_path_is_on_for_the_generated_models() -> None:
    # Off means regeneration changed a chunk model: update the key sets in _chunks.py.
    assert FAST_PATH


def test_every_shape_parses_as_from_dict_parses_it() -> None:
    for data in _chunks():
        fast = chunk_from_dict(json.loads(json.dumps(data)))
        reference = ChatCompletionChunk.from_dict(json.loads(json.dumps(data)))
        assert type(fast) is type(reference)
        assert fast == reference, data
        assert fast.to_dict() == reference.to_dict() == data


@pytest.mark.parametrize(
    "data",
    [
        dict(BASE),
        {**BASE, "choices": "ab"},
        {**BASE, "choices": [{"delta": {}}]},
        {**BASE, "choices": [{"index": 0}]},
        {**BASE, "choices": [{"index": 0, "delta": None}]},
        {"choices": []},
        [],
        "text",
    ],
)
def test_a_malformed_chunk_raises_what_from_dict_raises(data: Any) -> None:
    with pytest.raises(Exception) as expected:  # noqa: PT011 - the reference decides
        ChatCompletionChunk.from_dict(data)
    with pytest.raises(expected.type):
        chunk_from_dict(data)
