"""`nox -s fuzz`: Schemathesis against the embedded mock (default) or a live TokenMarket.

Mock mode (no --url): starts `python -m mock_server` on a free loopback port with a fresh
random token, runs every check and every phase over all six operations, stops the mock.

Live mode (--url that is not loopback, with --live): reads the key from TOKENMARKET_API_KEY
only, sends at most --budget requests (a hard cap enforced by a hook, printed before the run),
at --rate (1/s by default), positive cases only from the examples and fuzzing phases unless
--negative-only, which sends only schema-invalid requests (rejected before any billing).

Either way it writes JUnit XML and a cassette under reports/fuzz/, checks that no key reached
any report, prints a summary (cases, failures by check, wall time), and exits non-zero on any
failure or warning. Arguments it does not know are passed to `st run`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from mock_server.launcher import is_loopback as is_loopback  # re-exported for its tests
from mock_server.launcher import start_mock

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.yaml"
# Where reports go; tests point it elsewhere so a run never clobbers a user's reports.
REPORTS = Path(os.environ.get("TOKENMARKET_FUZZ_REPORTS", ROOT / "reports" / "fuzz"))
OPERATION_IDS = (
    "createChatCompletion",
    "createEmbedding",
    "createImage",
    "createSpeech",
    "createRerank",
    "createVideoGeneration",
)
# The variable schemathesis.toml reads the token from (never a command-line argument).
TOKEN_ENV = "TOKENMARKET_FUZZ_TOKEN"  # noqa: S105 - a variable name, not a secret
LIVE_KEY_ENV = "TOKENMARKET_API_KEY"
MOCK_START_TIMEOUT = 30.0
# A failed check in a JUnit message: "- ST101 Server error", "- ST901 Custom check failed: ...".
FAILURE_TITLE = re.compile(r"^- (ST\d{3} .+?)\s*$", re.MULTILINE)


class UsageError(Exception):
    """The command line asks for something unsafe or impossible."""


@dataclass
class Plan:
    """Everything decided before the first request is sent."""

    base_url: str
    token: str
    live: bool
    st_args: list[str]
    runs: list[list[str]] = field(default_factory=list)
    max_requests: int | None = None


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """Our options, and the rest for `st run`."""
    parser = argparse.ArgumentParser(prog="nox -s fuzz --", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="API base URL; default: start the embedded mock")
    parser.add_argument("--live", action="store_true", help="allow a non-loopback --url")
    parser.add_argument(
        "--negative-only", action="store_true", help="send only invalid (unbillable) requests"
    )
    parser.add_argument("--deep", action="store_true", help="nightly: per operation, many cases")
    parser.add_argument("--max-examples", type=int, help="cases per operation and phase")
    parser.add_argument("--budget", type=int, default=30, help="live: hard cap on requests")
    parser.add_argument("--rate", default="1/s", help="live: rate limit, e.g. 1/s or 30/m")
    parser.add_argument("--seed", type=int, help="Schemathesis seed, for a reproducible run")
    return parser.parse_known_args(argv)


def plan_run(args: argparse.Namespace, passthrough: list[str]) -> Plan:
    """Turn the command line into a safe plan, or refuse with UsageError."""
    common = ["--report", "junit,vcr,json", "--report-dir", str(REPORTS)]
    if args.seed is not None:
        common += ["--seed", str(args.seed)]
    if args.url is None:
        if args.live:
            raise UsageError("--live needs --url")
        plan = Plan(base_url="", token=secrets.token_urlsafe(24), live=False, st_args=common)
    else:
        live = not is_loopback(args.url)
        if live and not args.live:
            raise UsageError(
                f"{args.url} is not loopback: a live API bills requests. Add --live to confirm."
            )
        token = os.environ.get(LIVE_KEY_ENV, "")
        if not token:
            raise UsageError(f"set {LIVE_KEY_ENV} to the API key (it is read from there only)")
        plan = Plan(base_url=args.url.rstrip("/"), token=token, live=live, st_args=common)
    if plan.live:
        plan.max_requests = args.budget
        plan.st_args += [
            "--rate-limit",
            args.rate,
            "--no-shrink",
            "--request-retries",
            "0",
            "--max-examples",
            str(args.max_examples or max(1, args.budget // len(OPERATION_IDS))),
        ]
        if args.negative_only:
            plan.st_args += ["--mode", "negative", "--phases", "coverage,fuzzing"]
        else:
            plan.st_args += ["--mode", "positive", "--phases", "examples,fuzzing"]
    elif args.negative_only:
        plan.st_args += ["--mode", "negative"]
    if args.deep:
        examples = str(args.max_examples or 1000)
        plan.runs = [
            ["--include-operation-id", op, "--continue-on-failure", "--max-examples", examples]
            for op in OPERATION_IDS
        ]
    else:
        extra = [] if plan.live else ["--max-examples", str(args.max_examples or 100)]
        plan.runs = [extra]
    plan.st_args += passthrough
    return plan


def st_command(plan: Plan, run_args: list[str], report_suffix: str) -> list[str]:
    """The `st run` command line for one run (the token travels in the environment)."""
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    reports = [
        "--report-junit-path",
        str(REPORTS / f"junit{report_suffix}.xml"),
        "--report-vcr-path",
        str(REPORTS / f"cassette{report_suffix}.yaml"),
        "--report-json-path",
        str(REPORTS / f"run{report_suffix}.json"),
    ]
    return [st, "run", str(SPEC), "--url", plan.base_url, *plan.st_args, *reports, *run_args]


def junit_summary(paths: list[Path]) -> tuple[int, Counter[str]]:
    """(operations tested, failures by check) from Schemathesis' JUnit XML reports."""
    import xml.etree.ElementTree as ET

    operations = 0
    failures: Counter[str] = Counter()
    for path in paths:
        if not path.exists():
            continue
        for testcase in ET.parse(path).getroot().iter("testcase"):  # noqa: S314 - our own file
            operations += 1
            for failure in [*testcase.iter("failure"), *testcase.iter("error")]:
                text = failure.text or failure.get("message") or ""
                failures.update(FAILURE_TITLE.findall(text) or [text.strip()[:80] or "error"])
    return operations, failures


def json_summary(paths: list[Path]) -> tuple[int, dict[str, int]]:
    """(cases generated, schema-valid cases accepted per phase) from Schemathesis' JSON reports."""
    generated = 0
    accepted: Counter[str] = Counter()
    for path in paths:
        report = json.loads(path.read_text())
        generated += report.get("test_cases", {}).get("generated", 0)
        for phases in report.get("valid_rates", {}).values():
            for phase, counts in phases.items():
                accepted[phase] += counts.get("accepted", 0)
    return generated, dict(accepted)


REPORT_PATTERNS = ("junit*.xml", "cassette*.yaml", "run*.json", "summary.json")


def report_files() -> list[Path]:
    """The files this driver writes under REPORTS (only these are ever deleted)."""
    return sorted(path for pattern in REPORT_PATTERNS for path in REPORTS.glob(pattern))


def leaked_secret(token: str) -> list[Path]:
    """Report files that contain `token` (there must be none)."""
    return [path for path in report_files() if token.encode() in path.read_bytes()]


def execute(plan: Plan) -> int:
    """Run the plan; return the exit status."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    for stale in report_files():
        stale.unlink()
    mock = None
    env = {**os.environ, TOKEN_ENV: plan.token}
    if plan.max_requests is not None:
        env["TOKENMARKET_FUZZ_MAX_REQUESTS"] = str(plan.max_requests)
        print(f"fuzz: live run against {plan.base_url}: at most {plan.max_requests} requests")
    started = time.perf_counter()
    status = 0
    try:
        if not plan.base_url:
            mock = start_mock(plan.token)
            plan.base_url = mock.url
            print(f"fuzz: mock gateway at {plan.base_url}")
        for index, run_args in enumerate(plan.runs):
            suffix = f"-{index + 1}" if len(plan.runs) > 1 else ""
            command = st_command(plan, run_args, suffix)
            result = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603
            status = status or result.returncode
    finally:
        if mock is not None:
            mock.stop()
    elapsed = time.perf_counter() - started
    operations, failures = junit_summary(sorted(REPORTS.glob("junit*.xml")))
    cases, by_phase = json_summary(sorted(REPORTS.glob("run*.json")))
    leaks = leaked_secret(plan.token)
    summary = {
        "operations_tested": operations,
        "test_cases": cases,
        "valid_cases_by_phase": by_phase,
        "failures_by_check": dict(failures),
        "wall_time_seconds": round(elapsed, 1),
        "exit_status": status,
        "reports": str(REPORTS),
        "secret_in_reports": [str(p) for p in leaks],
    }
    (REPORTS / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print("fuzz summary: " + json.dumps(summary))
    if leaks:
        print("fuzz: the API key appears in a report; the reports were deleted", file=sys.stderr)
        for path in report_files():
            path.unlink()
        return 1
    return status


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    args, passthrough = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        plan = plan_run(args, passthrough)
    except UsageError as error:
        print(f"fuzz: {error}", file=sys.stderr)
        return 2
    return execute(plan)


if __name__ == "__main__":
    sys.exit(main())
