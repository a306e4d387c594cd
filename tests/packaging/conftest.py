"""Helpers for the packaging tests: the repository's paths and a command runner."""

from __future__ import annotations

import re
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


def readme_examples() -> dict[str, str]:
    """The ```python examples of the fixture's documentation, by the test module they become:
    the README's "Testing your code against the mock" and mock_package/README.md."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Testing your code against the mock\n", 1)[1].split("\n## ", 1)[0]
    package_readme = (MOCK_PACKAGE / "README.md").read_text(encoding="utf-8")
    blocks = {"test_readme_example.py": section, "test_package_readme_example.py": package_readme}
    found = {
        name: re.findall(r"```python\n(.*?)```", text, re.DOTALL) for name, text in blocks.items()
    }
    assert all(found.values()), "an example of the fixture's documentation went missing"
    return {name: "\n\n".join(code) for name, code in found.items()}


def copy_user_suite(destination: Path) -> Path:
    """The sample user project, copied out of the repository (as a user's own checkout), with
    the documentation's examples of the fixture as two more test modules."""
    target = destination / "user_project"
    shutil.copytree(USER_SUITE, target, ignore=shutil.ignore_patterns("__pycache__"))
    for name, code in readme_examples().items():
        (target / name).write_text(code, encoding="utf-8")
    return target
