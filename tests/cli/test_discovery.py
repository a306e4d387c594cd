"""How `tokenmarket api` finds the methods: the generated operations table when the package
has one, else the client's resources walked. Both ways give the spec's operations."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest
from tokenmarket_client import TokenMarket
from tokenmarket_client._cli import _api
from tokenmarket_client._cli._errors import UsageError

from generator.spec import load_spec

TABLE = "tokenmarket_client._operations"
SDK_NAMES = {operation.sdk_name: operation.id for operation in load_spec().operations}


@pytest.fixture
def without_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the package had no `_operations` module (None in sys.modules stops the import)."""
    monkeypatch.setitem(sys.modules, TABLE, None)


@pytest.fixture
def client() -> Iterator[TokenMarket]:
    with _api.listing_client() as made:
        yield made


@pytest.mark.usefixtures("without_table")
def test_walking_the_client_finds_every_operation_of_the_spec(client: TokenMarket) -> None:
    assert _api.operations_table() is None
    found = _api.methods(client)
    assert set(found) == set(SDK_NAMES)
    assert all(callable(method) for method in found.values())


def test_a_generated_table_is_used_when_present(
    client: TokenMarket, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = types.ModuleType(TABLE)
    module.__dict__["OPERATIONS"] = {"rerank.create": "createRerank"}
    monkeypatch.setitem(sys.modules, TABLE, module)
    assert list(_api.methods(client)) == ["rerank.create"]
    assert _api.describe(client) == ["  rerank.create                createRerank"]


def test_whichever_way_the_methods_are_the_spec_operations(client: TokenMarket) -> None:
    assert set(_api.methods(client)) == set(SDK_NAMES)


@pytest.mark.usefixtures("without_table")
def test_unknown_and_misspelt_arguments(client: TokenMarket) -> None:
    with pytest.raises(UsageError, match="did you mean"):
        _api.bound(client, "chat.completion.create", {})
    with pytest.raises(UsageError, match="which method"):
        _api.bound(client, None, {})
