"""On a terminal (a pseudo-terminal): the reply streams, speech shows progress, Ctrl-C is clean."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import time
from pathlib import Path

from .conftest import TOKENMARKET, Mock, environment, is_mp3

SAFETY_SECONDS = 90
"""Only a guard against a hung child; no assertion depends on time."""


def run_on_terminal(
    mock: Mock, cwd: Path, *args: str, interrupt_on: bytes | None = None
) -> tuple[int, str]:
    """Run the command with a pseudo-terminal as stdin, stdout and stderr; return the exit
    status and everything it showed. With `interrupt_on`, send SIGINT once that appears."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [str(TOKENMARKET), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=cwd,
        env=environment(mock, COLUMNS="100"),
        start_new_session=True,
    )
    os.close(slave)
    shown = b""
    interrupted = False
    deadline = time.monotonic() + SAFETY_SECONDS
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child has closed the terminal
                break
            if not data:
                break
            shown += data
            if interrupt_on is not None and not interrupted and interrupt_on in shown:
                process.send_signal(signal.SIGINT)
                interrupted = True
        else:
            process.kill()
            raise AssertionError(f"the command hung; it showed {shown!r}")
        status = process.wait(timeout=30)
    finally:
        os.close(master)
    return status, shown.decode("utf-8", "replace").replace("\r\n", "\n")


def test_chat_streams_to_the_terminal(mock: Mock, tmp_path: Path) -> None:
    status, shown = run_on_terminal(mock, tmp_path, "chat", "hello there")
    assert status == 0, shown
    assert shown == "Mock reply to: hello there\n"


def test_ctrl_c_during_a_stream_stops_cleanly(mock: Mock, tmp_path: Path) -> None:
    # The mock waits before each event: "Mock" is on screen while the rest is still to come.
    status, shown = run_on_terminal(
        mock, tmp_path, "--header", "X-Mock-Fault: slow_stream:1500",
        "chat", "one two three four five six seven eight", interrupt_on=b"Mock",
    )  # fmt: skip
    assert status == 130, shown
    assert shown.startswith("Mock")
    assert "eight" not in shown, "the stream was read to its end despite Ctrl-C"
    assert shown.rstrip().endswith("tokenmarket: interrupted")
    assert "Traceback" not in shown
    assert "KeyboardInterrupt" not in shown


def test_speech_shows_progress_on_a_terminal(mock: Mock, tmp_path: Path) -> None:
    text = "A sentence long enough to make a few kilobytes of audio. " * 4
    status, shown = run_on_terminal(mock, tmp_path, "speech", text, "--out", "hello.mp3")
    assert status == 0, shown
    assert is_mp3((tmp_path / "hello.mp3").read_bytes())
    assert "\r\x1b[2Khello.mp3: " in shown, "no progress line"
    assert "/s)" in shown
    final = shown.rsplit("\r\x1b[2K", 1)[-1]
    assert final.startswith("wrote hello.mp3 ("), final
