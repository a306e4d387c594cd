"""Fixtures of tests/publish: dist/ built once per session, and a TypeScript consumer project."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from publish import build

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"
NODE_BIN = ROOT / "node_modules" / ".bin"
TS_FIXTURES = Path(__file__).parent / "ts"


def node_tool(
    tool: str, *args: str, cwd: Path, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run a pinned Node tool of node_modules/.bin offline, capturing its output."""
    executable = NODE_BIN / tool
    if not executable.exists():
        pytest.fail(f"{executable} is missing: install the Node tools (`npm ci` or `nox -s tests`)")
    return subprocess.run(
        [str(executable), *args],
        cwd=cwd,
        env={**os.environ, **build.OFFLINE_ENV},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `nox -s publish` writes, built from the work tree's openapi.yaml."""
    redocly = NODE_BIN / "redocly"
    if not redocly.exists():
        pytest.fail(f"{redocly} is missing: install the Node tools (`npm ci` or `nox -s tests`)")
    out = tmp_path_factory.mktemp("dist")
    build.build(SPEC, out, redocly)
    return out


@pytest.fixture(scope="session")
def ts_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of tests/publish/ts that resolves the pinned Node packages; generated/ is empty."""
    project = tmp_path_factory.mktemp("ts-consumer")
    for source in TS_FIXTURES.iterdir():
        if source.is_file():
            shutil.copy(source, project / source.name)
    # The TypeScript compiler finds openapi-fetch the way a consumer's project would.
    (project / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    (project / "generated").mkdir()
    return project
