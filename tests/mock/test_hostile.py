"""Hostile bytes on a raw socket: the mock answers in the envelope, never 500, and sheds
connections that never finish a request (issue 13, items 7 to 11).

Every request here is written byte for byte to a real server on loopback (the guarded uvicorn
protocol of :mod:`mock_server.server`, with short timeouts so that the tests are quick). No
timing is asserted: a connection that must be closed is read until the server closes it, and
the suite's timeout is the guard. The memory bound is the peak RSS of a mock child process.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from generator.spec import Operation
from mock_server import images
from mock_server.launcher import running_mock
from tests.mock.support import JSON_OPERATIONS, QUICK_START, TOKEN, LiveServer, first_example

CHAT = "/v1/chat/completions"
HEAD_TIMEOUT = 1.0
HUGE = "9" * 5000  # more digits than int() converts (4,300)


@pytest.fixture(scope="module")
def guarded() -> Iterator[LiveServer]:
    """The mock with one-second head and body timeouts."""
    with LiveServer(head_timeout=HEAD_TIMEOUT, body_stall_timeout=HEAD_TIMEOUT) as server:
        yield server


def _connect(server: LiveServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = bytearray()
    while chunk := sock.recv(65536):
        data += chunk
    return bytes(data)


def _exchange(server: LiveServer, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw`` (which asks to close), read the whole answer, parse it."""
    with _connect(server) as sock:
        sock.sendall(raw)
        return _parse(_read_all(sock))


def _parse(data: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def _post(path: str, body: bytes, *headers: str) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: Bearer {TOKEN}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *headers,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _envelope(status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    assert headers["content-type"] == "application/json", (status, body[:200])
    assert headers["x-request-id"].startswith("req_")
    error: dict[str, Any] = json.loads(body)["error"]
    assert set(error) == {"message", "type", "code", "param"}
    return error


# -- 7: overflowing floats -----------------------------------------------------------------


def _with(example: dict[str, Any], extra: str) -> bytes:
    return json.dumps(example).encode()[:-1] + b"," + extra.encode() + b"}"


OVERFLOWS = [
    '"x":1e9999',
    '"x":1e9999,"y":1.0',  # beside an integral float, which the validator rewrites
    '"x":-1e9999,"y":"\\ud800"',  # beside a lone surrogate, also rewritten
]


@pytest.mark.parametrize("extra", OVERFLOWS)
@pytest.mark.parametrize("operation", JSON_OPERATIONS, ids=[op.id for op in JSON_OPERATIONS])
def test_overflowing_floats_get_400(guarded: LiveServer, operation: Operation, extra: str) -> None:
    raw = _post(operation.path, _with(first_example(operation), extra))
    status, headers, body = _exchange(guarded, raw)
    assert status == 400, body
    assert _envelope(status, headers, body)["code"] == "REQUEST_001"


def test_overflowing_token_ids_get_400(guarded: LiveServer) -> None:
    """The embeddings token-id shortcut re-encodes the body too."""
    ids = ",".join(["1"] * 2000)
    body = b'{"model":"m","input":[' + ids.encode() + b'],"x":1e9999}'
    status, headers, answer = _exchange(guarded, _post("/v1/embeddings", body))
    assert status == 400
    assert _envelope(status, headers, answer)["code"] == "REQUEST_001"


# -- 8: huge integers ------------------------------------------------------------------------


def test_a_content_length_of_5000_digits_gets_the_envelope(guarded: LiveServer) -> None:
    raw = _post(CHAT, json.dumps(QUICK_START).encode()).replace(
        b"Content-Length: ", b"Content-Length: " + HUGE.encode() + b"0", 1
    )
    status, headers, body = _exchange(guarded, raw)
    assert status in (400, 413)
    assert _envelope(status, headers, body)["code"] == "REQUEST_001"


@pytest.mark.parametrize(
    "fault",
    [f"slow:{HUGE}", f"slow_stream:{HUGE}", f"rate_limit:{HUGE}", f"provider_error; times={HUGE}"],
    ids=["slow", "slow_stream", "rate_limit", "times"],
)
def test_huge_numbers_in_x_mock_fault_get_400(guarded: LiveServer, fault: str) -> None:
    raw = _post(CHAT, json.dumps(QUICK_START).encode(), f"X-Mock-Fault: {fault}")
    status, headers, body = _exchange(guarded, raw)
    assert status == 400
    assert _envelope(status, headers, body)["param"] == "X-Mock-Fault"


# -- 9: slow and half-open connections ---------------------------------------------------------


def test_a_connection_that_sends_nothing_is_closed(guarded: LiveServer) -> None:
    with _connect(guarded) as sock:
        assert _read_all(sock) == b""  # closed by the server, silently


def test_half_a_request_line_gets_408_and_is_closed(guarded: LiveServer) -> None:
    with _connect(guarded) as sock:
        sock.sendall(b"POST /v1/chat/comp")
        status, headers, body = _parse(_read_all(sock))
    assert status == 408
    assert _envelope(status, headers, body)["code"] == "REQUEST_TIMEOUT"


def test_headers_dripping_in_are_cut_at_the_head_timeout(guarded: LiveServer) -> None:
    """A byte now and then does not keep a head alive: its clock does not restart."""
    answer: bytes | None = None
    with _connect(guarded) as sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
        for _ in range(240):  # up to a minute of drip, far beyond the one-second timeout
            readable, _, _ = select.select([sock], [], [], 0.25)
            if readable:
                try:
                    answer = sock.recv(65536)
                except ConnectionResetError:
                    answer = b""
                break
            try:
                sock.sendall(b"X")
            except OSError:
                answer = b""
                break
    assert answer is not None, "the server kept a dripping head open"
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408")


def test_a_stalled_body_is_closed(guarded: LiveServer) -> None:
    with _connect(guarded) as sock:
        sock.sendall(_post(CHAT, b"x" * 100)[:-90])  # the head and 10 of 100 bytes
        assert _read_all(sock) == b""


def test_connections_over_the_cap_get_503_at_once() -> None:
    with LiveServer(max_connections=4, head_timeout=60) as server:
        idle = [_connect(server) for _ in range(4)]
        try:
            for sock in idle:  # make sure the server has accepted all four
                sock.sendall(b"G")
            with _connect(server) as extra:
                status, headers, body = _parse(_read_all(extra))
            assert status == 503
            assert _envelope(status, headers, body)["code"] == "OVERLOADED"
        finally:
            for sock in idle:
                sock.close()
        # Once they are gone, clients are served again.
        for _ in range(100):
            status, _, _ = _exchange(server, _post(CHAT, json.dumps(QUICK_START).encode()))
            if status == 200:
                break
        assert status == 200


# -- 11: protocol-level rejects, Host, image cache ---------------------------------------------


PROTOCOL_ERRORS = {
    "bad Content-Length": _post(CHAT, b"{}").replace(b"Content-Length: 2", b"Content-Length: x"),
    "Content-Length and Transfer-Encoding": _post(CHAT, b"{}", "Transfer-Encoding: chunked"),
    "bare CR": _post(CHAT, b"{}", "X-A: a\rb"),
    "garbage request line": b"\x00\x01 nonsense\r\n\r\n",
}


@pytest.mark.parametrize("raw", PROTOCOL_ERRORS.values(), ids=PROTOCOL_ERRORS.keys())
def test_protocol_level_rejects_are_in_the_envelope(guarded: LiveServer, raw: bytes) -> None:
    status, headers, body = _exchange(guarded, raw)
    assert status == 400
    assert _envelope(status, headers, body)["code"] == "REQUEST_001"


def test_image_urls_do_not_reflect_the_host_header(guarded: LiveServer) -> None:
    raw = _post("/v1/images/generations", b'{"model":"m","prompt":"fox"}').replace(
        b"Host: 127.0.0.1", b"Host: evil.example"
    )
    status, _, body = _exchange(guarded, raw)
    assert status == 200
    url = json.loads(body)["data"][0]["url"]
    assert url.startswith(f"{guarded.url}/files/images/")
    assert "evil" not in url


def test_served_images_are_drawn_once(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []
    real = images.draw

    def counting(seed: str, width: int, height: int) -> Any:
        drawn.append(seed)
        return real(seed, width, height)

    monkeypatch.setattr(images, "draw", counting)
    images.cached_image_file.cache_clear()
    url = client.post(
        "/v1/images/generations", json={"model": "m", "prompt": "a cached fox"}
    ).json()
    path = url["data"][0]["url"].split("/", 3)[3]
    first = client.get(f"/{path}")
    second = client.get(f"/{path}")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert len(drawn) == 1


# -- 10: what one request may ask for, and unread streams ----------------------------------------


LOGPROBS_STREAM = {
    "model": "m",
    "n": 128,
    "stream": True,
    "logprobs": True,
    "top_logprobs": 20,
    "messages": [{"role": "user", "content": "Tell me about " + "bread and butter " * 30}],
}


def test_a_request_for_too_much_output_gets_400(guarded: LiveServer) -> None:
    body = {
        **LOGPROBS_STREAM,
        "messages": [{"role": "user", "content": "Reply with only " + "w " * 300}],
    }
    status, headers, answer = _exchange(guarded, _post(CHAT, json.dumps(body).encode()))
    assert status == 400
    error = _envelope(status, headers, answer)
    assert (error["code"], error["param"]) == ("REQUEST_001", "n")


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")  # pragma: no cover


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_unread_streams_do_not_pin_memory() -> None:
    """100 large streams nobody reads: the mock's peak RSS stays bounded.

    Each stream would be about 7 MB if it were made up front (128 choices with 20 log
    probabilities per token); made lazily, with backpressure, each holds about one batch.
    """
    request = _post(CHAT, json.dumps(LOGPROBS_STREAM).encode()).replace(
        b"Connection: close\r\n", b""
    )
    with running_mock(TOKEN) as mock:
        port = int(mock.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=60) as warm:
            warm.sendall(request.replace(b'"n": 128', b'"n": 1'))
            warm.recv(65536)
        before = _peak_rss_mib(mock.pid)
        streams = []
        try:
            for _ in range(100):
                sock = socket.create_connection(("127.0.0.1", port), timeout=60)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                sock.sendall(request)
                assert sock.recv(256).startswith(b"HTTP/1.1 200")  # the stream has begun
                streams.append(sock)
            # Let every stream run into its backpressure (a bound, not a timing assertion).
            time.sleep(2)
            grown = _peak_rss_mib(mock.pid) - before
        finally:
            for sock in streams:
                sock.close()
    assert grown < 200, f"the mock's peak RSS grew {grown:.0f} MiB for 100 unread streams"
