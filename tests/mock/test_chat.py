"""Chat completions: deterministic, consistent answers that honour the request."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server.chat import MAX_REPLY_TOKENS
from mock_server.text import count_tokens, tokens
from tests.mock.spec_check import chunks
from tests.mock.support import QUICK_START

CHAT = "/v1/chat/completions"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
            "required": ["city", "unit"],
        },
    },
}
ASK_WEATHER = [{"role": "user", "content": "What is the weather in Paris?"}]


def chat(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post(CHAT, json={"model": "m", **body})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def test_quick_start_replies_ok(client: TestClient) -> None:
    response = client.post(CHAT, json=QUICK_START)
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["model"] == "DeepSeek-V4-pro"
    (choice,) = body["choices"]
    assert choice["message"] == {"role": "assistant", "content": "OK", "refusal": None}
    assert choice["finish_reason"] == "stop"
    # 3 (priming) + 3 per message + 5 tokens: "Reply", " with", " only", " OK", "."
    assert body["usage"]["prompt_tokens"] == 11
    assert body["usage"]["completion_tokens"] == 1
    assert body["usage"]["total_tokens"] == 12
    assert response.headers["x-tokenmarket-billed-units"] == "12"
    assert response.headers["x-tokenmarket-billing-unit"] == "token"
    assert response.headers["x-tokenmarket-cost"] == "0.00002400"


def test_same_request_same_body_other_request_other_id(client: TestClient) -> None:
    first = client.post(CHAT, json=QUICK_START)
    second = client.post(CHAT, json=dict(reversed(list(QUICK_START.items()))))
    assert first.content == second.content  # key order does not matter
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    other = client.post(CHAT, json={**QUICK_START, "model": "other"})
    assert other.json()["id"] != first.json()["id"]


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("Reply with only OK.", "OK"),
        ("Please reply with only  yes!", "yes"),
        ("reply with only 42", "42"),
        ("Hello there", "Mock reply to: Hello there"),
        ("  spaced\n\n out  ", "Mock reply to: spaced out"),
    ],
)
def test_reply_rules(client: TestClient, text: str, reply: str) -> None:
    assert chat(client, messages=user(text))["choices"][0]["message"]["content"] == reply


def test_tool_result_is_acknowledged(client: TestClient) -> None:
    messages = [
        *ASK_WEATHER,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "Sunny, 21 C"},
    ]
    body = chat(client, messages=messages, tools=[WEATHER])
    assert body["choices"][0]["message"]["content"] == "The tool returned: Sunny, 21 C"
    assert body["choices"][0]["finish_reason"] == "stop"


def test_long_replies_are_bounded(client: TestClient) -> None:
    body = chat(client, messages=user("Reply with only " + "word " * 10_000))
    content = body["choices"][0]["message"]["content"]
    assert len(tokens(content)) == MAX_REPLY_TOKENS
    assert body["usage"]["completion_tokens"] == MAX_REPLY_TOKENS


def test_max_tokens_truncates_with_length(client: TestClient) -> None:
    full = chat(client, messages=user("one two three four five six"))
    text = full["choices"][0]["message"]["content"]
    for field in ("max_tokens", "max_completion_tokens"):
        cut = chat(client, messages=user("one two three four five six"), **{field: 3})
        choice = cut["choices"][0]
        assert choice["finish_reason"] == "length"
        assert choice["message"]["content"] == "".join(tokens(text)[:3])
        assert cut["usage"]["completion_tokens"] == 3
    both = chat(client, messages=user("a b c d e"), max_tokens=4, max_completion_tokens=2)
    assert both["usage"]["completion_tokens"] == 2


def test_stop_sequences_cut_the_reply(client: TestClient) -> None:
    body = chat(client, messages=user("alpha beta gamma"), stop=[" gamma", " beta"])
    assert body["choices"][0]["message"]["content"] == "Mock reply to: alpha"
    assert body["choices"][0]["finish_reason"] == "stop"
    same = chat(client, messages=user("alpha beta gamma"), stop="beta")
    assert same["choices"][0]["message"]["content"] == "Mock reply to: alpha "


def test_n_choices_and_usage(client: TestClient) -> None:
    one = chat(client, messages=user("hi"))
    three = chat(client, messages=user("hi"), n=3)
    assert [c["index"] for c in three["choices"]] == [0, 1, 2]
    assert {c["message"]["content"] for c in three["choices"]} == {"Mock reply to: hi"}
    assert three["usage"]["prompt_tokens"] == one["usage"]["prompt_tokens"]
    assert three["usage"]["completion_tokens"] == 3 * one["usage"]["completion_tokens"]
    usage = three["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_auto_tool_choice_calls_a_matching_tool(client: TestClient) -> None:
    body = chat(client, messages=ASK_WEATHER, tools=[WEATHER])
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "function"
    assert call["id"].startswith("call_")
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris", "unit": "c"}


def test_auto_tool_choice_answers_unrelated_text(client: TestClient) -> None:
    body = chat(client, messages=user("Tell me a joke"), tools=[WEATHER])
    assert body["choices"][0]["finish_reason"] == "stop"
    assert "tool_calls" not in body["choices"][0]["message"]


def test_required_and_named_tool_choice_always_call(client: TestClient) -> None:
    other = {"type": "function", "function": {"name": "lookup"}}
    required = chat(client, messages=user("Tell me a joke"), tools=[other], tool_choice="required")
    assert required["choices"][0]["message"]["tool_calls"][0]["function"] == {
        "name": "lookup",
        "arguments": "{}",
    }
    named = chat(
        client,
        messages=ASK_WEATHER,
        tools=[other, WEATHER],
        tool_choice={"type": "function", "function": {"name": "lookup"}},
    )
    assert named["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "lookup"
    none = chat(client, messages=ASK_WEATHER, tools=[WEATHER], tool_choice="none")
    assert none["choices"][0]["finish_reason"] == "stop"


def test_tool_call_ids_differ_per_choice(client: TestClient) -> None:
    body = chat(client, messages=ASK_WEATHER, tools=[WEATHER], n=2)
    ids = [c["message"]["tool_calls"][0]["id"] for c in body["choices"]]
    assert len(set(ids)) == 2


def test_prompt_tokens_count_tools_and_messages(client: TestClient) -> None:
    plain = chat(client, messages=ASK_WEATHER, tool_choice="none")
    with_tools = chat(client, messages=ASK_WEATHER, tools=[WEATHER], tool_choice="none")
    assert with_tools["usage"]["prompt_tokens"] > plain["usage"]["prompt_tokens"]
    assert plain["usage"]["prompt_tokens"] == 3 + 3 + count_tokens(ASK_WEATHER[0]["content"])


def test_reasoning_counts_in_completion_tokens(client: TestClient) -> None:
    body = chat(client, messages=user("Reply with only OK."), reasoning_effort="high")
    message = body["choices"][0]["message"]
    assert message["content"] == "OK"
    assert message["reasoning_content"].startswith("The user asks:")
    reasoning = body["usage"]["completion_tokens_details"]["reasoning_tokens"]
    assert reasoning == count_tokens(message["reasoning_content"])
    assert body["usage"]["completion_tokens"] == reasoning + 1


def test_response_formats(client: TestClient) -> None:
    json_object = chat(
        client, messages=user("Reply with only OK."), response_format={"type": "json_object"}
    )
    assert json.loads(json_object["choices"][0]["message"]["content"]) == {"reply": "OK"}
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}, "score": {"type": "integer", "minimum": 3}},
        "required": ["answer", "score"],
    }
    json_schema = chat(
        client,
        messages=user("Reply with only OK."),
        response_format={"type": "json_schema", "json_schema": {"name": "a", "schema": schema}},
    )
    assert json.loads(json_schema["choices"][0]["message"]["content"]) == {
        "answer": "OK",
        "score": 3,
    }


def test_logprobs(client: TestClient) -> None:
    body = chat(client, messages=user("one two"), logprobs=True, top_logprobs=3)
    entries = body["choices"][0]["logprobs"]["content"]
    assert "".join(e["token"] for e in entries) == body["choices"][0]["message"]["content"]
    assert all(e["logprob"] == 0.0 and len(e["top_logprobs"]) == 3 for e in entries)
    assert chat(client, messages=user("x"))["choices"][0]["logprobs"] is None


def stream(client: TestClient, **body: Any) -> list[dict[str, Any]]:
    response = client.post(CHAT, json={"model": "m", "stream": True, **body})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text.endswith("data: [DONE]\n\n")
    return chunks(response.text)


def test_stream_matches_the_plain_answer(client: TestClient) -> None:
    messages = user("Stream me something long enough")
    plain = chat(client, messages=messages, n=2)
    events = stream(client, messages=messages, n=2, stream_options={"include_usage": True})
    assert len(events) > 5
    assert len({e["id"] for e in events}) == 1
    contents = {0: "", 1: ""}
    finish = {}
    for event in events[:-1]:
        assert event["usage"] is None
        for choice in event["choices"]:
            contents[choice["index"]] += choice["delta"].get("content") or ""
            if choice["finish_reason"]:
                finish[choice["index"]] = choice["finish_reason"]
    assert contents == {i: c["message"]["content"] for i, c in enumerate(plain["choices"])}
    assert finish == {0: "stop", 1: "stop"}
    assert events[0]["choices"][0]["delta"]["role"] == "assistant"
    assert events[-1]["choices"] == []
    assert events[-1]["usage"] == plain["usage"]


def test_stream_without_usage_has_no_usage_chunk(client: TestClient) -> None:
    events = stream(client, messages=user("hi"))
    assert all("usage" not in e and e["choices"] for e in events)


def test_stream_tool_call_arguments_arrive_in_pieces(client: TestClient) -> None:
    events = stream(client, messages=ASK_WEATHER, tools=[WEATHER])
    pieces = [
        call
        for event in events
        for choice in event["choices"]
        for call in choice["delta"].get("tool_calls", [])
    ]
    assert pieces[0]["id"].startswith("call_")
    assert pieces[0]["function"]["name"] == "get_weather"
    assert len(pieces) > 3
    arguments = "".join(p["function"]["arguments"] for p in pieces)
    assert json.loads(arguments) == {"city": "Paris", "unit": "c"}
    assert events[-1]["choices"][0]["finish_reason"] == "tool_calls"
