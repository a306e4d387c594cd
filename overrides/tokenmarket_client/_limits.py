"""How much a server may make the client hold, and how long one call may take.

A hostile or broken server (or a proxy in between) must not be able to make the client's
memory grow without bound, nor keep a call alive forever. `Limits` bounds what is held:

- `max_response_bytes`, 256 MiB: a non-streamed answer's body, counted after decompression,
  and `read()` of a streamed binary answer;
- `max_error_bytes`, 64 KiB: an error answer's body (the rest is dropped, not read);
- `max_sse_line_bytes`, 16 MiB: one line of an event stream;
- `max_sse_event_bytes`, 16 MiB: the joined `data` of one event.

256 MiB fits the largest embeddings batch as JSON floats (2,048 inputs of 3,072 dimensions is
about 130 MB) and an hour of speech; 16 MiB is far more than any tool call's arguments in one
chunk. Past a limit the call raises `ResponseTooLargeError` and the connection is closed.

A deadline (`deadline=` seconds, off by default) bounds a whole call: every attempt, every retry
wait and, for a stream, every read until the stream ends. httpx's timeouts are per phase (one
connect, one read, one write): a server that sends a keep-alive comment every few seconds, or
one byte every half second, never trips them. The deadline does: it is checked before each
attempt and after each read, and each read may wait at most until the deadline.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Final

MiB: Final = 1024 * 1024

LIMITS_EXTENSION: Final = "tokenmarket_limits"
"""The key under which `_send` leaves the call's `Limits` in `request.extensions`, so that the
stream made from the response (which the resources build) reads with the same limits."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits on what the client reads from a server (see the module docstring)."""

    max_response_bytes: int = 256 * MiB
    """A non-streamed body, after decompression."""
    max_error_bytes: int = 64 * 1024
    """An error body: the first this many bytes (after decompression) are kept."""
    max_sse_line_bytes: int = 16 * MiB
    """One line of an event stream."""
    max_sse_event_bytes: int = 16 * MiB
    """The data of one event of an event stream."""

    def __post_init__(self) -> None:
        for name in (
            "max_response_bytes",
            "max_error_bytes",
            "max_sse_line_bytes",
            "max_sse_event_bytes",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Limits.{name} must be a positive int, not {value!r}")


DEFAULT_LIMITS: Final = Limits()


def check_deadline(deadline: float | None) -> float | None:
    """`deadline` if it is None or a positive finite number of seconds, else a ValueError."""
    if deadline is None:
        return None
    if (
        isinstance(deadline, bool)
        or not isinstance(deadline, int | float)
        or not math.isfinite(deadline)
        or deadline <= 0
    ):
        raise ValueError(f"deadline must be a positive number of seconds or None, not {deadline!r}")
    return float(deadline)


class Clock:
    """The time left of one call's deadline (`None`: no deadline)."""

    __slots__ = ("ends_at", "seconds")

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.ends_at = None if seconds is None else time.monotonic() + seconds

    def left(self) -> float | None:
        """Seconds until the deadline (0 when passed), or None without a deadline."""
        if self.ends_at is None:
            return None
        return max(self.ends_at - time.monotonic(), 0.0)

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        left = self.left()
        return left is not None and left <= 0.0

    def clamp(self, timeouts: dict[str, float | None]) -> dict[str, float | None]:
        """Per-phase timeouts shortened so that no phase waits past the deadline."""
        left = self.left()
        if left is None:
            return timeouts
        left = max(left, 0.001)  # 0 would mean "do not wait at all" to some backends
        return {
            phase: left if value is None else min(value, left) for phase, value in timeouts.items()
        }
