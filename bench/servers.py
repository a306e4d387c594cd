"""Start and stop the servers the bench talks to: the mock gateway and the replay server.

Both run in their own process (client CPU is measured in the bench's process only) and announce
their URL on the first line of standard output. When the machine has two or more CPUs the bench
keeps to CPU 0 and the servers to the others, so that a busy server does not share a core with
the client being measured.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

ROOT: Final = Path(__file__).resolve().parent.parent
START_TIMEOUT: Final = 60.0
MOCK_ANNOUNCE: Final = "mock_server listening on "


@dataclass
class Server:
    """A running server process and its base URL."""

    process: subprocess.Popen[str]
    url: str

    def stop(self) -> None:
        """SIGTERM, then reap (SIGKILL after 10 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


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
    """Start `command` in ROOT, wait for its `announce` line, pin it to `cpus`."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
        list(command),
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def drain(stream: IO[str]) -> None:
        for line in stream:
            lines.put(line)
        lines.put("")

    threading.Thread(target=drain, args=(process.stdout,), daemon=True).start()
    try:
        first = lines.get(timeout=START_TIMEOUT).strip()
    except queue.Empty:
        first = "(nothing within the start-up timeout)"
    server = Server(process, first.removeprefix(announce))
    if not first.startswith(announce):
        server.stop()
        raise RuntimeError(f"{' '.join(command)} did not start: its first line was {first!r}")
    try:
        # Threads started later (uvicorn's workers) inherit it from the main thread's mask,
        # and the ones that exist already are moved one by one.
        for task in os.listdir(f"/proc/{process.pid}/task"):
            os.sched_setaffinity(int(task), cpus)
    except OSError:
        pass  # the process may have no such file system (not Linux): run unpinned
    return server


def start_mock(token: str, cpus: set[int]) -> Server:
    """`python -m mock_server --port 0` (one uvicorn worker) accepting `token`."""
    return start(
        [sys.executable, "-m", "mock_server", "--port", "0"],
        MOCK_ANNOUNCE,
        cpus=cpus,
        env={"TOKENMARKET_MOCK_TOKENS": token},  # never on a command line
    )


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
