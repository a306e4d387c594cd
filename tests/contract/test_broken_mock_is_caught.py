"""The fuzzer catches real contract bugs: each deliberately broken mock is reported.

Every broken behaviour is one ASGI wrapper (tests/contract/breakers.py) in front of the real
mock; a request the spec allows goes through Schemathesis' `call_and_validate` with every
built-in and custom check, and the test asserts the failure names the check that must see
the bug. The unbroken mock passes the same requests, so each failure is the breaker's doing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from schemathesis.core.failures import CustomFailure, FailureGroup

from fuzz.checks import format_fields
from generator.spec import Operation, load_spec
from mock_server import create_app

from . import breakers
from .conftest import AUTH, load_schema

SPEC = load_spec()
OTHER_KEY = {"Authorization": "Bearer not-a-known-key"}


def _plain(operation: Operation) -> bool:
    return operation.success_json is not None and not operation.streams


def _example(operation: Operation, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The operation's first request example that `wanted` accepts (from openapi.yaml)."""
    for value in operation.request_examples.values():
        if isinstance(value, dict) and wanted(value):
            return dict(value)
    raise AssertionError(f"{operation.id}: no request example fits this case")


def _first(predicate: Callable[[Operation], bool]) -> Operation:
    return next(operation for operation in SPEC.operations if predicate(operation))


def _cases() -> list[tuple[breakers.Breaker, Operation, dict[str, Any], dict[str, str], str]]:
    """(breaker, operation, body, headers, the check that must report it), chosen by what the
    spec says about each operation: a plain JSON answer, a stream, a binary audio answer."""
    plain = _first(_plain)
    streaming = _first(lambda op: op.streams)
    binary = _first(lambda op: op.binary)
    formats = {name for name, _, _ in format_fields(binary)}
    wav = _example(binary, lambda body: any(body.get(name) == "wav" for name in formats))
    stream = {**_example(streaming, lambda body: True), "stream": True}
    body = _example(plain, lambda body: True)
    return [
        (breakers.leaked_500, plain, body, AUTH, "not_a_server_error"),
        (breakers.dropped_required_field, plain, body, AUTH, "response_schema_conformance"),
        (breakers.skipped_auth, plain, body, AUTH, "ignored_auth"),
        (breakers.mislabelled_audio, binary, wav, AUTH, "audio_matches_format"),
        (breakers.stream_without_done, streaming, stream, AUTH, "stream_ends_with_done"),
        (breakers.undocumented_error_code, plain, body, OTHER_KEY, "error_pair_documented"),
        (breakers.missing_request_id, plain, body, AUTH, "request_id_present"),
    ]


CASES = _cases()


def reported_checks(error: BaseException) -> set[str]:
    """The names of the checks behind a Schemathesis failure (or group of failures)."""
    found: set[str] = set()
    for failure in getattr(error, "exceptions", [error]):
        if isinstance(failure, CustomFailure):
            found.add(failure.title.split("`")[1])
        found.update(getattr(type(failure), "checks", ()))
    return found


def _case(schema: Any, operation: Operation, body: dict[str, Any]) -> Any:
    return schema[operation.path][operation.method].Case(body=body, media_type="application/json")


@pytest.mark.parametrize(
    ("breaker", "operation", "body", "headers", "check"),
    CASES,
    ids=[case[0].__name__ for case in CASES],
)
def test_broken_behaviour_is_reported(
    breaker: breakers.Breaker,
    operation: Operation,
    body: dict[str, Any],
    headers: dict[str, str],
    check: str,
) -> None:
    honest = load_schema(create_app([AUTH["Authorization"].removeprefix("Bearer ")]))
    _case(honest, operation, body).call_and_validate(headers=headers)

    broken = load_schema(breaker(create_app([AUTH["Authorization"].removeprefix("Bearer ")])))
    with pytest.raises(FailureGroup) as raised:
        _case(broken, operation, body).call_and_validate(headers=headers)
    assert check in reported_checks(raised.value), str(raised.value)[:2000]
