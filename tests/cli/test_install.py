"""`pip install './generated_client[cli]'` in a fresh virtual environment gives a working
`tokenmarket` command, and the extra adds no dependency to the library's own."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, Mock, environment, is_mp3


def _run(*command: str | Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
def test_fresh_venv_install_gives_the_command(mock: Mock, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    target = f"{ROOT / 'generated_client'}[cli]"
    uv = shutil.which("uv")
    if uv:
        _run(uv, "venv", "--quiet", "--python", sys.executable, venv)
        _run(uv, "pip", "install", "--quiet", "--python", python, target)
    else:
        _run(sys.executable, "-m", "venv", venv)
        _run(python, "-m", "pip", "install", "--quiet", target)
    command = venv / "bin" / "tokenmarket"
    assert "check" in _run(command, "--help")
    env = environment(mock)
    assert _run(command, "check", env=env).startswith("reply       OK\n")
    assert _run(command, "chat", "hi", env=env) == "Mock reply to: hi\n"
    _run(command, "speech", "hi", "--out", tmp_path / "hi.mp3", env=env)
    assert is_mp3((tmp_path / "hi.mp3").read_bytes())
    listed = _run(python, "-m", "tokenmarket_client", "api", "--list", env=env)
    assert "rerank.create" in listed
    probe = (
        "import importlib.metadata as m; "
        "print([r for r in m.requires('tokenmarket-client') or [] if 'cli' in r])"
    )
    assert _run(python, "-c", probe).strip() == "[]", "the cli extra must add no dependency"
