"""A loopback server that is not ours to please: an OpenAI-style gateway with planted differences.

It is not the mock: a plain `http.server` that answers every operation of openapi.yaml from the
spec's own response examples and validates requests against the spec's request schemas, except
where a difference from the spec is planted on purpose. It counts every request it receives, so
a test can hold the fuzzer to its budget. The planted differences, by operationId:

- createChatCompletion: a response field of the wrong type (`created` is a string);
- createImage: a required response field is missing (`data`);
- createRerank: a 500 with an HTML page;
- createSpeech: WAV bytes under `audio/mpeg`, whatever format was asked for;
- createEmbedding: a loose validator (any body gets a 200).
"""

from __future__ import annotations

import json
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from jsonschema_rs import Draft202012Validator

from generator.spec import Operation, load_spec

SPEC = load_spec()
PLANTED = {
    "createChatCompletion": "wrong-type field",
    "createImage": "missing required field",
    "createRerank": "500 HTML page",
    "createSpeech": "audio under the wrong content type",
    "createEmbedding": "loose validator",
}
WAV = b"RIFF" + struct.pack("<I", 36 + 8) + b"WAVEfmt " + b"\x00" * 24 + b"\x00\x01" * 4


def _example(operation: Operation) -> dict[str, Any]:
    media = operation.success_json
    assert media is not None, f"{operation.id}: no JSON answer"
    assert media.examples, f"{operation.id}: no response example"
    value: dict[str, Any] = json.loads(json.dumps(next(iter(media.examples.values()))))
    return value


class PlantedServer:
    """The planted gateway on a free loopback port, serving in a thread; counts requests."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.requests = 0
        self.by_operation: dict[str, int] = {}
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet: the test reads the counts, not a log

            def do_GET(self) -> None:
                outer._count(None)
                self._send(
                    404,
                    "application/json",
                    b'{"error":{"message":"no route",'
                    b'"type":"invalid_request_body","code":"REQUEST_001","param":null}}',
                )

            do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_GET

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                operation = SPEC.find("POST", self.path)
                outer._count(operation.id if operation else None)
                if operation is None:
                    self.do_GET()
                    return
                if self.headers.get("authorization") != f"Bearer {outer.token}":
                    self._error(401, "unauthorized", "AUTH_001", "API key is missing")
                    return
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                if operation.id != "createEmbedding" and not _valid(operation, body):
                    self._error(400, "invalid_request_body", "REQUEST_001", "invalid body")
                    return
                self._answer(operation)

            def _answer(self, operation: Operation) -> None:
                if operation.id == "createRerank":
                    page = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
                    self._send(500, "text/html", page)
                    return
                if operation.id == "createSpeech":
                    self._send(200, "audio/mpeg", WAV)
                    return
                answer = _example(operation)
                if operation.id == "createChatCompletion":
                    answer["created"] = "yesterday"
                if operation.id == "createImage":
                    answer.pop("data", None)
                self._send(200, "application/json", json.dumps(answer).encode())

            def _error(self, status: int, kind: str, code: str, message: str) -> None:
                envelope = {
                    "error": {"message": message, "type": kind, "code": code, "param": None}
                }
                self._send(status, "application/json", json.dumps(envelope).encode())

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.send_header("x-request-id", f"req_planted_{outer.requests}")
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _count(self, operation_id: str | None) -> None:
        with self._lock:
            self.requests += 1
            key = operation_id or "(other)"
            self.by_operation[key] = self.by_operation.get(key, 0) + 1

    def __enter__(self) -> PlantedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def _valid(operation: Operation, body: Any) -> bool:
    media = operation.request_body
    if media is None:
        return True
    return bool(Draft202012Validator(SPEC.dereference(media.schema)).is_valid(body))
