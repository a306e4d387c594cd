"""fuzz/findings.py without a server: masking, replays, assumption-only findings, the verdict."""

from __future__ import annotations

import base64
import json
import shlex
from types import SimpleNamespace
from typing import Any

import pytest

from fuzz import run
from fuzz.checks import request_is_valid
from fuzz.findings import Collected, Finding, assumption_basis, mask, replay_command
from generator.spec import load_spec

SPEC = load_spec()
KEY = 'tm-unit-secret-"quoted"'


def _request(body: dict[str, Any], **headers: str) -> dict[str, Any]:
    return {
        "method": "POST",
        "uri": "http://127.0.0.1:9/v1/chat/completions",
        "headers": {"Authorization": ["[Filtered]"], "Content-Type": ["application/json"]}
        | {name: [value] for name, value in headers.items()},
        "body": {"$base64": base64.b64encode(json.dumps(body).encode()).decode()},
    }


def test_mask_hides_the_key_raw_and_json_escaped() -> None:
    text = f"key={KEY} json={json.dumps(KEY)}"
    masked = mask(text, KEY)
    assert KEY not in masked
    assert json.dumps(KEY)[1:-1] not in masked


def test_replay_keeps_every_field_as_sent_and_reads_the_key_from_the_environment() -> None:
    body = {"model": "m", "max_tokens": 5, "messages": []}
    command = replay_command(_request(body, **{"Idempotency-Key": "retry-7"}), KEY)
    words = shlex.split(command)
    assert json.loads(words[words.index("--data-binary") + 1]) == body
    assert "Idempotency-Key: retry-7" in words
    assert "Authorization: Bearer $TOKENMARKET_API_KEY" in words
    assert "[Filtered]" not in command


@pytest.mark.parametrize("operation", SPEC.operations, ids=SPEC.operation_ids)
def test_tracing_header_findings_rest_on_an_assumption(operation: Any) -> None:
    reasons = assumption_basis(SPEC, operation, "request_id_present", 200, "", {})
    assert reasons == [SPEC.assumption_at(SPEC.header("XRequestId"))]


def test_schema_findings_rest_on_an_assumption_only_for_marked_schemas() -> None:
    for operation in SPEC.operations:
        name = operation.success_schema_name
        if name is None:
            continue
        message = f"x\n\nSchema at /components/schemas/{name}/properties/y:\n"
        reasons = assumption_basis(SPEC, operation, "response_schema_conformance", 200, message, {})
        assert bool(reasons) == bool(SPEC.assumption_at(SPEC.schema(name))), name
    # A server error is never an assumption.
    operation = SPEC.operations[0]
    assert assumption_basis(SPEC, operation, "not_a_server_error", 500, "Server error", {}) == []


def test_undocumented_statuses_and_ignored_headers_rest_on_assumptions() -> None:
    operation = SPEC.operations[0]
    for status, response in ((429, "RateLimited"), (413, "PayloadTooLarge")):
        expected = [SPEC.raw["components"]["responses"][response]["x-tokenmarket-assumption"]]
        assert (
            assumption_basis(SPEC, operation, "error_pair_documented", status, "", {}) == expected
        )
    header_only = {
        "meta": {"components": {"header": {"mode": "negative"}, "body": {"mode": "positive"}}}
    }
    reasons = assumption_basis(SPEC, operation, "negative_data_rejection", 200, "", header_only)
    assert reasons == [SPEC.assumption_at(SPEC.parameter("IdempotencyKey"))]
    body_too = {
        "meta": {"components": {"header": {"mode": "negative"}, "body": {"mode": "negative"}}}
    }
    assert assumption_basis(SPEC, operation, "negative_data_rejection", 200, "", body_too) == []


def _finding(assumption_only: bool) -> Finding:
    return Finding(
        operation="op", method="POST", path="/p", check="c", title="t", status=200, message="m",
        replay="curl", assumption_only=assumption_only,
        assumptions=["why"] if assumption_only else [],
        severity="assumption" if assumption_only else "contract",
    )  # fmt: skip


def test_verdict_fails_contract_breaks_and_assumptions_only_when_strict() -> None:
    assumed = Collected(findings=[_finding(True)])
    assert run.verdict(1, assumed, {}, strict=False) == 0
    assert run.verdict(1, assumed, {}, strict=True) == 1
    assert run.verdict(1, Collected(findings=[_finding(False)]), {}, strict=False) == 1
    assert run.verdict(0, Collected(findings=[]), {"missing_auth": 1}, strict=False) == 1
    assert run.verdict(1, Collected(findings=[], budget_refusals=3), {}, strict=False) == 0
    assert run.verdict(2, Collected(findings=[]), {}, strict=False) == 2


def test_premise_checks_see_only_schema_valid_requests() -> None:
    binary = next(operation for operation in SPEC.operations if operation.binary)
    (example, *_) = binary.request_examples.values()
    assert request_is_valid(binary, SimpleNamespace(body=example))  # type: ignore[arg-type]
    invalid = {**example, "response_format": "AAA"}
    assert not request_is_valid(binary, SimpleNamespace(body=invalid))  # type: ignore[arg-type]
