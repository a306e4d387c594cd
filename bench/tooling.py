"""The maintainers' loop: `nox -s generate` wall time and `nox -s fuzz` cases per second.

Both run through nox itself (the interpreter that runs the bench session passes its own path
with `--nox-python`), outside the bench's virtual environment and on every CPU. `generate`
writes into a temporary directory (`-- --output DIR`), never over `generated_client/`; the
first run is a warm-up that may create the session's environment. `fuzz` runs the default
mock-mode session once and reports Schemathesis' case count over the session's own wall time
(from its summary line); it rewrites `reports/fuzz/` as any `nox -s fuzz` does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

from bench.servers import ROOT, unpinned
from bench.stats import Row, Summary

SUMMARY_PREFIX: Final = "fuzz summary: "
TIMEOUT: Final = 300


def _environment() -> dict[str, str]:
    """This environment without the bench's virtual environment, for a nested nox."""
    env = dict(os.environ)
    venv = env.pop("VIRTUAL_ENV", None)
    if venv:
        bin_dir = str(Path(venv) / "bin")
        env["PATH"] = os.pathsep.join(
            entry for entry in env.get("PATH", "").split(os.pathsep) if entry != bin_dir
        )
    return env


def _nox(nox_python: str, *args: str) -> tuple[int, float, str]:
    with unpinned():
        started = time.perf_counter()
        result = subprocess.run(  # noqa: S603 - the interpreter that runs nox, fixed arguments
            [nox_python, "-m", "nox", *args],
            cwd=ROOT,
            env=_environment(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        seconds = time.perf_counter() - started
    return result.returncode, seconds, result.stdout + result.stderr


def generate(nox_python: str, runs: int) -> Row:
    """Median and range (s) of `nox -s generate -- --output TMP` after one warm-up run."""
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as tmp:
        for index in range(runs + 1):
            output = str(Path(tmp) / f"out{index}")
            status, seconds, log = _nox(nox_python, "-s", "generate", "--", "--output", output)
            if status != 0:
                raise RuntimeError(f"nox -s generate failed ({status}): {log[-800:]}")
            if index:
                times.append(seconds)
    return Row("nox -s generate", {"wall": Summary.of(times)})


def fuzz(nox_python: str) -> tuple[Row, dict[str, Any]]:
    """One `nox -s fuzz`: cases per second over its own wall time, and its summary."""
    status, seconds, log = _nox(nox_python, "-s", "fuzz")
    lines = [line for line in log.splitlines() if line.startswith(SUMMARY_PREFIX)]
    if not lines:
        raise RuntimeError(f"nox -s fuzz printed no summary ({status}): {log[-800:]}")
    summary: dict[str, Any] = json.loads(lines[-1].removeprefix(SUMMARY_PREFIX))
    cases = int(summary["test_cases"])
    own = float(summary["wall_time_seconds"])
    summary["nox_wall_seconds"] = round(seconds, 1)
    summary["nox_exit_status"] = status
    row = Row(
        "nox -s fuzz (mock)",
        {
            "rate": Summary.of([cases / own]),
            "wall": Summary.of([own]),
        },
        note=f"cases/s ({cases} cases, exit {status})",
    )
    return row, summary


def nox_python_default() -> str | None:
    """An interpreter that has nox, when the bench is run without `--nox-python`."""
    try:
        import nox  # noqa: F401 - only whether it is there
    except ImportError:
        return None
    return sys.executable
