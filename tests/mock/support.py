"""Shared constants and helpers of the mock gateway's tests."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from generator.spec import Operation, load_spec
from mock_server import create_app
from mock_server.server import server_config

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-key-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

SPEC = load_spec()
OPERATIONS: tuple[Operation, ...] = SPEC.operations
"""Every operation of openapi.yaml: tests parametrised over it cover a new one by themselves."""
JSON_OPERATIONS = tuple(op for op in OPERATIONS if op.request_body is not None)
SPEECH_FORMATS: dict[str, str] = SPEC.media_types_of("SpeechFormat")
"""The spec's speech formats and their media types."""


def first_example(operation: Operation) -> dict[str, object]:
    """The first request example the spec gives the operation (every JSON operation has one)."""
    examples = operation.request_examples
    assert examples, f"{operation.id}: the spec gives no request example"
    value = next(iter(examples.values()))
    assert isinstance(value, dict)
    return value


QUICK_START = {
    "model": "DeepSeek-V4-pro",
    "provider": "dataeyes",
    "messages": [{"role": "user", "content": "Reply with only OK."}],
    "stream": False,
}


class LiveServer:
    """uvicorn serving an ASGI app (the mock by default) on a free loopback port, in a thread."""

    def __init__(self, app: ASGIApp | None = None, **options: object) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app([TOKEN]) if app is None else app
        config = server_config(app, log_level="warning", **options)  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the mock server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
