"""The opt-in contract check (`contract_check="warn"` / `"raise"`) against the real mock gateway.

The mock's answers conform to the spec: with the check on, no operation warns. Drift is planted
by a loopback server of the test's own that forwards each request to the mock and changes its
answer before passing it on (a field of the wrong type, a missing required field, a field the
spec does not list, which is not drift since the spec's objects allow extra fields), for JSON
answers and for each event of a stream, sync and async.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tokenmarket_client import (
    APIResponseValidationError,
    ContractDriftError,
    ContractDriftWarning,
    ProviderError,
    TokenMarket,
    TokenMarketError,
)

from .conftest import KEY, MESSAGES, close, collect, make_client, resolve
from .loopback import Handler, LoopbackServer, Reply, Seen, event_stream, respond

ROOT = Path(__file__).resolve().parents[2]
Mutate = Callable[[dict[str, Any]], None]

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    """The embedded mock gateway, on a free loopback port, accepting the tests' key."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "--port", "0", "--token", KEY],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        match = re.fullmatch(r"mock_server listening on (http://127\.0\.0\.1:\d+)", line)
        assert match, f"unexpected first line from the mock: {line!r}"
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)


def drifted(mock_url: str, mutate: Mutate) -> Handler:
    """Forward the request to the mock; answer with its JSON (or each event's) changed."""

    def handler(reply: Reply, seen: Seen) -> bool:
        forwarded = {
            name: value
            for name, value in seen.headers.items()
            if name in ("authorization", "content-type", "accept")
        }
        answer = httpx.request(
            seen.method, mock_url + seen.path, content=seen.body, headers=forwarded, timeout=10
        )
        request_id = answer.headers.get("x-request-id", "req_drift")
        if answer.headers["content-type"].startswith("text/event-stream"):
            events = []
            for block in answer.content.split(b"\n\n"):
                if not block.startswith(b"data: "):
                    continue
                data = block[len(b"data: ") :]
                if data != b"[DONE]":
                    chunk = json.loads(data)
                    mutate(chunk)
                    data = json.dumps(chunk).encode()
                events.append(b"data: " + data + b"\n\n")
            return event_stream(events, headers={"x-request-id": request_id})(reply, seen)
        body = answer.json()
        mutate(body)
        return respond(200, json.dumps(body).encode(), request_id=request_id)(reply, seen)

    return handler


def index_as_string(body: dict[str, Any]) -> None:
    for choice in body["choices"]:
        choice["index"] = str(choice["index"])  # pydantic's lax mode still reads it


def without_created(body: dict[str, Any]) -> None:
    del body["created"]


def extra_field(body: dict[str, Any]) -> None:
    body["provider_extra"] = {"anything": [1, "two"]}
    for choice in body.get("choices", []):
        choice["logprobs_extra"] = None


def leaky_content(body: dict[str, Any]) -> None:
    """A wrong type whose value, and an extra field whose name, is the key."""
    body["choices"][0]["message"]["content"] = {"echo": KEY, KEY: KEY}
    body[KEY] = KEY


def drift_of(caught: list[warnings.WarningMessage]) -> list[ContractDriftWarning]:
    return [w.message for w in caught if isinstance(w.message, ContractDriftWarning)]


def assert_no_key(*texts: object) -> None:
    for text in texts:
        assert KEY not in str(text)
        assert KEY not in repr(text)


async def call_chat(client: Any, **options: Any) -> Any:
    return await resolve(client.chat.completions.create(model="m", messages=MESSAGES, **options))


# -- the mock conforms -------------------------------------------------------------------------


async def test_every_operation_of_the_mock_passes_the_strict_check(
    mode: str, mock_url: str
) -> None:
    client = make_client(mode, mock_url, contract_check="raise")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ContractDriftWarning)
            await call_chat(client)
            assert len(await collect(await call_chat(client, stream=True))) > 0
            await resolve(client.embeddings.create(model="e", input=["a", "b"]))
            await resolve(client.images.generate(prompt="fox", model="gpt-image-1"))
            await resolve(client.rerank.create(model="r", query="q", documents=["a", "b"]))
            await resolve(client.video.generations.create(model="kling-v1", prompt="plane"))
            speech = await resolve(client.audio.speech.create(model="t", input="hi", voice="v"))
            assert len(speech.content) > 0  # bytes: nothing to check, nothing raised
            raw = await resolve(
                client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
            )
            await resolve(raw.parse())
    finally:
        await close(client)


# -- planted drift -----------------------------------------------------------------------------


async def test_a_field_of_the_wrong_type_warns_with_operation_and_pointer(
    mode: str, mock_url: str, server: LoopbackServer
) -> None:
    server.push(drifted(mock_url, index_as_string))
    client = make_client(mode, server.url, contract_check="warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            completion = await call_chat(client)
    finally:
        await close(client)
    assert completion.choices[0].index == 0  # the lenient result is still returned
    (drift,) = drift_of(caught)
    assert drift.operation_id == "createChatCompletion"
    assert drift.pointer == "/choices/0/index"
    assert drift.request_id == completion.request_id
    assert "createChatCompletion" in str(drift)
    assert "/choices/0/index (expected integer, got string)" in str(drift)
    assert f"request_id={completion.request_id}" in str(drift)
    assert issubclass(ContractDriftWarning, UserWarning)
    # It points at the caller's code, not at the client's insides.
    (where,) = [w.filename for w in caught if isinstance(w.message, ContractDriftWarning)]
    assert Path(where).parent == Path(__file__).parent
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


async def test_raise_mode_raises_a_typed_error(
    mode: str, mock_url: str, server: LoopbackServer
) -> None:
    server.push(drifted(mock_url, index_as_string))
    client = make_client(mode, server.url, contract_check="raise")
    try:
        with pytest.raises(ContractDriftError) as raised:
            await call_chat(client)
    finally:
        await close(client)
    error = raised.value
    assert isinstance(error, APIResponseValidationError)
    assert isinstance(error, TokenMarketError)
    assert (error.operation_id, error.pointer) == ("createChatCompletion", "/choices/0/index")
    assert error.request_id is not None
    assert error.request_id in str(error)
    assert error.status_code == 200


async def test_a_missing_required_field_is_named_by_its_pointer(
    mode: str, mock_url: str, server: LoopbackServer
) -> None:
    server.push(drifted(mock_url, without_created), drifted(mock_url, without_created))
    client = make_client(mode, server.url, contract_check="warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # The lenient model needs it too: the drift is said first, then the parse fails.
            with pytest.raises(APIResponseValidationError) as failed:
                await call_chat(client)
        assert not isinstance(failed.value, ContractDriftError)
        (drift,) = drift_of(caught)
        assert drift.pointer == "/created"
        assert "/created (a required field is missing)" in str(drift)
        strict = client.with_options(contract_check="raise")
        with pytest.raises(ContractDriftError) as raised:
            await call_chat(strict)
        assert raised.value.pointer == "/created"
    finally:
        await close(client)


async def test_a_field_the_spec_does_not_list_is_not_drift(
    mode: str, mock_url: str, server: LoopbackServer
) -> None:
    server.push(drifted(mock_url, extra_field), drifted(mock_url, extra_field))
    client = make_client(mode, server.url, contract_check="raise")
    try:
        completion = await call_chat(client)
        chunks = await collect(await call_chat(client, stream=True))
    finally:
        await close(client)
    assert completion.model_extra["provider_extra"] == {"anything": [1, "two"]}
    assert chunks
    assert chunks[0].model_extra["provider_extra"] == {"anything": [1, "two"]}


async def test_off_by_default_means_no_warning_even_on_drift(
    mode: str, mock_url: str, server: LoopbackServer
) -> None:
    server.push(drifted(mock_url, index_as_string), drifted(mock_url, index_as_string))
    client = make_client(mode, server.url)
    try:
        assert client.contract_check is None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            await call_chat(client)
            await collect(await call_chat(client, stream=True))
    finally:
        await close(client)
    assert drift_of(caught) == []


async def test_each_drifted_event_of_a_stream_warns(
    mode: str, mock_url: str, server: LoopbackServer
) -> None:
    def created_as_text(chunk: dict[str, Any]) -> None:
        chunk["created"] = str(chunk["created"])  # pydantic's lax mode still reads it

    server.push(drifted(mock_url, created_as_text))
    client = make_client(mode, server.url, contract_check="warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            chunks = await collect(await call_chat(client, stream=True))
    finally:
        await close(client)
    drifts = drift_of(caught)
    assert len(drifts) == len(chunks) > 0
    assert {drift.pointer for drift in drifts} == {"/created"}
    assert "event 1 of the stream differs from the spec at /created" in str(drifts[0])
    assert all(drift.operation_id == "createChatCompletion" for drift in drifts)


async def test_a_chunk_missing_a_required_field_warns_once_then_fails(
    mode: str, mock_url: str, server: LoopbackServer
) -> None:
    def no_model(chunk: dict[str, Any]) -> None:
        del chunk["model"]

    server.push(drifted(mock_url, no_model))
    client = make_client(mode, server.url, contract_check="warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            stream = await call_chat(client, stream=True)
            with pytest.raises(APIResponseValidationError):
                await collect(stream)
    finally:
        await close(client)
    (drift,) = drift_of(caught)
    assert drift.pointer == "/model"


async def test_a_drifted_stream_raises_in_raise_mode(
    mode: str, mock_url: str, server: LoopbackServer
) -> None:
    def no_id(chunk: dict[str, Any]) -> None:
        del chunk["id"]

    server.push(drifted(mock_url, no_id))
    client = make_client(mode, server.url, contract_check="raise")
    try:
        stream = await call_chat(client, stream=True)
        with pytest.raises(ContractDriftError) as raised:
            await collect(stream)
    finally:
        await close(client)
    assert (raised.value.operation_id, raised.value.pointer) == ("createChatCompletion", "/id")
    assert "event 1 of the stream" in str(raised.value)


async def test_an_error_envelope_in_a_stream_is_the_spec_not_drift(
    mode: str, server: LoopbackServer
) -> None:
    error = {"error": {"message": "upstream", "type": "provider_error", "code": "PROVIDER_001"}}
    server.push(event_stream([b"data: " + json.dumps(error).encode() + b"\n\n"]))
    client = make_client(mode, server.url, contract_check="raise")
    try:
        stream = await call_chat(client, stream=True)
        with pytest.raises(ProviderError):  # the envelope's own error, not ContractDriftError
            await collect(stream)
    finally:
        await close(client)


async def test_the_raw_response_is_checked_when_parsed(
    mode: str, mock_url: str, server: LoopbackServer
) -> None:
    server.push(drifted(mock_url, index_as_string))
    client = make_client(mode, server.url, contract_check="raise")
    try:
        raw = await resolve(
            client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
        )
        with pytest.raises(ContractDriftError):
            await resolve(raw.parse())
    finally:
        await close(client)


async def test_the_key_is_never_in_a_message(
    mode: str, mock_url: str, server: LoopbackServer
) -> None:
    server.push(drifted(mock_url, leaky_content), drifted(mock_url, leaky_content))
    client = make_client(mode, server.url, contract_check="warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(APIResponseValidationError):  # an object is no string, even lax
                await call_chat(client)
        (drift,) = drift_of(caught)
        assert drift.pointer == "/choices/0/message/content"
        assert_no_key(drift, drift.message, drift.pointers, caught[0])
        with pytest.raises(ContractDriftError) as raised:
            await call_chat(client.copy(contract_check="raise"))
        assert_no_key(raised.value, raised.value.message, raised.value.args)
    finally:
        await close(client)


# -- configuration -----------------------------------------------------------------------------


def test_copies_carry_the_setting_and_may_change_it(mock_url: str) -> None:
    with TokenMarket(api_key=KEY, base_url=mock_url, contract_check="warn") as client:
        assert client.with_options(timeout=3).contract_check == "warn"
        assert client.copy(contract_check="raise").contract_check == "raise"
        assert client.copy(contract_check=None).contract_check is None


def test_a_wrong_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="contract_check must be None, 'warn' or 'raise'"):
        TokenMarket(api_key=KEY, contract_check="strict")  # type: ignore[arg-type]


def test_without_jsonschema_the_check_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "jsonschema", None)  # an import of it now fails
    with pytest.raises(TokenMarketError, match=r"tokenmarket-client\[contract\]"):
        TokenMarket(api_key=KEY, contract_check="warn")
    TokenMarket(api_key=KEY).close()  # off: jsonschema is not needed


def test_off_imports_neither_jsonschema_nor_the_schemas() -> None:
    code = (
        "import sys, tokenmarket_client as t\n"
        "t.TokenMarket(api_key='k').close()\n"
        "assert 'jsonschema' not in sys.modules\n"
        "assert 'tokenmarket_client._contract' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
