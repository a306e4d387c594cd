"""Typing: the examples mypy checks import cleanly, and the few type-level names the client
defines stay in step with the generated TypedDicts they are derived from."""

from __future__ import annotations

import typing

from tokenmarket_client import ChatMessage, params
from tokenmarket_client._resources import (
    ChatCompletionNonStreamingParams,
    ChatCompletionStreamingParams,
)

from . import typing_examples


def test_the_examples_import() -> None:
    assert callable(typing_examples.plain)


def test_chat_message_is_the_type_of_messages_items() -> None:
    hints = typing.get_type_hints(params.CreateChatCompletionRequest)
    (item,) = typing.get_args(hints["messages"])
    assert set(typing.get_args(item)) == set(typing.get_args(ChatMessage))


def test_the_stream_variants_differ_from_the_request_only_in_stream() -> None:
    request = typing.get_type_hints(params.CreateChatCompletionRequest)
    for variant in (ChatCompletionStreamingParams, ChatCompletionNonStreamingParams):
        hints = typing.get_type_hints(variant)
        assert set(hints) == set(request)
        assert {k: v for k, v in hints.items() if k != "stream"} == {
            k: v for k, v in request.items() if k != "stream"
        }
    # Which keys are required is mypy's business: with `from __future__ import annotations`
    # (in params.py too) Python 3.11 cannot see NotRequired at run time.
    streaming = typing.get_type_hints(ChatCompletionStreamingParams, include_extras=True)
    assert typing.get_args(streaming["stream"]) == (typing.Literal[True],)
