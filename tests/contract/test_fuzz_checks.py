"""The custom Schemathesis checks and the fuzz driver's safety rules, without a server."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from fuzz import run
from fuzz.checks import (
    SIGNATURES,
    BudgetSpent,
    RequestBudget,
    documented_error_pairs,
    example_models,
    fit_model,
    format_fields,
    parse_sse_data,
    requested_format,
    signature_problem,
    stream_problem,
)
from generator.spec import load_spec

SPEC = load_spec()
BINARY = next(operation for operation in SPEC.operations if operation.binary)
FORMATS = SPEC.media_types_of("SpeechFormat")


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
    assert signature_problem(FORMATS[fmt], data) is None


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
    assert signature_problem(FORMATS[fmt], data) is not None


def test_every_audio_format_of_the_spec_has_a_signature() -> None:
    assert set(FORMATS.values()) <= set(SIGNATURES), "a format of the spec has no byte check"


def test_requested_format_follows_the_spec() -> None:
    first, *_ = FORMATS
    assert [name for name, _, _ in format_fields(BINARY)] == ["response_format", "format"]
    assert requested_format(BINARY, {}) == (first, FORMATS[first])
    assert requested_format(BINARY, {"format": "wav"}) == ("wav", FORMATS["wav"])
    both = requested_format(BINARY, {"format": "wav", "response_format": "flac"})
    assert both is not None
    assert both[0] == "flac"
    assert all(requested_format(op, {}) is None for op in SPEC.operations if not op.binary)


def test_each_operation_gets_a_model_of_its_own_examples() -> None:
    for operation in SPEC.operations:
        own = example_models(operation.id)
        assert own, f"{operation.id}: its request examples name no model"
        for other in SPEC.operations:
            for model in example_models(other.id):
                sent = fit_model(operation, {"model": model, "x": 1})
                assert sent["model"] in own
                assert sent["x"] == 1
    assert fit_model(SPEC.operations[0], {"model": 7}) == {"model": 7}, "invalid stays invalid"


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


@pytest.mark.parametrize("operation", SPEC.operations, ids=SPEC.operation_ids)
def test_documented_pairs_come_from_the_spec(operation: Any) -> None:
    for status in operation.error_statuses:
        pairs = [(pair.type, pair.code) for pair in operation.response(status).error_codes]
        assert documented_error_pairs(operation, status) == (pairs or None)
    assert documented_error_pairs(operation, 418) is None or operation.response(418) is not None


def test_request_budget_is_a_hard_cap() -> None:
    budget = RequestBudget(2)
    budget.spend()
    budget.spend()
    with pytest.raises(BudgetSpent, match="budget of 2 spent"):
        budget.spend()
    assert (budget.sent, budget.refused) == (2, 1)
    RequestBudget(None).spend()  # unlimited against the embedded mock


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
    assert plan.capped
    assert plan.max_requests == 30
    args = " ".join(plan.st_args)
    assert "--rate-limit 1/s" in args
    assert "--mode positive --phases examples,fuzzing" in args
    assert "--no-shrink" in args
    assert "--request-retries 0" in args
    negative = _plan("--url", "https://cloud.hopegate.ai/api", "--live", "--negative-only")
    assert "--mode negative" in " ".join(negative.st_args)
    command = run.st_command(plan, plan.runs[0], "")
    assert not any("tm-secret-key" in part for part in command), "the key is never an argument"


def test_any_url_is_capped_even_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENMARKET_API_KEY", "tm-secret-key")
    plan = _plan("--url", "http://127.0.0.1:9", "--budget", "3", "--continue-on-failure")
    assert plan.capped
    assert plan.max_requests == 3
    assert plan.st_args[-1] == "--continue-on-failure", "passed on; the cap still holds"
    assert any("at most 3 requests" in line for line in plan.description)
    owned = _plan("--url", "http://127.0.0.1:9", "--unbounded")
    assert not owned.capped
    assert owned.max_requests is None


def test_unbounded_is_refused_for_a_remote_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENMARKET_API_KEY", "tm-secret-key")
    with pytest.raises(run.UsageError, match="loopback"):
        _plan("--url", "https://cloud.hopegate.ai/api", "--live", "--unbounded")
    with pytest.raises(run.UsageError, match="needs --url"):
        _plan("--unbounded")


def test_mock_mode_uses_a_fresh_token_and_deep_runs_per_operation() -> None:
    first, second = _plan(), _plan()
    assert first.token != second.token
    assert not first.capped
    assert first.max_requests is None
    deep = _plan("--deep")
    assert [run_args[1] for run_args in deep.runs] == list(SPEC.operation_ids)
    assert all("--continue-on-failure" in one for one in deep.runs)


def test_loopback_detection() -> None:
    assert run.is_loopback("http://127.0.0.1:8080")
    assert run.is_loopback("http://localhost:1")
    assert run.is_loopback("http://[::1]:8080")
    assert not run.is_loopback("https://cloud.hopegate.ai/api")
    assert not run.is_loopback("http://10.0.0.1")
