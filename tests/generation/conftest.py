"""Helpers for the tests of the generation pipeline (generator/generate.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.check_generated import differences, tree

__all__ = [
    "GENERATED", "ROOT", "copy_env", "differences", "regenerated_copy", "run_generate", "tree",
]  # fmt: skip

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated_client"
IGNORED = shutil.ignore_patterns(
    ".git", ".nox", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache",
    ".pytest_cache", "dist", "reports",
)  # fmt: skip
"""What a copy of the repository leaves out: caches, environments and outputs."""


def regenerated_copy(parent: Path, edit: Callable[[str], str]) -> Path:
    """A copy of the repository under `parent` whose openapi.yaml is `edit(text)` (the only
    file edited), after the copy's own `python -m generator.generate` has run."""
    copy = parent / "repo"
    shutil.copytree(ROOT, copy, symlinks=True, ignore=IGNORED)
    spec = copy / "openapi.yaml"
    spec.write_text(edit(spec.read_text(encoding="utf-8")), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "generator.generate"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return copy


def copy_env(repo: Path) -> dict[str, str]:
    """The environment in which Python and mypy import the copy's generated package."""
    path = str(repo / "generated_client")
    return {**os.environ, "PYTHONPATH": path, "MYPYPATH": path}


def run_generate(
    spec: Path, output: Path, overrides: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real generation pipeline (both generators, overlay, ruff) into `output`."""
    command = [sys.executable, "-m", "generator.generate", "--spec", str(spec)]
    command += ["--output", str(output)]
    if overrides is not None:
        command += ["--overrides", str(overrides)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.fixture(scope="session")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """generated_client/ as the pipeline produces it now from the committed inputs."""
    output = tmp_path_factory.mktemp("regenerated") / "generated_client"
    result = run_generate(ROOT / "openapi.yaml", output)
    assert result.returncode == 0, result.stdout + result.stderr
    return output
