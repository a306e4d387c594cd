"""Lazy imports, checked without a clock: `tokenmarket --help` loads none of the client's
resources, models or request types, nor the commands themselves. (The time it costs, against
`import httpx`, is the `cli` section of `nox -s bench`.)"""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import contextlib, io, json, sys
from tokenmarket_client._cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
print(json.dumps(sorted(sys.modules)))
"""
HEAVY = (
    "tokenmarket_client.resources",
    "tokenmarket_client._resources",
    "tokenmarket_client.models",
    "tokenmarket_client.api",
    "tokenmarket_client.params",
    "tokenmarket_client.schemas",
    "tokenmarket_client._cli._commands",
    "tokenmarket_client._cli._run",
    "pydantic",
    "attr",
    "attrs",
)


def _loaded(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    modules: list[str] = json.loads(done.stdout)
    return modules


def test_help_loads_nothing_heavy() -> None:
    for args in (["--help"], ["chat", "--help"], ["speech", "--help"]):
        heavy = [m for m in _loaded(*args) if m.startswith(HEAVY)]
        assert heavy == [], f"{args}: {heavy}"


def test_api_help_loads_the_resources_to_list_them() -> None:
    """The probe can see a heavy import: `api --help` walks the client's resources."""
    assert any(m.startswith(HEAVY[:2]) for m in _loaded("api", "--help"))
