"""``POST /v1/video/generations``: the queued task payload, at once.

The mock produces no video: it answers the task as an upstream reports it right after
creation (``status: queued``, ``progress: 0``), with ``id`` and ``task_id`` derived from the
request. ``seconds`` (or its alias ``duration``, used only without ``seconds``) defaults to 5
and ``size`` to ``1280x720``. A task is billed as one ``task`` at 0.01 US dollars a second.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from pydantic import MISSING
from tokenmarket_models import CreateVideoRequest

from mock_server.answers import CREATED, Billing, Context, JsonAnswer

__all__ = ["DEFAULT_SECONDS", "DEFAULT_SIZE", "handle"]

DEFAULT_SECONDS: Final = "5"
DEFAULT_SIZE: Final = "1280x720"
PRICE_PER_SECOND: Final = Decimal("0.01")


def handle(req: CreateVideoRequest, ctx: Context) -> JsonAnswer:
    """Answer a validated video generation request."""
    length = req.seconds if req.seconds is not MISSING else req.duration
    seconds = str(length.root) if length is not MISSING else DEFAULT_SECONDS
    task_id = f"video_{ctx.key}"
    body = {
        "id": task_id,
        "task_id": task_id,
        "object": "video",
        "model": req.model,
        "status": "queued",
        "progress": 0,
        "created_at": CREATED,
        "completed_at": None,
        "size": req.size if req.size is not MISSING else DEFAULT_SIZE,
        "seconds": seconds,
        "error": None,
    }
    return JsonAnswer(body, Billing(1, "task", PRICE_PER_SECOND * int(seconds)))
