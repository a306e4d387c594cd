# Laid in from overrides/tokenmarket_client/_contract_check.py by `nox -s generate`: edit it there and regenerate, not here.
"""The opt-in contract check: is the live API still the one `openapi.yaml` describes?

Results are parsed leniently (unknown enum values and missing optional parts pass), which keeps
working code working when the API changes, and also hides the change. With
`TokenMarket(contract_check="warn")` every JSON answer, and the JSON of every event of a
stream, is also validated strictly against the spec's schema of it (the generated `_contract`
module, written by the facade step from the spec: no second source of truth), and a difference
is reported as a `ContractDriftWarning`; with `"raise"` as a `ContractDriftError` (an
`APIResponseValidationError`). Either names the operationId and the JSON pointer of each
difference (`/choices/0/index`), with the request id; never a value of the answer, never the
key. Fields the spec does not list are not drift: its objects allow them.

The check is off by default and then costs one `is None` test per call. When on, it needs
`jsonschema` (`pip install 'tokenmarket-client[contract]'`), imported only then.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias, TypeVar

from . import _json
from ._exceptions import APIResponseValidationError, TokenMarketError, redact

if TYPE_CHECKING:
    import httpx
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

    from ._base_client import Operation

__all__ = ["ContractCheck", "ContractChecker", "ContractDriftError", "ContractDriftWarning"]

R = TypeVar("R")

ContractCheck: TypeAlias = Literal["warn", "raise"]
"""What `contract_check=` does with a difference: warn, or raise `ContractDriftError`."""
MODES: Final = ("warn", "raise")
MAX_LISTED: Final = 5
"""How many differing pointers a message lists (all are in `.pointers`)."""
EVENT_STREAM: Final = "text/event-stream"


class ContractDriftWarning(UserWarning):
    """An answer differs from the spec (`contract_check="warn"`); the call still returned."""

    operation_id: str
    """The operationId of the call (`createChatCompletion`)."""
    pointers: tuple[str, ...]
    """The JSON pointer of every difference, the first one first."""
    request_id: str | None

    def __init__(
        self, message: str, *, operation_id: str, pointers: tuple[str, ...], request_id: str | None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation_id = operation_id
        self.pointers = pointers
        self.request_id = request_id

    @property
    def pointer(self) -> str:
        """The JSON pointer of the first difference (`""` is the whole answer)."""
        return self.pointers[0]


class ContractDriftError(APIResponseValidationError):
    """An answer differs from the spec (`contract_check="raise"`)."""

    operation_id: str
    """The operationId of the call (`createChatCompletion`)."""
    pointers: tuple[str, ...]
    """The JSON pointer of every difference, the first one first."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: bytes,
        operation_id: str,
        pointers: tuple[str, ...],
    ) -> None:
        super().__init__(message, response=response, body=body)
        self.operation_id = operation_id
        self.pointers = pointers

    @property
    def pointer(self) -> str:
        """The JSON pointer of the first difference (`""` is the whole answer)."""
        return self.pointers[0]


def check_mode(mode: object) -> ContractCheck | None:
    """`mode` if it is a valid `contract_check=` value (None, "warn" or "raise")."""
    if mode is None or mode in MODES:
        return mode
    raise ValueError(f"contract_check must be None, 'warn' or 'raise', not {mode!r}")


_JSON_TYPES: Final = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


def _escape(part: object) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _what(error: ValidationError) -> str:
    """What differs, in words, without the answer's value (it may be anything)."""
    kind, expected = error.validator, error.validator_value
    if kind == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else str(expected)
        return f"expected {wanted}, got {_JSON_TYPES.get(type(error.instance), 'another type')}"
    if kind == "required":
        return "a required field is missing"
    if kind in ("enum", "const"):
        return "a value the spec does not list"
    if kind in ("anyOf", "oneOf"):
        return "none of the spec's alternatives"
    if kind == "additionalProperties":
        return "a field the spec does not allow"
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        return f"fails {kind}={expected}"
    return f"fails {kind}"


def _located(error: ValidationError) -> tuple[str, str]:
    """The JSON pointer of one error and what differs there."""
    from jsonschema.exceptions import best_match

    # Inside an anyOf / oneOf, the deepest branch's own error says more than "none matched".
    while error.context:
        deeper = best_match(error.context)
        if deeper is None or len(deeper.absolute_path) <= len(error.absolute_path):
            break
        error = deeper
    path = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        required: Any = error.validator_value  # a list of names, for `required`
        missing = [name for name in required if name not in error.instance]
        path += missing[:1]
    return "".join(f"/{_escape(part)}" for part in path), _what(error)


class ContractChecker:
    """The check of one client (`contract_check="warn"` or `"raise"`)."""

    __slots__ = ("_parsers", "_validators", "mode")

    def __init__(self, mode: ContractCheck) -> None:
        try:
            import jsonschema  # noqa: F401 (only present with the `contract` extra)
        except ImportError:
            raise TokenMarketError(
                "contract_check needs the jsonschema package: "
                "pip install 'tokenmarket-client[contract]'"
            ) from None
        self.mode = mode
        self._validators: dict[tuple[str, str], Validator] = {}
        self._parsers: dict[Operation[Any], Callable[[httpx.Response, str], Any]] = {}

    def __repr__(self) -> str:
        return f"<ContractChecker {self.mode}>"

    def _validator(self, operation_id: str, part: str) -> Validator | None:
        key = (operation_id, part)
        found = self._validators.get(key)
        if found is None:
            from jsonschema import Draft202012Validator

            from ._contract import SCHEMAS

            schema = SCHEMAS.get(operation_id, {}).get(part)
            if schema is None:
                return None
            found = self._validators[key] = Draft202012Validator(schema)
        return found

    def parser(self, operation: Operation[R]) -> Callable[[httpx.Response, str], R]:
        """`operation.parse`, checking the answer first (a stream: each event as it comes)."""
        found = self._parsers.get(operation)
        if found is None:
            found = self._parsers[operation] = self._make_parser(operation)
        return found

    def _make_parser(self, operation: Operation[R]) -> Callable[[httpx.Response, str], R]:
        operation_id, parse = operation.operation_id, operation.parse
        if operation.accept == EVENT_STREAM:
            if self._validator(operation_id, "chunk") is None:
                return parse

            def parse_stream(response: httpx.Response, secret: str) -> R:
                stream = parse(response, secret)
                self._watch(stream, operation_id, secret)
                return stream

            return parse_stream
        if operation.stream or self._validator(operation_id, "response") is None:
            return parse  # bytes (audio): no JSON to check

        def parse_json(response: httpx.Response, secret: str) -> R:
            body = response.read()
            self._check(operation_id, "response", body, response, secret, None)
            return parse(response, secret)

        return parse_json

    def _watch(self, stream: Any, operation_id: str, secret: str) -> None:  # noqa: ANN401
        """Check each event's data before the stream's own parser makes a chunk of it."""
        inner: Callable[[bytes], Any] = stream._parse
        checked: list[bytes | None] = [None]

        def parse(data: bytes) -> Any:  # noqa: ANN401 (the chunk model)
            # An event the chunk model refuses is parsed again to tell an envelope from
            # garbage (`_StreamBase._decode`): it is checked, and reported, once.
            if data is not checked[0]:
                checked[0] = data
                event = stream.chunks_received + 1
                self._check(operation_id, "chunk", data, stream.response, secret, event)
            return inner(data)

        stream._parse = parse

    def _check(
        self,
        operation_id: str,
        part: str,
        body: bytes,
        response: httpx.Response,
        secret: str,
        event: int | None,
    ) -> None:
        validator = self._validator(operation_id, part)
        if validator is None:
            return
        try:
            instance = _json.loads(body)
        except ValueError:
            return  # not JSON at all: the parser raises its own typed error
        if validator.is_valid(instance):
            return
        if part == "chunk":
            # The spec offers an error envelope beside the chunk (the stream's parser raises
            # it): no drift. Checked second, since a chunk is the common case (15 us less).
            either = self._validator(operation_id, "event")
            if either is not None and either.is_valid(instance):
                return
        self._report(operation_id, validator.iter_errors(instance), body, response, secret, event)

    def _report(
        self,
        operation_id: str,
        errors: Iterable[ValidationError],
        body: bytes,
        response: httpx.Response,
        secret: str,
        event: int | None,
    ) -> None:
        located = sorted({_located(error) for error in errors})
        if not located:
            return
        pointers = tuple(pointer for pointer, _ in located)
        listed = "; ".join(f"{pointer or '/'} ({what})" for pointer, what in located[:MAX_LISTED])
        more = len(located) - MAX_LISTED
        where = "the answer" if event is None else f"event {event} of the stream"
        request_id = response.headers.get("x-request-id")
        message = redact(
            f"{operation_id}: {where} differs from the spec at {listed}"
            f"{f' and {more} more' if more > 0 else ''} (request_id={request_id})",
            secret,
        )
        pointers = tuple(redact(pointer, secret) for pointer in pointers)
        if self.mode == "raise":
            raise ContractDriftError(
                message,
                response=response,
                body=body,
                operation_id=operation_id,
                pointers=pointers,
            )
        warnings.warn(
            ContractDriftWarning(
                message, operation_id=operation_id, pointers=pointers, request_id=request_id
            ),
            stacklevel=_outside_the_package(),
        )


def _outside_the_package() -> int:
    """The `stacklevel` of the first caller outside this package: the warning points there."""
    package = os.path.dirname(__file__)
    frame, level = sys._getframe(1), 1  # the caller of `warnings.warn`
    while frame.f_back is not None and _inside(frame.f_code.co_filename, package):
        frame, level = frame.f_back, level + 1
    return level


def _inside(filename: str, package: str) -> bool:
    folder = os.path.dirname(filename)
    return folder == package or folder.startswith(package + os.sep)
