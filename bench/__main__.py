"""`python -m bench` (what `nox -s bench` runs): every measurement, one table, a JSON report.

Options: `--quick` (fewer rounds, for trying a change), `--only a,b` / `--skip a,b` with section
names from `SECTIONS`, `--profile SECTION` (our variant under pyinstrument, report in the output
directory), `--no-pin`, `--out DIR` (default `reports/bench`), `--nox-python PATH` (the
interpreter that runs nox, for the `generate` and `fuzz` sections).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from bench import imports, loadgen, payloads, report, servers, speech, stats, tooling, workloads
from bench.stats import Plan, Row, Section, Summary

SECTIONS: Final = (
    "imports",
    "chat",
    "stream",
    "embeddings",
    "speech",
    "async",
    "contract",
    "contract-stream",
    "mock",
    "generate",
    "fuzz",
    "cli",
)
MIB: Final = 1024 * 1024
PROFILED: Final = frozenset({"chat", "stream", "embeddings"})
SERVED: Final = frozenset(
    {"chat", "stream", "embeddings", "speech", "async", "contract", "contract-stream", "mock"}
)
"""The sections that need the mock and the replay server."""


@dataclass(frozen=True)
class Settings:
    """How much of everything to measure."""

    quick: bool
    import_runs: int
    chat: Plan
    stream: Plan
    embeddings: Plan
    async_: Plan
    speech_rounds: int
    speech_mib: int
    load_runs: int
    load_seconds: float
    generate_runs: int

    @classmethod
    def make(cls, quick: bool) -> Settings:
        """The full settings, or the `--quick` ones."""
        if quick:
            return cls(
                quick=True,
                import_runs=7,
                chat=Plan(rounds=3, per_round=50, budget=10.0),
                stream=Plan(rounds=3, per_round=2, budget=10.0, warmup=1),
                embeddings=Plan(rounds=3, per_round=1, budget=15.0, warmup=1),
                async_=Plan(rounds=3, per_round=1, budget=10.0, warmup=1, rewarm=1),
                speech_rounds=2,
                speech_mib=100,
                load_runs=1,
                load_seconds=2.0,
                generate_runs=1,
            )
        return cls(
            quick=False,
            import_runs=9,
            chat=Plan(rounds=15, per_round=200, budget=45.0),
            stream=Plan(rounds=11, per_round=5, budget=40.0, warmup=2),
            embeddings=Plan(rounds=9, per_round=3, budget=45.0, warmup=1),
            async_=Plan(rounds=15, per_round=2, budget=55.0, warmup=2, rewarm=1),
            speech_rounds=5,
            speech_mib=100,
            load_runs=3,
            load_seconds=3.0,
            generate_runs=3,
        )


class Bench:
    """One run: the servers, the sections measured so far, the report."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.settings = Settings.make(args.quick)
        self.token = secrets.token_urlsafe(18)
        self.client_cpus, self.server_cpus = servers.split_cpus(not args.no_pin)
        self.sections: dict[str, Section] = {}
        self.extra: dict[str, Any] = {}
        self.out: Path = args.out
        self.wanted = [
            name
            for name in SECTIONS
            if (not args.only or name in args.only) and name not in args.skip
        ]

    def log(self, message: str) -> None:
        """Progress on standard error (the table goes to standard output)."""
        print(f"bench: {message}", file=sys.stderr, flush=True)

    def section(
        self,
        key: str,
        title: str,
        unit: str,
        body: Callable[[Section], None],
        *,
        baseline: str = "",
        server: str = "",
        notes: list[str] | None = None,
    ) -> None:
        """Measure one section, keeping its error instead of stopping the run."""
        if key not in self.wanted:
            return
        section = Section(key, title, unit, baseline=baseline, server=server, notes=notes or [])
        self.sections[key] = section
        started = time.perf_counter()
        self.log(f"{key}: {title} ...")
        try:
            body(section)
        except Exception as exc:  # reported in the table and the exit status
            section.error = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        self.log(f"{key}: done in {time.perf_counter() - started:.1f} s")

    def profile(self, key: str, variants: Sequence[stats.Variant]) -> None:
        """With `--profile KEY`: our variant under pyinstrument, the report written out."""
        if key not in self.args.profile:
            return
        from pyinstrument import Profiler

        ours = next(v for v in variants if v.name == workloads.OURS)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        deadline = time.perf_counter() + 5.0
        while time.perf_counter() < deadline:
            ours.run()
        profiler.stop()
        path = self.out / f"profile-{key}.txt"
        path.write_text(profiler.output_text(unicode=True, show_all=False))
        self.log(f"profile of {key} written to {path}")

    # -- sections ------------------------------------------------------------------------------

    def run(self) -> int:
        """Everything wanted, in order; returns the exit status."""
        self.out.mkdir(parents=True, exist_ok=True)
        machine = report.machine()
        started = time.perf_counter()
        os.sched_setaffinity(0, self.client_cpus)
        self.section(
            "imports",
            "import, fresh process",
            "ms",
            self.imports,
            baseline="openai",
            notes=[f"median of {self.settings.import_runs} fresh processes per variant"],
        )
        if SERVED & set(self.wanted):
            with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-") as tmp:
                self.log("starting the mock and the replay server")
                try:
                    mock = servers.start_mock(self.token, self.server_cpus)
                    stack.callback(mock.stop)
                    self.extra["payloads"] = payloads.record(mock.url, self.token, Path(tmp))
                    replay = servers.start_replay(
                        Path(tmp), self.settings.speech_mib, self.server_cpus
                    )
                    stack.callback(replay.stop)
                except Exception as exc:  # every served section reports it
                    traceback.print_exc()
                    for key in SERVED & set(self.wanted):
                        error = f"servers did not start: {type(exc).__name__}: {exc}"
                        self.sections[key] = Section(key, key, "", error=error)
                else:
                    self.served(mock.url, replay.url)
        nox_python = self.args.nox_python or tooling.nox_python_default()
        self.section("generate", "nox -s generate", "s", lambda s: self.generate(s, nox_python))
        self.section("fuzz", "nox -s fuzz", "s", lambda s: self.fuzz(s, nox_python))
        self.cli()
        elapsed = time.perf_counter() - started
        return self.finish(machine, elapsed)

    def generate(self, section: Section, nox_python: str | None) -> None:
        """`nox -s generate` into a temporary directory, `generate_runs` times."""
        if nox_python is None:
            raise RuntimeError("no interpreter with nox: pass --nox-python")
        section.rows.append(tooling.generate(nox_python, self.settings.generate_runs))

    def fuzz(self, section: Section, nox_python: str | None) -> None:
        """`nox -s fuzz`, once."""
        if nox_python is None:
            raise RuntimeError("no interpreter with nox: pass --nox-python")
        row, summary = tooling.fuzz(nox_python)
        section.rows.append(row)
        self.extra["fuzz"] = summary

    def cli(self) -> None:
        """`tokenmarket --help` in fresh processes, against `python -c "import httpx"`."""
        from bench import cli_startup

        runs = self.settings.import_runs
        self.section(
            "cli",
            "tokenmarket --help, fresh process",
            "ms",
            lambda section: section.rows.extend(cli_startup.measure(runs)),
            baseline=cli_startup.BASELINE,
            notes=[f"whole process, interpreter start-up included; median of {runs} per command"],
        )

    def imports(self, section: Section) -> None:
        """Fresh-process import times, and the informational first-use lines."""
        section.rows += imports.measure(imports.IMPORTS, self.settings.import_runs)
        section.rows += imports.measure(imports.FIRST_CALL, self.settings.import_runs)

    def served(self, mock: str, replay: str) -> None:
        """The sections that need the servers."""
        s = self.settings
        self.section(
            "chat",
            "chat call, non-streaming",
            "us/call",
            lambda sec: self.in_process(sec, "chat", workloads.chat, mock, s.chat, "us"),
            baseline=workloads.HTTPX_JSON,
            server="mock",
        )
        self.section(
            "stream",
            "stream of 1,000 SSE chunks",
            "ms/stream",
            lambda sec: self.in_process(sec, "stream", workloads.stream, replay, s.stream, "ms"),
            baseline=workloads.HTTPX_SSE,
            server="replay",
        )
        self.section(
            "embeddings",
            "embeddings, 100 x 3,072",
            "ms/call",
            lambda sec: self.in_process(
                sec, "embeddings", workloads.embeddings, mock, s.embeddings, "ms"
            ),
            baseline=workloads.HTTPX_BASE64,
            server="mock",
        )
        self.section(
            "speech",
            f"speech, {s.speech_mib} MiB to a file",
            "s",
            lambda sec: self.speech(sec, replay),
            baseline=speech.HTTPX,
            server="replay",
        )
        self.section(
            "async",
            f"async, {workloads.CONCURRENT_CALLS} concurrent chat calls",
            "us/call",
            lambda sec: self.async_chat(sec, mock),
            baseline=workloads.HTTPX_ASYNC,
            server="mock",
        )
        from bench import contract

        contract.sections(self, mock, replay)
        self.section("mock", "mock gateway throughput", "", lambda sec: self.load(sec, mock))

    def in_process(
        self,
        section: Section,
        key: str,
        factory: Callable[[str, str, ExitStack], list[stats.Variant]],
        url: str,
        plan: Plan,
        unit: str,
    ) -> None:
        """A synchronous workload measured in this process."""
        with ExitStack() as stack:
            variants = factory(url, self.token, stack)
            section.rows += stats.measure(variants, plan, unit)
            self.profile(key, variants)

    def async_chat(self, section: Section, url: str) -> None:
        """The async workload on one event loop (asyncio's default)."""

        async def main() -> list[Row]:
            closers: list[Callable[[], Any]] = []
            try:
                variants = await workloads.async_chat(url, self.token, closers)
                return await stats.measure_async(variants, self.settings.async_, "us")
            finally:
                for close in closers:
                    await close()

        section.rows += asyncio.run(main())

    def speech(self, section: Section, url: str) -> None:
        """Fresh processes, variants alternating, `speech_rounds` each."""
        results: dict[str, list[dict[str, float]]] = {name: [] for name in speech.VARIANTS}
        env = {**os.environ, "BENCH_TOKEN": self.token}
        with tempfile.TemporaryDirectory(prefix="bench-speech-") as tmp:
            target = str(Path(tmp) / "speech.mp3")
            for index in range(self.settings.speech_rounds):
                names = list(speech.VARIANTS)
                shift = index % len(names)
                for name in names[shift:] + names[:shift]:
                    done = subprocess.run(  # noqa: S603 - our interpreter and module
                        [sys.executable, "-m", "bench.speech", name, url, target],
                        env=env,
                        capture_output=True,
                        text=True,
                        check=False,
                        timeout=120,
                    )
                    if done.returncode != 0:
                        raise RuntimeError(f"{name}: {done.stderr.strip()[-600:]}")
                    result = json.loads(done.stdout.strip().splitlines()[-1])
                    if result["bytes"] != self.settings.speech_mib * MIB:
                        raise RuntimeError(f"{name} wrote {result['bytes']} bytes")
                    results[name].append(result)
        for name, runs in results.items():
            section.rows.append(
                Row(
                    name,
                    {
                        "cpu": Summary.of([r["cpu"] for r in runs]),
                        "wall": Summary.of([r["wall"] for r in runs]),
                        "throughput": Summary.of([r["bytes"] / MIB / r["wall"] for r in runs]),
                        "rss": Summary.of([r["rss_growth_mib"] for r in runs]),
                    },
                )
            )
        if not all(r["peak_reset"] for runs in results.values() for r in runs):
            section.notes.append("peak RSS could not be reset: growth includes start-up")

    def load(self, section: Section, url: str) -> None:
        """Requests per second (small chat) and SSE chunks per second, against the mock."""
        s = self.settings
        for kind, label, unit in (
            ("chat", "small chat", "requests/s"),
            ("stream", "256-token streams", "SSE chunks/s"),
        ):
            rates: list[float] = []
            for _ in range(s.load_runs):
                with servers.unpinned():
                    load = loadgen.run(url, self.token, kind, s.load_seconds, connections=8)
                if load.errors or not load.requests:
                    raise RuntimeError(f"{kind}: {load.errors} errors, {load.requests} answers")
                count = load.requests if kind == "chat" else load.events
                rates.append(count / load.seconds)
            section.rows.append(
                Row(f"{label}, 8 connections", {"rate": Summary.of(rates)}, note=unit)
            )

    # -- the report ----------------------------------------------------------------------------

    def finish(self, machine: dict[str, Any], elapsed: float) -> int:
        """Print the table and targets; write the JSON and Markdown reports."""
        ordered = [self.sections[key] for key in SECTIONS if key in self.sections]
        verdicts = report.judge(self.sections)
        table = report.table(ordered)
        targets = report.targets_table(verdicts)
        when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        about = report.describe(machine)
        mode = "--quick" if self.settings.quick else "full"
        notes = [f"{s.key}: {note}" for s in ordered for note in s.notes]
        text = "\n".join(
            [
                f"Measured {when} ({mode} run, {elapsed:.0f} s) on {about}.",
                "",
                table,
                "",
                "Medians over rounds (min-max in brackets). `vs` and the targets: the median "
                "over rounds of the ratio to the section's baseline (the `1.00` row) within "
                "the same round, on client CPU (import: wall; speech throughput: MiB/s); "
                "`best rounds`: the ratio of the two variants' best rounds.",
                *(f"- {note}" for note in notes),
                "",
                targets,
                "",
            ]
        )
        print(text)
        document = {
            "measured_at": when,
            "mode": mode,
            "seconds": round(elapsed, 1),
            "machine": machine,
            "pinned": not self.args.no_pin,
            "client_cpus": sorted(self.client_cpus),
            "server_cpus": sorted(self.server_cpus),
            "sections": {s.key: report.as_json(s) for s in ordered},
            "targets": report.verdicts_json(verdicts),
            **self.extra,
        }
        stamp = when.replace(":", "").replace("-", "")
        (self.out / f"bench-{stamp}.json").write_text(json.dumps(document, indent=2) + "\n")
        (self.out / "latest.json").write_text(json.dumps(document, indent=2) + "\n")
        (self.out / "latest.md").write_text(text)
        self.log(f"wrote {self.out / 'latest.json'} and {self.out / 'latest.md'}")
        errors = [s.key for s in ordered if s.error]
        if errors:
            self.log(f"sections that could not be measured: {', '.join(errors)}")
            return 1
        return 0


def _names(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in SECTIONS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown section(s) {unknown}; known: {SECTIONS}")
    return names


def _profiled(value: str) -> list[str]:
    names = _names(value)
    if not set(names) <= PROFILED:
        raise argparse.ArgumentTypeError(f"--profile takes some of {sorted(PROFILED)}")
    return names


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="nox -s bench --", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a minute or two)")
    parser.add_argument("--only", type=_names, default=[], help="comma-separated sections")
    parser.add_argument("--skip", type=_names, default=[], help="comma-separated sections")
    parser.add_argument(
        "--profile",
        type=_profiled,
        default=[],
        help="profile our variant with pyinstrument: any of chat,stream,embeddings",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin client and servers")
    parser.add_argument("--out", type=Path, default=servers.ROOT / "reports" / "bench")
    parser.add_argument("--nox-python", help="the interpreter that runs nox")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return Bench(args).run()


if __name__ == "__main__":
    sys.exit(main())
