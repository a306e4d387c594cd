"""Answers built from the spec alone, for operations that have no hand-written handler.

A new operation works in the mock the moment it is in openapi.yaml: its success response is
the first example of its JSON media type that is valid against the response schema, else a
minimal instance of that schema (required properties only, each at its smallest valid value).
The body is checked against the schema when the app is built, and the app refuses to start
when neither can be made valid (add an example to the spec). Binary and stream-only
responses get their first example's bytes, else an empty body. Such an answer is billed as
one ``request`` at 0 US dollars.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any, Final

from generator.spec import Operation, Spec, SpecError
from mock_server.answers import Answer, Billing, BinaryAnswer, Context, JsonAnswer, SseAnswer
from mock_server.validation import schema_validator

__all__ = ["SpecAnswer", "minimal_instance"]

BILLING: Final = Billing(1, "request", Decimal(0))
_MAX_DEPTH: Final = 32


class _NoInstance(Exception):
    """The schema (or a part of it) has no instance this generator can build."""


def _string(schema: dict[str, Any]) -> str:
    if "pattern" in schema:
        raise _NoInstance("a pattern (give the response an example)")
    length = int(schema.get("minLength", 0))
    return "x" * length


def _number(schema: dict[str, Any], integer: bool) -> int | float:
    value: float = 0
    if "minimum" in schema:
        value = max(value, schema["minimum"]) if "maximum" not in schema else schema["minimum"]
    if "exclusiveMinimum" in schema:
        value = schema["exclusiveMinimum"] + 1
    if "maximum" in schema and value > schema["maximum"]:
        value = schema["maximum"]
    if integer:
        return int(value)
    return value


def minimal_instance(spec: Spec, schema: object, depth: int = 0) -> object:
    """The smallest instance of ``schema`` (``$ref``s followed), or raise ``_NoInstance``."""
    if depth > _MAX_DEPTH:
        raise _NoInstance("too deep")
    schema = spec.resolve(schema)
    if not isinstance(schema, dict):
        return None
    for keyword in ("const", "default"):
        if keyword in schema:
            return schema[keyword]
    if schema.get("examples"):
        return schema["examples"][0]
    if "enum" in schema:
        return schema["enum"][0]
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            for option in schema[keyword]:
                try:
                    return minimal_instance(spec, option, depth + 1)
                except _NoInstance:
                    continue
            raise _NoInstance(f"no {keyword} option")
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = minimal_instance(spec, part, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    kind = schema.get("type", "object" if "properties" in schema else None)
    if isinstance(kind, list):
        kind = "null" if "null" in kind else kind[0]
    if kind == "object":
        properties = schema.get("properties") or {}
        return {
            name: minimal_instance(spec, properties.get(name, {}), depth + 1)
            for name in schema.get("required", [])
        }
    if kind == "array":
        item = schema.get("items", {})
        return [minimal_instance(spec, item, depth + 1) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        return _number(schema, kind == "integer")
    if kind == "boolean":
        return False
    return None


class SpecAnswer:
    """The handler of an operation that has none of its own: the same answer every time."""

    def __init__(self, spec: Spec, operation: Operation) -> None:
        self.operation = operation
        self.answer = self._build(spec, operation)

    def __call__(self, request: object, ctx: Context) -> Answer:
        """The prepared answer (the request has been validated; its content does not matter)."""
        return self.answer

    @staticmethod
    def _build(spec: Spec, operation: Operation) -> Answer:
        success = operation.success
        media = operation.success_json
        if media is not None:
            index = next(i for i, m in enumerate(success.media_types) if m is media)
            pointer = f"{_response_pointer(spec, operation)}/content/{_escape(media.name)}/schema"
            validator = schema_validator(spec, pointer)
            candidates = list(media.examples.values())
            with contextlib.suppress(_NoInstance):
                candidates.append(minimal_instance(spec, media.schema))
            for body in candidates:
                if isinstance(body, dict) and validator.is_valid(body):
                    return JsonAnswer(body, BILLING)
            raise SpecError(
                f"{operation.id}: no valid example of its {media.name} response and no minimal "
                f"instance of schema #{index}: add an example to the spec"
            )
        first = success.media_types[0] if success.media_types else None
        if first is not None and first.is_event_stream:
            return SseAnswer((), 0, BILLING)
        example = next(iter(first.examples.values()), b"") if first is not None else b""
        content = example.encode() if isinstance(example, str) else bytes(example or b"")
        return BinaryAnswer(content, first.name if first else "application/octet-stream", BILLING)


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _response_pointer(spec: Spec, operation: Operation) -> str:
    """The JSON pointer of the operation's success response (through its `$ref`, if any)."""
    success = operation.success
    if success.ref is not None:
        return f"/components/responses/{_escape(success.ref)}"
    path = _escape(operation.path)
    return f"/paths/{path}/{operation.method.lower()}/responses/{success.status}"
