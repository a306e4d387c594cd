"""Schemathesis, in-process, against the mock's ASGI app: every check on every operation.

A smaller budget than `nox -s fuzz` (which runs at least 100 cases per operation and phase
over a real socket), so the normal test command stays quick while still exercising positive
and negative cases of all six operations through the built-in and the custom checks.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from mock_server import create_app

from .conftest import AUTH, TOKEN, load_schema

schema = load_schema(create_app([TOKEN]))

# Regenerates, compiles or fuzzes: runs in `nox -s e2e`, not in the quick `nox -s tests`.
pytestmark = pytest.mark.slow


@schema.parametrize()  # type: ignore[untyped-decorator]
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_mock_honours_the_contract(case: Any) -> None:
    case.call_and_validate(headers=AUTH)
