"""Helpers for the tests of the generation pipeline (generator/generate.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated_client"


def run_generate(
    spec: Path, output: Path, overrides: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real generation pipeline (both generators, overlay, ruff) into `output`."""
    command = [sys.executable, str(ROOT / "generator" / "generate.py"), "--spec", str(spec)]
    command += ["--output", str(output)]
    if overrides is not None:
        command += ["--overrides", str(overrides)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def tree(directory: Path) -> dict[str, bytes]:
    """Every file below `directory` (caches excluded), by relative path, with its bytes."""
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and ".egg-info" not in str(path)
    }


@pytest.fixture(scope="session")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """generated_client/ as the pipeline produces it now from the committed inputs."""
    output = tmp_path_factory.mktemp("regenerated") / "generated_client"
    result = run_generate(ROOT / "openapi.yaml", output)
    assert result.returncode == 0, result.stdout + result.stderr
    return output
