"""Turn Schemathesis' NDJSON event stream into findings people can act on.

A finding is one distinct way the server differs from openapi.yaml: an operation (its
operationId), the check that saw it, the HTTP status, the check's message, how often it was
seen, one example request and answer, and a replay command. A finding that rests only on
elements the spec marks `x-tokenmarket-assumption` is "the server contradicts an assumption",
reported apart from contract breaks (see `assumption_basis`).

The key never reaches a finding: Schemathesis masks the `Authorization` header (and only it,
see schemathesis.toml), and `mask` replaces the key's value wherever else it appears. Replays
read the key from `$TOKENMARKET_API_KEY`.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from generator.spec import Operation, Spec

KEY_VARIABLE = "TOKENMARKET_API_KEY"
MASK = "[masked key]"
BUDGET_MARK = "request budget of"
# Bodies shown in a report are cut here: the report is for reading, the cassette keeps all.
MAX_BODY_CHARS = 2000
SCHEMA_AT = re.compile(r"Schema at /components/schemas/([^/\s:]+)")
# Checks whose verdict is about one documented response of the operation.
RESPONSE_CHECKS = (
    "response_schema_conformance",
    "content_type_conformance",
    "error_pair_documented",
    "status_code_conformance",
)


@dataclass
class Finding:
    """One distinct difference between the server and the spec."""

    operation: str
    method: str
    path: str
    check: str
    title: str
    status: int | None
    message: str
    replay: str
    assumption_only: bool
    assumptions: list[str]
    severity: str
    """`contract` (the server breaks what the spec states) or `assumption`."""
    count: int = 1
    phase: str = ""
    request: dict[str, Any] = field(default_factory=dict)
    response: dict[str, Any] = field(default_factory=dict)


def mask(text: str, key: str) -> str:
    """`text` with the key's value replaced wherever it appears (raw or JSON-escaped)."""
    if not key:
        return text
    for form in {key, json.dumps(key)[1:-1]}:
        text = text.replace(form, MASK)
    return text


def read_events(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    """Every event of Schemathesis' NDJSON reports, in order."""
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def _decode(body: object) -> str:
    if isinstance(body, dict) and "$base64" in body:
        return base64.b64decode(body["$base64"]).decode("utf-8", "replace")
    if isinstance(body, dict) and "string" in body:
        return str(body["string"])
    return "" if body is None else str(body)


def _first(values: object) -> str:
    return str(values[0]) if isinstance(values, list) and values else str(values)


def replay_command(request: dict[str, Any], key: str) -> str:
    """A curl command that sends the request again, the key read from $TOKENMARKET_API_KEY."""
    parts = ["curl", "-X", str(request.get("method", "POST")), shlex.quote(str(request["uri"]))]
    for name, values in (request.get("headers") or {}).items():
        if name.lower() in {
            "authorization",
            "content-length",
            "user-agent",
            "accept-encoding",
            "connection",
            "accept",
        }:
            continue
        parts += ["-H", shlex.quote(mask(f"{name}: {_first(values)}", key))]
    parts += ["-H", f'"Authorization: Bearer ${KEY_VARIABLE}"']
    body = _decode(request.get("body"))
    if body:
        parts += ["--data-binary", shlex.quote(mask(body, key))]
    return " ".join(parts)


def _response_node(operation: Operation, status: int) -> object:
    responses = operation.raw.get("responses") or {}
    text = str(status)
    for candidate in (text, f"{text[:1]}XX", "default"):
        if candidate in responses:
            return responses[candidate]
    return None


def assumption_basis(
    spec: Spec,
    operation: Operation,
    check: str,
    status: int | None,
    message: str,
    case: dict[str, Any],
) -> list[str]:
    """The assumptions a finding rests on; empty when it rests on something the doc states.

    A finding rests only on assumptions when every element of the spec it depends on carries
    `x-tokenmarket-assumption`: the tracing header for `request_id_present`; the headers its
    message names for `response_headers_conformance`; the documented response (or the schema
    the message names) for the response checks; the header parameters when they were the only
    invalid part of a request that the server accepted.
    """
    if status is not None and check in (
        *RESPONSE_CHECKS,
        "request_id_present",
        "response_headers_conformance",
    ):
        node = _response_node(operation, status)
        reason = spec.assumption_at(node) if node is not None else None
        if reason:
            return [reason]
    response = operation.response(status) if status is not None else None
    if check == "request_id_present" and response is not None:
        reasons = [
            spec.assumption_at(h)
            for n, h in response.headers.items()
            if n.lower() == "x-request-id"
        ]
        return [r for r in reasons if r] if reasons and all(reasons) else []
    if check == "response_headers_conformance" and response is not None:
        named = [h for n, h in response.headers.items() if n.lower() in message.lower()]
        reasons = [spec.assumption_at(header) for header in named]
        return [r for r in reasons if r] if named and all(reasons) else []
    if check in RESPONSE_CHECKS:
        names = SCHEMA_AT.findall(message)
        if (
            not names
            and status is not None
            and operation.success_schema_name
            and str(status) == operation.success.status
        ):
            names = [operation.success_schema_name]
        reasons = [
            spec.assumption_at(spec.schema(name)) for name in names if name in spec.schema_names
        ]
        return [r for r in reasons if r] if names and reasons and all(reasons) else []
    if check == "negative_data_rejection":
        components = (case.get("meta") or {}).get("components") or {}
        negative = {k for k, v in components.items() if (v or {}).get("mode") == "negative"}
        headers = [p for p in operation.parameters if p.get("in") == "header"]
        if negative == {"header"} and headers:
            reasons = [spec.assumption_at(p) for p in headers]
            return [r for r in reasons if r] if all(reasons) else []
    return []


@dataclass
class Collected:
    """What one or more runs found, and what they sent."""

    findings: list[Finding]
    budget_refusals: int = 0
    errors: list[str] = field(default_factory=list)


def _example(interaction: dict[str, Any], key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    request = interaction.get("request") or {}
    response = interaction.get("response") or {}
    shown_request = {
        "method": request.get("method"),
        "url": request.get("uri"),
        "headers": {k: mask(_first(v), key) for k, v in (request.get("headers") or {}).items()},
        "body": mask(_decode(request.get("body")), key)[:MAX_BODY_CHARS],
    }
    shown_response = {
        "status": response.get("status_code"),
        "headers": {k: mask(_first(v), key) for k, v in (response.get("headers") or {}).items()},
        "body": mask(_decode(response.get("content")), key)[:MAX_BODY_CHARS],
    }
    return shown_request, shown_response


def collect(spec: Spec, paths: Iterable[Path], key: str) -> Collected:
    """Distinct findings from the NDJSON reports at `paths`, with the key masked everywhere."""
    by_key: dict[tuple[str, str, int | None, str], Finding] = {}
    result = Collected(findings=[])
    for event in read_events(paths):
        ((kind, payload),) = event.items()
        if kind == "NonFatalError":
            message = str((payload.get("value") or {}).get("message", ""))
            if BUDGET_MARK in message:
                result.budget_refusals += 1
            else:
                result.errors.append(mask(f"{payload.get('label')}: {message}", key))
            continue
        if kind != "ScenarioFinished":
            continue
        recorder = payload["recorder"]
        label = str(recorder.get("label", ""))
        method, _, path = label.partition(" ")
        operation = spec.find(method, path)
        for case_id, checks in (recorder.get("checks") or {}).items():
            case = ((recorder.get("cases") or {}).get(case_id) or {}).get("value") or {}
            interaction = (recorder.get("interactions") or {}).get(case_id) or {}
            for check in checks:
                if check.get("status") != "failure":
                    continue
                failure = (check.get("failure_info") or {}).get("failure") or {}
                status = (interaction.get("response") or {}).get("status_code")
                message = mask(str(failure.get("message") or failure.get("title") or ""), key)
                title = str(failure.get("title", check["name"]))
                key_ = (label, check["name"], status, message.split("\n", 1)[0])
                if key_ in by_key:
                    by_key[key_].count += 1
                    continue
                reasons = (
                    assumption_basis(spec, operation, check["name"], status, message, case)
                    if operation is not None
                    else []
                )
                request, response = _example(interaction, key) if interaction else ({}, {})
                by_key[key_] = Finding(
                    operation=operation.id if operation is not None else label,
                    method=method,
                    path=path,
                    check=check["name"],
                    title=title,
                    status=status,
                    message=message,
                    replay=replay_command(interaction["request"], key) if interaction else "",
                    assumption_only=bool(reasons),
                    assumptions=reasons,
                    severity="assumption" if reasons else "contract",
                    phase=str(((case.get("meta") or {}).get("phase") or {}).get("name", "")),
                    request=request,
                    response=response,
                )
    result.findings = sorted(
        by_key.values(), key=lambda f: (f.severity != "contract", f.operation, f.check)
    )
    return result


def write_json(findings: list[Finding], path: Path) -> None:
    """`findings.json`: a JSON list, one object per distinct finding."""
    path.write_text(json.dumps([asdict(f) for f in findings], indent=2) + "\n", encoding="utf-8")
