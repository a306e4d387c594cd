"""Typing: the examples mypy checks import cleanly, and the generated signatures list the
request's fields (what `help()`, `inspect.signature` and IDE completion show)."""

from __future__ import annotations

import inspect
import typing

import pytest
from tokenmarket_client import ChatMessage, TokenMarket, params

from generator.spec import load_spec

from . import typing_examples
from .conftest import KEY


def test_the_examples_import() -> None:
    assert callable(typing_examples.plain)


def test_chat_message_is_the_type_of_messages_items() -> None:
    hints = typing.get_type_hints(params.CreateChatCompletionRequest)
    (item,) = typing.get_args(hints["messages"])
    assert set(typing.get_args(item)) == set(typing.get_args(ChatMessage))


def _methods() -> list[tuple[str, object, str | None]]:
    client = TokenMarket(api_key=KEY, base_url="http://127.0.0.1:9")
    found = []
    for operation in load_spec().operations:
        target: object = client
        for part in operation.sdk_name.split("."):
            target = getattr(target, part)
        found.append((operation.sdk_name, target, operation.request_schema_name))
    return found


@pytest.mark.parametrize(("name", "method", "schema"), _methods(), ids=lambda v: str(v)[:40])
def test_every_request_field_is_a_documented_keyword(
    name: str, method: object, schema: str | None
) -> None:
    assert callable(method)
    signature = inspect.signature(method)
    spec = load_spec()
    assert schema is not None
    properties = spec.resolve(spec.schema(schema)).get("properties", {})
    keywords = set(signature.parameters)
    missing = set(properties) - keywords
    assert not missing, f"{name} lacks keyword arguments {sorted(missing)}"
    assert {"extra_headers", "extra_query", "extra_body", "timeout"} <= keywords
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in signature.parameters.values())
    doc = inspect.getdoc(method) or ""
    for field in properties:
        assert f"    {field}: " in doc, f"{name}'s docstring does not describe {field}"


def test_a_misspelt_keyword_is_a_type_error_at_run_time() -> None:
    client = TokenMarket(api_key=KEY, base_url="http://127.0.0.1:9")
    with pytest.raises(TypeError, match="temprature"):
        client.chat.completions.create(model="m", messages=[], temprature=0.2)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="max_retries"):
        client.chat.completions.create(model="m", messages=[], max_retries=0)  # type: ignore[call-overload]
