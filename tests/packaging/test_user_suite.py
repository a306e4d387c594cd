"""The sample user suite (tests/user_suite) passes against the `tokenmarket_mock` fixture.

Quick here: from the source tree, the plugin named with `-p` as its entry point would name
it. test_distributions.py runs the same suite from the installed wheels (slow).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from .conftest import ROOT, copy_user_suite, run


def passed(output: str) -> int:
    """The number of passed tests in pytest's summary line (0 when it has none)."""
    found = re.search(r"(\d+) passed", output)
    return int(found.group(1)) if found else 0


def test_the_user_suite_passes_from_the_source_tree(tmp_path: Path) -> None:
    project = copy_user_suite(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("TOKENMARKET_BASE_URL", "TOKENMARKET_API_KEY"):
        env.pop(name, None)
    plugin = ["-p", "mock_server.pytest_plugin"]
    output = run(sys.executable, "-m", "pytest", *plugin, "-q", cwd=project, env=env)
    assert passed(output) >= 14, output  # the suite's and the READMEs' examples
    assert "failed" not in output, output
    assert "error" not in output, output
