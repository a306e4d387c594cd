"""Shared set-up of the contract tests: Schemathesis in-process against the mock's ASGI app."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import schemathesis
from starlette.types import ASGIApp

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "contract-test-key-1f3a"  # a fake key for the in-process mock
AUTH = {"Authorization": f"Bearer {TOKEN}"}

# schemathesis.toml reads the key from this variable; it must exist before a schema loads.
os.environ.setdefault("TOKENMARKET_FUZZ_TOKEN", TOKEN)

import fuzz.checks  # noqa: E402,F401 - registers the custom checks with Schemathesis


def load_schema(app: ASGIApp) -> Any:
    """openapi.yaml as a Schemathesis schema whose requests go to `app`, in-process."""
    schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
    schema.app = app
    # The spec's first server has the /api prefix of the public URL; the mock serves /v1/...
    schema.config.update(base_url="http://localhost")
    return schema
