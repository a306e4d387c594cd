"""`nox -s fuzz`: Schemathesis against the embedded mock (default) or any other server.

Embedded mock (no --url): starts `python -m mock_server` on a free loopback port with a fresh
random token, runs every check and every phase over every operation of openapi.yaml, stops
the mock. This is the only unbounded plan a run picks by itself.

Any --url (someone else's gateway on loopback, or the live API, which also needs --live):
reads the key from TOKENMARKET_API_KEY only and gets the capped plan: at most --budget HTTP
requests (a hard cap counted at the transport, whatever Schemathesis options are passed on),
at --rate, no shrinking, no retries, positive phases (examples, fuzzing) unless
--negative-only, which sends only schema-invalid requests (rejected before any billing).
`--unbounded` lifts the caps for a loopback server the user owns (refused for any other).
The plan is printed before the first request.

Every run writes under reports/fuzz/: findings.json (one object per distinct finding, with a
replay command), report.html (the same for people, offline), summary.json, Schemathesis'
JUnit, cassette, JSON and NDJSON reports, and its crash store; it checks that the key is in
none of the files it wrote. It exits non-zero on a contract break, a warning or an error; a
finding that rests only on an assumption of the spec fails it only with --strict-assumptions.
Arguments it does not know are passed to `st run`.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.spec import load_spec
from mock_server.launcher import is_loopback as is_loopback  # re-exported for its tests
from mock_server.launcher import start_mock

from . import findings as findings_module
from . import report

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.yaml"
CONFIG = ROOT / "schemathesis.toml"
# Where reports go; tests point it elsewhere so a run never clobbers a user's reports.
REPORTS = Path(os.environ.get("TOKENMARKET_FUZZ_REPORTS", ROOT / "reports" / "fuzz")).resolve()
# The variable schemathesis.toml reads the token from (never a command-line argument).
TOKEN_ENV = "TOKENMARKET_FUZZ_TOKEN"  # noqa: S105 - a variable name, not a secret
LIVE_KEY_ENV = "TOKENMARKET_API_KEY"
# The files and directories a run writes under REPORTS (only report files are ever deleted).
REPORT_PATTERNS = (
    "junit*.xml",
    "cassette*.yaml",
    "run*.json",
    "events*.ndjson",
    "sent*.json",
    "summary.json",
    "findings.json",
    "report.html",
)


class UsageError(Exception):
    """The command line asks for something unsafe or impossible."""


@dataclass
class Plan:
    """Everything decided before the first request is sent."""

    base_url: str
    token: str
    capped: bool
    st_args: list[str]
    runs: list[list[str]] = field(default_factory=list)
    max_requests: int | None = None
    strict_assumptions: bool = False
    description: list[str] = field(default_factory=list)

    @property
    def live(self) -> bool:
        """Whether the run goes to a server this run did not start (kept for callers)."""
        return self.capped


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """Our options, and the rest for `st run`."""
    parser = argparse.ArgumentParser(prog="nox -s fuzz --", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="API base URL; default: start the embedded mock")
    parser.add_argument("--live", action="store_true", help="allow a non-loopback --url")
    parser.add_argument(
        "--unbounded", action="store_true", help="no caps for a loopback --url you own"
    )
    parser.add_argument(
        "--negative-only", action="store_true", help="send only invalid (unbillable) requests"
    )
    parser.add_argument("--deep", action="store_true", help="nightly: per operation, many cases")
    parser.add_argument("--max-examples", type=int, help="cases per operation and phase")
    parser.add_argument("--budget", type=int, default=30, help="capped: hard cap on requests")
    parser.add_argument("--rate", default="1/s", help="capped: rate limit, e.g. 1/s or 30/m")
    parser.add_argument("--seed", type=int, help="Schemathesis seed, for a reproducible run")
    parser.add_argument(
        "--strict-assumptions",
        action="store_true",
        help="fail on findings that rest only on an assumption of the spec",
    )
    return parser.parse_known_args(argv)


def _target(args: argparse.Namespace) -> tuple[str, str, bool]:
    """(base URL, token, capped) for the command line, or UsageError."""
    if args.url is None:
        for flag in ("live", "unbounded"):
            if getattr(args, flag):
                raise UsageError(f"--{flag} needs --url (the embedded mock is never capped)")
        return "", secrets.token_urlsafe(24), False
    loopback = is_loopback(args.url)
    if not loopback and not args.live:
        raise UsageError(
            f"{args.url} is not loopback: a live API bills requests. Add --live to confirm."
        )
    if args.unbounded and not loopback:
        raise UsageError("--unbounded is only for a loopback server you own, never for a live API")
    token = os.environ.get(LIVE_KEY_ENV, "")
    if not token:
        raise UsageError(f"set {LIVE_KEY_ENV} to the API key (it is read from there only)")
    return args.url.rstrip("/"), token, not args.unbounded


def plan_run(args: argparse.Namespace, passthrough: list[str]) -> Plan:
    """Turn the command line into a safe plan, or refuse with UsageError."""
    base_url, token, capped = _target(args)
    if args.budget < 1:
        raise UsageError("--budget must be at least 1")
    operation_ids = load_spec(SPEC).operation_ids
    common = ["--report", "junit,vcr,json,ndjson"]
    if args.seed is not None:
        common += ["--seed", str(args.seed)]
    plan = Plan(base_url=base_url, token=token, capped=capped, st_args=common)
    plan.strict_assumptions = args.strict_assumptions
    target = base_url or "the embedded mock (started by this run)"
    if capped:
        plan.max_requests = args.budget
        # Two cases per operation and phase fit the default budget; the hard cap cuts the rest.
        per_operation = args.max_examples or max(1, args.budget // (2 * len(operation_ids)))
        mode, phases = (
            ("negative", "coverage,fuzzing")
            if args.negative_only
            else ("positive", "examples,fuzzing")
        )
        plan.st_args += [
            "--rate-limit", args.rate, "--no-shrink", "--request-retries", "0",
            "--max-examples", str(per_operation), "--mode", mode, "--phases", phases,
        ]  # fmt: skip
        plan.description = [
            f"target: {target}",
            f"plan: capped: at most {args.budget} requests (hard cap, whatever options follow), "
            f"rate {args.rate}, no shrinking, no retries",
            f"cases: {mode} only, phases {phases}, up to {per_operation} per operation and phase",
        ]
    else:
        if args.negative_only:
            plan.st_args += ["--mode", "negative"]
        owned = "a loopback server you own, --unbounded" if base_url else "every check and phase"
        plan.description = [f"target: {target}", f"plan: unbounded ({owned})"]
    if args.deep:
        examples = str(args.max_examples or 1000)
        plan.runs = [
            ["--include-operation-id", op, "--continue-on-failure", "--max-examples", examples]
            for op in operation_ids
        ]
    else:
        extra = [] if capped else ["--max-examples", str(args.max_examples or 100)]
        plan.runs = [extra]
    plan.st_args += passthrough
    plan.description += [
        f"operations ({len(operation_ids)}, from openapi.yaml): {', '.join(operation_ids)}",
        f"runs: {len(plan.runs)}"
        + (f"; passed to st run: {' '.join(passthrough)}" if passthrough else ""),
        f"reports: {REPORTS}",
    ]
    return plan


def st_command(plan: Plan, run_args: list[str], report_suffix: str) -> list[str]:
    """The `st run` command line for one run (the token travels in the environment)."""
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    reports = [
        "--report-junit-path", str(REPORTS / f"junit{report_suffix}.xml"),
        "--report-vcr-path", str(REPORTS / f"cassette{report_suffix}.yaml"),
        "--report-json-path", str(REPORTS / f"run{report_suffix}.json"),
        "--report-ndjson-path", str(REPORTS / f"events{report_suffix}.ndjson"),
    ]  # fmt: skip
    return [
        st, "--config-file", str(CONFIG), "run", str(SPEC), "--url", plan.base_url,
        *plan.st_args, *reports, *run_args,
    ]  # fmt: skip


def json_summary(paths: list[Path]) -> dict[str, Any]:
    """Cases, operations, accepted cases per phase and warnings from Schemathesis' JSON reports."""
    generated = operations = 0
    accepted: dict[str, int] = {}
    warnings: dict[str, int] = {}
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        generated += data.get("test_cases", {}).get("generated", 0)
        operations = max(operations, data.get("operations", {}).get("tested", 0))
        for phases in data.get("valid_rates", {}).values():
            for phase, counts in phases.items():
                accepted[phase] = accepted.get(phase, 0) + counts.get("accepted", 0)
        for name, items in (data.get("warnings") or {}).items():
            if items:
                warnings[name] = warnings.get(name, 0) + len(items)
    return {
        "test_cases": generated,
        "operations_tested": operations,
        "valid_cases_by_phase": accepted,
        "warnings": warnings,
    }


def report_files() -> list[Path]:
    """The report files this driver writes under REPORTS (only these are ever deleted)."""
    return sorted(path for pattern in REPORT_PATTERNS for path in REPORTS.glob(pattern))


def written_files() -> list[Path]:
    """Every file under REPORTS: reports, Schemathesis' crash store, Hypothesis' database."""
    return sorted(path for path in REPORTS.rglob("*") if path.is_file())


def leaked_secret(token: str) -> list[Path]:
    """Files under REPORTS that contain `token`, raw or JSON-escaped (there must be none)."""
    forms = {token.encode(), json.dumps(token)[1:-1].encode()}
    return [path for path in written_files() if any(form in path.read_bytes() for form in forms)]


def _sent(paths: list[Path]) -> tuple[int, int]:
    sent = refused = 0
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        sent += int(data.get("sent", 0))
        refused += int(data.get("refused", 0))
    return sent, refused


def _run_all(plan: Plan, env: dict[str, str]) -> int:
    status = 0
    for index, run_args in enumerate(plan.runs):
        suffix = f"-{index + 1}" if len(plan.runs) > 1 else ""
        run_env = {**env, "TOKENMARKET_FUZZ_SENT_FILE": str(REPORTS / f"sent{suffix}.json")}
        if plan.max_requests is not None:
            # The cap is for the whole plan: later runs get what earlier ones left.
            spent, _ = _sent(sorted(REPORTS.glob("sent*.json")))
            left = plan.max_requests - spent
            if left <= 0:
                print(f"fuzz: budget spent; run {index + 1} of {len(plan.runs)} not started")
                break
            run_env["TOKENMARKET_FUZZ_MAX_REQUESTS"] = str(left)
        command = st_command(plan, run_args, suffix)
        # cwd=REPORTS: Schemathesis' crash store (.schemathesis/) and Hypothesis' database
        # (.hypothesis/) are relative to it, so they land under the reports and the key check.
        result = subprocess.run(command, cwd=REPORTS, env=run_env, check=False)  # noqa: S603
        status = status or result.returncode
    return status


def verdict(
    st_status: int, collected: findings_module.Collected, warnings: dict[str, int], strict: bool
) -> int:
    """The exit status: 1 on a contract break, a warning or an error; 2 on a usage error."""
    if st_status not in (0, 1):
        return st_status
    contract = [f for f in collected.findings if not f.assumption_only]
    assumed = [f for f in collected.findings if f.assumption_only]
    if contract or collected.errors or warnings or (strict and assumed):
        return 1
    if st_status == 1 and not collected.findings and not collected.budget_refusals:
        return 1  # Schemathesis failed for a reason its events did not show: keep it
    return 0


def execute(plan: Plan) -> int:
    """Run the plan; return the exit status."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    for stale in report_files():
        stale.unlink()
    print("fuzz: " + "\nfuzz: ".join(plan.description), flush=True)
    mock = None
    env = {**os.environ, TOKEN_ENV: plan.token, "PYTHONPATH": str(ROOT)}
    env.pop("TOKENMARKET_FUZZ_MAX_REQUESTS", None)
    started = time.perf_counter()
    try:
        if not plan.base_url:
            mock = start_mock(plan.token)
            plan.base_url = mock.url
            print(f"fuzz: mock gateway at {plan.base_url}", flush=True)
        st_status = _run_all(plan, env)
    finally:
        if mock is not None:
            mock.stop()
    elapsed = time.perf_counter() - started
    spec = load_spec(SPEC)
    collected = findings_module.collect(spec, sorted(REPORTS.glob("events*.ndjson")), plan.token)
    stats = json_summary(sorted(REPORTS.glob("run*.json")))
    sent, refused = _sent(sorted(REPORTS.glob("sent*.json")))
    contract = [f for f in collected.findings if not f.assumption_only]
    summary: dict[str, Any] = {
        "target": plan.base_url,
        "capped": plan.capped,
        "budget": plan.max_requests,
        "requests_sent": sent,
        "requests_refused_by_budget": refused,
        **stats,
        "findings": len(collected.findings),
        "contract_breaks": len(contract),
        "assumptions_contradicted": len(collected.findings) - len(contract),
        "failures_by_check": _by_check(contract),
        "assumptions_by_check": _by_check([f for f in collected.findings if f.assumption_only]),
        "errors": collected.errors,
        "wall_time_seconds": round(elapsed, 1),
    }
    summary["exit_status"] = verdict(
        st_status, collected, stats["warnings"], plan.strict_assumptions
    )
    findings_module.write_json(collected.findings, REPORTS / "findings.json")
    report.write(spec, collected.findings, summary, REPORTS / "report.html")
    leaks = leaked_secret(plan.token)
    summary["secret_in_reports"] = [str(path) for path in leaks]
    (REPORTS / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print("fuzz summary: " + json.dumps(summary))
    if leaks:
        print("fuzz: the API key appears in a report; those files were deleted", file=sys.stderr)
        for path in {*leaks, *report_files()}:
            path.unlink(missing_ok=True)
        return 1
    print(f"fuzz: findings in {REPORTS / 'findings.json'}; report: {REPORTS / 'report.html'}")
    return int(summary["exit_status"])


def _by_check(items: list[findings_module.Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.check] = counts.get(item.check, 0) + item.count
    return counts


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
