"""Custom Schemathesis checks for what the built-in checks cannot see.

Loaded as Schemathesis hooks (`hooks = "fuzz.checks"` in schemathesis.toml). Each check
receives every response; it raises AssertionError with a short reason when the response
breaks a promise of openapi.yaml that JSON Schema cannot express:

- `audio_matches_format`: speech bytes are really the requested format (RIFF/WAVE, MPEG
  frame sync or ID3, OggS, fLaC, ADTS, whole 16-bit PCM samples) under the matching type;
- `stream_ends_with_done`: a chat event stream ends with `[DONE]`, nothing follows it, and
  its chunks share one id (a mid-stream error envelope is a legitimate end before `[DONE]`);
- `error_pair_documented`: an error envelope's type/code pair is one the spec documents
  for that status (`x-error-codes`), when the spec documents any;
- `request_id_present`: every response, success or error, carries `x-request-id`;
- `rerank_sorted`: rerank results are sorted by relevance_score and index real documents.

It also holds the live-mode request budget (`before_call`), a hard cap on requests sent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import schemathesis
import yaml
from schemathesis import Case, CheckContext, DeserializationContext, HookContext, Response

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi.yaml"

AUDIO_CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}


@cache
def _spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


def _path(case: Case[Any]) -> str:
    return str(case.operation.path)


def _header(response: Response, name: str) -> str | None:
    values = response.headers.get(name.lower())
    return values[0] if values else None


def _media_type(response: Response) -> str:
    return (_header(response, "content-type") or "").split(";", 1)[0].strip().lower()


def _body(case: Case[Any]) -> dict[str, Any]:
    return case.body if isinstance(case.body, dict) else {}


# ---------------------------------------------------------------- audio
def requested_audio_format(body: dict[str, Any]) -> str:
    """The format the spec says the answer has: response_format, else format, else mp3."""
    for field in ("response_format", "format"):
        value = body.get(field)
        if isinstance(value, str):
            return value
    return "mp3"


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


def audio_signature_problem(fmt: str, data: bytes) -> str | None:
    """Why `data` is not audio of format `fmt`, or None when it is."""
    if not data:
        return "the audio body is empty"
    checks: dict[str, Callable[[bytes], bool]] = {
        "wav": lambda d: len(d) >= 12 and d[:4] == b"RIFF" and d[8:12] == b"WAVE",
        "mp3": _is_mp3,
        "opus": lambda d: d.startswith(b"OggS") and b"OpusHead" in d[:64],
        "flac": lambda d: d.startswith(b"fLaC"),
        "aac": _is_adts,
        "pcm": lambda d: len(d) % 2 == 0,
    }
    if fmt not in checks:
        return f"unknown audio format {fmt!r}"
    if not checks[fmt](data):
        return f"the bytes are not {fmt} (they start with {data[:12]!r})"
    return None


@schemathesis.check
def audio_matches_format(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Speech answers are real audio of the requested format, under the matching type."""
    if _path(case) != "/v1/audio/speech" or response.status_code != 200:
        return None
    fmt = requested_audio_format(_body(case))
    media_type = _media_type(response)
    expected = AUDIO_CONTENT_TYPES.get(fmt)
    if media_type not in (expected, "application/octet-stream"):
        raise AssertionError(f"asked for {fmt}, got Content-Type {media_type!r}, not {expected}")
    if response.content_size != len(response.content):
        return None  # only the head of a large body was kept: the signature is still there
    problem = audio_signature_problem(fmt, response.content)
    if problem:
        raise AssertionError(problem)
    return True


@schemathesis.deserializer(*AUDIO_CONTENT_TYPES.values(), "application/octet-stream")
def deserialize_audio(ctx: DeserializationContext, response: Response) -> str:
    """Binary audio as the spec's `type: string, format: binary`: one character per byte.

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
    """Why a chat event stream breaks the spec's framing, or None when it does not."""
    if not events:
        return "the stream has no events"
    ids: set[str] = set()
    for position, data in enumerate(events):
        if data == "[DONE]":
            if position != len(events) - 1:
                return f"{len(events) - position - 1} event(s) follow [DONE]"
            return None if len(ids) <= 1 else f"chunks carry several ids: {sorted(ids)}"
        payload = json.loads(data)
        if "error" in payload:
            # A mid-stream failure: the spec says clients must raise it; it ends the stream.
            return None if position == len(events) - 1 else "events follow a mid-stream error"
        ids.add(str(payload.get("id")))
    return "the stream ended without [DONE]"


@schemathesis.check
def stream_ends_with_done(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """A chat event stream ends with [DONE], nothing follows it, all chunks share one id."""
    if response.status_code != 200 or _media_type(response) != "text/event-stream":
        return None
    if response.stream_cut_short:
        return None  # Schemathesis stopped reading early (max-stream-events): no verdict
    problem = stream_problem(parse_sse_data(response.content.decode("utf-8", "replace")))
    if problem:
        raise AssertionError(problem)
    return True


# ---------------------------------------------------------------- errors and headers
def documented_error_pairs(path: str, status: int) -> list[tuple[str, str]] | None:
    """The type/code pairs the spec documents for `status` on `path`; None if it lists none."""
    responses = _spec()["paths"].get(path, {}).get("post", {}).get("responses", {})
    response = responses.get(str(status))
    if response is None:
        return None
    while "$ref" in response:
        target: Any = _spec()
        for part in response["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        response = target
    pairs = response.get("x-error-codes")
    return None if pairs is None else [(pair["type"], pair["code"]) for pair in pairs]


@schemathesis.check
def error_pair_documented(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """An error's type/code pair is one the spec documents for that status."""
    if response.status_code < 400 or _media_type(response) != "application/json":
        return None
    pairs = documented_error_pairs(_path(case), response.status_code)
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


@schemathesis.check
def request_id_present(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Every response carries a non-empty x-request-id."""
    if not (_header(response, "x-request-id") or "").strip():
        raise AssertionError(f"{response.status_code} response without x-request-id")
    return True


# ---------------------------------------------------------------- rerank
@schemathesis.check
def rerank_sorted(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Rerank results are sorted by relevance_score, highest first, and index real documents."""
    if _path(case) != "/v1/rerank" or response.status_code != 200:
        return None
    results = json.loads(response.content).get("results", [])
    scores = [result["relevance_score"] for result in results]
    if scores != sorted(scores, reverse=True):
        raise AssertionError(f"results are not sorted by relevance_score: {scores}")
    documents = _body(case).get("documents", [])
    bad = [r["index"] for r in results if not 0 <= r["index"] < len(documents)]
    if bad:
        raise AssertionError(f"result indexes {bad} do not index the {len(documents)} documents")
    top_n = _body(case).get("top_n")
    if isinstance(top_n, int) and len(results) > top_n:
        raise AssertionError(f"{len(results)} results for top_n={top_n}")
    return True


# ---------------------------------------------------------------- live budget
class RequestBudget:
    """A hard cap on requests sent, for runs against a live (billed) API.

    Active only when TOKENMARKET_FUZZ_MAX_REQUESTS is set (live mode sets it). Past the cap,
    every further case fails before anything is sent, so the cap holds whatever Schemathesis
    would otherwise generate, retry or shrink.
    """

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.sent = 0

    def spend(self) -> None:
        """Count one request, or refuse it when the budget is spent."""
        if self.limit is None:
            return
        if self.sent >= self.limit:
            raise RuntimeError(f"live request budget of {self.limit} spent; request not sent")
        self.sent += 1


_limit = os.environ.get("TOKENMARKET_FUZZ_MAX_REQUESTS")
BUDGET = RequestBudget(int(_limit) if _limit else None)


@schemathesis.hook
def before_call(context: HookContext, case: Case[Any], kwargs: dict[str, Any]) -> None:
    """Spend one request of the live budget (no-op against the mock)."""
    BUDGET.spend()
