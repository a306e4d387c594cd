"""What the mock serves, derived from the spec: one :class:`ServedOperation` per operation.

For every operation of openapi.yaml (read through :mod:`generator.spec`) this decides

* how its request body is validated: strictly with the generated pydantic model named like
  the request schema (``tokenmarket_models.<request_schema_name>``), else, when the models
  predate the operation, with jsonschema against the spec (same verdicts, slower);
* which headers are checked: the spec's string header parameters (``Idempotency-Key``);
* who answers: the hand-written handler registered under its operationId
  (:mod:`mock_server.registry`), else an answer built from the spec alone.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from generator.spec import Operation, Spec, SpecError
from mock_server.registry import HANDLERS, Handler
from mock_server.spec_answers import SpecAnswer
from mock_server.validation import HeaderCheck, ModelValidator, SchemaValidator, Validator

__all__ = ["MODELS_MODULE", "ServedOperation", "request_model", "served_operations"]

MODELS_MODULE = "tokenmarket_models"
"""The generated pydantic models (installed with generated_client/)."""


@dataclass(frozen=True, slots=True)
class ServedOperation:
    """One operation of the spec as the app serves it."""

    operation: Operation
    validate: Validator | None
    """None when the operation takes no request body."""
    handler: Handler
    header_checks: tuple[HeaderCheck, ...]
    heavy: bool
    heavy_when: Callable[[Mapping[str, Any]], bool] | None
    links: bool
    from_spec: bool
    """Answered from the spec alone (no hand-written handler)."""


def request_model(name: str | None) -> type[BaseModel] | None:
    """The generated model for a request schema name, or None when there is none."""
    if name is None:
        return None
    found = getattr(importlib.import_module(MODELS_MODULE), name, None)
    return found if isinstance(found, type) and issubclass(found, BaseModel) else None


def _request_pointer(operation: Operation) -> str:
    name = operation.request_schema_name
    if name is not None:
        return f"/components/schemas/{name}"
    path = operation.path.replace("~", "~0").replace("/", "~1")
    return f"/paths/{path}/{operation.method.lower()}/requestBody/content/application~1json/schema"


def _header_checks(operation: Operation) -> tuple[HeaderCheck, ...]:
    return tuple(
        HeaderCheck(parameter)
        for parameter in operation.parameters
        if parameter.get("in") == "header"
        and (parameter.get("schema") or {}).get("type") == "string"
    )


def served_operations(spec: Spec) -> tuple[ServedOperation, ...]:
    """Every operation of ``spec``, ready to serve.

    Raises:
        SpecError: a registered handler names no operation of the spec, or its operation's
            request schema has no generated model (handlers read the model's attributes).
    """
    unknown = sorted(set(HANDLERS) - set(spec.operation_ids))
    if unknown:
        raise SpecError(f"mock handlers for operations the spec lacks: {', '.join(unknown)}")
    served = []
    for operation in spec.operations:
        registered = HANDLERS.get(operation.id)
        model = request_model(operation.request_schema_name)
        validate: Validator | None = None
        if operation.request_body is not None:
            if model is not None:
                shortcuts = registered.shortcuts if registered is not None else None
                validate = ModelValidator(model, shortcuts)
            elif registered is not None:
                raise SpecError(
                    f"{operation.id}: no generated model {operation.request_schema_name!r} "
                    "for its handler: run `nox -s generate`"
                )
            else:
                validate = SchemaValidator(spec, _request_pointer(operation))
        handler: Handler = (
            registered.handler if registered is not None else SpecAnswer(spec, operation)
        )
        served.append(
            ServedOperation(
                operation=operation,
                validate=validate,
                handler=handler,
                header_checks=_header_checks(operation),
                heavy=registered.heavy if registered is not None else False,
                heavy_when=registered.heavy_when if registered is not None else None,
                links=registered.links if registered is not None else False,
                from_spec=registered is None,
            )
        )
    return tuple(served)
