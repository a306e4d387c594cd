"""What a change of openapi.yaml breaks: compare it with its version at a git ref.

`nox -s spec_diff -- REF` (or `python -m publish.spec_diff REF`) lists every change between
openapi.yaml at REF and openapi.yaml in the work tree, in three groups:

- **breaking**: a client written against the old spec can now fail. A request it was allowed
  to send may be rejected or mean something else, or a response may lack something it was
  promised or carry something it was told could not appear;
- **additive**: something new that old clients can ignore (an operation, an optional request
  field, a response field, a status code, an accepted value, a looser request constraint);
- **other**: neither, but worth a look in review (a response that got narrower, an error
  status no longer documented, a deprecation).

Requests and responses are judged in opposite directions. A request schema may only accept
more: removing a property or enum value, adding a required property, changing or narrowing a
type, or tightening a constraint (maxLength, maximum, pattern, ...) breaks clients. A response
schema may only promise more: removing a property, making one optional, adding a type (`null`
included), an enum value or a union variant, or loosening a constraint breaks clients.

The exit code is 1 when a breaking change is not acknowledged, else 0 (2 for a usage error).
A maintainer acknowledges breaking changes by raising the major number of `info.version` (the
way the API tells its consumers), or one by one with `--acknowledge ID`, the ID printed beside
each change.

In CI, `--parent` compares the previous commit's openapi.yaml with HEAD's, so a breaking change
cannot land unacknowledged: HEAD's commit message acknowledges one with a line
`Spec-Change-Acknowledged: ID`. A shallow clone without HEAD's parent, or a first commit, has
nothing to compare with: that is printed and the exit code is 0.

Every verdict follows one rule (`VERDICT`): a change lets the writer of a value send more or
less; a request may only widen, a response may only narrow.

The comparison is structural and needs no network: a tool from the registries was tried first
(README, "Publishing the spec", says which and why this module exists instead).
"""

from __future__ import annotations

import argparse
import enum
import json
import math
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.spec import SPEC_PATH, Spec, SpecError, parse_spec

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# JSON Schema keywords that bound a value from above or below. For a request, a new or smaller
# upper bound (a new or larger lower bound) rejects values that were valid; for a response it
# is the other way round.
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")


class Severity(enum.Enum):
    """How a change affects clients written against the old spec."""

    BREAKING = "breaking"
    ADDITIVE = "additive"
    OTHER = "other"


class Direction(enum.Enum):
    """Who writes a value: the client (request) or the server (response)."""

    REQUEST = "request"
    RESPONSE = "response"


# The one rule behind every verdict. A change either lets the writer of a value (the client for
# a request, the server for a response) send more than before, or less. The reader was written
# for the old set: a server that accepts less breaks clients (request narrowed), a client that
# receives more than it was told breaks (response widened); the other two are safe.
VERDICT = {
    (Direction.REQUEST, False): Severity.BREAKING,
    (Direction.REQUEST, True): Severity.ADDITIVE,
    (Direction.RESPONSE, True): Severity.BREAKING,
    (Direction.RESPONSE, False): Severity.OTHER,
}


def verdict(direction: Direction, wider: bool) -> Severity:
    """The severity of a change that lets the writer send more (`wider`) or less."""
    return VERDICT[(direction, wider)]


@dataclass(frozen=True)
class Change:
    """One difference between the old and the new spec.

    `where` is a JSON pointer into the old spec (into the new one for something added), through
    the component that holds it, so one change to a shared schema is reported once; `operations`
    says which operations reach it.
    """

    severity: Severity
    kind: str
    where: str
    message: str
    operations: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """Stable name of the change, for `--acknowledge`."""
        return f"{self.kind}@{self.where}"


@dataclass
class Report:
    """All changes between two specs, and which breaking ones are acknowledged."""

    changes: list[Change]
    old_version: str = ""
    new_version: str = ""
    acknowledged: set[str] = field(default_factory=set)
    major_bump: bool = False

    def by_severity(self, severity: Severity) -> list[Change]:
        """The changes of one severity, in report order."""
        return [change for change in self.changes if change.severity is severity]

    def is_acknowledged(self, change: Change) -> bool:
        """True when a breaking change was acknowledged (major bump or `--acknowledge`)."""
        return self.major_bump or change.id in self.acknowledged

    @property
    def unacknowledged(self) -> list[Change]:
        """The breaking changes nobody acknowledged: any of them fails the check."""
        return [c for c in self.by_severity(Severity.BREAKING) if not self.is_acknowledged(c)]


# --------------------------------------------------------------------------------- helpers


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _resolve(doc: dict[str, Any], node: object, where: str) -> tuple[Any, str]:
    """Follow `$ref`s; siblings of a `$ref` (allowed in 3.1) override the target's keys."""
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            raise ValueError(f"circular $ref {ref}")
        seen.add(ref)
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        target = Spec(SPEC_PATH, doc).pointer(ref)  # generator/spec.py's one `$ref` lookup
        node = {**target, **siblings} if siblings and isinstance(target, dict) else target
        where = ref
    return node, where


def _types(schema: dict[str, Any]) -> set[str] | None:
    declared = schema.get("type")
    if declared is None:
        return None
    return {declared} if isinstance(declared, str) else set(declared)


def _covers(types: set[str], kind: str) -> bool:
    # An integer is a number: widening integer to number accepts more, not something else.
    return kind in types or (kind == "integer" and "number" in types)


def _enum(schema: dict[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    values = schema.get("enum")
    return list(values) if isinstance(values, list) else None


def _key(value: object) -> str:
    return json.dumps(value, sort_keys=True)


def _union(schema: dict[str, Any]) -> list[Any] | None:
    for keyword in ("oneOf", "anyOf"):
        if isinstance(schema.get(keyword), list):
            return list(schema[keyword])
    return None


def _flatten_all_of(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Merge `allOf` members into one schema (properties and required lists are combined)."""
    if "allOf" not in schema:
        return schema
    merged: dict[str, Any] = {key: value for key, value in schema.items() if key != "allOf"}
    properties: dict[str, Any] = dict(merged.get("properties", {}))
    required: list[str] = list(merged.get("required", []))
    for member in schema["allOf"]:
        resolved, _ = _resolve(doc, member, "")
        resolved = _flatten_all_of(doc, resolved)
        properties.update(resolved.get("properties", {}))
        required.extend(name for name in resolved.get("required", []) if name not in required)
        for key, value in resolved.items():
            if key not in ("properties", "required"):
                merged.setdefault(key, value)
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = required
    return merged


def _ref_name(branch: object) -> str | None:
    if isinstance(branch, dict) and isinstance(branch.get("$ref"), str):
        return str(branch["$ref"]).rsplit("/", 1)[-1]
    return None


def _shape(doc: dict[str, Any], branch: object) -> str:
    """The kind of value a union branch holds, references followed: `string`, `string+enum`,
    `array of integer`, `object`, `null`... Two versions of a branch have the same shape."""
    resolved, _ = _resolve(doc, branch, "")
    if not isinstance(resolved, dict):
        return "any"
    types = _types(resolved)
    shape = "|".join(sorted(types)) if types is not None else "any"
    if _enum(resolved) is not None:
        shape += "+enum"
    items = resolved.get("items")
    if types is not None and "array" in types and isinstance(items, dict):
        shape += f" of {_shape(doc, items)}"
    return shape


def _match(
    old_doc: dict[str, Any], new_doc: dict[str, Any], old: list[Any], new: list[Any]
) -> list[tuple[int | None, int | None]]:
    """Pair the branches of two unions: by component name first, then by shape, in order.

    Matching by shape after names means that moving an inline branch into a named component
    (`{type: string, enum: [...]}` -> `$ref: Mode`) is not reported as a change at all.
    """
    pairs: list[tuple[int | None, int | None]] = []
    free_new = list(range(len(new)))
    free_old: list[int] = []
    for index, branch in enumerate(old):
        name = _ref_name(branch)
        hit = next((j for j in free_new if name is not None and _ref_name(new[j]) == name), None)
        if hit is None:
            free_old.append(index)
        else:
            free_new.remove(hit)
            pairs.append((index, hit))
    for index in free_old:
        shape = _shape(old_doc, old[index])
        hit = next((j for j in free_new if _shape(new_doc, new[j]) == shape), None)
        if hit is not None:
            free_new.remove(hit)
        pairs.append((index, hit))
    pairs.extend((None, j) for j in free_new)
    return pairs


def _describe(doc: dict[str, Any], branch: object) -> str:
    return _ref_name(branch) or _shape(doc, branch)


# --------------------------------------------------------------------------------- comparison


class _Differ:
    """Walks the two specs side by side and collects changes for one operation at a time."""

    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old = old
        self.new = new
        # One change of a shared schema is one entry, whichever field reached it first names it.
        self.found: dict[tuple[Severity, str, str], tuple[str, set[str]]] = {}
        self.order: list[tuple[Severity, str, str]] = []
        self.operation = ""
        self.visited: set[tuple[str, str, Direction]] = set()

    def add(self, severity: Severity, kind: str, where: str, message: str) -> None:
        key = (severity, kind, where)
        if key not in self.found:
            self.found[key] = (message, set())
            self.order.append(key)
        if self.operation:
            self.found[key][1].add(self.operation)

    def judge(self, direction: Direction, wider: bool, kind: str, where: str, message: str) -> None:
        """Record a change of the values one side may send, judged by `VERDICT`."""
        self.add(verdict(direction, wider), f"{direction.value}-{kind}", where, message)

    def changes(self) -> list[Change]:
        rank = {Severity.BREAKING: 0, Severity.ADDITIVE: 1, Severity.OTHER: 2}
        ordered = sorted(self.order, key=lambda key: rank[key[0]])
        changes = []
        for severity, kind, where in ordered:
            message, operations = self.found[(severity, kind, where)]
            changes.append(Change(severity, kind, where, message, tuple(sorted(operations))))
        return changes

    # -- operations

    def compare(self) -> None:
        old_ops = dict(self._operations(self.old))
        new_ops = dict(self._operations(self.new))
        for key, (where, _) in old_ops.items():
            if key not in new_ops:
                self.operation = key
                self.add(Severity.BREAKING, "operation-removed", where, f"{key} was removed")
        for key, (where, _) in new_ops.items():
            if key not in old_ops:
                self.operation = key
                self.add(Severity.ADDITIVE, "operation-added", where, f"{key} was added")
        for key, (where, old_op) in old_ops.items():
            if key in new_ops:
                self.operation = key
                self.visited = set()
                self._operation(where, old_op, new_ops[key][1])
        self.operation = ""

    def _operations(self, doc: dict[str, Any]) -> Iterator[tuple[str, tuple[str, Any]]]:
        for path, item in doc.get("paths", {}).items():
            item, _ = _resolve(doc, item, "")
            for method in HTTP_METHODS:
                if method in item:
                    operation = dict(item[method])
                    # Path-level parameters apply to every operation of the path.
                    operation["parameters"] = [
                        *item.get("parameters", []),
                        *operation.get("parameters", []),
                    ]
                    name = f"{method.upper()} {path}"
                    where = f"#/paths/{_escape(path)}/{method}"
                    yield name, (where, operation)

    def _operation(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        if new.get("deprecated") and not old.get("deprecated"):
            self.add(Severity.OTHER, "operation-deprecated", where, "the operation is deprecated")
        self._parameters(where, old.get("parameters", []), new.get("parameters", []))
        self._request_body(where, old.get("requestBody"), new.get("requestBody"))
        self._responses(where, old.get("responses", {}), new.get("responses", {}))

    # -- parameters

    def _parameter_map(
        self, doc: dict[str, Any], where: str, parameters: list[Any]
    ) -> dict[tuple[str, str], tuple[dict[str, Any], str]]:
        found = {}
        for index, raw in enumerate(parameters):
            parameter, at = _resolve(doc, raw, f"{where}/parameters/{index}")
            name = str(parameter.get("name", ""))
            place = str(parameter.get("in", ""))
            # Header names are case-insensitive on the wire.
            found[(place, name.lower() if place == "header" else name)] = (parameter, at)
        return found

    def _parameters(self, where: str, old: list[Any], new: list[Any]) -> None:
        old_map = self._parameter_map(self.old, where, old)
        new_map = self._parameter_map(self.new, where, new)
        for (place, name), (parameter, at) in old_map.items():
            if (place, name) not in new_map:
                self.add(
                    Severity.BREAKING,
                    "request-parameter-removed",
                    at,
                    f"the {place} parameter `{parameter.get('name')}` was removed",
                )
        for (place, name), (parameter, at) in new_map.items():
            label = f"the {place} parameter `{parameter.get('name')}`"
            if (place, name) not in old_map:
                if parameter.get("required"):
                    self.add(
                        Severity.BREAKING,
                        "request-parameter-required",
                        at,
                        f"{label} was added as required",
                    )
                else:
                    self.add(Severity.ADDITIVE, "request-parameter-added", at, f"{label} was added")
                continue
            old_parameter, old_at = old_map[(place, name)]
            if parameter.get("required") and not old_parameter.get("required"):
                self.add(
                    Severity.BREAKING, "request-parameter-required", old_at, f"{label} is required"
                )
            if "schema" in old_parameter and "schema" in parameter:
                self._schema(
                    old_parameter["schema"],
                    parameter["schema"],
                    f"{old_at}/schema",
                    f"{at}/schema",
                    Direction.REQUEST,
                    label,
                )

    # -- request body

    def _request_body(self, where: str, old_raw: object, new_raw: object) -> None:
        at = f"{where}/requestBody"
        if old_raw is None and new_raw is None:
            return
        if new_raw is None:
            self.add(Severity.BREAKING, "request-body-removed", at, "the request body was removed")
            return
        new, new_at = _resolve(self.new, new_raw, at)
        if old_raw is None:
            severity = Severity.BREAKING if new.get("required") else Severity.ADDITIVE
            kind = "request-body-required" if new.get("required") else "request-body-added"
            self.add(severity, kind, new_at, "a request body was added")
            return
        old, old_at = _resolve(self.old, old_raw, at)
        if new.get("required") and not old.get("required"):
            self.add(
                Severity.BREAKING, "request-body-required", old_at, "the request body is required"
            )
        self._content(
            old.get("content", {}), new.get("content", {}), old_at, new_at, Direction.REQUEST
        )

    # -- responses

    def _responses(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        for status, raw in old.items():
            at = f"{where}/responses/{status}"
            if status not in new:
                # A success that may no longer come back breaks callers; an error status
                # that is no longer documented only leaves dead handling code behind.
                success = str(status).startswith("2")
                self.add(
                    Severity.BREAKING if success else Severity.OTHER,
                    "response-status-removed",
                    at,
                    f"the {status} response was removed",
                )
                continue
            old_response, old_at = _resolve(self.old, raw, at)
            new_response, new_at = _resolve(self.new, new[status], at)
            self._response(status, old_response, new_response, old_at, new_at)
        for status in new:
            if status not in old:
                self.add(
                    Severity.ADDITIVE,
                    "response-status-added",
                    f"{where}/responses/{status}",
                    f"a {status} response was added",
                )

    def _response(
        self,
        status: str,
        old: dict[str, Any],
        new: dict[str, Any],
        old_at: str,
        new_at: str,
    ) -> None:
        old_headers = {name.lower(): (name, h) for name, h in old.get("headers", {}).items()}
        new_headers = {name.lower(): (name, h) for name, h in new.get("headers", {}).items()}
        for key, (name, raw) in old_headers.items():
            at = f"{old_at}/headers/{_escape(name)}"
            if key not in new_headers:
                self.add(
                    Severity.BREAKING,
                    "response-header-removed",
                    at,
                    f"the {status} response no longer documents the header `{name}`",
                )
                continue
            old_header, old_header_at = _resolve(self.old, raw, at)
            new_header, new_header_at = _resolve(
                self.new, new_headers[key][1], f"{new_at}/headers/{_escape(name)}"
            )
            if old_header.get("required") and not new_header.get("required"):
                self.add(
                    Severity.BREAKING,
                    "response-header-optional",
                    old_header_at,
                    f"the header `{name}` of the {status} response is no longer always sent",
                )
            if "schema" in old_header and "schema" in new_header:
                self._schema(
                    old_header["schema"],
                    new_header["schema"],
                    f"{old_header_at}/schema",
                    f"{new_header_at}/schema",
                    Direction.RESPONSE,
                    f"the header `{name}`",
                )
        for key, (name, _) in new_headers.items():
            if key not in old_headers:
                self.add(
                    Severity.ADDITIVE,
                    "response-header-added",
                    f"{new_at}/headers/{_escape(name)}",
                    f"the {status} response documents a new header `{name}`",
                )
        self._content(
            old.get("content", {}), new.get("content", {}), old_at, new_at, Direction.RESPONSE
        )

    def _content(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        old_at: str,
        new_at: str,
        direction: Direction,
    ) -> None:
        side = direction.value
        for media, old_media in old.items():
            at = f"{old_at}/content/{_escape(media)}"
            if media not in new:
                self.add(
                    Severity.BREAKING,
                    f"{side}-media-type-removed",
                    at,
                    f"the {side} media type `{media}` was removed",
                )
                continue
            new_media = new[media]
            if "schema" in old_media and "schema" in new_media:
                self._schema(
                    old_media["schema"],
                    new_media["schema"],
                    f"{at}/schema",
                    f"{new_at}/content/{_escape(media)}/schema",
                    direction,
                    f"the {side} body",
                )
        for media in new:
            if media not in old:
                self.add(
                    Severity.ADDITIVE,
                    f"{side}-media-type-added",
                    f"{new_at}/content/{_escape(media)}",
                    f"the {side} media type `{media}` was added",
                )

    # -- schemas

    def _schema(
        self,
        old_raw: object,
        new_raw: object,
        old_at: str,
        new_at: str,
        direction: Direction,
        label: str,
    ) -> None:
        raw = (old_raw, new_raw)
        old, old_at = _resolve(self.old, old_raw, old_at)
        new, new_at = _resolve(self.new, new_raw, new_at)
        if not isinstance(old, dict) or not isinstance(new, dict):
            return
        seen = (old_at, new_at, direction)
        if seen in self.visited:
            return  # a recursive schema, or one shared by two fields: compared once
        self.visited.add(seen)
        old = _flatten_all_of(self.old, old)
        new = _flatten_all_of(self.new, new)
        request = direction is Direction.REQUEST

        old_union, new_union = _union(old), _union(new)
        if old_union is not None or new_union is not None:
            self._unions(raw, old, new, old_union, new_union, old_at, new_at, direction, label)
            if old_union is None or new_union is None:
                return  # the plain side was compared as a branch, all its keywords included
        else:
            self._type(old, new, old_at, direction, label)
        self._enums(old, new, old_at, direction, label)
        self._constraints(old, new, old_at, direction, label)
        if request and "default" in old and old.get("default") != new.get("default"):
            self.add(
                Severity.BREAKING,
                "request-default-changed",
                old_at,
                f"the default of {label} changed from {_key(old['default'])} to "
                f"{_key(new.get('default'))}: requests that omit it now mean something else",
            )
        self._properties(old, new, old_at, new_at, direction, label)
        for keyword in ("items", "contentSchema"):
            if isinstance(old.get(keyword), dict) and isinstance(new.get(keyword), dict):
                self._schema(
                    old[keyword],
                    new[keyword],
                    f"{old_at}/{keyword}",
                    f"{new_at}/{keyword}",
                    direction,
                    f"{label} ({'items' if keyword == 'items' else 'content'})",
                )
        self._additional(old, new, old_at, new_at, direction, label)

    def _unions(
        self,
        raw: tuple[Any, Any],
        old: dict[str, Any],
        new: dict[str, Any],
        old_union: list[Any] | None,
        new_union: list[Any] | None,
        old_at: str,
        new_at: str,
        direction: Direction,
        label: str,
    ) -> None:
        # A plain schema compares with a union as a union of one branch: itself, by its $ref
        # name when it has one, so that `X` matches the `X` branch of `anyOf: [X, null]`.
        def branches(
            unresolved: object, schema: dict[str, Any], union: list[Any] | None
        ) -> list[Any]:
            if union is not None:
                return union
            if isinstance(unresolved, dict) and "$ref" in unresolved:
                return [unresolved]
            return [{key: value for key, value in schema.items() if key != "description"}]

        old_branches = branches(raw[0], old, old_union)
        new_branches = branches(raw[1], new, new_union)
        old_keyword = next((k for k in ("oneOf", "anyOf") if k in old), None)
        new_keyword = next((k for k in ("oneOf", "anyOf") if k in new), None)
        request = direction is Direction.REQUEST
        for old_index, new_index in _match(self.old, self.new, old_branches, new_branches):
            old_branch_at = f"{old_at}/{old_keyword}/{old_index}" if old_keyword else old_at
            new_branch_at = f"{new_at}/{new_keyword}/{new_index}" if new_keyword else new_at
            if old_index is not None and new_index is not None:
                self._schema(
                    old_branches[old_index],
                    new_branches[new_index],
                    old_branch_at,
                    new_branch_at,
                    direction,
                    label,
                )
            elif old_index is not None:
                form = _describe(self.old, old_branches[old_index])
                says = "no longer accepts the" if request else "no longer comes as"
                self.judge(
                    direction,
                    False,
                    "variant-removed",
                    old_branch_at,
                    f"{label} {says} `{form}`" + (" form" if request else ""),
                )
            elif new_index is not None:
                form = _describe(self.new, new_branches[new_index])
                says = (
                    f"also accepts the `{form}` form"
                    if request
                    else f"may now come as `{form}`, which old clients do not expect"
                )
                self.judge(direction, True, "variant-added", new_branch_at, f"{label} {says}")

    def _type(
        self, old: dict[str, Any], new: dict[str, Any], at: str, d: Direction, label: str
    ) -> None:
        old_types, new_types = _types(old), _types(new)
        if old_types is None and new_types is None:
            return
        # No `type` accepts every type.
        everything = {"array", "boolean", "integer", "null", "number", "object", "string"}
        before = old_types if old_types is not None else everything
        after = new_types if new_types is not None else everything
        lost = sorted(kind for kind in before if not _covers(after, kind))
        gained = sorted(kind for kind in after if not _covers(before, kind))
        change = f"{label}: type {_show(old_types)} became {_show(new_types)}"
        # A type lost by a request, or gained by a response, is the breaking side.
        breaking = lost if d is Direction.REQUEST else gained
        safe = gained if d is Direction.REQUEST else lost
        if breaking:
            why = "is no longer accepted" if d is Direction.REQUEST else ""
            tail = (
                f"{', '.join(breaking)} {why}"
                if why
                else f"old clients do not expect {', '.join(breaking)}"
            )
            self.judge(d, d is Direction.RESPONSE, "type-changed", at, f"{change}; {tail}")
        elif safe:
            wider = d is Direction.REQUEST
            self.judge(d, wider, "type-widened" if wider else "type-narrowed", at, change)

    def _enums(
        self, old: dict[str, Any], new: dict[str, Any], at: str, d: Direction, label: str
    ) -> None:
        old_values, new_values = _enum(old), _enum(new)
        if old_values is None and new_values is None:
            return
        if old_values is None:
            # A closed list where any value was allowed.
            self.judge(d, False, "enum-added", at, f"{label} is now limited to {_key(new_values)}")
            return
        if new_values is None:
            self.judge(
                d, True, "enum-dropped", at, f"{label} is no longer limited to {_key(old_values)}"
            )
            return
        old_keys = {_key(value) for value in old_values}
        new_keys = {_key(value) for value in new_values}
        for value in old_values:
            if _key(value) not in new_keys:
                self.judge(
                    d,
                    False,
                    "enum-value-removed",
                    at,
                    f"{label}: the documented value {_key(value)} was removed",
                )
        for value in new_values:
            if _key(value) not in old_keys:
                closed = "; clients with a closed list of values reject it"
                self.judge(
                    d,
                    True,
                    "enum-value-added",
                    at,
                    f"{label}: the value {_key(value)} was added"
                    + ("" if d is Direction.REQUEST else closed),
                )

    def _constraints(
        self, old: dict[str, Any], new: dict[str, Any], at: str, d: Direction, label: str
    ) -> None:
        for keyword in (*UPPER_BOUNDS, *LOWER_BOUNDS):
            before, after = old.get(keyword), new.get(keyword)
            if before == after or isinstance(before, bool) or isinstance(after, bool):
                continue
            upper = keyword in UPPER_BOUNDS
            if after is None:
                tighter = False
            elif before is None:
                tighter = True
            else:
                tighter = after < before if upper else after > before
            self._bound(d, tighter, keyword, before, after, at, label)
        if old.get("multipleOf") != new.get("multipleOf"):
            before, after = old.get("multipleOf"), new.get("multipleOf")
            # A new step is looser only when every old multiple is still a multiple.
            tighter = after is not None and (before is None or not _divides(after, before))
            self._bound(d, tighter, "multipleOf", before, after, at, label)
        if bool(old.get("uniqueItems")) != bool(new.get("uniqueItems")):
            before, after = old.get("uniqueItems"), new.get("uniqueItems")
            self._bound(d, bool(after), "uniqueItems", before, after, at, label)
        if old.get("pattern") != new.get("pattern"):
            before, after = old.get("pattern"), new.get("pattern")
            if after is None:
                self._bound(d, False, "pattern", before, after, at, label)
            else:
                # Two regular expressions cannot be compared in general: a changed pattern may
                # reject what the old one accepted, so it counts as narrower (breaking for a
                # request; for a response only worth a look).
                kind = "constraint-narrowed" if d is Direction.REQUEST else "pattern-changed"
                self.judge(
                    d, False, kind, at, f"{label}: pattern {_key(before)} became {_key(after)}"
                )

    def _bound(
        self,
        d: Direction,
        tighter: bool,
        keyword: str,
        before: object,
        after: object,
        at: str,
        label: str,
    ) -> None:
        message = f"{label}: {keyword} {_key(before)} became {_key(after)}"
        kind = "constraint-narrowed" if tighter else "constraint-widened"
        self.judge(d, not tighter, kind, at, message)

    def _properties(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        old_at: str,
        new_at: str,
        direction: Direction,
        label: str,
    ) -> None:
        old_props: dict[str, Any] = old.get("properties", {}) or {}
        new_props: dict[str, Any] = new.get("properties", {}) or {}
        old_required = set(old.get("required", []) or [])
        new_required = set(new.get("required", []) or [])
        request = direction is Direction.REQUEST
        side = direction.value
        for name in _ordered(old_props, new_props, old_required, new_required):
            old_p_at = f"{old_at}/properties/{_escape(name)}"
            new_p_at = f"{new_at}/properties/{_escape(name)}"
            field_label = f"the {side} field `{name}`"
            was, now = name in old_props, name in new_props
            if was and not now:
                self.add(
                    Severity.BREAKING,
                    f"{side}-property-removed",
                    old_p_at,
                    f"{field_label} was removed"
                    + (": clients that send it lose its effect" if request else ""),
                )
                continue
            if now and not was:
                if request and name in new_required:
                    self.add(
                        Severity.BREAKING,
                        "request-property-required",
                        new_p_at,
                        f"{field_label} was added as required",
                    )
                else:
                    self.add(
                        Severity.ADDITIVE,
                        f"{side}-property-added",
                        new_p_at,
                        f"{field_label} was added",
                    )
                continue
            # Present in both versions, or only named in `required` (no schema of its own).
            at = old_p_at if was else f"{old_at}/required"
            newly_required = name in new_required and name not in old_required
            no_longer_required = name in old_required and name not in new_required
            if newly_required or no_longer_required:
                # Optional: its writer may now leave it out (wider); required: never (narrower).
                wider = no_longer_required
                says = {
                    (Direction.REQUEST, True): "is no longer required",
                    (Direction.REQUEST, False): "is required",
                    (Direction.RESPONSE, True): "is no longer always present",
                    (Direction.RESPONSE, False): "is now always present",
                }[(direction, wider)]
                kind = "property-optional" if wider else "property-required"
                if direction is Direction.RESPONSE and not wider:
                    # Narrower, but a new promise to clients rather than a thing to review.
                    self.add(Severity.ADDITIVE, f"{side}-{kind}", at, f"{field_label} {says}")
                else:
                    self.judge(direction, wider, kind, at, f"{field_label} {says}")
            if was and now:
                self._schema(
                    old_props[name], new_props[name], old_p_at, new_p_at, direction, field_label
                )

    def _additional(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        old_at: str,
        new_at: str,
        direction: Direction,
        label: str,
    ) -> None:
        before, after = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(before, dict) and isinstance(after, dict):
            self._schema(
                before,
                after,
                f"{old_at}/additionalProperties",
                f"{new_at}/additionalProperties",
                direction,
                f"{label} (other fields)",
            )
            return
        closed_before, closed_after = before is False, after is False
        if closed_before == closed_after:
            return
        # Pass-through request fields are a promise of openapi.yaml: closing them breaks it.
        self._bound(direction, closed_after, "additionalProperties", before, after, old_at, label)


def _ordered(*groups: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for group in groups:
        for name in group:
            seen.setdefault(name, None)
    return list(seen)


def _divides(step: object, value: object) -> bool:
    numbers = (int, float)
    if not isinstance(step, numbers) or not isinstance(value, numbers) or step == 0:
        return False
    ratio = float(value) / float(step)
    return math.isclose(ratio, round(ratio))


def _show(types: set[str] | None) -> str:
    if types is None:
        return "any"
    return "|".join(sorted(types))


# --------------------------------------------------------------------------------- public API


def _major(version: str) -> int | None:
    head = version.strip().lstrip("v").split(".", 1)[0]
    return int(head) if head.isdigit() else None


def compare(old: dict[str, Any], new: dict[str, Any], acknowledged: Iterable[str] = ()) -> Report:
    """Compare two parsed OpenAPI documents; the report lists every change, breaking first."""
    differ = _Differ(old, new)
    differ.compare()
    old_version = str(old.get("info", {}).get("version", ""))
    new_version = str(new.get("info", {}).get("version", ""))
    old_major, new_major = _major(old_version), _major(new_version)
    major_bump = old_major is not None and new_major is not None and new_major > old_major
    return Report(differ.changes(), old_version, new_version, set(acknowledged), major_bump)


def load(text: str) -> dict[str, Any]:
    """Parse the text of an OpenAPI document (YAML or JSON) the way generator/spec.py does."""
    try:
        return parse_spec(text).raw
    except SpecError as error:
        raise ValueError(str(error)) from error


def spec_at(ref: str, spec: Path) -> str:
    """The text of `spec` as committed at git `ref` (`git show REF:./path`)."""
    git = shutil.which("git")
    if git is None:
        raise RuntimeError("git is not on PATH")
    result = subprocess.run(  # noqa: S603 (git with a ref the maintainer typed)
        [git, "show", f"{ref}:./{spec.name}"],
        cwd=spec.resolve().parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"cannot read {spec.name} at {ref!r}: {result.stderr.strip()}")
    return result.stdout


ACK_TRAILER = "Spec-Change-Acknowledged"


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    git = shutil.which("git")
    if git is None:
        raise RuntimeError("git is not on PATH")
    return subprocess.run(  # noqa: S603 (git with fixed arguments)
        [git, *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def parent_ref(spec: Path) -> tuple[str | None, str]:
    """`HEAD~1` when the previous commit exists and has the spec, else (None, why not).

    CI compares the previous commit's spec with HEAD's. A shallow clone (depth 1) or a first
    commit has nothing to compare with: that is said, not failed.
    """
    where = spec.resolve().parent
    if _git("rev-parse", "--verify", "--quiet", "HEAD~1^{commit}", cwd=where).returncode != 0:
        shallow = _git("rev-parse", "--is-shallow-repository", cwd=where).stdout.strip()
        if shallow == "true":
            return None, "this is a shallow clone without HEAD's parent (fetch with depth 2)"
        return None, "HEAD has no parent commit"
    if _git("cat-file", "-e", f"HEAD~1:./{spec.name}", cwd=where).returncode != 0:
        return None, f"the previous commit has no {spec.name}"
    return "HEAD~1", ""


def acknowledged_in_commit(spec: Path) -> list[str]:
    """The change ids HEAD's commit message acknowledges (`Spec-Change-Acknowledged: ID`)."""
    message = _git("log", "-1", "--format=%B", "HEAD", cwd=spec.resolve().parent).stdout
    prefix = f"{ACK_TRAILER}:"
    return [
        line.removeprefix(prefix).strip()
        for line in message.splitlines()
        if line.startswith(prefix) and line.removeprefix(prefix).strip()
    ]


def render(report: Report, base: str, head: str) -> str:
    """The report as text for a terminal or a CI log."""
    lines = [f"spec_diff: {base} ({report.old_version}) -> {head} ({report.new_version})"]
    marks = {Severity.BREAKING: "!", Severity.ADDITIVE: "+", Severity.OTHER: "~"}
    titles = {
        Severity.BREAKING: "Breaking changes",
        Severity.ADDITIVE: "Additive changes",
        Severity.OTHER: "Other changes",
    }
    for severity in Severity:
        changes = report.by_severity(severity)
        lines.append("")
        lines.append(f"{titles[severity]}: {len(changes)}")
        for change in changes:
            acknowledged = severity is Severity.BREAKING and report.is_acknowledged(change)
            suffix = " (acknowledged)" if acknowledged else ""
            lines.append(f"  {marks[severity]} {change.message}{suffix}")
            if change.operations:
                lines.append(f"      in: {', '.join(change.operations)}")
            lines.append(f"      id: {change.id}")
    lines.append("")
    pending = report.unacknowledged
    if pending:
        lines.append(
            f"FAIL: {len(pending)} breaking change(s) not acknowledged. If they are intended, "
            "raise the major number of info.version, or pass --acknowledge ID for each."
        )
    elif report.by_severity(Severity.BREAKING):
        why = "the major version was raised" if report.major_bump else "by --acknowledge"
        lines.append(f"OK: every breaking change is acknowledged ({why}).")
    else:
        lines.append("OK: no breaking change.")
    return "\n".join(lines)


def as_json(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data, for CI annotations and other tools."""
    return {
        "old_version": report.old_version,
        "new_version": report.new_version,
        "major_bump": report.major_bump,
        "changes": [
            {
                "id": change.id,
                "severity": change.severity.value,
                "kind": change.kind,
                "where": change.where,
                "message": change.message,
                "operations": list(change.operations),
                "acknowledged": change.severity is Severity.BREAKING
                and report.is_acknowledged(change),
            }
            for change in report.changes
        ],
        "unacknowledged": [change.id for change in report.unacknowledged],
    }


def main(argv: list[str] | None = None) -> int:
    """Command line; see the module docstring. Returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m publish.spec_diff",
        description="List the changes of openapi.yaml since a git ref; fail on breaking ones.",
    )
    parser.add_argument("ref", nargs="?", help="git ref to compare with, e.g. main or HEAD~1")
    parser.add_argument(
        "--parent",
        action="store_true",
        help="CI: compare with the previous commit's spec; HEAD's commit message may "
        f"acknowledge breaking changes with `{ACK_TRAILER}: ID` lines",
    )
    parser.add_argument("--spec", type=Path, default=Path("openapi.yaml"))
    parser.add_argument("--base-file", type=Path, help="compare with this file instead of a ref")
    parser.add_argument(
        "--acknowledge", action="append", default=[], metavar="ID", help="accept one change"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the report as JSON")
    args = parser.parse_args(argv)
    if [args.ref is not None, args.base_file is not None, args.parent].count(True) != 1:
        parser.print_usage(sys.stderr)
        print(
            "spec_diff: give a git REF, --base-file PATH or --parent (one of them)", file=sys.stderr
        )
        return 2
    if args.parent:
        try:
            args.ref, why_not = parent_ref(args.spec)
        except RuntimeError as error:
            print(f"spec_diff: {error}", file=sys.stderr)
            return 2
        if args.ref is None:
            print(f"spec_diff: nothing to compare with: {why_not}; no check was made")
            return 0
        from_commit = acknowledged_in_commit(args.spec)
        args.acknowledge = [*args.acknowledge, *from_commit]
        if from_commit:
            print(f"spec_diff: HEAD's commit message acknowledges {', '.join(from_commit)}")
    try:
        if args.base_file is not None:
            base_text, base = args.base_file.read_text(encoding="utf-8"), str(args.base_file)
        else:
            base_text, base = spec_at(args.ref, args.spec), f"{args.spec.name} at {args.ref}"
        old = load(base_text)
        if args.parent:
            # The commit's own spec: its message is what may acknowledge its breaking changes.
            head_text, head = spec_at("HEAD", args.spec), f"{args.spec.name} at HEAD"
        else:
            head_text, head = (
                args.spec.read_text(encoding="utf-8"),
                f"{args.spec.name} in the work tree",
            )
        new = load(head_text)
        report = compare(old, new, args.acknowledge)
    except (OSError, RuntimeError, ValueError, KeyError, yaml.YAMLError) as error:
        print(f"spec_diff: {error}", file=sys.stderr)
        return 2
    print(render(report, base, head))
    if args.json is not None:
        args.json.write_text(json.dumps(as_json(report), indent=2) + "\n", encoding="utf-8")
    unknown = sorted(set(args.acknowledge) - {change.id for change in report.changes})
    if unknown:
        print(f"spec_diff: no such change to acknowledge: {', '.join(unknown)}", file=sys.stderr)
        return 2
    return 1 if report.unacknowledged else 0


if __name__ == "__main__":
    sys.exit(main())
