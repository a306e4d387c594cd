"""Check real mock responses against openapi.yaml with jsonschema (JSON Schema 2020-12).

The same machinery as tests/spec/test_examples.py: schemas are validated through a ``$ref``
into the whole document, so references resolve as a tool reading the spec resolves them.
``pattern`` is evaluated with ECMA-262 semantics (``$`` matches only at the very end), which is
what the spec's dialect means and what the mock implements.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any, Protocol

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:tokenmarket:openapi"


class HttpResponse(Protocol):
    """What the checker reads of a response (httpx's, or the Starlette test client's)."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Any: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any: ...


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    """``pattern`` as ECMA-262 means it: ``$`` does not match before a final newline."""
    if isinstance(instance, str) and not re.search(pattern.replace("$", r"\Z"), instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"pattern": _ecma_pattern}
)


class SpecChecker:
    """Validates values, requests and responses against the parsed spec."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.registry: Registry[Any] = Registry().with_resource(
            SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
        )

    @cache  # noqa: B019 - one checker per session
    def validator(self, pointer: str) -> Any:
        """A validator for the schema at a JSON pointer into the spec."""
        return EcmaValidator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=self.registry)

    def errors(self, pointer: str, value: Any) -> list[str]:
        """Every validation error of ``value`` against the schema at ``pointer``."""
        return [error.message for error in self.validator(pointer).iter_errors(value)]

    def is_valid_request(self, path: str, body: Any, method: str = "post") -> bool:
        """Whether ``body`` is a valid request body of the operation at ``path``."""
        pointer = (
            f"/paths/{path.replace('/', '~1')}/{method.lower()}/requestBody/content/"
            "application~1json/schema"
        )
        return not self.errors(pointer, body)

    def _response(self, path: str, status: int, method: str = "post") -> tuple[str, dict[str, Any]]:
        """The pointer and (resolved) response object the spec declares for a status."""
        responses = self.spec["paths"][path][method.lower()]["responses"]
        key = str(status) if str(status) in responses else "default"
        response = responses[key]
        pointer = f"/paths/{path.replace('/', '~1')}/{method.lower()}/responses/{key}"
        if "$ref" in response:
            pointer = response["$ref"][1:]
            response = self.spec["components"]["responses"][pointer.rsplit("/", 1)[-1]]
        return pointer, response

    def _header_schema(self, declared: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        if "$ref" in declared:
            declared = self.spec["components"]["headers"][declared["$ref"].rsplit("/", 1)[-1]]
        return declared["schema"], bool(declared.get("required"))

    def check_headers(self, path: str, response: HttpResponse, method: str = "post") -> list[str]:
        """Declared headers: required ones present, every present one valid."""
        problems = []
        _, declared = self._response(path, response.status_code, method)
        for name, header in (declared.get("headers") or {}).items():
            schema, required = self._header_schema(header)
            value = response.headers.get(name)
            if value is None:
                if required:
                    problems.append(f"missing required header {name}")
                continue
            coerced: Any = value
            if schema.get("type") == "integer":
                if not re.fullmatch(r"-?[0-9]+", value):
                    problems.append(f"header {name}={value!r} is not an integer")
                    continue
                coerced = int(value)
            errors = list(Draft202012Validator(schema).iter_errors(coerced))
            problems += [f"header {name}: {error.message}" for error in errors]
        return problems

    def check(self, path: str, response: HttpResponse, method: str = "post") -> list[str]:
        """Every way ``response`` departs from what the spec declares for it."""
        pointer, declared = self._response(path, response.status_code, method)
        problems = self.check_headers(path, response, method)
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        content = declared.get("content") or {}
        if media_type not in content:
            return [*problems, f"undeclared content type {media_type!r}"]
        schema_pointer = f"{pointer}/content/{media_type.replace('/', '~1')}/schema"
        if media_type == "application/json":
            problems += self.errors(schema_pointer, response.json())
        elif media_type == "text/event-stream":
            problems += self.check_events(schema_pointer, response.text)
        return problems

    def check_events(self, schema_pointer: str, text: str) -> list[str]:
        """Every SSE event against the event schema, its JSON data against contentSchema."""
        problems = []
        events = parse_sse(text)
        if not events or events[-1] != {"data": "[DONE]"}:
            problems.append("the stream does not end with data: [DONE]")
        data_pointer = "/components/schemas/ChatCompletionStreamEvent/properties/data/anyOf/1"
        for event in events:
            problems += self.errors(schema_pointer, event)
            if event.get("data") != "[DONE]":
                problems += self.errors(f"{data_pointer}/contentSchema", json.loads(event["data"]))
        return problems


def parse_sse(text: str) -> list[dict[str, str]]:
    """Events of an SSE body as ``{"data": …}`` (and ``event``/``id`` when present)."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        event: dict[str, str] = {}
        data: list[str] = []
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                data.append(value)
            elif name in ("event", "id"):
                event[name] = value
        if data:
            event["data"] = "\n".join(data)
            events.append(event)
    return events


def chunks(text: str) -> list[dict[str, Any]]:
    """The JSON chunks of an SSE body (everything but ``[DONE]``)."""
    return [json.loads(e["data"]) for e in parse_sse(text) if e["data"] != "[DONE]"]
