"""What an operation answers, independent of HTTP: a JSON body, an SSE stream or bytes.

Operations (``chat``, ``embeddings``, …) build an :class:`Answer` from a validated request;
``mock_server.app`` turns it into a response, adds the headers the spec declares and applies
any fault asked for with ``X-Mock-Fault``. Keeping the two apart makes every operation a pure
function of its request, which is what makes the mock deterministic and easy to test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from generator.spec import Spec

__all__ = [
    "CREATED",
    "Answer",
    "Billing",
    "BinaryAnswer",
    "Context",
    "JsonAnswer",
    "SseAnswer",
]

CREATED: Final = 1_764_000_000
"""The ``created`` time of every answer (2025-11-24T16:00:00Z): fixed, so bodies repeat."""

_COST_QUANTUM: Final = Decimal("0.00000001")


@dataclass(frozen=True, slots=True)
class Context:
    """What an operation may know besides its request body."""

    key: str
    """A stable hash of the operation and the canonical request body: ids and seeds use it."""
    base_url: str
    """The mock's own base URL (``http://127.0.0.1:PORT/``), for URLs it serves itself."""
    document: Mapping[str, Any]
    """The request body as parsed JSON (validated): for fields validated by a shortcut."""
    spec: Spec
    """The spec the mock serves (media types and the like are read from it, never restated)."""


@dataclass(frozen=True, slots=True)
class Billing:
    """What a request is billed: ``units`` of ``unit`` at ``unit_price`` US dollars each."""

    units: int
    unit: str
    unit_price: Decimal

    def headers(self) -> dict[str, str]:
        """The billing headers of openapi.yaml, computed from the usage."""
        cost = (self.unit_price * self.units).quantize(_COST_QUANTUM, rounding=ROUND_HALF_UP)
        return {
            "x-tokenmarket-cost": f"{cost:f}",
            "x-tokenmarket-billed-units": str(self.units),
            "x-tokenmarket-billing-unit": self.unit,
        }


@dataclass(frozen=True, slots=True)
class JsonAnswer:
    """A ``200 application/json`` answer."""

    body: dict[str, Any]
    billing: Billing


@dataclass(frozen=True, slots=True)
class SseAnswer:
    """A ``200 text/event-stream`` answer: JSON events, then ``data: [DONE]``.

    ``events`` may be a generator: the app pulls events only as fast as the client reads
    them, so an unread stream holds one batch, never the whole answer.
    """

    events: Iterable[dict[str, Any]]
    count: int
    """How many events ``events`` yields (the stream faults cut at half of it)."""
    billing: Billing


@dataclass(frozen=True, slots=True)
class BinaryAnswer:
    """A ``200`` answer of raw bytes with its own content type (speech audio)."""

    content: bytes
    media_type: str
    billing: Billing


Answer = JsonAnswer | SseAnswer | BinaryAnswer
