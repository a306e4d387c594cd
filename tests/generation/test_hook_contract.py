"""A breaking change to a value a hook sends fails where the hook is, by name (issue 12, item 7).

The embeddings hook asks for `encoding_format: base64`. In a copy of the repository whose
openapi.yaml narrows that enumeration to `[float]` (the only edit), the regenerated package no
longer type-checks under `mypy --strict` on the hook's line, and the quick test that compares
the hooks with the spec fails naming the hook.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import copy_env, regenerated_copy

pytestmark = pytest.mark.slow


def _narrow(text: str) -> str:
    assert text.count("enum: [float, base64]") == 1
    return text.replace("enum: [float, base64]", "enum: [float]")


@pytest.fixture(scope="module")
def narrowed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A regenerated copy whose spec allows only `encoding_format: float`."""
    return regenerated_copy(tmp_path_factory.mktemp("narrowed"), _narrow)


def test_mypy_flags_the_hook(narrowed: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "-p", "tokenmarket_client"],
        cwd=narrowed,
        env=copy_env(narrowed),
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
        env=copy_env(narrowed),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "hook ask_base64_embeddings sends encoding_format='base64'" in result.stdout
