"""The generated facade, as an openai-python user tries it: results passed back, options,
base URLs, extra query and body, hooks that agree with the spec, every operation present."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest
from tokenmarket_client import OPERATIONS, AsyncTokenMarket, NotFoundError, TokenMarket, _hooks
from tokenmarket_client.schemas import ChatCompletionMessage

from generator.spec import load_spec

from .conftest import KEY, MESSAGES, close, make_client, resolve
from .loopback import LoopbackServer, event_stream, respond_json

pytestmark = pytest.mark.anyio

TOOL_ANSWER = {
    "id": "chatcmpl-2",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "f", "arguments": "{}"},
                    }
                ],
                "provider_note": "kept",
            },
        }
    ],
}
PLAIN_ANSWER = {
    "id": "chatcmpl-3",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant"}}],
}


def _schema_validator(name: str) -> jsonschema.protocols.Validator:
    spec = load_spec()
    schema = spec.dereference(spec.schema(name))
    return jsonschema.Draft202012Validator(schema)


async def test_a_result_message_goes_back_into_messages(mode: str, server: LoopbackServer) -> None:
    server.push(respond_json(200, TOOL_ANSWER), respond_json(200, PLAIN_ANSWER))
    client = make_client(mode, server.url)
    try:
        first = await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
        message = first.choices[0].message
        assert isinstance(message, ChatCompletionMessage)
        assert message.refusal is None
        assert message.model_extra == {"provider_note": "kept"}
        history: list[Any] = [
            *MESSAGES,
            message,
            {"role": "tool", "tool_call_id": "call_1", "content": "x"},
        ]
        second = await resolve(client.chat.completions.create(model="m", messages=history))
    finally:
        await close(client)
    sent = server.requests[1].json()["messages"][1]
    assert sent == {
        "role": "assistant",
        "tool_calls": TOOL_ANSWER["choices"][0]["message"]["tool_calls"],  # type: ignore[index]
        "provider_note": "kept",
    }
    # As the spec says: no null for a field that forbids it, valid as an AssistantMessage.
    _schema_validator("AssistantMessage").validate(sent)
    assert second.choices[0].message.content is None
    assert second.choices[0].message.tool_calls is None


def test_results_behave_like_openai_models() -> None:
    from tokenmarket_client import ChatCompletion

    completion = ChatCompletion.model_validate_json(json.dumps(TOOL_ANSWER))
    assert completion.object == "chat.completion"
    call = completion.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert call.type == "function"
    assert completion.usage is None
    assert "usage" not in completion.to_dict()
    assert completion.model_dump()["usage"] is None
    assert json.loads(completion.to_json()) == TOOL_ANSWER
    assert json.loads(completion.model_dump_json())["object"] == "chat.completion"
    assert repr(completion).startswith("ChatCompletion(id='chatcmpl-2', object='chat.completion'")
    assert completion.request_id is None
    assert completion.billing.cost is None
    # Open strings take values the spec does not list (forward compatibility).
    odd = ChatCompletion.model_validate({**PLAIN_ANSWER, "object": "chat.completion.v2"})
    assert odd.object == "chat.completion.v2"


async def test_with_options_and_copy_share_the_pool(mode: str, server: LoopbackServer) -> None:
    server.push(respond_json(200, PLAIN_ANSWER), respond_json(200, PLAIN_ANSWER))
    client = make_client(mode, server.url, default_headers={"X-Team": "a"})
    try:
        quick = client.with_options(timeout=3.0, max_retries=0, default_headers={"X-Run": "1"})
        other = client.copy(api_key="tm-other-key")
        assert type(quick) is type(client)
        assert quick._client is client._client
        assert other._client is client._client
        assert (quick.timeout, quick.max_retries) == (3.0, 0)
        assert client.max_retries == 2
        assert other.timeout == client.timeout
        await resolve(quick.chat.completions.create(model="m", messages=MESSAGES))
        await resolve(other.chat.completions.create(model="m", messages=MESSAGES))
        await close(quick)  # a copy does not close the shared pool
        assert not client._client.is_closed
    finally:
        await close(client)
    first, second = server.requests
    assert first.headers["x-team"] == "a"
    assert first.headers["x-run"] == "1"
    assert first.headers["authorization"] == f"Bearer {KEY}"
    assert second.headers["authorization"] == "Bearer tm-other-key"
    assert "x-run" not in second.headers
    assert "tm-other-key" not in repr(other)


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/"])
async def test_base_url_with_or_without_v1(mode: str, server: LoopbackServer, suffix: str) -> None:
    server.push(respond_json(200, PLAIN_ANSWER))
    client = make_client(mode, server.url + suffix)
    try:
        await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    finally:
        await close(client)
    assert client.base_url == server.url
    assert server.requests[0].path == "/v1/chat/completions"


async def test_a_404_names_the_full_url_never_the_key(mode: str, server: LoopbackServer) -> None:
    server.push(respond_json(404, {"detail": "no route"}))
    client = make_client(mode, server.url + "/api", max_retries=0)
    try:
        with pytest.raises(NotFoundError) as caught:
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    finally:
        await close(client)
    assert f"at POST {server.url}/api/v1/chat/completions" in caught.value.message
    assert KEY not in str(caught.value)


async def test_a_connection_error_names_host_and_path(mode: str) -> None:
    client = make_client(mode, "http://127.0.0.1:9", max_retries=0)
    try:
        with pytest.raises(Exception, match=r"POST http://127\.0\.0\.1:9/v1/rerank failed"):
            await resolve(client.rerank.create(model="r", query="q", documents=["a"]))
    finally:
        await close(client)


async def test_extra_query_and_extra_body(mode: str, server: LoopbackServer) -> None:
    server.push(respond_json(200, PLAIN_ANSWER))
    client = make_client(mode, server.url)
    try:
        await resolve(
            client.chat.completions.create(
                model="m",
                messages=MESSAGES,
                temperature=0.5,
                extra_query={"trace": "1"},
                extra_body={"top_k": 3},
            )
        )
    finally:
        await close(client)
    seen = server.requests[0]
    assert seen.path == "/v1/chat/completions?trace=1"
    assert seen.json() == {"model": "m", "messages": MESSAGES, "temperature": 0.5, "top_k": 3}


def test_every_operation_of_the_spec_is_in_the_facade() -> None:
    for client_class in (TokenMarket, AsyncTokenMarket):
        client: Any = client_class(api_key=KEY, base_url="http://127.0.0.1:9")
        for operation in load_spec().operations:
            target: Any = client
            for part in operation.sdk_name.split("."):
                target = getattr(target, part, None)
                assert target is not None, (
                    f"{operation.id} ({operation.sdk_name}) is missing from "
                    f"{client_class.__name__}:"
                    " run `nox -s generate`"
                )
            assert callable(target)
            assert OPERATIONS[operation.sdk_name] == operation.id


def test_the_hooks_agree_with_the_spec() -> None:
    """Narrowing a value a hook sends (embeddings' `encoding_format`) fails here, by name."""
    spec = load_spec()
    hooked = [op for op in spec.operations if op.sdk_hooks]
    assert hooked, "no operation names a hook any more"
    for operation in hooked:
        for _point, name in operation.sdk_hooks.items():
            assert callable(getattr(_hooks, name, None)), f"{operation.id}: no hook {name}"
    embeddings = spec.operation("createEmbedding")
    if embeddings.sdk_hooks.get("prepare") == "ask_base64_embeddings":
        schema = spec.resolve(spec.schema(embeddings.request_schema_name or ""))
        allowed = spec.resolve(schema["properties"]["encoding_format"]).get("enum", [])
        assert _hooks.EMBEDDINGS_WIRE_FORMAT in allowed, (
            f"hook ask_base64_embeddings sends encoding_format={_hooks.EMBEDDINGS_WIRE_FORMAT!r},"
            f" which the spec no longer allows ({allowed})"
        )


def test_a_misspelt_keyword_is_refused_before_sending() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError("sent")

    transport = httpx.MockTransport(refuse)
    client = TokenMarket(api_key=KEY, http_client=httpx.Client(transport=transport))
    with pytest.raises(TypeError, match="max_token"):
        client.chat.completions.create(model="m", messages=[], max_token=5)  # type: ignore[call-overload]


async def test_with_streaming_response_of_a_streamed_operation(
    mode: str, server: LoopbackServer
) -> None:
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    events = [
        b"data: " + json.dumps({**chunk, "choices": []}).encode() + b"\n\n",
        b"data: [DONE]\n\n",
    ]
    server.push(respond_json(200, PLAIN_ANSWER), event_stream(events))
    client = make_client(mode, server.url)
    try:
        call = client.chat.completions.with_streaming_response.create(model="m", messages=MESSAGES)
        if mode == "sync":
            with call as response:
                assert response.parse().id == "chatcmpl-3"
        else:
            async with call as response:
                await response.read()  # an async body is read before `parse()`
                assert response.parse().id == "chatcmpl-3"
        streamed = client.chat.completions.with_streaming_response.create(
            model="m", messages=MESSAGES, stream=True
        )
        if mode == "sync":
            with streamed as response:
                assert [c.id for c in response.parse()] == ["c"]
        else:
            async with streamed as response:
                assert [c.id async for c in response.parse()] == ["c"]
    finally:
        await close(client)
    assert server.requests[1].headers["accept"] == "text/event-stream"


async def test_a_compressed_event_stream_is_decoded(mode: str, server: LoopbackServer) -> None:
    """Streams read the raw body only when it is not encoded; a gzip stream goes through
    httpx's decoder."""
    import gzip

    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    events = b"".join(
        b"data: " + json.dumps({**chunk, "id": f"c{n}", "choices": []}).encode() + b"\n\n"
        for n in range(3)
    )
    packed = gzip.compress(events + b"data: [DONE]\n\n")
    pieces = [packed[:10], packed[10:]]
    server.push(event_stream(pieces, headers={"content-encoding": "gzip"}))
    client = make_client(mode, server.url)
    try:
        stream = await resolve(
            client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        )
        ids = [c.id async for c in stream] if mode == "async" else [c.id for c in stream]
    finally:
        await close(client)
    assert ids == ["c0", "c1", "c2"]


async def test_path_and_query_parameters_and_no_body(mode: str, server: LoopbackServer) -> None:
    """What the facade generates for an operation with `{name}` in its path (see the toy
    spec's `notes.retrieve`): the runtime fills the path, adds the query, sends no body."""
    from tokenmarket_client._base_client import Operation
    from tokenmarket_client._response import json_parser
    from tokenmarket_client.schemas import RerankResponse

    operation = Operation(
        "GET",
        "/v1/things/{thing_id}",
        json_parser(RerankResponse),
        path_params=("thing_id",),
        query_params=("verbose",),
        has_body=False,
    )
    server.push(respond_json(200, {"model": "r", "results": []}))
    client = make_client(mode, server.url)
    options: dict[str, Any] = {
        "extra_headers": None,
        "extra_query": {"trace": "1"},
        "extra_body": None,
        "timeout": 5.0,
        "idempotency_key": None,
    }
    try:
        result = await resolve(
            client._run(operation, {"thing_id": "a/b c", "verbose": True}, **options)
        )
    finally:
        await close(client)
    assert result.model == "r"
    seen = server.requests[0]
    assert (seen.method, seen.path) == ("GET", "/v1/things/a%2Fb%20c?verbose=true&trace=1")
    assert seen.body == b""
    assert "content-type" not in seen.headers
