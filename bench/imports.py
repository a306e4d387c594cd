"""Import time, each measurement in a fresh interpreter.

The child times the import statement itself with `time.perf_counter()` (interpreter start-up
is the same for every variant and left out). Bytecode caches are allowed and warmed first, as
they are for anyone who installed the packages with pip: `PYTHONDONTWRITEBYTECODE` is removed
from the children's environment, and one unmeasured import of each variant writes the `.pyc`
files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Final

from bench.stats import Row, Summary

IMPORTS: Final = {
    "tokenmarket_client": "from tokenmarket_client import TokenMarket, AsyncTokenMarket",
    "openai": "from openai import OpenAI, AsyncOpenAI",
    "httpx": "import httpx",
}
"""The compared imports: the facade, the official SDK, the floor."""

FIRST_CALL: Final = {
    "tokenmarket_client + client.chat.completions": (
        "from tokenmarket_client import TokenMarket\n"
        "TokenMarket(api_key='k', base_url='http://127.0.0.1:9').chat.completions"
    ),
    "openai + client.chat.completions": (
        "from openai import OpenAI\n"
        "OpenAI(api_key='k', base_url='http://127.0.0.1:9/v1').chat.completions"
    ),
}
"""Informational: the import plus what the first chat call loads lazily (models, resources)."""

_CHILD = (
    "import time\n"
    "t0 = time.perf_counter()\n"
    "exec(compile({code!r}, '<bench>', 'exec'))\n"
    "print(time.perf_counter() - t0)\n"
)


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def _once(code: str, env: dict[str, str]) -> float:
    result = subprocess.run(  # noqa: S603 - our interpreter, our code
        [sys.executable, "-c", _CHILD.format(code=code)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"import failed: {code!r}: {result.stderr.strip()[-500:]}")
    return float(result.stdout.strip().splitlines()[-1])


def measure(cases: dict[str, str], runs: int) -> list[Row]:
    """Median and range (ms) of `runs` fresh-process imports per case, alternating cases."""
    env = _environment()
    names = list(cases)
    for name in names:
        _once(cases[name], env)  # writes the bytecode caches
    times: dict[str, list[float]] = {name: [] for name in names}
    for index in range(runs):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(_once(cases[name], env) * 1e3)
    return [Row(name, {"wall": Summary.of(times[name])}) for name in names]
