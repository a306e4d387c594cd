"""Start-up of the `tokenmarket` command: whole fresh processes, against `import httpx`.

Unlike the `imports` section (which times the import statement inside the child), this times
the whole process from the outside, interpreter start-up included, because that is what a
person typing `tokenmarket --help` waits for. The target: `tokenmarket --help` costs at most
2x `python -c "import httpx"`. Bytecode caches are warmed first (one unmeasured run of each),
the variants alternate in rotating order, and `vs` is the median of per-round ratios.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Final

from bench.stats import Row, Summary

BASELINE: Final = 'python -c "import httpx"'
HELP: Final = "tokenmarket --help"


def commands() -> dict[str, list[str]]:
    """The measured command lines: the floor, the console script, `-m`, and `api --help`
    (which imports the client's resources to list the methods: informational)."""
    script = str(Path(sys.executable).parent / "tokenmarket")
    return {
        BASELINE: [sys.executable, "-c", "import httpx"],
        HELP: [script, "--help"],
        "python -m tokenmarket_client --help": [sys.executable, "-m", "tokenmarket_client", "-h"],
        "tokenmarket api --help (lists methods)": [script, "api", "--help"],
    }


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME", "PYTHONSTARTUP"):
        env.pop(name, None)
    return env


def _once(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)  # noqa: S603
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{command}: {done.stderr.decode(errors='replace')[-500:]}")
    return elapsed


def measure(runs: int) -> list[Row]:
    """Median and range (ms, wall) of `runs` fresh processes per command, alternating."""
    env = _environment()
    cases = commands()
    names = list(cases)
    for name in names:
        _once(cases[name], env)  # writes the bytecode caches
    times: dict[str, list[float]] = {name: [] for name in names}
    for index in range(runs):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(_once(cases[name], env) * 1e3)
    return [Row(name, {"wall": Summary.of(times[name])}) for name in names]
