"""The table (printed, and pasted into the README), the targets, and the JSON report."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bench.stats import Row, Section, Summary

DASH: Final = "\u2013"


@dataclass(frozen=True)
class Target:
    """A ratio (or an absolute number) that one run's numbers must meet."""

    text: str
    section: str
    variant: str
    metric: str
    limit: float
    baseline: str | None = None
    """None: compare the variant's own number with `limit`."""
    at_most: bool = True
    strict: bool = False
    """`<` rather than `<=` (`>` rather than `>=`)."""
    use_max: bool = False
    """Judge the worst round instead of the median (memory)."""


@dataclass(frozen=True)
class Verdict:
    """A target, what was measured, and whether it is met (None: not measured)."""

    target: Target
    value: float | None
    met: bool | None
    best: float | None = None
    """The same ratio between the two variants' best rounds (a check on noise)."""


TARGETS: Final = (
    Target(
        "per-call client CPU <= 1.0x raw httpx + json",
        "chat",
        "tokenmarket_client",
        "cpu",
        1.0,
        "httpx + json",
    ),
    Target(
        "per-call client CPU < 0.45x openai",
        "chat",
        "tokenmarket_client",
        "cpu",
        0.45,
        "openai",
        strict=True,
    ),
    Target(
        "1,000-chunk stream CPU <= 0.9x httpx + httpx-sse (no hand-coded fast path)",
        "stream",
        "tokenmarket_client",
        "cpu",
        0.9,
        "httpx + httpx-sse + json",
    ),
    Target(
        "embeddings CPU <= 1.0x httpx + base64 decode",
        "embeddings",
        "tokenmarket_client",
        "cpu",
        1.0,
        "httpx + json + base64 decode",
    ),
    Target(
        "import <= 0.3x openai (models lazy)",
        "imports",
        "tokenmarket_client",
        "wall",
        0.3,
        "openai",
    ),
    Target(
        "speech: peak RSS growth <= 20 MiB for 100 MiB (worst round)",
        "speech",
        "tokenmarket_client",
        "rss",
        20.0,
        use_max=True,
    ),
    Target(
        "speech: throughput >= 0.9x httpx",
        "speech",
        "tokenmarket_client",
        "throughput",
        0.9,
        "httpx iter_bytes",
        at_most=False,
    ),
    Target(
        "async: client CPU per call <= 1.05x httpx.AsyncClient",
        "async",
        "tokenmarket_client",
        "cpu",
        1.05,
        "httpx.AsyncClient + json",
    ),
    Target(
        'tokenmarket --help <= 2x python -c "import httpx" (whole process)',
        "cli",
        "tokenmarket --help",
        "wall",
        2.0,
        'python -c "import httpx"',
    ),
)


def paired(metric: Summary, baseline: Summary) -> float:
    """The median over rounds of metric / baseline within the same round.

    Each round runs every variant back to back, so a burst of load on a shared machine that
    slows one round slows both sides of its ratio; the median of the ratios is steadier than
    the ratio of the medians. (Samples are in round order for every variant.)
    """
    ratios = [a / b for a, b in zip(metric.samples, baseline.samples, strict=False) if b]
    return statistics.median(ratios) if ratios else metric.median / baseline.median


def judge(sections: dict[str, Section]) -> list[Verdict]:
    """Evaluate every target on this run's numbers."""
    verdicts = []
    for target in TARGETS:
        section = sections.get(target.section)
        row = section.row(target.variant) if section else None
        base = section.row(target.baseline) if section and target.baseline else None
        metric = row.metrics.get(target.metric) if row else None
        if metric is None or (target.baseline is not None and base is None):
            verdicts.append(Verdict(target, None, None))
            continue
        value = metric.high if target.use_max else metric.median
        best = None
        if base is not None:
            against = base.metrics[target.metric]
            value = paired(metric, against)
            # Best: the lowest cost, or the highest rate.
            best = metric.low / against.low if target.at_most else metric.high / against.high
        if target.at_most:
            met = value < target.limit if target.strict else value <= target.limit
        else:
            met = value > target.limit if target.strict else value >= target.limit
        verdicts.append(Verdict(target, value, met, best))
    return verdicts


def number(value: float) -> str:
    """Three significant figures, or so."""
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def cell(summary: Summary | None, scale: float = 1.0) -> str:
    """`median (min-max)`, with an en dash."""
    if summary is None:
        return ""
    if len(summary.samples) == 1:
        return number(summary.median * scale)
    return (
        f"{number(summary.median * scale)} "
        f"({number(summary.low * scale)}{DASH}{number(summary.high * scale)})"
    )


def _ratio(section: Section, row: Row) -> str:
    base = section.row(section.baseline) if section.baseline else None
    if base is None or row is base:
        return "1.00" if base is not None else ""
    for metric in ("cpu", "wall", "rate"):
        if metric in row.metrics and metric in base.metrics:
            return f"{paired(row.metrics[metric], base.metrics[metric]):.2f}"
    return ""


def _extra(row: Row) -> str:
    parts = []
    if "throughput" in row.metrics:
        parts.append(f"{cell(row.metrics['throughput'])} MiB/s")
    if "rss" in row.metrics:
        parts.append(f"peak RSS +{cell(row.metrics['rss'])} MiB")
    if "rate" in row.metrics:
        parts.append(f"{cell(row.metrics['rate'])} {row.note}".strip())
    elif row.note:
        parts.append(row.note)
    return "; ".join(parts)


def _markdown(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [
        line(r) for r in rows
    ]


def table(sections: list[Section]) -> str:
    """One Markdown table of every section, readable as plain text."""
    header = ["workload", "variant", "client CPU", "wall", "vs", "other"]
    rows: list[list[str]] = []
    for section in sections:
        title = f"{section.title} [{section.unit}]" if section.unit else section.title
        if section.error:
            rows.append([title, "(not measured)", "", "", "", section.error[:100]])
            continue
        for index, row in enumerate(section.rows):
            rows.append(
                [
                    title if index == 0 else "",
                    row.variant,
                    cell(row.metrics.get("cpu")),
                    cell(row.metrics.get("wall")),
                    _ratio(section, row),
                    _extra(row),
                ]
            )
    return "\n".join(_markdown(header, rows))


def targets_table(verdicts: list[Verdict]) -> str:
    """The targets, measured values and verdicts, as a Markdown table."""
    rows = []
    for verdict in verdicts:
        value = "" if verdict.value is None else f"{verdict.value:.2f}"
        if verdict.target.metric == "rss" and verdict.value is not None:
            value += " MiB"
        elif verdict.value is not None:
            value += "x"
        best = "" if verdict.best is None else f"{verdict.best:.2f}x"
        state = {None: "not measured", True: "met", False: "**missed**"}[verdict.met]
        rows.append([verdict.target.text, value, best, state])
    header = ["target", "this run", "best rounds", "verdict"]
    return "\n".join(_markdown(header, rows))


def _first(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    try:
        load = os.getloadavg()
    except OSError:
        load = (0.0, 0.0, 0.0)
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": _first("/proc/cpuinfo", "model name"),
        "memory": _first("/proc/meminfo", "MemTotal"),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in load],
    }


def describe(info: dict[str, Any]) -> str:
    """One line about the machine."""
    return (
        f"{info['nproc']} CPUs ({info['cpu_model']}), {info['memory']} RAM, "
        f"{info['implementation']} {info['python']} on {info['platform']}; "
        f"load average {info['load_average_at_start'][0]} at the start"
    )


def as_json(section: Section) -> dict[str, Any]:
    """Plain data for one section."""
    return {
        "title": section.title,
        "unit": section.unit,
        "baseline": section.baseline,
        "server": section.server,
        "notes": section.notes,
        "error": section.error,
        "rows": [
            {
                "variant": row.variant,
                "note": row.note,
                "metrics": {name: s.as_json() for name, s in row.metrics.items()},
            }
            for row in section.rows
        ],
    }


def verdicts_json(verdicts: list[Verdict]) -> list[dict[str, Any]]:
    """Plain data for the targets."""
    return [
        {
            "target": v.target.text,
            "value": v.value,
            "best_rounds": v.best,
            "limit": v.target.limit,
            "met": v.met,
        }
        for v in verdicts
    ]
