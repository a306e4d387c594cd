"""Every example in openapi.yaml validates against its schema (JSON Schema 2020-12).

Examples live in four places: media types (request and response bodies), schemas
(`examples: [...]`), headers (`example`) and the JSON strings inside the SSE event examples,
whose schema is the event's `contentSchema` (which plain JSON Schema validation ignores, so
it is checked here by hand). Each is validated through a `$ref` into the whole document, so
references resolve exactly as a tool reading the spec resolves them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:tokenmarket:openapi"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _walk(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{pointer}/{_escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{index}")


def _validator(spec: dict[str, Any], schema_pointer: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    return Draft202012Validator({"$ref": f"{SPEC_URI}#{schema_pointer}"}, registry=registry)


def collect_examples(spec: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(where, schema pointer, example value) for every example in the document."""
    found: list[tuple[str, str, Any]] = []
    for pointer, node in _walk(spec):
        if not isinstance(node, dict):
            continue
        is_media_or_header = "schema" in node and ("examples" in node or "example" in node)
        if is_media_or_header:
            if "example" in node:
                found.append((pointer, f"{pointer}/schema", node["example"]))
            for name, example in (node.get("examples") or {}).items():
                found.append((f"{pointer}/examples/{name}", f"{pointer}/schema", example["value"]))
        elif "/components/schemas/" in pointer or "/schema" in pointer:
            for index, value in enumerate(node.get("examples") or []):
                if isinstance(node.get("examples"), list):
                    found.append((f"{pointer}/examples/{index}", pointer, value))
    return found


def test_examples_exist(spec: dict[str, Any]) -> None:
    examples = collect_examples(spec)
    # Request examples of all six operations, responses, schemas and headers: well over 50.
    assert len(examples) > 50


def test_every_example_validates(spec: dict[str, Any]) -> None:
    failures = []
    for where, schema_pointer, value in collect_examples(spec):
        errors = sorted(_validator(spec, schema_pointer).iter_errors(value), key=str)
        failures += [f"{where}: {error.message}" for error in errors]
    assert not failures, "\n".join(failures)


def test_sse_event_examples_carry_valid_json(spec: dict[str, Any]) -> None:
    """The JSON inside each SSE example validates against the event's contentSchema."""
    media = spec["components"]["responses"]["ChatCompletionOk"]["content"]["text/event-stream"]
    data_schema = spec["components"]["schemas"]["ChatCompletionStreamEvent"]["properties"]["data"]
    json_branch = next(branch for branch in data_schema["anyOf"] if "contentSchema" in branch)
    pointer = "/components/schemas/ChatCompletionStreamEvent/properties/data/anyOf/"
    pointer += str(data_schema["anyOf"].index(json_branch)) + "/contentSchema"
    validator = _validator(spec, pointer)
    checked = 0
    for example in media["examples"].values():
        data = example["value"]["data"]
        if data == "[DONE]":
            continue
        validator.validate(json.loads(data))
        checked += 1
    assert checked >= 1


@pytest.mark.parametrize(
    ("schema", "bad"),
    [
        ("ChatCompletionChunk", {"id": "x", "object": "chat.completion.chunk", "created": 1}),
        ("ErrorEnvelope", {"error": {"message": "m", "type": "t", "code": 1}}),
        ("CreateSpeechRequest", {"model": "m", "input": "hi", "voice": "v", "format": "ogg"}),
    ],
)
def test_validation_is_not_vacuous(spec: dict[str, Any], schema: str, bad: Any) -> None:
    """The same machinery rejects a wrong value, so a passing run means something."""
    with pytest.raises(ValidationError):
        _validator(spec, f"/components/schemas/{schema}").validate(bad)
