"""Helpers for the tests of the generation pipeline (generator/generate.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from generator.check_generated import differences, tree

__all__ = ["GENERATED", "ROOT", "differences", "run_generate", "tree"]

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated_client"


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
