"""The README's "Command line" examples run as written against the mock, the check first."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from .conftest import PNG_SIGNATURE, ROOT, TOKENMARKET, Mock, environment, is_mp3


def _examples() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Command line\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    assert block, "the Command line section has no bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_check_is_the_first_example() -> None:
    assert _examples()[0] == "tokenmarket check"


def test_every_example_runs(mock: Mock, tmp_path: Path) -> None:
    env = environment(mock)
    env["PATH"] = f"{TOKENMARKET.parent}{os.pathsep}{env.get('PATH', '')}"
    for line in _examples():
        done = subprocess.run(
            ["bash", "-c", line],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
        assert done.stdout, line
    assert (tmp_path / "fox-1.png").read_bytes().startswith(PNG_SIGNATURE)
    assert is_mp3((tmp_path / "hello.mp3").read_bytes())
