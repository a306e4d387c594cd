"""Start and stop ``python -m mock_server`` (and other announcing servers) for tools and tests.

The one launcher of the kit: the fuzzer, the bench, the load generator and the tests start the
mock through :func:`start_mock` (or :func:`running_mock`, a context manager). It runs
``python -m mock_server --port 0`` (the mock binds a free loopback port itself), passes the
keys in the environment (never on a command line), waits for the announce line
``mock_server listening on URL``, drains the rest of the output in threads (so a chatty
server never blocks on a full pipe), and stops the process by its PID (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import collections
import ipaddress
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final
from urllib.parse import urlsplit

__all__ = [
    "ANNOUNCE",
    "ROOT",
    "START_TIMEOUT",
    "Launched",
    "is_loopback",
    "launch",
    "running_mock",
    "start_mock",
]

ROOT: Final = Path(__file__).resolve().parent.parent
ANNOUNCE: Final = "mock_server listening on "
"""The first line ``python -m mock_server`` prints once it accepts connections."""
START_TIMEOUT: Final = 60.0
TOKENS_ENV: Final = "TOKENMARKET_MOCK_TOKENS"
_KEPT_LINES: Final = 200


def is_loopback(url: str) -> bool:
    """Whether ``url`` points at this machine (127.0.0.0/8, ::1 or localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Launched:
    """A running server process, its announced base URL and the tail of its output."""

    process: subprocess.Popen[str]
    url: str
    stdout: collections.deque[str] = field(
        default_factory=lambda: collections.deque(maxlen=_KEPT_LINES)
    )
    stderr: collections.deque[str] = field(
        default_factory=lambda: collections.deque(maxlen=_KEPT_LINES)
    )
    drains: list[threading.Thread] = field(default_factory=list)

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self.process.pid

    def stop(self, timeout: float = 10.0, signum: int = signal.SIGTERM) -> int | None:
        """Send ``signum`` (SIGTERM, as a service manager would), wait, SIGKILL after
        ``timeout`` s; then read the rest of the output. Returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for thread in self.drains:
            thread.join(timeout=timeout)
        return self.process.returncode


def _drain(stream: IO[str], kept: collections.deque[str], lines: queue.Queue[str] | None) -> None:
    for line in stream:
        if lines is not None:
            lines.put(line)
        kept.append(line)
    if lines is not None:
        lines.put("")


def launch(
    command: Sequence[str],
    announce: str,
    *,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    timeout: float = START_TIMEOUT,
    capture_stderr: bool = False,
) -> Launched:
    """Start ``command`` and wait for its first stdout line, which must start with ``announce``.

    The URL is the rest of that line. Raises RuntimeError (the process stopped) when the line
    is another or does not come within ``timeout`` seconds.
    """
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
        list(command),
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if capture_stderr else None,
        text=True,
    )
    assert process.stdout is not None
    launched = Launched(process, "")
    lines: queue.Queue[str] = queue.Queue()
    launched.drains.append(
        threading.Thread(target=_drain, args=(process.stdout, launched.stdout, lines), daemon=True)
    )
    if process.stderr is not None:
        launched.drains.append(
            threading.Thread(
                target=_drain, args=(process.stderr, launched.stderr, None), daemon=True
            )
        )
    for thread in launched.drains:
        thread.start()
    try:
        first = lines.get(timeout=timeout).strip()
    except queue.Empty:
        first = "(nothing within the start-up timeout)"
    if not first.startswith(announce):
        launched.stop()
        tail = "".join(launched.stderr)[-2000:]
        raise RuntimeError(
            f"{' '.join(command[:3])} did not start: its first line was {first!r}\n{tail}"
        )
    launched.url = first.removeprefix(announce)
    return launched


def start_mock(
    token: str | Sequence[str] | None = None,
    *args: str,
    env: dict[str, str] | None = None,
    python: str = sys.executable,
    cwd: Path = ROOT,
    timeout: float = START_TIMEOUT,
    capture_stderr: bool = False,
) -> Launched:
    """``python -m mock_server --port 0 [args]`` accepting ``token`` (one key or several).

    Without ``token`` the mock takes its keys as it would from the caller's environment.
    """
    extra = dict(env or {})
    if token is not None:
        keys = [token] if isinstance(token, str) else list(token)
        extra[TOKENS_ENV] = ",".join(keys)  # never on a command line
    return launch(
        [python, "-m", "mock_server", "--port", "0", *args],
        ANNOUNCE,
        env=extra,
        cwd=cwd,
        timeout=timeout,
        capture_stderr=capture_stderr,
    )


@contextmanager
def running_mock(
    token: str | Sequence[str] | None = None,
    *args: str,
    env: dict[str, str] | None = None,
    python: str = sys.executable,
    cwd: Path = ROOT,
    capture_stderr: bool = True,
) -> Iterator[Launched]:
    """:func:`start_mock` as a context manager: the mock is stopped on leaving the block."""
    launched = start_mock(
        token, *args, env=env, python=python, cwd=cwd, capture_stderr=capture_stderr
    )
    try:
        yield launched
    finally:
        launched.stop()
