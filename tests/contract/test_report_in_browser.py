"""report.html in a real browser: headless Chromium (Debian's `chromium` package) renders the
page offline, and the text it shows names each finding's operation and check.

`--dump-dom` prints the DOM after rendering (what a person sees, as text) and `--screenshot`
proves the page paints; the browser runs with a fresh profile and every background network
feature off, so the page must stand on its own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT
from .planted import PlantedServer

pytestmark = pytest.mark.slow
KEY = "tm-browser-secret-42aa"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (Debian: apt-get update && apt-get install -y chromium)",
)
def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    env = {**os.environ, "TOKENMARKET_API_KEY": KEY, "TOKENMARKET_FUZZ_REPORTS": str(reports)}
    env.pop("TOKENMARKET_FUZZ_TOKEN", None)
    with PlantedServer(KEY) as server:
        command = [sys.executable, "-m", "fuzz.run", "--url", server.url, "--rate", "1000/s"]
        subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=600, check=False)
    page = reports / "report.html"
    findings = json.loads((reports / "findings.json").read_text())
    assert findings, "the planted server must produce findings"
    assert CHROMIUM is not None
    browse = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    shot = tmp_path / "report.png"
    subprocess.run(
        [*browse, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    assert shot.stat().st_size > 10_000, "the screenshot shows a painted page"
    dom = subprocess.run(
        [*browse, "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    text = re.sub(r"<[^>]+>", " ", dom)
    assert "TokenMarket contract fuzzing report" in text
    assert "Contract breaks" in text
    for finding in findings:
        assert finding["operation"] in text
        assert finding["check"] in text
    assert KEY not in dom
