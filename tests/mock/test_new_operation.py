"""An operation added to openapi.yaml works in the mock at once, with no code written for it.

A temporary copy of the spec gains a moderations operation (a JSON request and a JSON
response, as a maintainer would add it, under a test-only path and names so that the real
spec may gain ``/v1/moderations`` one day without colliding with this test). The mock
started from that copy answers it from the spec alone: a schema-valid 200 with the success
headers, 400 ``REQUEST_001`` naming the field of an invalid body, 401 for a wrong key. The
installed ``tokenmarket_models`` predate the new schemas, so its body is validated with
jsonschema against the spec (the same verdicts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from starlette.testclient import TestClient

from mock_server import create_app
from mock_server.launcher import running_mock
from tests.mock.spec_check import SpecChecker
from tests.mock.support import AUTH, JSON_OPERATIONS, ROOT, TOKEN, first_example

PATH = "/v1/test-only/moderations"
NEW_PATH = """  /v1/test-only/moderations:
    post:
      operationId: testOnlyCreateModeration
      tags: [Chat]
      summary: Classify text for policy violations
      security:
        - bearerAuth: []
      parameters:
        - $ref: "#/components/parameters/IdempotencyKey"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/TestOnlyModerationRequest"
            examples:
              one:
                summary: One text
                value:
                  model: omni-moderation-latest
                  input: I want to bake bread.
      responses:
        "200":
          description: The verdicts.
          headers: *success_headers
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/TestOnlyModerationResponse"
        "400":
          $ref: "#/components/responses/InvalidRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        default:
          $ref: "#/components/responses/UnexpectedError"
"""
NEW_SCHEMAS = """    TestOnlyModerationRequest:
      type: object
      required: [model, input]
      properties:
        model:
          type: string
          minLength: 1
        input:
          type: string
          maxLength: 10000
    TestOnlyModerationResponse:
      type: object
      required: [id, model, results]
      properties:
        id:
          type: string
          minLength: 3
        model:
          type: string
        results:
          type: array
          minItems: 1
          items:
            type: object
            required: [flagged, score]
            properties:
              flagged:
                type: boolean
              score:
                type: number
                minimum: 0
                maximum: 1
"""
BODY = {"model": "omni-moderation-latest", "input": "I want to bake bread."}


def _with_moderations(tmp_path: Path) -> Path:
    """openapi.yaml plus the new operation: the only file a maintainer edits (text inserted)."""
    text = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert text.count("\ncomponents:\n") == 1
    assert text.count("\n  schemas:\n") == 1
    # The new path goes last, after the one that defines the success-headers anchor.
    text = text.replace("\ncomponents:\n", "\n" + NEW_PATH + "components:\n", 1)
    text = text.replace("\n  schemas:\n", "\n  schemas:\n" + NEW_SCHEMAS, 1)
    path = tmp_path / "openapi.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def spec_copy(tmp_path: Path) -> Path:
    """A temporary openapi.yaml with the new operation."""
    return _with_moderations(tmp_path)


def test_a_new_operation_is_answered_from_the_spec(spec_copy: Path) -> None:
    app = create_app([TOKEN], spec=spec_copy)
    assert "testOnlyCreateModeration" in app.state.from_spec_only
    spec: dict[str, Any] = yaml.safe_load(spec_copy.read_text(encoding="utf-8"))
    checker = SpecChecker(spec)
    with TestClient(app, headers=AUTH) as client:
        ok = client.post(PATH, json=BODY)
        assert ok.status_code == 200, ok.text
        assert checker.check(PATH, ok) == []
        assert ok.json()["results"][0]["flagged"] is False
        assert ok.headers["x-request-id"].startswith("req_")
        assert ok.headers["x-tokenmarket-billing-unit"] == "request"

        invalid = client.post(PATH, json={"model": "m", "input": 5})
        assert invalid.status_code == 400
        assert invalid.json()["error"]["code"] == "REQUEST_001"
        assert invalid.json()["error"]["param"] == "input"
        assert checker.check(PATH, invalid) == []
        missing = client.post(PATH, json={"model": "m"})
        assert missing.json()["error"]["param"] == "input"
        assert "5" not in invalid.json()["error"]["message"]  # no body value is quoted

        bad_key = client.post(PATH, json=BODY, headers={"Authorization": "Bearer wrong"})
        assert bad_key.status_code == 401
        assert bad_key.json()["error"]["code"] == "AUTH_001"
        bad_idempotency = client.post(PATH, json=BODY, headers={"Idempotency-Key": "a b"})
        assert bad_idempotency.json()["error"]["param"] == "Idempotency-Key"
        # The operations with handlers still answer their examples as before.
        for operation in JSON_OPERATIONS:
            response = client.post(operation.path, json=first_example(operation))
            assert response.status_code == 200, operation.id


def test_the_mock_process_serves_the_copy_and_says_what_it_answers_from_the_spec(
    spec_copy: Path,
) -> None:
    with running_mock(TOKEN, "--spec", str(spec_copy)) as mock:
        response = httpx.post(f"{mock.url}{PATH}", json=BODY, headers=AUTH, timeout=30)
        assert response.status_code == 200
        mock.stop()
    (line,) = [line for line in mock.stderr if "answered from the spec alone" in line]
    assert "testOnlyCreateModeration" in line.split(": ", 2)[2].strip().split(", ")


def test_a_spec_whose_new_response_cannot_be_built_is_refused(tmp_path: Path) -> None:
    """No example and a pattern the mock cannot satisfy: refused at start, saying why."""
    path = _with_moderations(tmp_path)
    text = path.read_text(encoding="utf-8")
    text = text.replace("          minLength: 3\n", "          pattern: '^mod-[0-9]+$'\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=r"testOnlyCreateModeration: .*add an example"):
        create_app([TOKEN], spec=path)
