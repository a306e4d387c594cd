"""Helpers for the packaging tests: the repository's paths and a command runner."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated_client"
MOCK_PACKAGE = ROOT / "mock_package"
USER_SUITE = ROOT / "tests" / "user_suite"
VERSION = (ROOT / "generator" / "package" / "VERSION").read_text(encoding="utf-8").strip()


def run(*command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command; fail the test with its output unless it exits 0; return stdout."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def uv() -> str:
    """The uv executable (the README's quick start installs it)."""
    found = shutil.which("uv")
    assert found, "uv is not on PATH: python3 -m pip install uv==0.13.8"
    return found


def pyproject(path: Path) -> dict[str, Any]:
    """A pyproject.toml, parsed."""
    with path.open("rb") as handle:
        return tomllib.load(handle)


def copy_user_suite(destination: Path) -> Path:
    """The sample user project, copied out of the repository (as a user's own checkout)."""
    target = destination / "user_project"
    shutil.copytree(USER_SUITE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target
