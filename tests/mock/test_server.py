"""`python -m mock_server`: the startup line, the public curl quick start, clean stops."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from mock_server import DEV_TOKEN
from mock_server.launcher import Launched, running_mock
from mock_server.registry import HANDLERS
from tests.mock.support import OPERATIONS, ROOT

LINE = re.compile(r"http://127\.0\.0\.1:(\d+)")


@contextmanager
def mock_process(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[Launched, str]]:
    """The mock through the kit's launcher, with the caller's keys variable removed."""
    saved = os.environ.pop("TOKENMARKET_MOCK_TOKENS", None)
    try:
        with running_mock(None, *args, env=env) as mock:
            assert LINE.fullmatch(mock.url), f"unexpected URL {mock.url!r}"
            yield mock, mock.url
    finally:
        if saved is not None:
            os.environ["TOKENMARKET_MOCK_TOKENS"] = saved


def stop(mock: Launched, signum: int) -> tuple[int | None, str, str]:
    """Stop with ``signum``; the exit status, stdout after the announce line, stderr."""
    code = mock.stop(timeout=15, signum=signum)
    return code, "".join(list(mock.stdout)[1:]), "".join(mock.stderr)


def test_public_curl_quick_start_gets_ok() -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    with mock_process() as (process, url):
        # The public documentation's quick start, with the local URL and the development key.
        result = subprocess.run(
            [
                curl, "-sS", "-X", "POST", f"{url}/v1/chat/completions",
                "-H", f"Authorization: Bearer {DEV_TOKEN}",
                "-H", "Content-Type: application/json",
                "-d", """{
    "model": "DeepSeek-V4-pro",
    "provider": "dataeyes",
    "messages": [
      { "role": "user", "content": "Reply with only OK." }
    ],
    "stream": false
  }""",
            ],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
        body = json.loads(result.stdout)
        assert body["choices"][0]["message"]["content"] == "OK"
        code, out, _ = stop(process, signal.SIGINT)
        assert code == 0
        assert out == ""  # nothing after the first line


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_stops_cleanly(signum: int) -> None:
    with mock_process("--token", "k-one", "--token", "k-two") as (process, url):
        for key, status in (("k-one", 200), ("k-two", 200), (DEV_TOKEN, 401)):
            response = httpx.post(
                f"{url}/v1/video/generations",
                json={"model": "v", "prompt": "p"},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert response.status_code == status
        code, out, err = stop(process, signum)
    assert code == 0
    assert "Traceback" not in err
    # The mock names the operations that have no hand-written handler (none, today).
    spec_only = [op.id for op in OPERATIONS if op.id not in HANDLERS]
    expected = ", ".join(spec_only) if spec_only else "none"
    assert f"mock_server: answered from the spec alone (no handler): {expected}\n" in err
    assert "k-one" not in out + err
    assert "k-two" not in out + err


def test_keys_from_the_environment_never_printed() -> None:
    secret = "sk-env-secret-456"
    with mock_process(
        "--log-level", "debug", "--access-log", env={"TOKENMARKET_MOCK_TOKENS": secret}
    ) as (process, url):
        ok = httpx.post(
            f"{url}/v1/rerank",
            json={"model": "r", "query": "q", "documents": ["q"]},
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert ok.status_code == 200
        denied = httpx.post(
            f"{url}/v1/rerank",
            json={"model": "r", "query": "q", "documents": ["q"]},
            headers={"Authorization": f"Bearer {DEV_TOKEN}"},
        )
        assert denied.status_code == 401
        code, out, err = stop(process, signal.SIGTERM)
    assert code == 0
    assert "POST /v1/rerank" in err  # the access log is on, on stderr
    assert secret not in out + err


def test_port_in_use_is_reported() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "mock_server", "--port", str(port)],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_empty_token_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mock_server", "--port", "0", "--token", ""],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "API key" in result.stderr
