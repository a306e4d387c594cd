"""Failures: one line on standard error, the right exit status, no traceback, never the key."""

from __future__ import annotations

import socket

from .conftest import Runner


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_wrong_key(tokenmarket: Runner) -> None:
    key = "tm-wrong-key-that-must-not-be-printed"
    done = tokenmarket("check", key=key)
    assert done.returncode == 1
    line = _one_line(done.stderr)
    assert line.startswith("tokenmarket: error: AuthenticationError")
    assert "AUTH_001" in line
    assert "req_" in line
    assert key not in done.stderr + done.stdout


def test_wrong_key_with_debug_shows_a_traceback_without_the_key(tokenmarket: Runner) -> None:
    key = "tm-wrong-key-debug-0123456789"
    done = tokenmarket("--debug", "chat", "hi", key=key)
    assert done.returncode == 1
    assert "Traceback" in done.stderr
    assert done.stderr.splitlines()[-1].startswith("tokenmarket: error: AuthenticationError")
    assert key not in done.stderr + done.stdout


def test_unreachable_server_names_the_url(tokenmarket: Runner) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    done = tokenmarket("--base-url", url, "--max-retries", "0", "check")
    assert done.returncode == 1
    line = _one_line(done.stderr)
    assert line.startswith("tokenmarket: error: APIConnectionError")
    assert f"{url}/v1/chat/completions" in line
    assert tokenmarket.mock.token not in done.stderr


def test_bad_json_in_data(tokenmarket: Runner) -> None:
    done = tokenmarket("api", "rerank.create", "--data", "{not json")
    assert done.returncode == 2
    assert _one_line(done.stderr).startswith("tokenmarket: error: --data is not valid JSON")


def test_missing_out_directory_is_refused_before_sending(tokenmarket: Runner) -> None:
    for command in (["speech", "hi"], ["images", "a fox"]):
        done = tokenmarket(*command, "--out", "missing/dir/file.mp3")
        assert done.returncode == 2, done.stderr
        line = _one_line(done.stderr)
        assert "the directory 'missing/dir' does not exist" in line
    assert list(tokenmarket.cwd.iterdir()) == []


def test_unknown_audio_extension_asks_for_format(tokenmarket: Runner) -> None:
    done = tokenmarket("speech", "hi", "--out", "hello.xyz")
    assert done.returncode == 2
    line = _one_line(done.stderr)
    assert "pass --format (one of mp3, " in line


def test_no_key(tokenmarket: Runner) -> None:
    done = tokenmarket("check", key="")
    assert done.returncode == 2
    assert "TOKENMARKET_API_KEY" in _one_line(done.stderr)


def test_api_key_option_warns_about_shell_history(tokenmarket: Runner) -> None:
    done = tokenmarket("--api-key", tokenmarket.mock.token, "check", key="")
    assert done.returncode == 0, done.stderr
    assert "shell history" in _one_line(done.stderr)
    assert tokenmarket.mock.token not in done.stderr


def test_usage_errors_exit_2(tokenmarket: Runner) -> None:
    assert tokenmarket("nosuch").returncode == 2
    assert tokenmarket("chat").returncode == 2
    assert tokenmarket("images", "x", "--out", "x.png", "--n", "0").returncode == 2
    assert tokenmarket("chat", "-", input="   ").returncode == 2
    assert tokenmarket().returncode == 2


def test_an_audio_stream_cut_short_leaves_no_file(tokenmarket: Runner) -> None:
    fault = ["--header", "X-Mock-Fault: cut_stream", "--max-retries", "0"]
    done = tokenmarket(*fault, "speech", "Hello there, a longer sentence", "--out", "cut.mp3")
    assert done.returncode == 1
    line = _one_line(done.stderr)
    assert "StreamInterruptedError" in line or "APIConnectionError" in line, line
    assert list(tokenmarket.cwd.iterdir()) == [], "no half-written file under the asked name"


def test_an_error_inside_a_stream_is_one_line(tokenmarket: Runner) -> None:
    done = tokenmarket("--header", "X-Mock-Fault: stream_error", "chat", "one two three four")
    assert done.returncode == 1
    assert "PROVIDER_001" in done.stderr.splitlines()[-1]
    assert "Traceback" not in done.stderr
