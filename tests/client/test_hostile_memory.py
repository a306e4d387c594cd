"""Decompression bombs and endless lines cannot make the client's memory grow without bound.

Each scenario runs in a child process (`hostile_child`) against a loopback server sending about
1 MB of gzip that decodes to 1 GiB (or 300 MB of `data:` lines that never end an event), and
reports its peak RSS. Before the limits, these peaked at 2.1 to 2.4 GB; with 16 MiB limits they
peak at about 16 MiB over the baseline (1.5 MiB for the error body and for 256 MiB of audio
read in pieces). The bounds asserted are generous (a noisy shared machine): far below the old
peaks, well above the measured ones. No timing is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]


def run_child(scenario: str, limit_mib: int | None = None) -> dict[str, Any]:
    """The JSON line `hostile_child` prints for `scenario`."""
    command = [sys.executable, "-m", "tests.client.hostile_child", scenario]
    if limit_mib is not None:
        command.append(str(limit_mib))
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=240, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def baseline() -> float:
    """Peak RSS of a child that made one ordinary call."""
    result = run_child("baseline")
    assert result["raised"] is None
    peak: float = result["peak_rss_mib"]
    return peak


@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("scenario", "raised"),
    [
        ("json", "ResponseTooLargeError"),  # chat.completions.create, non-streamed
        ("speech", "ResponseTooLargeError"),  # audio.speech.create, read whole
        ("error", "InternalServerError"),  # a 500 whose body is the bomb
        ("sse_line", "ResponseTooLargeError"),  # one `data:` line of 1 GiB
        ("sse_event", "ResponseTooLargeError"),  # 300 MB of data lines, no blank line
        ("speech_streamed", None),  # with_streaming_response: 256 MiB read in pieces
    ],
)
def test_a_bomb_is_bounded(baseline: float, scenario: str, raised: str | None) -> None:
    result = run_child(scenario, limit_mib=16)
    assert result["raised"] == raised, result
    if scenario == "error":
        assert result["body_bytes"] == 64 * 1024  # capped after decompression
    if scenario == "speech_streamed":
        assert result["read_bytes"] == 256 * 1024 * 1024
    assert result["peak_rss_mib"] - baseline < 100, result


@pytest.mark.timeout(300)
@pytest.mark.parametrize("scenario", ["json", "sse_line"])
def test_the_default_limits_bound_a_bomb(baseline: float, scenario: str) -> None:
    """With the documented defaults (256 MiB for a body, 16 MiB for a line), a 1 GiB bomb
    peaks at about 256 MiB (json) and 16 MiB (sse_line) over the baseline; it was 2.1 to
    2.4 GB."""
    result = run_child(scenario)
    assert result["raised"] == "ResponseTooLargeError", result
    assert result["peak_rss_mib"] - baseline < 600, result
