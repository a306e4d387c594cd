# Laid in from overrides/tokenmarket_client/_cli/_api.py by `nox -s generate`: edit it there and regenerate, not here.
"""`tokenmarket api METHOD --data JSON`: any method of the client, found on the client itself.

No list of operations is written here. When the generated package has a table of its
operations (`tokenmarket_client._operations.OPERATIONS`, dotted name -> operationId), that
table is the list; otherwise the client is walked: its public properties and attributes that
hold resource objects of this package (objects that keep the client as `_client`), recursively,
and the resources' public methods (`with_raw_response` and `with_streaming_response` are other
ways of making the same calls, so they are left out). A new operation in the spec reaches this
command by regeneration alone.

This module imports only the standard library at import time: the parser asks it for the
`api --help` text, and the client is imported only when that text is wanted.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import UsageError

if TYPE_CHECKING:
    from .._client import TokenMarket

PACKAGE = "tokenmarket_client"
OPERATIONS_MODULE = f"{PACKAGE}._operations"
VARIANTS = frozenset({"with_raw_response", "with_streaming_response", "with_options"})
"""Attributes that give the same calls again in another form."""


def operations_table() -> Mapping[str, object] | None:
    """The generated table of operations (dotted name -> operationId), if the package has one."""
    try:
        module = importlib.import_module(OPERATIONS_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != OPERATIONS_MODULE:
            raise
        return None
    table: Mapping[str, object] = module.OPERATIONS
    return table


def _is_resource(value: object) -> bool:
    """A resource object of this package: it calls through the client it holds as `_client`
    (the openai-python convention), unlike settings such as `retry_policy`."""
    module = type(value).__module__ or ""
    return (
        module.startswith(f"{PACKAGE}.")
        and not isinstance(value, type)
        and hasattr(value, "_client")
    )


def _walk(
    obj: object, prefix: str, *, top: bool, seen: set[int]
) -> Iterator[tuple[str, Callable[..., Any]]]:
    """Methods of `obj` and of the resources under it: properties (plain or cached) and
    instance attributes holding resources are followed, so either style of facade is seen."""
    seen.add(id(obj))
    for name in dir(obj):
        if name.startswith("_") or name in VARIANTS:
            continue
        attribute = inspect.getattr_static(obj, name)
        if inspect.isfunction(attribute):
            if not top:
                yield f"{prefix}{name}", getattr(obj, name)
            continue
        if isinstance(attribute, property | functools.cached_property):
            attribute = getattr(obj, name)
        if _is_resource(attribute) and id(attribute) not in seen:
            yield from _walk(attribute, f"{prefix}{name}.", top=False, seen=seen)


def resolve(client: TokenMarket, dotted: str) -> Callable[..., Any]:
    """The bound method `dotted` (e.g. `rerank.create`) of `client`."""
    target: Any = client
    for part in dotted.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise TypeError(f"{dotted} is not callable")
    return target  # type: ignore[no-any-return]


def methods(client: TokenMarket) -> dict[str, Callable[..., Any]]:
    """Every callable method of `client`, by dotted name, sorted."""
    table = operations_table()
    if table is not None:
        return {name: resolve(client, name) for name in sorted(table)}
    return dict(sorted(_walk(client, "", top=True, seen=set())))


def describe(client: TokenMarket) -> list[str]:
    """One line per method: its dotted name, and its operationId when the table says."""
    table = operations_table() or {}
    lines = []
    for name in methods(client):
        operation = table.get(name)
        operation_id = operation if isinstance(operation, str) else ""
        lines.append(f"  {name:<28} {operation_id}".rstrip())
    return lines


def listing_client() -> TokenMarket:
    """A client that is only looked at, never used to send anything."""
    from .._client import TokenMarket

    return TokenMarket(api_key="listing-only", base_url="http://127.0.0.1:9", max_retries=0)


def epilog(argv: Sequence[str]) -> str:
    """The end of `api --help`: the methods, computed only when that help is asked for."""
    if "api" not in argv or not {"-h", "--help"} & set(argv):
        return ""
    with listing_client() as client:
        return "methods:\n" + "\n".join(describe(client))


def load_data(text: str) -> dict[str, Any]:
    """`--data`: a JSON object given inline, as `@FILE`, or as `@-` (standard input)."""
    if text.startswith("@"):
        source = text[1:]
        try:
            raw = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read --data {text}: {exc}") from exc
    else:
        raw = text
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--data is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise UsageError(f"--data must be a JSON object of keyword arguments, not {raw[:40]!r}")
    return value


def bound(client: TokenMarket, name: str | None, data: dict[str, Any]) -> Callable[[], Any]:
    """The call `name(**data)`, checked against the method's signature before anything is sent."""
    found = methods(client)
    if not name:
        raise UsageError("which method? `tokenmarket api --list` lists them")
    method = found.get(name)
    if method is None:
        import difflib

        close = difflib.get_close_matches(name, found, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise UsageError(f"no method {name!r}{hint}; `tokenmarket api --list` lists them")
    try:
        inspect.signature(method).bind(**data)
    except TypeError as exc:
        raise UsageError(f"{name}: {exc}") from exc
    return functools.partial(method, **data)
