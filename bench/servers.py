"""Start and stop the servers the bench talks to: the mock gateway and the replay server.

Both run in their own process (client CPU is measured in the bench's process only) and announce
their URL on the first line of standard output. When the machine has two or more CPUs the bench
keeps to CPU 0 and the servers to the others, so that a busy server does not share a core with
the client being measured.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from mock_server.launcher import ROOT, Launched, launch
from mock_server.launcher import start_mock as launch_mock

__all__ = ["ROOT", "Server", "split_cpus", "start", "start_mock", "start_replay", "unpinned"]

Server = Launched
"""A running server process and its base URL (`stop()` stops it by its PID)."""


ALL_CPUS: Final = frozenset(os.sched_getaffinity(0))
"""The CPUs the bench may use, as found at start-up."""


@contextmanager
def unpinned() -> Iterator[None]:
    """Run on every CPU inside the block (children started in it inherit that)."""
    mine = os.sched_getaffinity(0)
    os.sched_setaffinity(0, ALL_CPUS)
    try:
        yield
    finally:
        os.sched_setaffinity(0, mine)


def split_cpus(pin: bool) -> tuple[set[int], set[int]]:
    """(client CPUs, server CPUs): CPU 0 for the client and the rest for servers when pinning."""
    cpus = sorted(ALL_CPUS)
    if not pin or len(cpus) < 2:
        return set(cpus), set(cpus)
    return {cpus[0]}, set(cpus[1:])


def start(
    command: Sequence[str],
    announce: str,
    *,
    cpus: set[int],
    env: dict[str, str] | None = None,
) -> Server:
    """Start `command` in ROOT (the kit's launcher), wait for `announce`, pin it to `cpus`."""
    return _pin(launch(command, announce, env=env, capture_stderr=False), cpus)


def _pin(server: Server, cpus: set[int]) -> Server:
    try:
        # Threads started later (uvicorn's workers) inherit it from the main thread's mask,
        # and the ones that exist already are moved one by one.
        for task in os.listdir(f"/proc/{server.pid}/task"):
            os.sched_setaffinity(int(task), cpus)
    except OSError:
        pass  # the process may have no such file system (not Linux): run unpinned
    return server


def start_mock(token: str, cpus: set[int]) -> Server:
    """`python -m mock_server --port 0` (one uvicorn worker) accepting `token`."""
    return _pin(launch_mock(token, capture_stderr=False), cpus)


def start_replay(payloads: Path, speech_mib: int, cpus: set[int]) -> Server:
    """`python -m bench.replay` serving the payloads in `payloads`."""
    from bench.replay import ANNOUNCE

    return start(
        [
            sys.executable,
            "-m",
            "bench.replay",
            "--payloads",
            str(payloads),
            "--speech-mib",
            str(speech_mib),
        ],
        ANNOUNCE,
        cpus=cpus,
    )
