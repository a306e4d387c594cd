"""Authentication: every operation needs a known Bearer key; keys never leak."""

from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient

from generator.spec import Operation
from mock_server import DEV_TOKEN, create_app
from mock_server.auth import TokenSet, bearer_token, tokens_from_env
from tests.mock.support import OPERATIONS, QUICK_START, TOKEN

UNAUTHORIZED = {
    "message": "API key is missing, invalid, or disabled.",
    "type": "unauthorized",
    "code": "AUTH_001",
    "param": None,
}


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        f"Basic {TOKEN}",
        f"Token {TOKEN}",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        f"Bearer {TOKEN} extra",
        "Bearer wrong",
        TOKEN,
    ],
)
@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.id for op in OPERATIONS])
def test_bad_credentials_get_401(
    anonymous: TestClient, operation: Operation, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    # Auth comes first: even an invalid body gets 401.
    response = anonymous.request(
        operation.method, operation.path, json={"model": 1}, headers=headers
    )
    assert response.status_code == 401
    assert response.json() == {"error": UNAUTHORIZED}
    assert response.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize(
    "authorization", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER  {TOKEN} "]
)
def test_good_credentials(anonymous: TestClient, authorization: str) -> None:
    response = anonymous.post(
        "/v1/chat/completions", json=QUICK_START, headers={"Authorization": authorization}
    )
    assert response.status_code == 200


def test_several_keys_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with TestClient(create_app(["k1", "k2"])) as client:
        for key, status in (("k1", 200), ("k2", 200), (DEV_TOKEN, 401)):
            response = client.post(
                "/v1/chat/completions", json=QUICK_START, headers={"Authorization": f"Bearer {key}"}
            )
            assert response.status_code == status
    monkeypatch.setenv("TOKENMARKET_MOCK_TOKENS", "a1, b2  c3")
    assert tokens_from_env() == ["a1", "b2", "c3"]
    monkeypatch.setenv("TOKENMARKET_MOCK_TOKENS", " ")
    assert tokens_from_env() == [DEV_TOKEN]
    monkeypatch.delenv("TOKENMARKET_MOCK_TOKENS")
    with TestClient(create_app()) as client:
        response = client.post(
            "/v1/chat/completions",
            json=QUICK_START,
            headers={"Authorization": f"Bearer {DEV_TOKEN}"},
        )
        assert response.status_code == 200


@pytest.mark.parametrize("bad", [[], [""], ["secret one"], [" secret"]])
def test_bad_key_lists_are_refused(bad: list[str]) -> None:
    with pytest.raises(ValueError, match="API key") as excinfo:
        TokenSet(bad)
    for token in bad:
        if token.strip():
            assert token not in str(excinfo.value)


def test_keys_never_appear_in_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    secret = "sk-very-secret-value-123"
    app = create_app([secret])
    state = app.state.mock
    assert secret not in repr(state)
    assert secret not in repr(state.tokens)
    caplog.set_level(logging.DEBUG)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.post(
            "/v1/chat/completions", json=QUICK_START, headers={"Authorization": f"Bearer {secret}"}
        )
        client.post(
            "/v1/chat/completions", json={"x": 1}, headers={"Authorization": f"Bearer {secret}x"}
        )
        client.post(
            "/v1/chat/completions",
            json=QUICK_START,
            headers={"Authorization": f"Bearer {secret}", "X-Mock-Fault": "server_error"},
        )
    assert secret not in caplog.text


def test_bearer_parsing() -> None:
    assert bearer_token("Bearer abc") == b"abc"
    assert bearer_token("  bearer   abc  ") == b"abc"
    assert bearer_token("Bearer a b") is None
    assert bearer_token("Bearerabc") is None
    assert bearer_token(None) is None
