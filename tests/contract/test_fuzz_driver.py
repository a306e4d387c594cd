"""`nox -s fuzz`'s driver end to end, over a real socket: it passes an honest mock (a loopback
server we own, so `--unbounded`), fails a broken one naming the check, and the key never reaches
its output or any file it writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.spec import load_spec
from mock_server import create_app
from tests.mock.support import TOKEN, LiveServer

from . import breakers
from .conftest import ROOT

pytestmark = pytest.mark.slow
# Any one operation of the spec: the driver's behaviour does not depend on which.
OPERATION = load_spec().operation_ids[-1]


def _fuzz(url: str, reports: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TOKENMARKET_API_KEY": TOKEN,
        "TOKENMARKET_FUZZ_REPORTS": str(reports),
    }
    env.pop("TOKENMARKET_FUZZ_TOKEN", None)
    command = [sys.executable, "-m", "fuzz.run", "--url", url, "--max-examples", "4", *extra]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _summary(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    line = next(x for x in result.stdout.splitlines() if x.startswith("fuzz summary: "))
    loaded: dict[str, object] = json.loads(line.removeprefix("fuzz summary: "))
    return loaded


def test_honest_mock_passes_and_the_key_stays_secret(tmp_path: Path) -> None:
    with LiveServer() as server:
        result = _fuzz(server.url, tmp_path, "--unbounded", "--include-operation-id", OPERATION)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = _summary(result)
    assert summary["failures_by_check"] == {}
    assert isinstance(summary["valid_cases_by_phase"], dict)
    assert isinstance(summary["test_cases"], int)
    assert summary["test_cases"] > 0
    written = sorted(path.name for path in tmp_path.iterdir() if path.is_file())
    assert written == [
        "cassette.yaml", "events.ndjson", "findings.json", "junit.xml", "report.html",
        "run.json", "sent.json", "summary.json",
    ]  # fmt: skip
    assert json.loads((tmp_path / "findings.json").read_text()) == []
    assert set(summary["valid_cases_by_phase"]) >= {"examples", "coverage", "fuzzing"}
    cassette = (tmp_path / "cassette.yaml").read_text()
    assert "[Filtered]" in cassette, "the cassette records the request headers, filtered"
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    assert TOKEN not in result.stdout + result.stderr


def test_broken_mock_fails_the_run_naming_the_check(tmp_path: Path) -> None:
    with LiveServer(breakers.leaked_500(create_app([TOKEN]))) as server:
        result = _fuzz(server.url, tmp_path, "--include-operation-id", OPERATION)
    assert result.returncode == 1
    failures = _summary(result)["failures_by_check"]
    assert isinstance(failures, dict)
    assert "not_a_server_error" in failures
    findings = json.loads((tmp_path / "findings.json").read_text())
    assert {finding["operation"] for finding in findings} == {OPERATION}
    assert TOKEN not in result.stdout + result.stderr
