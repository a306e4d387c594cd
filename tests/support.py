"""Spec access shared by the test packages: openapi.yaml parsed, and local `$ref`s followed."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


@cache
def load_spec() -> dict[str, Any]:
    """openapi.yaml, parsed once (YAML aliases resolved). Callers must not mutate it."""
    with (ROOT / "openapi.yaml").open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow `node`'s local `$ref`s (`#/components/...`) until a real object is reached."""
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node
