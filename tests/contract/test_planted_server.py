"""The fuzzer against a server that is not ours to please (tests/contract/planted.py).

Each planted difference from the spec must reach findings.json by operation and check, the
server must never receive more requests than the budget (whatever Schemathesis options are
passed on), the key must appear in no file the run writes, and report.html must be one
self-contained page grouped by operation.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT
from .planted import PLANTED, PlantedServer

pytestmark = pytest.mark.slow
KEY = "tm-planted-secret-7c1e9a"
# The check that must see each planted difference, by operationId (see planted.py).
EXPECTED = {
    "createChatCompletion": {"response_schema_conformance"},
    "createImage": {"response_schema_conformance"},
    "createRerank": {"not_a_server_error", "content_type_conformance"},
    "createSpeech": {"audio_matches_format"},
    "createEmbedding": {"negative_data_rejection"},
}


def _fuzz(url: str, reports: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TOKENMARKET_API_KEY": KEY, "TOKENMARKET_FUZZ_REPORTS": str(reports)}
    env.pop("TOKENMARKET_FUZZ_TOKEN", None)
    command = [sys.executable, "-m", "fuzz.run", "--url", url, "--rate", "1000/s", *extra]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def _findings(reports: Path) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads((reports / "findings.json").read_text())
    return loaded


def _no_key_anywhere(reports: Path, result: subprocess.CompletedProcess[str]) -> None:
    written = [path for path in reports.rglob("*") if path.is_file()]
    assert any(path.name == "findings.json" for path in written)
    for path in written:
        assert KEY.encode() not in path.read_bytes(), path
    assert KEY not in result.stdout + result.stderr


def test_every_planted_difference_is_found_within_the_budget(tmp_path: Path) -> None:
    budget = 40
    with PlantedServer(KEY) as server:
        positive = _fuzz(server.url, tmp_path / "positive", "--budget", str(budget))
        after_positive = server.requests
        negative = _fuzz(
            server.url, tmp_path / "negative", "--budget", str(budget), "--negative-only"
        )
        after_negative = server.requests - after_positive
    assert after_positive <= budget, f"{after_positive} requests for a budget of {budget}"
    assert after_negative <= budget, f"{after_negative} requests for a budget of {budget}"
    assert positive.returncode == 1, positive.stdout[-3000:] + positive.stderr[-3000:]
    assert negative.returncode == 1, negative.stdout[-3000:] + negative.stderr[-3000:]
    # The plan is printed before the first request.
    assert f"at most {budget} requests" in positive.stdout.split("fuzz summary:")[0]
    found: dict[str, set[str]] = {}
    for reports in (tmp_path / "positive", tmp_path / "negative"):
        for finding in _findings(reports):
            found.setdefault(finding["operation"], set()).add(finding["check"])
            assert "$TOKENMARKET_API_KEY" in finding["replay"]
            assert finding["severity"] in {"contract", "assumption"}
    for operation, checks in EXPECTED.items():
        assert checks & found.get(operation, set()), (
            f"{operation} ({PLANTED[operation]}) not in findings: {found}"
        )
    summary = json.loads((tmp_path / "positive" / "summary.json").read_text())
    assert summary["requests_sent"] == after_positive, "the driver counts what the server saw"
    _no_key_anywhere(tmp_path / "positive", positive)
    _no_key_anywhere(tmp_path / "negative", negative)


@pytest.mark.parametrize(
    "extra",
    [
        ("--continue-on-failure", "--max-examples", "50"),
        ("--negative-only", "--phases", "examples,coverage,fuzzing", "--continue-on-failure"),
    ],
    ids=["continue-on-failure", "all-phases"],
)
def test_the_budget_holds_whatever_options_are_passed(
    tmp_path: Path, extra: tuple[str, ...]
) -> None:
    budget = 12
    with PlantedServer(KEY) as server:
        result = _fuzz(server.url, tmp_path, "--budget", str(budget), *extra)
        received = server.requests
    assert received <= budget, f"the server received {received} requests for a budget of {budget}"
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["requests_sent"] == received
    assert summary["requests_refused_by_budget"] > 0, "these options ask for more than 12"
    assert result.returncode == 1, "the planted differences are still reported"
    _no_key_anywhere(tmp_path, result)


def test_report_is_self_contained_and_grouped_by_operation(tmp_path: Path) -> None:
    with PlantedServer(KEY) as server:
        result = _fuzz(server.url, tmp_path, "--budget", "40")
    assert result.stdout.rstrip().endswith(str(tmp_path / "report.html"))
    page = (tmp_path / "report.html").read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "nothing is fetched"
    assert "<script" not in page
    for finding in _findings(tmp_path):
        assert f"<h3>{finding['operation']}</h3>" in page
    assert "Authorization: Bearer $TOKENMARKET_API_KEY" in page
    # Replays keep body fields and headers as sent: only the key is masked.
    assert "[Filtered]" not in page.replace("Authorization: [Filtered]", "")
