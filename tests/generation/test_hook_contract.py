"""A breaking change to a value a hook sends fails where the hook is, by name (issue 12, item 7).

The embeddings hook asks for `encoding_format: base64`. In a copy of the repository whose
openapi.yaml narrows that enumeration to `[float]` (the only edit), the regenerated package no
longer type-checks under `mypy --strict` on the hook's line, and the quick test that compares
the hooks with the spec fails naming the hook.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_new_operation import IGNORED

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def narrowed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A regenerated copy whose spec allows only `encoding_format: float`."""
    copy = tmp_path_factory.mktemp("narrowed") / "repo"
    shutil.copytree(ROOT, copy, ignore=IGNORED)
    spec = copy / "openapi.yaml"
    text = spec.read_text(encoding="utf-8")
    assert text.count("enum: [float, base64]") == 1
    spec.write_text(text.replace("enum: [float, base64]", "enum: [float]"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "generator.generate"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return copy


def _env(repo: Path) -> dict[str, str]:
    path = str(repo / "generated_client")
    return {**os.environ, "PYTHONPATH": path, "MYPYPATH": path}


def test_mypy_flags_the_hook(narrowed: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "-p", "tokenmarket_client"],
        cwd=narrowed,
        env=_env(narrowed),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "tokenmarket_client/_hooks.py" in result.stdout, result.stdout
    expected = '"encoding_format" has incompatible type "Literal[\'base64\']"'
    assert expected in result.stdout, result.stdout


def test_the_quick_test_names_the_hook(narrowed: Path) -> None:
    test = "tests/client/test_facade.py::test_the_hooks_agree_with_the_spec"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=narrowed,
        env=_env(narrowed),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "hook ask_base64_embeddings sends encoding_format='base64'" in result.stdout
