"""What the test packages share: the repository root. The spec is read through generator/spec.py."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
