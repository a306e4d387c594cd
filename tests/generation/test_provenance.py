"""Fast checks that nobody changed an input of generation without regenerating."""

from __future__ import annotations

import hashlib
import json
import tomllib
from typing import Any

import pytest

from generator.generate import input_files

from .conftest import GENERATED, ROOT


@pytest.fixture(scope="module")
def provenance() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((GENERATED / "PROVENANCE.json").read_text())
    return loaded


def _sha256(relative: str) -> str:
    return hashlib.sha256((ROOT / relative).read_bytes()).hexdigest()


def test_spec_sha256_matches(provenance: dict[str, Any]) -> None:
    assert provenance["spec"]["sha256"] == _sha256("openapi.yaml"), (
        "openapi.yaml changed since generated_client/ was generated: run `nox -s generate`"
    )


def test_every_input_is_unchanged(provenance: dict[str, Any]) -> None:
    current = set(input_files(ROOT / "openapi.yaml"))
    assert {"openapi.yaml", "generator/generate.py"} <= current
    assert any(name.startswith("overrides/") for name in current)
    assert set(provenance["inputs"]) == current, "an input was added or removed: regenerate"
    stale = [name for name, digest in provenance["inputs"].items() if _sha256(name) != digest]
    assert not stale, f"changed since the last `nox -s generate`: {stale}"


def test_recorded_tools_are_the_pinned_ones(provenance: dict[str, Any]) -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins = dict(
        requirement.split("==", 1) for requirement in pyproject["dependency-groups"]["codegen"]
    )
    for tool, version in provenance["tools"].items():
        assert pins[tool] == version, tool
    assert provenance["generated_by"] == "nox -s generate"
