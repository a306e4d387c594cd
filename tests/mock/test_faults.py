"""X-Mock-Fault: upstream-style failures on demand, over a real socket where it matters."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mock_server.faults import parse_faults
from tests.mock.spec_check import chunks, parse_sse
from tests.mock.support import QUICK_START

CHAT = "/v1/chat/completions"
STREAM = {**QUICK_START, "messages": [{"role": "user", "content": "one two three four"}]}
STREAM["stream"] = True


def fault(client: TestClient | httpx.Client, value: str, body: object = QUICK_START) -> Any:
    return client.post(CHAT, json=body, headers={"X-Mock-Fault": value})


@pytest.mark.parametrize(
    ("value", "status", "type_", "code"),
    [
        ("rate_limit", 429, "rate_limit_exceeded", "RATE_LIMIT"),
        ("provider_error", 502, "provider_error", "PROVIDER_001"),
        ("provider_timeout", 504, "timeout", "PROVIDER_TIMEOUT"),
        ("server_error", 500, "internal_error", "INTERNAL"),
    ],
)
def test_error_faults(client: TestClient, value: str, status: int, type_: str, code: str) -> None:
    response = fault(client, value)
    assert response.status_code == status
    assert response.json()["error"]["type"] == type_
    assert response.json()["error"]["code"] == code
    assert response.headers["x-request-id"].startswith("req_")


def test_rate_limit_retry_after(client: TestClient) -> None:
    default = fault(client, "rate_limit")
    assert (default.headers["retry-after"], default.headers["retry-after-ms"]) == ("1", "1000")
    custom = fault(client, "rate_limit:2500")
    assert (custom.headers["retry-after"], custom.headers["retry-after-ms"]) == ("3", "2500")
    zero = fault(client, "rate_limit:0")
    assert (zero.headers["retry-after"], zero.headers["retry-after-ms"]) == ("0", "0")


def test_html_error(client: TestClient) -> None:
    response = fault(client, "html_error")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert b"503 Service Temporarily Unavailable" in response.content


def test_malformed_json(client: TestClient) -> None:
    response = fault(client, "malformed_json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_faults_come_after_auth_and_validation(client: TestClient) -> None:
    assert fault(client, "rate_limit", {"model": "m"}).status_code == 400
    response = client.post(
        CHAT, json=QUICK_START, headers={"X-Mock-Fault": "rate_limit", "Authorization": "Bearer x"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    "value", ["nope", "slow", "slow:abc", "slow:999999", "rate_limit:-1", "cut_stream:1", "a;b=1"]
)
def test_unknown_faults_are_refused(client: TestClient, value: str) -> None:
    response = fault(client, value)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "X-Mock-Fault"


def test_times_fails_the_first_identical_requests_only(client: TestClient) -> None:
    body = {**QUICK_START, "user": "times-test"}
    header = "provider_error; times=2"
    statuses = [fault(client, header, body).status_code for _ in range(4)]
    assert statuses == [502, 502, 200, 200]
    other = {**body, "user": "times-test-2"}  # another request has its own count
    assert fault(client, header, other).status_code == 502


def test_slow_delays_the_answer(client: TestClient) -> None:
    started = time.monotonic()
    assert fault(client, "slow:300").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_combined_faults(client: TestClient) -> None:
    started = time.monotonic()
    response = fault(client, "slow:200, provider_timeout")
    assert response.status_code == 504
    assert time.monotonic() - started >= 0.2


def test_parse_faults() -> None:
    faults = parse_faults("slow:5,cut_stream,rate_limit:7; times=3")
    assert faults.slow_ms == 5
    assert faults.retry_after_ms == 7
    assert faults.times == 3
    assert faults.has("cut_stream")
    assert not faults.has("html_error")
    assert not parse_faults(None)
    assert not parse_faults("  ")


# Over a real socket: what a client's transport sees.


def test_cut_stream_ends_without_done(http: httpx.Client) -> None:
    normal = chunks(http.post(CHAT, json=STREAM).text)
    response = fault(http, "cut_stream", STREAM)
    assert response.status_code == 200
    assert "[DONE]" not in response.text
    got = chunks(response.text)
    assert 0 < len(got) < len(normal)
    assert got == normal[: len(got)]


def test_stream_error_sends_an_error_event(http: httpx.Client) -> None:
    events = parse_sse(fault(http, "stream_error", STREAM).text)
    assert events[-1] != {"data": "[DONE]"}
    last = json.loads(events[-1]["data"])
    assert last["error"]["code"] == "PROVIDER_001"
    assert len(events) > 1


def test_malformed_json_in_a_stream(http: httpx.Client) -> None:
    events = parse_sse(fault(http, "malformed_json", STREAM).text)
    assert events[-1] == {"data": "[DONE]"}
    with pytest.raises(json.JSONDecodeError):
        json.loads(events[-2]["data"])


def test_cut_body_drops_the_connection(http: httpx.Client) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        fault(http, "cut_stream")
    speech = {"model": "t", "input": "Hello there", "voice": "v", "response_format": "wav"}
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/v1/audio/speech", json=speech, headers={"X-Mock-Fault": "cut_stream"})
    assert http.post(CHAT, json=QUICK_START).status_code == 200  # the server is fine


def test_slow_stream_spaces_the_events(http: httpx.Client) -> None:
    arrivals = []
    started = time.monotonic()
    with http.stream("POST", CHAT, json=STREAM, headers={"X-Mock-Fault": "slow_stream:50"}) as r:
        for line in r.iter_lines():
            if line.startswith("data:"):
                arrivals.append(time.monotonic() - started)
    assert len(arrivals) >= 5
    assert arrivals[-1] >= 0.05 * len(arrivals) * 0.9
    assert arrivals[-1] - arrivals[0] > 0.1  # the events did not arrive all at once
