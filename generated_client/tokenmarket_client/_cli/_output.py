# Laid in from overrides/tokenmarket_client/_cli/_output.py by `nox -s generate`: edit it there and regenerate, not here.
"""What the command prints: results as JSON, a plain table, a progress line on a terminal.

No terminal library: rich would add about 110 ms to every command that draws a table or a
progress bar (measured: `import rich.table, rich.console` 105 ms, `import rich.progress`
121 ms, fresh processes), for one table and one line of bytes written.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from typing import IO, Any, Final

PROGRESS_EVERY: Final = 0.1
"""Seconds between two redraws of the progress line."""
KIB: Final = 1024


def jsonable(result: object) -> Any:  # noqa: ANN401 (any JSON value)
    """`result` as plain JSON values: pydantic's `model_dump(mode="json")`, else attrs'
    `to_dict()`, else the value itself."""
    dump = getattr(result, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    to_dict = getattr(result, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return result


def to_json(result: object, *, indent: int | None = 2) -> str:
    """`result` as JSON text: the model's own `model_dump_json()` / `to_json()` when it has one."""
    for name in ("model_dump_json", "to_json"):
        method = getattr(result, name, None)
        if callable(method):
            text = method(indent=indent)
            if isinstance(text, str):
                return text
    return json.dumps(jsonable(result), indent=indent, ensure_ascii=False, default=str)


def value(result: object, name: str) -> Any:  # noqa: ANN401 (a model's field)
    """A field of a model, None when absent (the attrs models' UNSET reads as None too)."""
    found = getattr(result, name, None)
    if found is None or type(found).__name__ == "Unset":
        return None
    return found


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, width: int) -> str:
    """A plain left-aligned table; the last column is cut to fit `width` characters."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers[:-1])]
    lead = sum(widths) + 2 * len(widths)
    room = max(width - lead, 20)

    def line(cells: Sequence[str]) -> str:
        last = cells[-1] if len(cells[-1]) <= room else cells[-1][: room - 1] + "…"
        return "".join(f"{c:<{w}}  " for c, w in zip(cells, widths, strict=False)) + last

    return "\n".join([line(headers), *(line(r) for r in rows)])


def size(count: int) -> str:
    """A byte count for people: `512 B`, `3.4 KiB`, `12.0 MiB`."""
    if count < KIB:
        return f"{count} B"
    if count < KIB * KIB:
        return f"{count / KIB:.1f} KiB"
    return f"{count / KIB / KIB:.1f} MiB"


class Progress:
    """`name: 1.2 MiB` redrawn in place on a terminal (standard error); silent otherwise."""

    def __init__(self, name: str, stream: IO[str] | None = None) -> None:
        self.name = name
        self.stream = sys.stderr if stream is None else stream
        self.enabled = self.stream.isatty()
        self.written = 0
        self._started = time.monotonic()
        self._drawn = 0.0

    def add(self, count: int) -> None:
        """Count `count` more bytes written; redraw at most every `PROGRESS_EVERY` seconds."""
        self.written += count
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._drawn >= PROGRESS_EVERY:
            self._drawn = now
            rate = self.written / max(now - self._started, 1e-6)
            self._draw(f"{self.name}: {size(self.written)} ({size(int(rate))}/s)")

    def _draw(self, text: str) -> None:
        self.stream.write(f"\r\x1b[2K{text}")
        self.stream.flush()

    def clear(self) -> None:
        """Remove the progress line (before the final message, or on an error)."""
        if self.enabled and self._drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
