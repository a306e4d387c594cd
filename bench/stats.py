"""What a measurement is and how it is taken: alternating rounds, medians and min-max.

Every workload has variants (ours, the baselines). A round runs each variant once, in an order
that rotates from round to round so that no variant always goes first or last; a variant's
numbers are the median and the range over rounds. Client CPU is `time.process_time()` of this
process (the servers run in others), next to `time.perf_counter()` wall time. Loops are bounded
by a round count and a time budget: after the budget is spent, no new round starts once the
minimum number of rounds is done.

The bench's process holds every variant's imports (openai and pydantic alone are about 100,000
objects): after the warm-up they are frozen out of the garbage collector (`gc.freeze()`), so
that a variant that makes more garbage does not also pay for scanning the other variants'
modules on every full collection, as it would not in a program of its own.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

MIN_ROUNDS: Final = 3


@dataclass(frozen=True)
class Summary:
    """Median and range of one metric over rounds."""

    median: float
    low: float
    high: float
    samples: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        """Summarise the per-round values."""
        if not values:
            raise ValueError("no samples")
        return cls(statistics.median(values), min(values), max(values), tuple(values))

    def as_json(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        return {
            "median": self.median,
            "min": self.low,
            "max": self.high,
            "samples": list(self.samples),
        }


@dataclass
class Row:
    """One variant's numbers in one workload (metrics by name: cpu, wall, rss, ...)."""

    variant: str
    metrics: dict[str, Summary] = field(default_factory=dict)
    note: str = ""


@dataclass
class Section:
    """One workload: its variants side by side."""

    key: str
    title: str
    unit: str
    """Unit of the cpu and wall metrics, e.g. `us/call`."""
    rows: list[Row] = field(default_factory=list)
    baseline: str = ""
    """The variant the `vs` column divides by."""
    server: str = ""
    notes: list[str] = field(default_factory=list)
    error: str = ""

    def row(self, variant: str) -> Row | None:
        """The row of `variant`, if it was measured."""
        return next((row for row in self.rows if row.variant == variant), None)


@dataclass
class Variant:
    """A named operation, and how many units of work one call of it is."""

    name: str
    run: Callable[[], Any]
    units: int = 1


@dataclass
class AsyncVariant:
    """A named coroutine function, and how many units of work one call of it is."""

    name: str
    run: Callable[[], Awaitable[Any]]
    units: int = 1


@dataclass(frozen=True)
class Plan:
    """How much to measure: rounds, calls per round, a time budget in seconds."""

    rounds: int
    per_round: int
    budget: float
    warmup: int = 3
    rewarm: int = 0
    """Unmeasured calls right before each variant's timed calls in every round (so that its
    connections are open and warm however long the other variants took)."""


SCALE: Final = {"s": 1.0, "ms": 1e3, "us": 1e6}


def _order(items: Sequence[Any], round_index: int) -> list[Any]:
    shift = round_index % len(items)
    return list(items[shift:]) + list(items[:shift])


def measure(variants: Sequence[Variant], plan: Plan, unit: str) -> list[Row]:
    """Alternate the variants over rounds; per round, `plan.per_round` calls of each."""
    scale = SCALE[unit]
    for variant in variants:
        for _ in range(plan.warmup):
            variant.run()
    gc.collect()
    gc.freeze()
    try:
        return _measure(variants, plan, scale)
    finally:
        gc.unfreeze()


def _measure(variants: Sequence[Variant], plan: Plan, scale: float) -> list[Row]:
    cpu: dict[str, list[float]] = {variant.name: [] for variant in variants}
    wall: dict[str, list[float]] = {variant.name: [] for variant in variants}
    started = time.perf_counter()
    for index in range(plan.rounds):
        if index >= MIN_ROUNDS and time.perf_counter() - started > plan.budget:
            break
        for variant in _order(variants, index):
            run = variant.run
            count = plan.per_round
            for _ in range(plan.rewarm):
                run()
            gc.collect()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for _ in range(count):
                run()
            cpu1, wall1 = time.process_time(), time.perf_counter()
            per = scale / (count * variant.units)
            cpu[variant.name].append((cpu1 - cpu0) * per)
            wall[variant.name].append((wall1 - wall0) * per)
    return [
        Row(v.name, {"cpu": Summary.of(cpu[v.name]), "wall": Summary.of(wall[v.name])})
        for v in variants
    ]


async def measure_async(variants: Sequence[AsyncVariant], plan: Plan, unit: str) -> list[Row]:
    """`measure` for coroutine functions, all on the running event loop."""
    scale = SCALE[unit]
    for variant in variants:
        for _ in range(plan.warmup):
            await variant.run()
    gc.collect()
    gc.freeze()
    try:
        return await _measure_async(variants, plan, scale)
    finally:
        gc.unfreeze()


async def _measure_async(variants: Sequence[AsyncVariant], plan: Plan, scale: float) -> list[Row]:
    cpu: dict[str, list[float]] = {variant.name: [] for variant in variants}
    wall: dict[str, list[float]] = {variant.name: [] for variant in variants}
    started = time.perf_counter()
    for index in range(plan.rounds):
        if index >= MIN_ROUNDS and time.perf_counter() - started > plan.budget:
            break
        for variant in _order(variants, index):
            count = plan.per_round
            for _ in range(plan.rewarm):
                await variant.run()
            gc.collect()
            await asyncio.sleep(0)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for _ in range(count):
                await variant.run()
            cpu1, wall1 = time.process_time(), time.perf_counter()
            per = scale / (count * variant.units)
            cpu[variant.name].append((cpu1 - cpu0) * per)
            wall[variant.name].append((wall1 - wall0) * per)
    return [
        Row(v.name, {"cpu": Summary.of(cpu[v.name]), "wall": Summary.of(wall[v.name])})
        for v in variants
    ]
