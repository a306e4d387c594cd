"""The one reader of openapi.yaml: everything per operation that any part of the kit needs.

The generator, the mock gateway, the fuzzer, publishing, the benchmarks and the tests learn the
operations, their media types, the documented error codes and the limits from here, and from
nowhere else. Nothing outside this module parses `openapi.yaml` or restates what it says.

What the standard fields of OpenAPI cannot say is carried by a few documented vendor
extensions (see README, "Vendor extensions"), read here and only here:

- `x-tokenmarket-sdk` on an operation: how the friendly client names it and which named hooks
  it calls (`name`, e.g. `images.generate`; `hooks`, a mapping of hook point to hook name).
- `x-tokenmarket-limits` at the top level: limits the service enforces that the spec's schemas
  cannot express (`max_request_body_bytes`).
- `x-tokenmarket-media-types` on an enumeration: the media type each of its values answers with
  (the speech formats).
- `x-error-codes` on an error response: the documented `type`/`code` pairs of that status.
- `x-tokenmarket-assumption` on any element: why the element is an assumption of this
  description rather than something TokenMarket's public documentation states, as a one-line
  reason string (`x-tokenmarket-assumption: "the documentation names no 429"`). It marks header,
  parameter, response and schema components (a `$ref` to a marked component is marked too);
  the fuzzer reports a finding that rests only on marked elements as "the server contradicts
  an assumption", not as a contract break (`Spec.assumption_at`, `Spec.assumptions`).

Usage::

    from generator.spec import load_spec
    spec = load_spec()                      # openapi.yaml at the root, parsed once
    for operation in spec.operations:       # in the order of the spec
        operation.id, operation.method, operation.path, operation.success_media_types
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Final

import yaml

ROOT: Final = Path(__file__).resolve().parent.parent


def _default_spec_path() -> Path:
    """openapi.yaml at the repository root; in the installed mock distribution
    (`tokenmarket-mock`, which ships this module), the copy packaged beside it."""
    packaged = Path(__file__).resolve().parent / "openapi.yaml"
    return packaged if packaged.is_file() else ROOT / "openapi.yaml"


SPEC_PATH: Final = _default_spec_path()

HTTP_METHODS: Final = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
EVENT_STREAM: Final = "text/event-stream"
JSON: Final = "application/json"
SDK_EXTENSION: Final = "x-tokenmarket-sdk"
LIMITS_EXTENSION: Final = "x-tokenmarket-limits"
MEDIA_TYPES_EXTENSION: Final = "x-tokenmarket-media-types"
ERROR_CODES_EXTENSION: Final = "x-error-codes"
ASSUMPTION_EXTENSION: Final = "x-tokenmarket-assumption"
SDK_KEYS: Final = frozenset({"name", "hooks"})
"""The keys `x-tokenmarket-sdk` may hold; any other is refused, so the extension stays small."""


class SpecError(ValueError):
    """openapi.yaml says something this reader cannot use (a dangling `$ref`, a bad extension)."""


JsonObject = dict[str, Any]
JsonValue = Any
"""Any node of a parsed JSON or YAML document."""


@dataclass(frozen=True)
class ErrorCode:
    """One documented `type`/`code` pair of an error status."""

    status: int
    type: str
    code: str


@dataclass(frozen=True)
class MediaType:
    """One media type of a response or request body, with its schema and examples."""

    name: str
    schema: JsonObject
    """The schema as written (a `$ref` stays a `$ref`)."""
    examples: dict[str, Any]
    """Example values by name (`examples.<name>.value`, or `example` as `default`)."""

    @property
    def is_json(self) -> bool:
        """Whether the body is JSON (`application/json` or a `+json` type)."""
        return self.name == JSON or self.name.endswith("+json")

    @property
    def is_event_stream(self) -> bool:
        """Whether the body is a stream of server-sent events."""
        return self.name == EVENT_STREAM

    @property
    def is_binary(self) -> bool:
        """Whether the body is bytes that are neither JSON nor events (audio, images, files)."""
        return not self.is_json and not self.is_event_stream


@dataclass(frozen=True)
class Response:
    """One response of an operation: a status (or `default`) with its media types."""

    status: str
    """`"200"`, `"4XX"` or `"default"`, as the spec writes it."""
    description: str
    media_types: tuple[MediaType, ...]
    headers: dict[str, JsonObject]
    """Header objects by name, `$ref`s followed."""
    error_codes: tuple[ErrorCode, ...]
    ref: str | None
    """The `#/components/responses/...` name it came from, if any."""

    def media_type(self, name: str) -> MediaType | None:
        """The media type called `name`, or None."""
        return next((media for media in self.media_types if media.name == name), None)


@dataclass(frozen=True)
class Operation:
    """One operation of the spec, with everything the kit derives from it."""

    id: str
    method: str
    """Upper case: `POST`."""
    path: str
    tags: tuple[str, ...]
    summary: str
    description: str
    request_media_types: tuple[MediaType, ...]
    request_required: bool
    responses: tuple[Response, ...]
    parameters: tuple[JsonObject, ...]
    """Parameter objects, `$ref`s followed."""
    sdk: Mapping[str, Any]
    """The operation's `x-tokenmarket-sdk` (empty when it has none)."""
    raw: JsonObject = field(repr=False)

    @property
    def tag(self) -> str | None:
        """The first tag, or None."""
        return self.tags[0] if self.tags else None

    @property
    def request_body(self) -> MediaType | None:
        """The JSON request body, or None when the operation takes none."""
        return next((media for media in self.request_media_types if media.is_json), None)

    @property
    def request_schema_name(self) -> str | None:
        """The component name of the JSON request body's schema (`CreateRerankRequest`)."""
        body = self.request_body
        return ref_name(body.schema) if body is not None else None

    @property
    def request_examples(self) -> dict[str, Any]:
        """The JSON request body's examples by name."""
        body = self.request_body
        return dict(body.examples) if body is not None else {}

    @property
    def success(self) -> Response:
        """The first 2xx response (every operation of this API has one)."""
        for response in self.responses:
            if response.status.startswith("2"):
                return response
        raise SpecError(f"{self.id}: no 2xx response")

    @property
    def success_status(self) -> int:
        """The status of the success response (`200`)."""
        return int(self.success.status)

    @property
    def success_media_types(self) -> tuple[str, ...]:
        """The media types of the success response, in the spec's order."""
        return tuple(media.name for media in self.success.media_types)

    @property
    def streams(self) -> bool:
        """Whether the success response can be a `text/event-stream`."""
        return any(media.is_event_stream for media in self.success.media_types)

    @property
    def binary(self) -> bool:
        """Whether the success response is bytes (audio and the like), never JSON."""
        media = self.success.media_types
        return bool(media) and all(item.is_binary for item in media)

    @property
    def success_json(self) -> MediaType | None:
        """The JSON media type of the success response, or None."""
        return next((media for media in self.success.media_types if media.is_json), None)

    @property
    def success_schema_name(self) -> str | None:
        """The component name of the success response's JSON schema (`RerankResponse`)."""
        media = self.success_json
        return ref_name(media.schema) if media is not None else None

    @property
    def error_statuses(self) -> tuple[int, ...]:
        """The numeric error statuses the operation documents (no `default`)."""
        return tuple(
            int(response.status)
            for response in self.responses
            if response.status.isdigit() and int(response.status) >= 400
        )

    def response(self, status: int | str) -> Response | None:
        """The response the spec gives for `status` (exact, then `NXX`, then `default`)."""
        text = str(status)
        by_status = {response.status: response for response in self.responses}
        return by_status.get(text) or by_status.get(f"{text[:1]}XX") or by_status.get("default")

    @property
    def sdk_name(self) -> str:
        """The friendly client's dotted name: `x-tokenmarket-sdk.name`, else from the path.

        By default the path segments after the version become the attribute chain and the
        method is `create`: `/v1/chat/completions` gives `chat.completions.create`.
        """
        name = self.sdk.get("name")
        if isinstance(name, str):
            return name
        segments = [segment for segment in self.path.strip("/").split("/") if segment]
        if segments and re.fullmatch(r"v[0-9]+", segments[0]):
            segments = segments[1:]
        words = [re.sub(r"[^0-9a-zA-Z]+", "_", segment).strip("_").lower() for segment in segments]
        return ".".join([*words, "create"])

    @property
    def sdk_hooks(self) -> dict[str, str]:
        """The named hooks the generated client calls for this operation (hook point: name)."""
        hooks = self.sdk.get("hooks") or {}
        return {str(point): str(name) for point, name in hooks.items()}


def ref_name(schema: Mapping[str, Any]) -> str | None:
    """The last segment of a schema's `$ref` (`#/components/schemas/X` gives `X`), or None."""
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


@dataclass(frozen=True)
class Spec:
    """openapi.yaml, parsed, with its operations and the facts the kit needs."""

    path: Path
    raw: JsonObject = field(repr=False)

    @property
    def version(self) -> str:
        """`info.version`."""
        return str(self.raw["info"]["version"])

    @property
    def title(self) -> str:
        """`info.title`."""
        return str(self.raw["info"]["title"])

    # -- references -----------------------------------------------------------------------

    def pointer(self, ref: str) -> JsonValue:
        """The node a local `$ref` (`#/components/...`) points at."""
        if not ref.startswith("#/"):
            raise SpecError(f"only local references are supported, not {ref!r}")
        node: Any = self.raw
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            try:
                node = node[int(part)] if isinstance(node, list) else node[part]
            except (KeyError, IndexError, ValueError) as exc:
                raise SpecError(f"dangling reference {ref!r}") from exc
        return node

    def resolve(self, node: JsonValue) -> JsonValue:
        """Follow `node`'s `$ref`s until a real object is reached (siblings are dropped)."""
        seen: set[str] = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                raise SpecError(f"reference cycle at {ref!r}")
            seen.add(ref)
            node = self.pointer(ref)
        return node

    def dereference(self, node: JsonValue) -> JsonValue:
        """A deep copy of `node` with every `$ref` replaced by its target (cycles refused)."""

        def walk(value: JsonValue, trail: tuple[str, ...]) -> JsonValue:
            if isinstance(value, dict):
                if "$ref" in value:
                    ref = value["$ref"]
                    if ref in trail:
                        raise SpecError(f"recursive schema at {ref!r}")
                    target = walk(self.pointer(ref), (*trail, ref))
                    siblings = {k: walk(v, trail) for k, v in value.items() if k != "$ref"}
                    return {**target, **siblings} if siblings else target
                return {key: walk(item, trail) for key, item in value.items()}
            if isinstance(value, list):
                return [walk(item, trail) for item in value]
            return copy.copy(value)

        return walk(node, ())

    def schema(self, name: str) -> JsonObject:
        """`components.schemas[name]`, as written."""
        try:
            found: JsonObject = self.raw["components"]["schemas"][name]
        except KeyError as exc:
            raise SpecError(f"no schema {name!r} in components.schemas") from exc
        return found

    @property
    def schema_names(self) -> tuple[str, ...]:
        """Every name under `components.schemas`, in the spec's order."""
        return tuple(self.raw.get("components", {}).get("schemas", {}))

    # -- operations -----------------------------------------------------------------------

    @cached_property
    def operations(self) -> tuple[Operation, ...]:
        """Every operation, in the order of `paths` and of methods within a path."""
        found: list[Operation] = []
        for path, item in self.raw.get("paths", {}).items():
            shared = [self.resolve(parameter) for parameter in item.get("parameters", [])]
            for method in HTTP_METHODS:
                if method in item:
                    found.append(self._operation(path, method, item[method], shared))
        ids = [operation.id for operation in found]
        duplicates = sorted({name for name in ids if ids.count(name) > 1})
        if duplicates:
            raise SpecError(f"operationId used twice: {', '.join(duplicates)}")
        return tuple(found)

    def operation(self, operation_id: str) -> Operation:
        """The operation with this operationId."""
        for operation in self.operations:
            if operation.id == operation_id:
                return operation
        raise SpecError(f"no operation {operation_id!r}")

    @property
    def operation_ids(self) -> tuple[str, ...]:
        """Every operationId, in the spec's order."""
        return tuple(operation.id for operation in self.operations)

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations)

    def find(self, method: str, path: str) -> Operation | None:
        """The operation answering `method` on `path` (templated paths are matched too)."""
        for operation in self.operations:
            if operation.method != method.upper():
                continue
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(operation.path))
            if re.fullmatch(pattern, path):
                return operation
        return None

    def _media_types(self, content: Mapping[str, Any]) -> tuple[MediaType, ...]:
        media_types = []
        for name, media in content.items():
            examples = {
                key: self.resolve(example).get("value")
                for key, example in (media.get("examples") or {}).items()
            }
            if "example" in media:
                examples.setdefault("default", media["example"])
            media_types.append(MediaType(name, media.get("schema", {}), examples))
        return tuple(media_types)

    def _response(self, status: str, node: JsonObject) -> Response:
        ref = ref_name(node)
        resolved: JsonObject = self.resolve(node)
        codes = tuple(
            ErrorCode(int(status) if status.isdigit() else 0, str(pair["type"]), str(pair["code"]))
            for pair in resolved.get(ERROR_CODES_EXTENSION, [])
        )
        headers = {
            name: self.resolve(header) for name, header in (resolved.get("headers") or {}).items()
        }
        return Response(
            status=status,
            description=str(resolved.get("description", "")),
            media_types=self._media_types(resolved.get("content") or {}),
            headers=headers,
            error_codes=codes,
            ref=ref,
        )

    def _operation(
        self, path: str, method: str, node: JsonObject, shared: list[JsonObject]
    ) -> Operation:
        operation_id = node.get("operationId")
        if not isinstance(operation_id, str):
            raise SpecError(f"{method.upper()} {path} has no operationId")
        sdk = node.get(SDK_EXTENSION) or {}
        unknown = set(sdk) - SDK_KEYS
        if unknown:
            raise SpecError(
                f"{operation_id}: {SDK_EXTENSION} has unknown keys {sorted(unknown)}; "
                f"it takes only {sorted(SDK_KEYS)}"
            )
        body = self.resolve(node.get("requestBody") or {})
        parameters = [self.resolve(parameter) for parameter in node.get("parameters", [])]
        return Operation(
            id=operation_id,
            method=method.upper(),
            path=path,
            tags=tuple(node.get("tags", [])),
            summary=str(node.get("summary", "")),
            description=str(node.get("description", "")),
            request_media_types=self._media_types(body.get("content") or {}),
            request_required=bool(body.get("required", False)),
            responses=tuple(
                self._response(str(status), response)
                for status, response in (node.get("responses") or {}).items()
            ),
            parameters=tuple([*shared, *parameters]),
            sdk=sdk,
            raw=node,
        )

    # -- facts that are not per operation ---------------------------------------------------

    @cached_property
    def error_codes(self) -> tuple[ErrorCode, ...]:
        """Every documented `type`/`code` pair, by status, once each, in the spec's order."""
        seen: dict[tuple[int, str, str], ErrorCode] = {}
        for operation in self.operations:
            for response in operation.responses:
                for pair in response.error_codes:
                    seen.setdefault((pair.status, pair.type, pair.code), pair)
        return tuple(seen.values())

    def error_code(self, code: str) -> ErrorCode:
        """The first documented pair with this `code` (`REQUEST_001`)."""
        for pair in self.error_codes:
            if pair.code == code:
                return pair
        raise SpecError(f"no documented error code {code!r}")

    @property
    def limits(self) -> dict[str, Any]:
        """The top-level `x-tokenmarket-limits` (limits no schema keyword can express)."""
        return dict(self.raw.get(LIMITS_EXTENSION) or {})

    def limit(self, name: str) -> JsonValue:
        """One limit of `x-tokenmarket-limits`; a missing one is a SpecError."""
        try:
            return self.limits[name]
        except KeyError as exc:
            raise SpecError(f"no limit {name!r} in {LIMITS_EXTENSION}") from exc

    def media_types_of(self, schema_name: str) -> dict[str, str]:
        """An enumeration's `x-tokenmarket-media-types`: value -> media type."""
        schema = self.schema(schema_name)
        mapping = schema.get(MEDIA_TYPES_EXTENSION)
        if not isinstance(mapping, dict):
            raise SpecError(f"schema {schema_name!r} has no {MEDIA_TYPES_EXTENSION}")
        return {str(key): str(value) for key, value in mapping.items()}

    def parameter(self, name: str) -> JsonObject:
        """`components.parameters[name]`."""
        try:
            found: JsonObject = self.raw["components"]["parameters"][name]
        except KeyError as exc:
            raise SpecError(f"no parameter {name!r} in components.parameters") from exc
        return found

    def header(self, name: str) -> JsonObject:
        """`components.headers[name]`."""
        try:
            found: JsonObject = self.raw["components"]["headers"][name]
        except KeyError as exc:
            raise SpecError(f"no header {name!r} in components.headers") from exc
        return found

    def walk(self) -> Iterator[tuple[str, Any]]:
        """Every node of the spec with its JSON pointer, depth first (for extension scans)."""

        def visit(node: JsonValue, pointer: str) -> Iterator[tuple[str, Any]]:
            yield pointer, node
            if isinstance(node, dict):
                for key, value in node.items():
                    escaped = str(key).replace("~", "~0").replace("/", "~1")
                    yield from visit(value, f"{pointer}/{escaped}")
            elif isinstance(node, list):
                for index, value in enumerate(node):
                    yield from visit(value, f"{pointer}/{index}")

        yield from visit(self.raw, "#")

    # -- assumptions (`x-tokenmarket-assumption`) --------------------------------------------

    def assumption_at(self, node: JsonValue) -> str | None:
        """Why `node` is an assumption: its `x-tokenmarket-assumption`, or that of a `$ref` hop
        on the way to its target; None when the public documentation states it."""
        seen: set[str] = set()
        while isinstance(node, dict):
            if ASSUMPTION_EXTENSION in node:
                return str(node[ASSUMPTION_EXTENSION])
            ref = node.get("$ref")
            if not isinstance(ref, str) or ref in seen:
                return None
            seen.add(ref)
            node = self.pointer(ref)
        return None

    @cached_property
    def assumptions(self) -> dict[str, str]:
        """Every element marked `x-tokenmarket-assumption`, by JSON pointer: the reason."""
        return {
            pointer: str(node[ASSUMPTION_EXTENSION])
            for pointer, node in self.walk()
            if isinstance(node, dict) and ASSUMPTION_EXTENSION in node
        }


def parse_spec(text: str, path: Path = SPEC_PATH) -> Spec:
    """A Spec from YAML (or JSON) text."""
    loaded = yaml.safe_load(text)
    if not isinstance(loaded, dict) or "openapi" not in loaded:
        raise SpecError(f"{path} is not an OpenAPI document")
    return Spec(path=path, raw=loaded)


@cache
def _load(path: Path) -> Spec:
    return parse_spec(path.read_text(encoding="utf-8"), path)


def load_spec(path: Path | str | None = None) -> Spec:
    """The spec at `path` (default: openapi.yaml at the repository root), parsed once.

    The result is shared: callers must not mutate `raw` (use `dereference` for a copy).
    """
    return _load(Path(path).resolve() if path is not None else SPEC_PATH)
