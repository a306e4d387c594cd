"""How fast the mock serves: requests per second (small chat) and SSE chunks per second.

The measuring is the kit's one load generator, `mock_server.loadtest` (raw asyncio sockets,
a closed loop of keep-alive connections, SSE events counted one way); this module only picks
the bench's requests (`bench.payloads`) and caps the run.
"""

from __future__ import annotations

from typing import Final

from bench import payloads
from generator.spec import load_spec
from mock_server.loadtest import Load, run_load

__all__ = ["MAX_REQUESTS", "Load", "run"]

MAX_REQUESTS: Final = 200_000


def run(url: str, token: str, kind: str, seconds: float, connections: int) -> Load:
    """Load the mock at `url` with `kind` (`chat` or `stream`) for about `seconds`."""
    body = payloads.chat_body() if kind == "chat" else payloads.stream_body()
    path = load_spec().operation("createChatCompletion").path
    return run_load(url, token, path, body, seconds, connections, MAX_REQUESTS)
