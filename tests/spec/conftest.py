"""Fixtures shared by the tests of openapi.yaml itself."""

from __future__ import annotations

from typing import Any

import pytest

from generator.spec import load_spec


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """openapi.yaml as generator/spec.py parses it (YAML aliases resolved); never mutated."""
    return load_spec().raw
