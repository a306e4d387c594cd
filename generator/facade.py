"""The facade step: the friendly client's resources, client class and exports, from the spec.

openapi-python-client writes the low-level layer (`tokenmarket_client.api`) and
datamodel-code-generator the models; neither can write what openai-python users call
(`client.chat.completions.create(...)` with listed keyword arguments, stream overloads, raw and
streaming variants, sync and async twins). This step does, with Jinja templates
(generator/templates/), from what `generator.spec` reads in `openapi.yaml`:

- one module per top-level resource under `tokenmarket_client/resources/`, with the sync and
  async classes, `with_raw_response`, and `with_streaming_response` where the answer is binary
  or a stream. The attribute chain and method name are `Operation.sdk_name`.
- each method's keyword arguments are the fields of its request schema, in the spec's order,
  required ones first, each typed as the generated TypedDict types it (`params.py`, read here
  with `ast`, so the types are exactly datamodel-code-generator's) and documented with the
  field's description. A field whose type is an object also takes a model of the package.
- an operation whose 200 has `text/event-stream` gets the `stream` overloads; one whose 200 is
  binary gets the binary response types. Named hooks (`x-tokenmarket-sdk.hooks`) are passed
  to the runtime; a hook missing from overrides/tokenmarket_client/_hooks.py is an error here.
- `_client.py` (the resource properties of `TokenMarket` / `AsyncTokenMarket`), `__init__.py`
  (the exports), `_aliases.py` (names for the unions the spec names, like `ChatMessage`) and
  `_operations.py` (every dotted name with its operationId, for tools such as the CLI).

Usage: `generate_facade(spec, package_dir)` after `params.py` and `schemas.py` exist there.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from generator.spec import EVENT_STREAM, Operation, Spec, SpecError, ref_name

TEMPLATES = Path(__file__).resolve().parent / "templates"
HOOKS_MODULE = Path(__file__).resolve().parent.parent / "overrides/tokenmarket_client/_hooks.py"
HOOK_POINTS = frozenset({"prepare"})
RESERVED = frozenset(
    {"extra_headers", "extra_query", "extra_body", "timeout", "idempotency_key", "self"}
)
"""Keyword arguments every method takes besides the request's fields."""


class FacadeError(SpecError):
    """The spec asks for a facade this step cannot write (a clash, an unknown hook)."""


@dataclass(frozen=True)
class Param:
    """One keyword argument: a field of the request schema, or a path or query parameter."""

    name: str
    annotation: str
    required: bool
    description: str
    location: str = "body"
    """`body`, `path` or `query`."""


@dataclass
class Method:
    """One operation as a method of a resource class."""

    name: str
    operation: Operation
    constant: str
    params: list[Param]
    result: str | None
    """The result model's class (JSON answers and the streamed chunk's answer)."""
    chunk: str | None
    """The model of one event of a stream, when the operation streams."""
    binary: bool
    hooks: dict[str, str]
    docstring: str

    @property
    def streams(self) -> bool:
        """Whether the method gets the `stream` overloads."""
        return self.chunk is not None

    @property
    def options(self) -> str:
        """The keyword arguments of its `Operation` besides method, path and parser."""
        parts = []
        if "prepare" in self.hooks:
            parts.append(f"prepare=_hooks.{self.hooks['prepare']}")
        for location in ("path", "query"):
            names = tuple(param.name for param in self.params if param.location == location)
            if names:
                parts.append(f"{location}_params={names!r}")
        if self.operation.request_body is None:
            parts.append("has_body=False")
        return "".join(f", {part}" for part in parts)

    @property
    def has_streaming_response(self) -> bool:
        """Whether `with_streaming_response` offers it (binary or event-stream answers)."""
        return self.binary or self.streams


@dataclass
class Resource:
    """A node of the attribute chain (`client.chat`, `client.chat.completions`)."""

    attr: str
    path: tuple[str, ...]
    children: dict[str, Resource] = field(default_factory=dict)
    methods: list[Method] = field(default_factory=list)

    @property
    def class_name(self) -> str:
        """`ChatCompletions` for `chat.completions`."""
        return "".join(camel(part) for part in self.path)

    @property
    def dotted(self) -> str:
        """`chat.completions`."""
        return ".".join(self.path)

    def walk(self) -> Iterable[Resource]:
        """This resource and every one under it, children first (definition order)."""
        for child in self.children.values():
            yield from child.walk()
        yield self

    @property
    def has_streaming_response(self) -> bool:
        """Whether any method has a streaming variant."""
        return any(method.has_streaming_response for method in self.methods)


def camel(word: str) -> str:
    """`text_to_speech` gives `TextToSpeech`."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9a-zA-Z]+", word))


def constant(operation_id: str) -> str:
    """`createChatCompletion` gives `CREATE_CHAT_COMPLETION`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", operation_id).upper()


# -- what the other generators wrote -----------------------------------------------------------


@dataclass(frozen=True)
class GeneratedModule:
    """The top-level names of a generated module and, for classes, their annotated fields."""

    classes: dict[str, dict[str, ast.expr]]
    aliases: dict[str, ast.expr]

    @classmethod
    def read(cls, path: Path) -> GeneratedModule:
        """Parse a module written by datamodel-code-generator."""
        tree = ast.parse(path.read_text(encoding="utf-8"))
        classes: dict[str, dict[str, ast.expr]] = {}
        aliases: dict[str, ast.expr] = {}
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                classes[node.name] = {
                    item.target.id: item.annotation
                    for item in node.body
                    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
                }
            elif (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and node.value is not None
            ):
                aliases[node.target.id] = node.value
        return cls(classes, aliases)

    @property
    def names(self) -> set[str]:
        """Every class and alias name."""
        return set(self.classes) | set(self.aliases)


def class_name(spec: Spec, schema: str, module: GeneratedModule, what: str) -> str:
    """The class datamodel-code-generator made of a schema (its title, else its name)."""
    title = spec.schema(schema).get("title")
    name = camel(title) if isinstance(title, str) else schema
    if name not in module.classes:
        raise FacadeError(f"{what}: no class {name!r} (schema {schema!r}) in the generated models")
    return name


def _strip_required(node: ast.expr) -> ast.expr:
    """`NotRequired[X]` and `Required[X]` give `X`."""
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id in ("NotRequired", "Required")
    ):
        return node.slice
    return node


def _names(node: ast.expr) -> set[str]:
    return {item.id for item in ast.walk(node) if isinstance(item, ast.Name)}


class _AliasUnions(ast.NodeTransformer):
    """Replace an inlined union by the name the spec gives it (`ChatMessage`)."""

    def __init__(self, aliases: dict[str, str]) -> None:
        self.aliases = aliases

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        name = self.aliases.get(ast.unparse(node))
        if name is not None:
            return ast.Name(id=name, ctx=ast.Load())
        return node


def _accept_models(annotation: ast.expr, typed_dicts: set[str]) -> str:
    """The annotation of a keyword argument: a list is any sequence, and wherever an object
    (a TypedDict) is expected, a model of the package is accepted too."""
    if not (_names(annotation) & typed_dicts):
        return ast.unparse(annotation)
    if (
        isinstance(annotation, ast.Subscript)
        and isinstance(annotation.value, ast.Name)
        and annotation.value.id == "list"
    ):
        return f"Sequence[{ast.unparse(annotation.slice)} | BaseModel]"
    return f"{ast.unparse(annotation)} | BaseModel"


# -- reading the spec --------------------------------------------------------------------------


def _description(spec: Spec, node: Any) -> str:  # noqa: ANN401 (a schema node)
    resolved = spec.resolve(node) if isinstance(node, dict) else {}
    text = node.get("description") if isinstance(node, dict) else None
    text = text or (resolved.get("description") if isinstance(resolved, dict) else None)
    return " ".join(str(text or "").split())


def stream_chunk_schema(spec: Spec, operation: Operation) -> str | None:
    """The schema of one event's data in the operation's event stream (`ChatCompletionChunk`).

    The event schema names it as the `contentSchema` of its JSON data; an error envelope (the
    schema of the operation's error answers) offered beside it is not a chunk.
    """
    media = next((m for m in operation.success.media_types if m.name == EVENT_STREAM), None)
    if media is None:
        return None
    errors = {
        ref_name(m.schema)
        for response in operation.responses
        if not response.status.startswith("2")
        for m in response.media_types
    }
    found: list[str] = []

    def visit(node: Any, depth: int) -> None:  # noqa: ANN401
        if depth > 8:
            return
        node = spec.resolve(node)
        if isinstance(node, dict):
            content = node.get("contentSchema")
            if isinstance(content, dict):
                for option in [content, *content.get("anyOf", []), *content.get("oneOf", [])]:
                    name = ref_name(option)
                    if name is not None and name not in errors:
                        found.append(name)
            for value in node.values():
                visit(value, depth + 1)
        elif isinstance(node, list):
            for value in node:
                visit(value, depth + 1)

    visit(media.schema, 0)
    if not found:
        raise FacadeError(f"{operation.id}: its event stream names no chunk schema")
    return found[0]


_SIMPLE = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
IDEMPOTENCY_PARAMETER = "idempotency-key"
"""The header parameter the runtime sends itself (`idempotency_key=`)."""


def _parameter_annotation(spec: Spec, schema: Any) -> str:  # noqa: ANN401 (a schema node)
    """The Python type of a path or query parameter (scalars, enumerations, lists of them)."""
    schema = spec.resolve(schema or {})
    if "enum" in schema:
        return "Literal[" + ", ".join(repr(value) for value in schema["enum"]) + "]"
    kind = schema.get("type")
    if kind == "array":
        return f"list[{_parameter_annotation(spec, schema.get('items'))}]"
    if isinstance(kind, str) and kind in _SIMPLE:
        return _SIMPLE[kind]
    return "str"


def _parameters(spec: Spec, operation: Operation) -> list[Param]:
    """The operation's path and query parameters as keyword arguments."""
    found = []
    for parameter in operation.parameters:
        where, name = parameter.get("in"), str(parameter.get("name", ""))
        if where == "header" and name.lower() == IDEMPOTENCY_PARAMETER:
            continue
        if where not in ("path", "query"):
            raise FacadeError(f"{operation.id}: {where} parameter {name!r} is not supported")
        if not name.isidentifier() or name in RESERVED:
            raise FacadeError(f"{operation.id}: parameter {name!r} cannot be a keyword")
        found.append(
            Param(
                name=name,
                annotation=_parameter_annotation(spec, parameter.get("schema")),
                required=where == "path" or bool(parameter.get("required")),
                description=" ".join(str(parameter.get("description", "")).split()),
                location=str(where),
            )
        )
    return found


def _hook_names() -> set[str]:
    tree = ast.parse(HOOKS_MODULE.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def _docstring(operation: Operation, params: list[Param]) -> str:
    lines = [operation.summary.strip().rstrip(".") + "." if operation.summary else operation.id]
    if operation.description.strip():
        lines += ["", *textwrap.dedent(operation.description).strip().splitlines()]
    if params:
        lines += ["", "Args:"]
        for param in params:
            text = f"{param.name}: {param.description or '(no description)'}"
            wrapped = textwrap.wrap(text, width=88, subsequent_indent="    ")
            lines += [f"    {line}" for line in wrapped]
    for point, hook in operation.sdk_hooks.items():
        lines += ["", f"Hook ({point}): `tokenmarket_client._hooks.{hook}`, named in the spec."]
    lines += [
        "",
        "Every method also takes `extra_headers`, `extra_query`, `extra_body` (what the spec",
        "does not list), `timeout` and `idempotency_key`.",
    ]
    text = "\n".join(lines).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return text


@dataclass
class Facade:
    """Everything the templates render."""

    root: Resource
    modules: list[Resource]
    results: list[str]
    aliases: dict[str, str]
    param_imports: list[str]
    path_prefix: str
    title: str
    operations: list[tuple[str, str]]
    error_codes: dict[str, int]
    """Every documented error code with the first status the spec gives it."""


def _path_prefix(spec: Spec) -> str:
    firsts = {operation.path.strip("/").split("/")[0] for operation in spec.operations}
    if len(firsts) == 1:
        (first,) = firsts
        if re.fullmatch(r"v[0-9]+", first):
            return f"/{first}"
    return ""


def build(spec: Spec, params: GeneratedModule, schemas: GeneratedModule) -> Facade:
    """The facade's resource tree from the spec and the generated models."""
    hooks_defined = _hook_names()
    typed_dicts = set(params.classes)
    root = Resource(attr="", path=())
    results: list[str] = []
    aliases: dict[str, str] = {}
    used_params: set[str] = set()
    for operation in spec.operations:
        for point, hook in operation.sdk_hooks.items():
            if point not in HOOK_POINTS:
                raise FacadeError(f"{operation.id}: unknown hook point {point!r}")
            if hook not in hooks_defined:
                raise FacadeError(f"{operation.id}: hook {hook!r} is not in {HOOKS_MODULE.name}")
    for operation in spec.operations:
        *chain, method_name = operation.sdk_name.split(".")
        if not chain:
            raise FacadeError(f"{operation.id}: sdk name {operation.sdk_name!r} has no resource")
        node = root
        for depth, attr in enumerate(chain):
            path = tuple(chain[: depth + 1])
            node = node.children.setdefault(attr, Resource(attr=attr, path=path))
        if any(m.name == method_name for m in node.methods):
            raise FacadeError(f"{operation.id}: {operation.sdk_name} is taken")
        params_list: list[Param] = []
        request_schema = operation.request_schema_name
        if request_schema is not None:
            request_class = class_name(spec, request_schema, params, operation.id)
            fields = params.classes[request_class]
            schema = spec.resolve(spec.schema(request_schema))
            required = set(schema.get("required", []))
            properties = schema.get("properties", {})
            for name, prop in properties.items():
                if name not in fields:
                    raise FacadeError(f"{operation.id}: field {name!r} is not in {request_class}")
                if not name.isidentifier() or name in RESERVED:
                    raise FacadeError(f"{operation.id}: field {name!r} cannot be a keyword")
                annotation = _strip_required(fields[name])
                items = prop.get("items") if isinstance(prop, dict) else None
                item_ref = ref_name(items) if isinstance(items, dict) else None
                if (
                    item_ref is not None
                    and item_ref not in params.names
                    and isinstance(annotation, ast.Subscript)
                    and isinstance(annotation.slice, ast.BinOp)
                ):
                    # A union the spec names but datamodel-code-generator inlined.
                    aliases[item_ref] = ast.unparse(annotation.slice)
                    used_params |= _names(annotation.slice) & params.names
                annotation = _AliasUnions({v: k for k, v in aliases.items()}).visit(annotation)
                used_params |= _names(annotation) & (params.names - set(aliases))
                params_list.append(
                    Param(
                        name=name,
                        annotation=_accept_models(annotation, typed_dicts | set(aliases)),
                        required=name in required,
                        description=_description(spec, prop),
                    )
                )
        if "{" in operation.path and "name" not in operation.sdk:
            raise FacadeError(
                f"{operation.id}: a templated path needs x-tokenmarket-sdk.name "
                "(the default name comes from plain path segments)"
            )
        taken = {param.name for param in params_list}
        for param in _parameters(spec, operation):
            if param.name in taken:
                raise FacadeError(f"{operation.id}: {param.name!r} is a field and a parameter")
            params_list.append(param)
        params_list.sort(key=lambda param: not param.required)
        chunk_schema = stream_chunk_schema(spec, operation) if operation.streams else None
        chunk = class_name(spec, chunk_schema, schemas, operation.id) if chunk_schema else None
        result = None
        if operation.success_schema_name is not None:
            result = class_name(spec, operation.success_schema_name, schemas, operation.id)
        elif not operation.binary:
            raise FacadeError(f"{operation.id}: its 200 is neither JSON nor binary")
        if chunk is not None and "stream" not in {param.name for param in params_list}:
            raise FacadeError(f"{operation.id}: it streams but its request has no `stream`")
        for name in (result, chunk):
            if name is not None and name not in results:
                results.append(name)
        node.methods.append(
            Method(
                name=method_name,
                operation=operation,
                constant=f"_{constant(operation.id)}",
                params=params_list,
                result=result,
                chunk=chunk,
                binary=operation.binary,
                hooks=operation.sdk_hooks,
                docstring=_docstring(operation, params_list),
            )
        )
    clash = set(root.children) & {"copy", "with_options", "close", "api_key", "base_url"}
    if clash:
        raise FacadeError(f"resource names clash with the client's own: {sorted(clash)}")
    return Facade(
        root=root,
        modules=list(root.children.values()),
        results=results,
        aliases=aliases,
        param_imports=sorted(used_params),
        path_prefix=_path_prefix(spec),
        title=spec.title,
        operations=[(operation.sdk_name, operation.id) for operation in spec.operations],
        error_codes={pair.code: pair.status for pair in reversed(spec.error_codes)},
    )


def environment() -> Environment:
    """The Jinja environment of the facade templates (strict: an unknown name fails)."""
    env = Environment(  # noqa: S701 (Python source, not HTML)
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["camel"] = camel
    return env


def generate_facade(spec: Spec, package: Path) -> list[Path]:
    """Write the facade into `package` (holding params.py and schemas.py); return the files."""
    facade = build(
        spec,
        GeneratedModule.read(package / "params.py"),
        GeneratedModule.read(package / "schemas.py"),
    )
    env = environment()
    written: list[Path] = []

    def emit(relative: str, template: str, **context: Any) -> None:  # noqa: ANN401
        target = package / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        text = env.get_template(template).render(facade=facade, **context)
        target.write_text(text, encoding="utf-8")
        written.append(target)

    emit("resources/__init__.py", "resources_init.py.jinja")
    for module in facade.modules:
        emit(f"resources/{module.attr}.py", "resource.py.jinja", module=module)
    emit("_client.py", "client.py.jinja")
    emit("_aliases.py", "aliases.py.jinja")
    emit("_operations.py", "operations.py.jinja")
    emit("__init__.py", "init.py.jinja")
    return written
