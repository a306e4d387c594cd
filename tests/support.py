"""What the test packages share: the repository root. The spec is read through generator/spec.py.

`load_spec` and `resolve` only delegate to generator/spec.py for tests/generation, which still
imports them here; delete them once nothing does (`grep -rn "tests.support import" tests`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.spec import load_spec as _load_spec

ROOT = Path(__file__).resolve().parent.parent


def load_spec() -> dict[str, Any]:
    """openapi.yaml as generator/spec.py parses it. Callers must not mutate it."""
    return _load_spec().raw


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow `node`'s local `$ref`s through generator/spec.py (`spec` is openapi.yaml's)."""
    resolved: dict[str, Any] = _load_spec().resolve(node)
    return resolved
