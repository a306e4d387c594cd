"""Request validation: exactly as strict as openapi.yaml, with the generated pydantic models.

A request body goes through these steps; the first failure is a ``400 REQUEST_001`` envelope
whose ``param`` names the failing field (``messages[0].content``, ``temperature``, …):

1. **Content type**: ``application/json``, optionally with ``charset=utf-8``.
2. **Bytes to JSON** with the standard library, stricter than it is by default: UTF-8 only
   (no BOM), no ``NaN``/``Infinity`` literals, at most :data:`MAX_NESTING` levels of nesting.
3. **JSON to model** with ``Model.model_validate_json(body, strict=True)`` (the models are
   generated from the spec by ``nox -s generate``). Strict mode is what makes pydantic agree
   with JSON Schema: ``"1"`` is not an integer, ``1`` is not a boolean, an explicit ``null``
   is refused unless the spec says the field is nullable. Unknown fields pass, as the spec says.

Where pydantic's strict mode and JSON Schema 2020-12 (the spec's dialect) disagree, the spec
wins, and step 2 bridges the gap before pydantic sees the body:

* **Integers written as floats**: in JSON Schema an integer is a number with a zero
  fractional part, so ``1.0`` and ``1e2`` are valid integers. Pydantic's strict mode refuses
  them, so the parser turns every such literal into an ``int`` (``number`` fields still accept
  it: a JSON Schema ``number`` includes the integers, and so does pydantic's strict ``float``).
  Literals with an exponent beyond ±4000 stay floats (and so fail ``integer`` fields).
* **Lone UTF-16 surrogates** (``"\\ud800"``): valid JSON syntax and one code point each for
  ``minLength``/``maxLength``, but pydantic's parser refuses them. They are replaced with
  U+FFFD, which is also one code point and matches the same ASCII-only patterns (none).
* **Regular expressions**: the spec's patterns are ECMA-262; pydantic uses Rust's ``regex``
  crate, whose ``$`` (like ECMA's) matches only at the very end, so ``"name\\n"`` fails
  ``^[a-zA-Z0-9_-]{1,64}$`` as the spec means (Python's ``re`` would accept it).
* **Lengths** count code points, in pydantic as in JSON Schema.
* **Duplicate object keys**: the last one wins, in both parsers.
* **Numbers beyond the float range** (``1e9999``): valid JSON, but no parser of the mock or
  of a client can hold them; they are refused with 400 wherever they appear.

A request schema with no generated model (an operation added to the spec since the models
were last generated) is validated with jsonschema against the spec itself
(:class:`SchemaValidator`), after the same step 2: as strict, only slower.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final, NoReturn, Protocol, TypeVar

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError as SchemaError
from jsonschema.exceptions import best_match
from pydantic import BaseModel, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from generator.spec import Spec
from mock_server.errors import ApiError, invalid_request

__all__ = [
    "MAX_NESTING",
    "HeaderCheck",
    "ModelValidator",
    "SchemaValidator",
    "Validator",
    "canonical_json",
    "check_content_type",
    "ecma_regex",
    "parse_json_object",
    "token_ids_stand_in",
    "validate_body",
]

M = TypeVar("M", bound=BaseModel)

MAX_NESTING: Final = 128
"""The deepest nesting of arrays and objects accepted, the top-level object included."""


_SHORTCUT_MIN: Final = 1024  # token ids: below this many, pydantic validates them
_MAX_INT_EXPONENT: Final = 4000  # below Python's 4300-digit int/str conversion limit
_SURROGATE_ESCAPE: Final = re.compile(rb"\\[uU][dD][89a-fA-F]")
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def check_content_type(value: str | None) -> None:
    """Refuse anything but ``application/json`` (with an optional UTF-8 charset)."""
    message = "Content-Type must be application/json."
    if value is None:
        raise invalid_request(message)
    media_type, _, parameters = value.partition(";")
    if media_type.strip().lower() != "application/json":
        raise invalid_request(message)
    for parameter in parameters.split(";"):
        name, _, charset = parameter.partition("=")
        if name.strip().lower() == "charset" and charset.strip().strip('"').lower() not in {
            "utf-8",
            "utf8",
        }:
            raise invalid_request("JSON request bodies must be UTF-8.")


def ecma_regex(pattern: str) -> re.Pattern[str]:
    """A spec pattern (ECMA-262) for Python's ``re``: ``$`` matches only at the very end."""
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


class HeaderCheck:
    """Checks a request header against the schema of a string header parameter of the spec."""

    def __init__(self, parameter: Mapping[str, Any]) -> None:
        self.name = str(parameter["name"])
        schema = parameter.get("schema") or {}
        self.min_length = int(schema.get("minLength", 0))
        self.max_length = int(schema.get("maxLength", 1 << 30))
        pattern = schema.get("pattern")
        self.pattern = ecma_regex(pattern) if isinstance(pattern, str) else None

    def __call__(self, value: str | None) -> None:
        """Refuse a present value that breaks the schema (400 naming the header)."""
        if value is None:
            return
        if not self.min_length <= len(value) <= self.max_length or (
            self.pattern is not None and not self.pattern.search(value)
        ):
            raise invalid_request(
                f"{self.name} breaks its schema: {self.min_length} to {self.max_length} "
                "characters of the documented pattern.",
                self.name,
            )


class _Floats:
    """``parse_float`` for :func:`json.loads`: integral literals become ``int``."""

    def __init__(self) -> None:
        self.changed = False

    def __call__(self, literal: str) -> float | int:
        try:
            exact = Decimal(literal)
        except InvalidOperation:  # pragma: no cover - json only passes valid literals
            return float(literal)
        if (
            exact.is_finite()
            and abs(exact.adjusted()) <= _MAX_INT_EXPONENT
            and exact == exact.to_integral_value()
        ):
            self.changed = True
            return int(exact)
        number = float(literal)
        if math.isinf(number):
            # Raised through json.loads: an ApiError is no ValueError, so it is not re-wrapped.
            raise invalid_request(f"The number {literal[:40]} is out of range.")
        return number


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def _too_deep(document: object, limit: int) -> bool:
    """True when ``document`` nests arrays and objects more than ``limit`` levels deep."""
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if not isinstance(node, dict | list):
            continue
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _replace_surrogates(node: object) -> object:
    """A copy of ``node`` with every lone surrogate code point replaced by U+FFFD."""
    if isinstance(node, str):
        return _LONE_SURROGATE.sub("\ufffd", node)
    if isinstance(node, dict):
        return {_replace_surrogates(key): _replace_surrogates(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace_surrogates(item) for item in node]
    return node


def parse_json_object(body: bytes, max_nesting: int = MAX_NESTING) -> tuple[dict[str, Any], bytes]:
    """Parse a request body that must be one JSON object.

    Returns the object and the bytes pydantic should validate: ``body`` itself, or the
    object re-encoded when integral floats or lone surrogates had to be normalised.

    Raises:
        ApiError: 400 ``REQUEST_001`` when the body is not UTF-8, not JSON, too deeply nested
            or not an object.
    """
    if not body.strip():
        raise invalid_request("The request body is empty; a JSON object is required.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_request("The request body is not valid UTF-8.") from None
    floats = _Floats()
    try:
        document = json.loads(text, parse_float=floats, parse_constant=_reject_constant)
    except RecursionError:
        raise _nesting_error(max_nesting) from None
    except json.JSONDecodeError as exc:
        raise invalid_request(
            f"The request body is not valid JSON ({exc.msg} at line {exc.lineno} "
            f"column {exc.colno})."
        ) from None
    except ValueError:
        raise invalid_request("The request body is not valid JSON.") from None
    if not isinstance(document, dict):
        raise invalid_request("The request body must be a JSON object.")
    if body.count(b"[") + body.count(b"{") > max_nesting and _too_deep(document, max_nesting):
        raise _nesting_error(max_nesting)
    changed = floats.changed
    if _SURROGATE_ESCAPE.search(body):
        document = _replace_surrogates(document)
        changed = True
    if changed:
        body = json.dumps(document, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return document, body


def _nesting_error(limit: int) -> ApiError:
    return invalid_request(f"The request body is nested more than {limit} levels deep.")


def canonical_json(document: object) -> str:
    """The canonical text of a parsed body (sorted keys, no spaces), for stable ids."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _format_param(path: list[str | int]) -> str | None:
    if not path:
        return None
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _resolve(loc: tuple[int | str, ...], error_type: str, document: object) -> str | None:
    """Turn a pydantic error location into the failing field's path in the request body.

    Locations also name union members (``str``, ``NamedToolChoice``, a discriminator tag…);
    walking the parsed body keeps only the parts that are places in it.
    """
    path: list[str | int] = []
    node = document
    for part in loc:
        inside_object = isinstance(node, dict) and isinstance(part, str) and part in node
        inside_array = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if inside_object or inside_array:
            node = node[part]  # type: ignore[index]
            path.append(part)
    if error_type == "missing" and loc and isinstance(loc[-1], str):
        path.append(loc[-1])
    return _format_param(path)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _to_api_error(exc: ValidationError, document: object) -> ApiError:
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    if not errors:  # pragma: no cover - pydantic always reports at least one
        return invalid_request("The request body failed validation.")
    first = errors[0]
    if first["type"] == "json_invalid":
        return invalid_request("The request body is not valid JSON.")
    param = _resolve(first["loc"], first["type"], document)
    messages: list[str] = []
    for error in errors:
        if _resolve(error["loc"], error["type"], document) == param:
            message = _lower_first(str(error["msg"]))
            if message not in messages:
                messages.append(message)
    reason = ", or ".join(messages)
    return invalid_request(f"{param}: {reason}" if param else reason, param)


Shortcut = Callable[[object], object | None]
"""A fast, exact check of one large field: a small stand-in value when valid, else None."""


def token_ids_stand_in(value: object) -> object | None:
    """The shortcut for ``EmbeddingInput``'s two token-id forms when they are large.

    Pydantic builds one model object per token id of the generated ``EmbeddingInput`` models
    (about 2 µs each: seconds for a 4 MiB body). This check is exact for the two forms, an
    array of integers >= 0 (``minItems: 1``) and 1 to 2048 such arrays, and answers in
    milliseconds; anything it does not accept (including every small input) goes to pydantic,
    which names the failing field.
    """
    if not isinstance(value, list) or not value:
        return None
    kinds = set(map(type, value))
    if kinds == {int}:
        return [0] if len(value) > _SHORTCUT_MIN and min(value) >= 0 else None
    if kinds != {list} or len(value) > 2048 or sum(map(len, value)) <= _SHORTCUT_MIN:
        return None
    for row in value:
        if not row or set(map(type, row)) != {int} or min(row) < 0:
            return None
    return [[0]]


class Validator(Protocol):
    """Validates one operation's request body: returns what its handler gets, and the JSON."""

    def __call__(self, body: bytes, max_nesting: int = MAX_NESTING) -> tuple[Any, dict[str, Any]]:
        """The validated request and the parsed object; ApiError 400 when invalid."""
        ...


class ModelValidator:
    """Strict validation with a generated pydantic model (fast, and what handlers read)."""

    def __init__(self, model: type[BaseModel], shortcuts: Mapping[str, Shortcut] | None) -> None:
        self.model = model
        self.shortcuts = shortcuts

    def __call__(self, body: bytes, max_nesting: int = MAX_NESTING) -> tuple[Any, dict[str, Any]]:
        """See :func:`validate_body`."""
        return validate_body(self.model, body, max_nesting, self.shortcuts)


def _ecma_pattern(
    validator: object, pattern: str, instance: object, schema: object
) -> Iterator[SchemaError]:
    if isinstance(instance, str) and not ecma_regex(pattern).search(instance):
        yield SchemaError(f"{instance!r} does not match {pattern!r}")


EcmaValidator: Final = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"pattern": _ecma_pattern}
)
"""JSON Schema 2020-12 with ``pattern`` as ECMA-262 means it (the spec's dialect)."""

_SPEC_URI: Final = "urn:tokenmarket:openapi"


def schema_validator(spec: Spec, pointer: str) -> Draft202012Validator:
    """A jsonschema validator for the schema at a JSON pointer into ``spec``."""
    registry: Registry[Any] = Registry().with_resource(
        _SPEC_URI, Resource.from_contents(spec.raw, default_specification=DRAFT202012)
    )
    validator: Draft202012Validator = EcmaValidator(
        {"$ref": f"{_SPEC_URI}#{pointer}"}, registry=registry
    )
    return validator


class SchemaValidator:
    """Validation with jsonschema against the spec, for a schema with no generated model.

    The handler gets the parsed object itself (there is no model to build).
    """

    def __init__(self, spec: Spec, pointer: str) -> None:
        self.validator = schema_validator(spec, pointer)

    def __call__(self, body: bytes, max_nesting: int = MAX_NESTING) -> tuple[Any, dict[str, Any]]:
        """The parsed object, twice; ApiError 400 naming the failing field."""
        document, _ = parse_json_object(body, max_nesting)
        error = best_match(self.validator.iter_errors(document))
        if error is None:
            return document, document
        path: list[str | int] = list(error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [name for name in error.validator_value if name not in error.instance]
            path += missing[:1]
        param = _format_param(path)
        # Never jsonschema's message: it quotes the value, and messages quote no body values.
        reason = (
            "field required"
            if error.validator == "required"
            else f"breaks the schema's {error.validator!r} keyword"
        )
        raise invalid_request(f"{param}: {reason}" if param else reason, param)


def validate_body(
    model: type[M],
    body: bytes,
    max_nesting: int = MAX_NESTING,
    shortcuts: Mapping[str, Shortcut] | None = None,
) -> tuple[M, dict[str, Any]]:
    """Validate a request body against a generated model, as strictly as the spec says.

    Returns the model instance and the parsed JSON object. A field with a shortcut that
    accepts its value is validated by the shortcut, and the model gets its stand-in value:
    read such a field from the parsed object.

    Raises:
        ApiError: 400 ``REQUEST_001`` naming the failing field in ``param``.
    """
    document, normalised = parse_json_object(body, max_nesting)
    if shortcuts:
        stand_ins = {
            name: stand_in
            for name, check in shortcuts.items()
            if name in document and (stand_in := check(document[name])) is not None
        }
        if stand_ins:
            small = {**document, **stand_ins}
            normalised = json.dumps(small, ensure_ascii=False, allow_nan=False).encode("utf-8")
    try:
        return model.model_validate_json(normalised, strict=True), document
    except ValidationError as exc:
        raise _to_api_error(exc, document) from None
