"""The fuzzer catches real contract bugs: each deliberately broken mock is reported.

Every broken behaviour is one ASGI wrapper (tests/contract/breakers.py) in front of the real
mock; a request the spec allows goes through Schemathesis' `call_and_validate` with every
built-in and custom check, and the test asserts the failure names the check that must see
the bug. The unbroken mock passes the same requests, so each failure is the breaker's doing.
"""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.core.failures import CustomFailure, FailureGroup

from mock_server import create_app

from . import breakers
from .conftest import AUTH, load_schema

CHAT = {"model": "m", "messages": [{"role": "user", "content": "Say hello"}]}
SPEECH_WAV = {"model": "m", "input": "hello", "voice": "alloy", "response_format": "wav"}
EMBEDDING = {"model": "m", "input": "hello"}
RERANK = {"model": "m", "query": "q", "documents": ["a q", "b"]}

CASES = [
    # (breaker, path, body, headers, the check that must report it)
    (breakers.leaked_500, "/v1/rerank", RERANK, AUTH, "not_a_server_error"),
    (breakers.dropped_required_field, "/v1/embeddings", EMBEDDING, AUTH,
     "response_schema_conformance"),
    (breakers.skipped_auth, "/v1/embeddings", EMBEDDING, AUTH, "ignored_auth"),
    (breakers.mislabelled_audio, "/v1/audio/speech", SPEECH_WAV, AUTH, "audio_matches_format"),
    (breakers.stream_without_done, "/v1/chat/completions", {**CHAT, "stream": True}, AUTH,
     "stream_ends_with_done"),
    (breakers.undocumented_error_code, "/v1/rerank", RERANK,
     {"Authorization": "Bearer not-a-known-key"}, "error_pair_documented"),
    (breakers.missing_request_id, "/v1/embeddings", EMBEDDING, AUTH, "request_id_present"),
]  # fmt: skip


def reported_checks(error: BaseException) -> set[str]:
    """The names of the checks behind a Schemathesis failure (or group of failures)."""
    found: set[str] = set()
    for failure in getattr(error, "exceptions", [error]):
        if isinstance(failure, CustomFailure):
            found.add(failure.title.split("`")[1])
        found.update(getattr(type(failure), "checks", ()))
    return found


def _case(schema: Any, path: str, body: dict[str, Any]) -> Any:
    return schema[path]["POST"].Case(body=body, media_type="application/json")


@pytest.mark.parametrize(
    ("breaker", "path", "body", "headers", "check"),
    CASES,
    ids=[case[0].__name__ for case in CASES],
)
def test_broken_behaviour_is_reported(
    breaker: breakers.Breaker, path: str, body: dict[str, Any], headers: dict[str, str], check: str
) -> None:
    honest = load_schema(create_app([AUTH["Authorization"].removeprefix("Bearer ")]))
    _case(honest, path, body).call_and_validate(headers=headers)

    broken = load_schema(breaker(create_app([AUTH["Authorization"].removeprefix("Bearer ")])))
    with pytest.raises(FailureGroup) as raised:
        _case(broken, path, body).call_and_validate(headers=headers)
    assert check in reported_checks(raised.value), str(raised.value)[:2000]
