"""Fixtures shared by the tests of openapi.yaml itself."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import load_spec


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """openapi.yaml, parsed (YAML aliases resolved)."""
    return load_spec()
