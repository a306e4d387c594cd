"""The strict response schemas of the client's opt-in contract check, from the spec.

`TokenMarket(contract_check="warn")` validates every JSON answer (and every event of a stream)
against what `openapi.yaml` says it is, strictly, where the result models parse leniently. So
that the check has no second source of truth, the facade step writes the schemas it checks
against into the generated `tokenmarket_client/_contract.py`, from here:

- per operationId, `response`: the dereferenced JSON Schema of the success answer's JSON;
- for an operation that streams, `chunk`: the schema of one event's chunk (the one the facade
  parses, `ChatCompletionChunk`), and `event`: the event data's whole `contentSchema` (the chunk
  or the error envelope the spec offers beside it: an envelope is not drift).

Annotations that cannot change a verdict (`description`, `examples`, `title`, vendor
extensions) are left out, so the module stays small; the spec is OpenAPI 3.1, whose schemas are
JSON Schema 2020-12, the dialect the runtime validates with.
"""

from __future__ import annotations

import pprint
from typing import Any

from generator.spec import EVENT_STREAM, Operation, Spec, SpecError

ANNOTATIONS = frozenset({"description", "examples", "example", "title", "$comment", "deprecated"})
"""Keywords that never change whether an instance is valid."""
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions"})
"""Keywords whose value maps names (which may be anything, `description` too) to schemas."""


def strip_annotations(schema: Any) -> Any:  # noqa: ANN401 (a JSON Schema node)
    """`schema` without its annotations and vendor extensions (property names kept)."""
    if isinstance(schema, list):
        return [strip_annotations(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    kept: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ANNOTATIONS or key.startswith("x-"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            kept[key] = {name: strip_annotations(item) for name, item in value.items()}
        elif key in ("enum", "const", "default", "required"):
            kept[key] = value  # values, not schemas
        else:
            kept[key] = strip_annotations(value)
    return kept


def _content_schema(spec: Spec, node: Any, depth: int = 0) -> Any:  # noqa: ANN401
    """The first `contentSchema` under an event-stream schema (the JSON of an event's data)."""
    node = spec.resolve(node)
    if depth > 8:
        return None
    if isinstance(node, dict):
        if isinstance(node.get("contentSchema"), dict):
            return node["contentSchema"]
        children: list[Any] = list(node.values())
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _content_schema(spec, child, depth + 1)
        if found is not None:
            return found
    return None


def operation_schemas(spec: Spec, operation: Operation, chunk: str | None) -> dict[str, Any]:
    """What the contract check validates for one operation (empty for a binary answer).

    `chunk` is the component the facade parses each event of the stream as (see
    `facade.stream_chunk_schema`).
    """
    found: dict[str, Any] = {}
    media = operation.success_json
    if media is not None:
        found["response"] = strip_annotations(spec.dereference(media.schema))
    if chunk is not None:
        stream = next(m for m in operation.success.media_types if m.name == EVENT_STREAM)
        event = _content_schema(spec, stream.schema)
        if event is None:
            raise SpecError(f"{operation.id}: its event stream has no contentSchema")
        found["chunk"] = strip_annotations(spec.dereference(spec.schema(chunk)))
        found["event"] = strip_annotations(spec.dereference(event))
    return found


def literal(value: Any) -> str:  # noqa: ANN401 (JSON)
    """`value` as a Python literal (ruff formats it afterwards)."""
    return pprint.pformat(value, width=96, sort_dicts=False)
