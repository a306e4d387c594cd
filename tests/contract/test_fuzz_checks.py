"""The custom Schemathesis checks and the fuzz driver's safety rules, without a server."""

from __future__ import annotations

import struct

import pytest

from fuzz import run
from fuzz.checks import (
    RequestBudget,
    audio_signature_problem,
    documented_error_pairs,
    parse_sse_data,
    requested_audio_format,
    stream_problem,
)


def _wav(samples: bytes) -> bytes:
    header = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVEfmt "
    return header + b"\x00" * 24 + samples


@pytest.mark.parametrize(
    ("fmt", "data"),
    [
        ("wav", _wav(b"\x00\x01" * 8)),
        ("mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00"),
        ("mp3", b"\xff\xf3\x44\xc4" + b"\x00" * 8),
        ("opus", b"OggS\x00\x02" + b"\x00" * 22 + b"OpusHead" + b"\x00" * 8),
        ("flac", b"fLaC\x00\x00\x00\x22"),
        ("aac", b"\xff\xf1\x60\x40\x1f\xff\xfc" + b"\x00" * 8),
        ("pcm", b"\x00\x01\x02\x03"),
    ],
)
def test_real_signatures_pass(fmt: str, data: bytes) -> None:
    assert audio_signature_problem(fmt, data) is None


@pytest.mark.parametrize(
    ("fmt", "data"),
    [
        ("wav", b"ID3\x04\x00"),
        ("mp3", _wav(b"\x00\x00")),
        ("mp3", b"\xff\xe8\x00\x00"),  # frame sync with the reserved MPEG version
        ("opus", b"fLaC\x00"),
        ("flac", b"OggS"),
        ("aac", b"\xff\xf3\x44\xc4"),  # an MP3 frame is not ADTS (layer bits set)
        ("pcm", b"\x00\x01\x02"),  # half a sample
        ("wav", b""),
    ],
)
def test_mislabelled_audio_is_caught(fmt: str, data: bytes) -> None:
    assert audio_signature_problem(fmt, data) is not None


def test_requested_format_follows_the_spec() -> None:
    assert requested_audio_format({}) == "mp3"
    assert requested_audio_format({"format": "wav"}) == "wav"
    assert requested_audio_format({"format": "wav", "response_format": "flac"}) == "flac"


CHUNK = '{"id":"c1","choices":[]}'


def test_sse_parsing_handles_comments_crlf_and_multiline() -> None:
    body = ': keep-alive\r\ndata: {"a":\r\ndata: 1}\r\n\r\ndata: [DONE]\r\n\r\n'
    assert parse_sse_data(body) == ['{"a":\n1}', "[DONE]"]


@pytest.mark.parametrize(
    ("events", "problem"),
    [
        ([CHUNK, CHUNK, "[DONE]"], None),
        ([CHUNK, '{"error":{"message":"m","type":"t","code":"c"}}'], None),
        ([CHUNK, CHUNK], "the stream ended without [DONE]"),
        ([CHUNK, "[DONE]", CHUNK], "1 event(s) follow [DONE]"),
        ([CHUNK, '{"id":"c2","choices":[]}', "[DONE]"], "chunks carry several ids"),
        ([], "the stream has no events"),
    ],
)
def test_stream_framing(events: list[str], problem: str | None) -> None:
    found = stream_problem(events)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert found.startswith(problem)


def test_documented_pairs_come_from_the_spec() -> None:
    assert documented_error_pairs("/v1/rerank", 401) == [("unauthorized", "AUTH_001")]
    assert documented_error_pairs("/v1/audio/speech", 504) == [("timeout", "PROVIDER_TIMEOUT")]
    assert documented_error_pairs("/v1/rerank", 418) is None


def test_request_budget_is_a_hard_cap() -> None:
    budget = RequestBudget(2)
    budget.spend()
    budget.spend()
    with pytest.raises(RuntimeError, match="budget of 2 spent"):
        budget.spend()
    RequestBudget(None).spend()  # unlimited against the mock


def _plan(*argv: str) -> run.Plan:
    args, passthrough = run.parse_args(list(argv))
    return run.plan_run(args, passthrough)


def test_live_url_needs_explicit_live_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENMARKET_API_KEY", "tm-secret-key")
    with pytest.raises(run.UsageError, match="not loopback"):
        _plan("--url", "https://cloud.hopegate.ai/api")


def test_live_needs_the_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKENMARKET_API_KEY", raising=False)
    with pytest.raises(run.UsageError, match="TOKENMARKET_API_KEY"):
        _plan("--url", "https://cloud.hopegate.ai/api", "--live")


def test_live_defaults_are_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENMARKET_API_KEY", "tm-secret-key")
    plan = _plan("--url", "https://cloud.hopegate.ai/api", "--live")
    assert plan.live
    assert plan.max_requests == 30
    args = " ".join(plan.st_args)
    assert "--rate-limit 1/s" in args
    assert "--mode positive" in args
    assert "--no-shrink" in args
    negative = _plan("--url", "https://cloud.hopegate.ai/api", "--live", "--negative-only")
    assert "--mode negative" in " ".join(negative.st_args)
    command = run.st_command(plan, plan.runs[0], "")
    assert not any("tm-secret-key" in part for part in command), "the key is never an argument"


def test_mock_mode_uses_a_fresh_token_and_deep_runs_per_operation() -> None:
    first, second = _plan(), _plan()
    assert first.token != second.token
    assert not first.live
    assert first.max_requests is None
    deep = _plan("--deep")
    assert len(deep.runs) == len(run.OPERATION_IDS)
    assert all("--continue-on-failure" in one for one in deep.runs)


def test_loopback_detection() -> None:
    assert run.is_loopback("http://127.0.0.1:8080")
    assert run.is_loopback("http://localhost:1")
    assert run.is_loopback("http://[::1]:8080")
    assert not run.is_loopback("https://cloud.hopegate.ai/api")
    assert not run.is_loopback("http://10.0.0.1")
