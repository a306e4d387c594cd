"""Custom Schemathesis checks and hooks for what the built-in checks cannot see.

Loaded as Schemathesis hooks (`hooks = "fuzz.checks"` in schemathesis.toml). Every check finds
the operation of the case in openapi.yaml (through generator/spec.py) and decides by what the
spec says about it, never by its path:

- `audio_matches_format`: a binary success answer is really the format the request asked for
  (a request field whose enumeration carries `x-tokenmarket-media-types`) under that format's
  media type (RIFF/WAVE, MPEG frame sync or ID3, OggS, fLaC, ADTS, whole 16-bit PCM samples);
- `stream_ends_with_done`: an event stream ends with `[DONE]`, nothing follows it, and its
  chunks share one id (a mid-stream error envelope is a legitimate end before `[DONE]`);
- `error_pair_documented`: an error envelope's type/code pair is one the spec documents for
  that status (`x-error-codes`), when the spec documents any;
- `request_id_present`: every response carries the spec's tracing header (`x-request-id`);
- `rerank_sorted`: results that the spec describes as scored (`relevance_score`) and indexed
  into the request's `documents` are sorted and index real documents.

A check whose premise is the request (the format asked for, `top_n`) judges only requests that
are valid against the operation's request schema: an invalid one promises nothing.

The `before_call` hook gives each request the model its own operation's examples use (the
spec's only `ModelId` example is a chat model), and the request budget
(TOKENMARKET_FUZZ_MAX_REQUESTS) is a hard cap on every HTTP request the Schemathesis process
sends (cases, the checks' own extra requests, its start-up probes), counted at the transport.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar, cast

import requests.adapters
import schemathesis
from jsonschema_rs import Draft202012Validator
from schemathesis import Case, CheckContext, DeserializationContext, HookContext, Response

from generator.spec import MEDIA_TYPES_EXTENSION, Operation, load_spec

SPEC = load_spec()
Body = TypeVar("Body")
BUDGET_ENV = "TOKENMARKET_FUZZ_MAX_REQUESTS"
SENT_FILE_ENV = "TOKENMARKET_FUZZ_SENT_FILE"


def operation_of(case: Case[Any]) -> Operation | None:
    """The spec's operation a Schemathesis case exercises."""
    return SPEC.find(str(case.operation.method), str(case.operation.path))


def _header(response: Response, name: str) -> str | None:
    values = response.headers.get(name.lower())
    return values[0] if values else None


def _media_type(response: Response) -> str:
    return (_header(response, "content-type") or "").split(";", 1)[0].strip().lower()


def _body(case: Case[Any]) -> dict[str, Any]:
    return case.body if isinstance(case.body, dict) else {}


@cache
def _request_validator(operation_id: str) -> Draft202012Validator | None:
    body = SPEC.operation(operation_id).request_body
    if body is None:
        return None
    return Draft202012Validator(SPEC.dereference(body.schema))


def request_is_valid(operation: Operation, case: Case[Any]) -> bool:
    """Whether the case's body is valid against the operation's request schema."""
    validator = _request_validator(operation.id)
    return validator is None or validator.is_valid(case.body)


# ---------------------------------------------------------------- audio
def format_fields(operation: Operation) -> list[tuple[str, dict[str, str], str]]:
    """Request fields that choose the answer's media type: (field, value -> type, default).

    A field qualifies when its schema is an enumeration with `x-tokenmarket-media-types`; the
    fields count in the schema's order (the first present one wins) and the default is the
    enumeration's first value, as the speech schema states.
    """
    body = operation.request_body
    if body is None:
        return []
    schema = SPEC.resolve(body.schema)
    found = []
    for name, node in (schema.get("properties") or {}).items():
        target = SPEC.resolve(node)
        mapping = target.get(MEDIA_TYPES_EXTENSION) if isinstance(target, dict) else None
        if isinstance(mapping, dict):
            values = target.get("enum") or list(mapping)
            found.append((name, {str(k): str(v) for k, v in mapping.items()}, str(values[0])))
    return found


def requested_format(operation: Operation, body: dict[str, Any]) -> tuple[str, str] | None:
    """(format, media type) the request asks for, or None when the operation has no choice."""
    fields = format_fields(operation)
    if not fields:
        return None
    mapping, default = fields[0][1], fields[0][2]
    for name, _, _ in fields:
        value = body.get(name)
        if isinstance(value, str) and value in mapping:
            return value, mapping[value]
    return default, mapping[default]


def _is_mp3(data: bytes) -> bool:
    if data.startswith(b"ID3"):
        return True
    # MPEG audio frame sync: eleven set bits, then a version other than "reserved" (01).
    return (
        len(data) >= 2 and data[0] == 0xFF and (data[1] & 0xE0) == 0xE0 and (data[1] & 0x18) != 0x08
    )


def _is_adts(data: bytes) -> bool:
    # ADTS header: twelve set bits of sync, layer 00.
    return len(data) >= 7 and data[0] == 0xFF and (data[1] & 0xF6) == 0xF0


# Byte signatures by media type: what no schema can say about a binary body.
SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "audio/wav": lambda d: len(d) >= 12 and d[:4] == b"RIFF" and d[8:12] == b"WAVE",
    "audio/mpeg": _is_mp3,
    "audio/opus": lambda d: d.startswith(b"OggS") and b"OpusHead" in d[:64],
    "audio/flac": lambda d: d.startswith(b"fLaC"),
    "audio/aac": _is_adts,
    "audio/pcm": lambda d: len(d) % 2 == 0,
}


def signature_problem(media_type: str, data: bytes) -> str | None:
    """Why `data` is not a body of `media_type`, or None when it is (or no signature is known)."""
    if not data:
        return "the body is empty"
    check = SIGNATURES.get(media_type)
    if check is not None and not check(data):
        return f"the bytes are not {media_type} (they start with {data[:12]!r})"
    return None


@schemathesis.check
def audio_matches_format(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """A binary success answer is the format the (valid) request asked for, correctly labelled."""
    operation = operation_of(case)
    if operation is None or not operation.binary:
        return None
    if response.status_code != operation.success_status or not request_is_valid(operation, case):
        return None
    asked = requested_format(operation, _body(case))
    if asked is None:
        return None
    fmt, expected = asked
    media_type = _media_type(response)
    generic = {name for name in operation.success_media_types if name not in SIGNATURES}
    if media_type != expected and media_type not in generic:
        raise AssertionError(f"asked for {fmt}, got Content-Type {media_type!r}, not {expected}")
    if response.content_size != len(response.content):
        return None  # only the head of a large body was kept: the signature is still there
    problem = signature_problem(expected, response.content)
    if problem:
        raise AssertionError(problem)
    return True


def _binary_media_types() -> list[str]:
    return sorted(
        {
            media.name
            for operation in SPEC.operations
            for response in operation.responses
            for media in response.media_types
            if media.is_binary
        }
    )


@schemathesis.deserializer(*_binary_media_types())
def deserialize_binary(ctx: DeserializationContext, response: Response) -> str:
    """A binary body as the spec's `type: string, format: binary`: one character per byte.

    Schemathesis cannot validate a binary body without a deserializer (and warns, which fails
    the run); Latin-1 maps every byte to one character, so the schema check sees the whole
    body as the string it is declared to be. `audio_matches_format` checks the bytes themselves.
    """
    return response.content.decode("latin-1")


# ---------------------------------------------------------------- SSE
def parse_sse_data(text: str) -> list[str]:
    """The `data` of each event of an SSE body (multi-line data joined by newlines)."""
    events: list[str] = []
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if raw == "":
            if lines:
                events.append("\n".join(lines))
                lines = []
            continue
        if raw.startswith(":"):
            continue
        field, _, value = raw.partition(":")
        if field == "data":
            lines.append(value.removeprefix(" "))
    if lines:
        events.append("\n".join(lines))
    return events


def stream_problem(events: list[str]) -> str | None:
    """Why an event stream breaks the spec's framing, or None when it does not."""
    if not events:
        return "the stream has no events"
    ids: set[str] = set()
    for position, data in enumerate(events):
        if data == "[DONE]":
            if position != len(events) - 1:
                return f"{len(events) - position - 1} event(s) follow [DONE]"
            return None if len(ids) <= 1 else f"chunks carry several ids: {sorted(ids)}"
        try:
            payload = json.loads(data)
        except ValueError:
            return f"event {position + 1} is not JSON: {data[:60]!r}"
        if isinstance(payload, dict) and "error" in payload:
            # A mid-stream failure: the spec says clients must raise it; it ends the stream.
            return None if position == len(events) - 1 else "events follow a mid-stream error"
        ids.add(str(payload.get("id")) if isinstance(payload, dict) else "?")
    return "the stream ended without [DONE]"


@schemathesis.check
def stream_ends_with_done(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """An event stream ends with [DONE], nothing follows it, all chunks share one id."""
    operation = operation_of(case)
    if operation is None or not operation.streams:
        return None
    if (
        response.status_code != operation.success_status
        or _media_type(response) != "text/event-stream"
    ):
        return None
    if response.stream_cut_short:
        return None  # Schemathesis stopped reading early (max-stream-events): no verdict
    problem = stream_problem(parse_sse_data(response.content.decode("utf-8", "replace")))
    if problem:
        raise AssertionError(problem)
    return True


# ---------------------------------------------------------------- errors and headers
def documented_error_pairs(operation: Operation, status: int) -> list[tuple[str, str]] | None:
    """The type/code pairs the spec documents for `status`; None if it lists none."""
    response = operation.response(status)
    if response is None or not response.error_codes:
        return None
    return [(pair.type, pair.code) for pair in response.error_codes]


@schemathesis.check
def error_pair_documented(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """An error's type/code pair is one the spec documents for that status."""
    operation = operation_of(case)
    if (
        operation is None
        or response.status_code < 400
        or _media_type(response) != "application/json"
    ):
        return None
    pairs = documented_error_pairs(operation, response.status_code)
    if pairs is None:
        return None
    try:
        error = json.loads(response.content)["error"]
        pair = (error["type"], error["code"])
    except (ValueError, KeyError, TypeError):
        return None  # not an envelope: response_schema_conformance reports it
    if pair not in pairs:
        raise AssertionError(f"{response.status_code} with {pair}, the spec documents {pairs}")
    return True


TRACING_HEADER = "x-request-id"


def tracing_headers(operation: Operation, status: int) -> list[str]:
    """The tracing header this response documents (`x-request-id`), if it documents it."""
    response = operation.response(status)
    if response is None:
        return []
    return [name for name in response.headers if name.lower() == TRACING_HEADER]


@schemathesis.check
def request_id_present(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Every response carries the tracing header the spec documents for it, non-empty."""
    operation = operation_of(case)
    if operation is None:
        return None
    for name in tracing_headers(operation, response.status_code):
        if not (_header(response, name) or "").strip():
            raise AssertionError(f"{response.status_code} response without {name}")
    return True


# ---------------------------------------------------------------- ranked results
def _ranked_premise(operation: Operation) -> bool:
    """Whether the spec says the answer's `results` are scored and index `documents`."""
    media, body = operation.success_json, operation.request_body
    if media is None or body is None:
        return False
    answer = SPEC.dereference(media.schema)
    items = (answer.get("properties", {}).get("results") or {}).get("items") or {}
    request = SPEC.dereference(body.schema).get("properties", {})
    return {"relevance_score", "index"} <= set(
        items.get("properties", {})
    ) and "documents" in request


@schemathesis.check
def rerank_sorted(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Scored results are sorted by relevance_score, highest first, and index real documents."""
    operation = operation_of(case)
    if operation is None or not _ranked_premise(operation):
        return None
    if response.status_code != operation.success_status or not request_is_valid(operation, case):
        return None
    try:
        results = json.loads(response.content).get("results", [])
        scores = [result["relevance_score"] for result in results]
        indexes = [result["index"] for result in results]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # not the documented shape: response_schema_conformance reports it
    if scores != sorted(scores, reverse=True):
        raise AssertionError(f"results are not sorted by relevance_score: {scores}")
    documents = _body(case).get("documents", [])
    bad = [index for index in indexes if not 0 <= index < len(documents)]
    if bad:
        raise AssertionError(f"result indexes {bad} do not index the {len(documents)} documents")
    top_n = _body(case).get("top_n")
    if isinstance(top_n, int) and len(results) > top_n:
        raise AssertionError(f"{len(results)} results for top_n={top_n}")
    return True


# ---------------------------------------------------------------- models per operation
@cache
def example_models(operation_id: str) -> tuple[str, ...]:
    """The `model` values of the operation's own request examples."""
    examples = SPEC.operation(operation_id).request_examples.values()
    return tuple(
        str(value["model"])
        for value in examples
        if isinstance(value, dict) and isinstance(value.get("model"), str)
    )


@cache
def foreign_models() -> frozenset[str]:
    """Every model named by any operation's examples or by a schema's `examples`."""
    names = {model for op in SPEC.operations for model in example_models(op.id)}
    for _, node in SPEC.walk():
        if isinstance(node, dict) and isinstance(node.get("model"), dict):
            names.update(str(v) for v in node["model"].get("examples") or [] if isinstance(v, str))
    for name in SPEC.schema_names:
        names.update(str(v) for v in SPEC.schema(name).get("examples") or [] if isinstance(v, str))
    return frozenset(names)


def fit_model(operation: Operation, body: Body) -> Body:
    """`body` with a model of the operation's own examples instead of another operation's.

    Only a `model` that is some example's model is replaced, by another example model: both are
    plain strings, so a valid body stays valid and an invalid one stays invalid.
    """
    if not isinstance(body, dict):
        return body
    own = example_models(operation.id)
    model = body.get("model")
    if own and isinstance(model, str) and model in foreign_models() and model not in own:
        return cast("Body", {**body, "model": own[0]})
    return body


# ---------------------------------------------------------------- request budget
class BudgetSpent(requests.exceptions.ConnectionError):
    """The run's request budget is spent: this request was not sent."""


class RequestBudget:
    """A hard cap on HTTP requests sent, for runs against any server we did not start.

    Counted where every request of the Schemathesis process passes (the transport adapter), so
    the cap holds whatever Schemathesis would otherwise generate, retry, shrink or probe.
    """

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.sent = 0
        self.refused = 0
        self._lock = threading.Lock()

    def spend(self) -> None:
        """Count one request, or refuse it (BudgetSpent) when the budget is spent."""
        with self._lock:
            if self.limit is not None and self.sent >= self.limit:
                self.refused += 1
                raise BudgetSpent(f"request budget of {self.limit} spent; request not sent")
            self.sent += 1


_limit = os.environ.get(BUDGET_ENV)
BUDGET = RequestBudget(int(_limit) if _limit else None)
_send = requests.adapters.HTTPAdapter.send


def _counted_send(
    self: requests.adapters.HTTPAdapter, *args: object, **kwargs: object
) -> requests.Response:
    try:
        BUDGET.spend()
    finally:
        _record_spent()
    return _send(self, *args, **kwargs)  # type: ignore[arg-type]


def _record_spent() -> None:
    # The driver reads how many were sent (and refused) from this file after the run.
    path = os.environ.get(SENT_FILE_ENV)
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"sent": BUDGET.sent, "refused": BUDGET.refused}, handle)


if BUDGET.limit is not None or os.environ.get(SENT_FILE_ENV):
    requests.adapters.HTTPAdapter.send = _counted_send  # type: ignore[method-assign]


@schemathesis.hook
def before_call(context: HookContext, case: Case[Any], kwargs: dict[str, Any]) -> None:
    """Fit the model to the operation; refuse the case once the budget is spent."""
    if BUDGET.limit is not None and BUDGET.sent >= BUDGET.limit:
        BUDGET.refused += 1
        _record_spent()
        raise BudgetSpent(f"request budget of {BUDGET.limit} spent; request not sent")
    operation = operation_of(case)
    if operation is not None:
        case.body = fit_model(operation, case.body)
