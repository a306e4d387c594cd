"""The README's "Python client" examples run as written against the mock gateway.

Each ```python block of that section runs in its own interpreter, with the environment the
README tells the reader to set (TOKENMARKET_BASE_URL at the mock, its development key).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mock_server.launcher import running_mock

ROOT = Path(__file__).resolve().parents[2]
KEY = "tm-mock-dev-key"


def examples() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python client\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    """The mock gateway on a free loopback port, accepting the README's development key."""
    with running_mock(KEY) as mock:
        yield mock.url


def test_the_section_has_every_topic() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python client\n", 1)[1].split("\n## ", 1)[0]
    headings = re.findall(r"^### (.+)$", section, flags=re.MULTILINE)
    assert headings == [
        "Install",
        "Usage",
        "Async",
        "Streaming",
        "Audio",
        "Errors",
        "Retries and timeouts",
        "Limits",
        "Raw responses",
        "Contract check",
    ]
    assert len(examples()) == 9


@pytest.mark.slow
@pytest.mark.parametrize("number", range(9))
def test_example_runs(number: int, mock_url: str, tmp_path: Path) -> None:
    code = examples()[number]
    env = {**os.environ, "TOKENMARKET_BASE_URL": mock_url, "TOKENMARKET_API_KEY": KEY}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (
        f"{code}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
    if "# OK" in code:
        assert "OK" in result.stdout.split(), result.stdout
    assert KEY not in result.stdout + result.stderr
