"""A new operation reaches the friendly client by editing openapi.yaml and regenerating alone.

The repository is copied to a temporary directory; a seventh JSON operation
(`POST /v1/moderations`) is added to the copy's openapi.yaml and nothing else; the copy's
generation runs; then `client.moderations.create(...)` is called sync, async and raw against
a loopback server, refuses a misspelt keyword at run time, and user code calling it passes
`mypy --strict` while a misspelt field is a mypy error.

Then, in the same copy (issue 12): the copy's mock (`python -m mock_server` run there)
answers the new operation from the spec alone (a schema-valid 200, 400 `REQUEST_001` for an
invalid body, 401 for a wrong key); `tokenmarket api moderations.create` calls it; the copy's
fuzzer (`python -m fuzz.run`, what `nox -s fuzz` runs) covers all seven operations with no
finding and no warning; the copy's whole quick suite (`pytest -m "not slow"`, what `nox -s
tests` runs) passes; `python -m publish.build` publishes the operation.

The operation is written as a maintainer would copy an existing one (rerank's): the spec's
conventions for every operation (the shared error responses, the success headers, examples,
`provider`, `x-tokenmarket-assumption` since the public documentation does not describe it)
are what tests/spec asks of any operation, each failure in one line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from generator.spec import load_spec
from mock_server.launcher import Launched, running_mock

from ..client.loopback import LoopbackServer, respond_json
from ..mock.spec_check import SpecChecker
from .conftest import ROOT, copy_env, regenerated_copy

pytestmark = pytest.mark.slow

TOKEN = "tm-e2e-moderation-key"

PATH = """\
  /v1/moderations:
    post:
      operationId: createModeration
      tags: [Moderations]
      summary: Classify text for policy violations
      description: |
        Classifies the input and says whether any category was flagged.
      x-tokenmarket-assumption: "not in the public documentation: added by the e2e test"
      security:
        - bearerAuth: []
      parameters:
        - $ref: "#/components/parameters/IdempotencyKey"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/CreateModerationRequest"
            examples:
              one:
                summary: One text
                value:
                  input: I want to bake bread.
                  model: omni-moderation-latest
      responses:
        "200":
          description: The classification of each input.
          headers: *success_headers
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ModerationResponse"
              examples:
                clean:
                  summary: Nothing flagged
                  value:
                    id: modr-1
                    flagged: false
                    categories:
                      violence: false
        "400":
          $ref: "#/components/responses/InvalidRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "413":
          $ref: "#/components/responses/PayloadTooLarge"
        "429":
          $ref: "#/components/responses/RateLimited"
        "502":
          $ref: "#/components/responses/ProviderError"
        "504":
          $ref: "#/components/responses/ProviderTimeout"
        default:
          $ref: "#/components/responses/UnexpectedError"
"""
SCHEMAS = """\
    CreateModerationRequest:
      type: object
      description: A moderation request.
      required: [model, input]
      properties:
        input:
          type: string
          description: The text to classify.
        model:
          $ref: "#/components/schemas/ModelId"
        provider:
          $ref: "#/components/schemas/Provider"
    ModerationResponse:
      type: object
      description: The classification.
      required: [id, flagged]
      properties:
        id:
          type: string
          description: The moderation's id.
        flagged:
          type: boolean
          description: Whether any category was flagged.
        categories:
          type: object
          description: Per category, whether it was flagged.
          additionalProperties:
            type: boolean
"""
BODY = {"model": "omni", "input": "hello"}
CACHES = {"__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache"}
"""What running the generation writes besides generated_client/ (tools' caches)."""
ANSWER = {"id": "modr-1", "flagged": True, "categories": {"violence": True}, "vendor": 1}

USER_CODE = """\
from __future__ import annotations

import asyncio
import sys
from typing import assert_type

from tokenmarket_client import APIResponse, AsyncTokenMarket, ModerationResponse, TokenMarket


def sync(url: str) -> None:
    client = TokenMarket(api_key="{token}", base_url=url, max_retries=0)
    result = client.moderations.create(input="hello", model="omni")
    assert_type(result, ModerationResponse)
    assert result.flagged is True and result.id == "modr-1"
    assert result.categories == {{"violence": True}} and result.model_extra == {{"vendor": 1}}
    raw = client.moderations.with_raw_response.create(input="hello", model="omni")
    assert_type(raw, APIResponse[ModerationResponse])
    assert raw.status_code == 200 and raw.parse().flagged is True
    try:
        client.moderations.create(inptu="hello", model="omni")  # type: ignore[call-arg]
    except TypeError as exc:
        assert "inptu" in str(exc)
    else:
        raise AssertionError("a misspelt keyword was sent")


async def asynchronous(url: str) -> None:
    async with AsyncTokenMarket(api_key="{token}", base_url=url, max_retries=0) as client:
        result = await client.moderations.create(input="hello", model="omni")
        assert_type(result, ModerationResponse)
        assert result.flagged is True


if __name__ == "__main__":
    sync(sys.argv[1])
    asyncio.run(asynchronous(sys.argv[1]))
    print("moderations: sync, async and raw calls answered")
"""
MISTAKE = """\
from tokenmarket_client import TokenMarket

TokenMarket(api_key="k").moderations.create(inptu="hello", model="omni")
"""


def add_operation(text: str) -> str:
    """openapi.yaml's text with `POST /v1/moderations` and its two schemas added."""
    assert text.count("\ncomponents:\n") == 1
    assert text.count("\n  schemas:\n") == 1
    # The path goes last, after the one that defines the success-headers anchor.
    text = text.replace("\ncomponents:\n", "\n" + PATH + "components:\n")
    return text.replace("\n  schemas:\n", "\n  schemas:\n" + SCHEMAS)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository with the new operation in openapi.yaml, regenerated."""
    return regenerated_copy(tmp_path_factory.mktemp("new-operation"), add_operation)


def test_the_new_operation_is_generated_everywhere_in_the_client(repo: Path) -> None:
    package = repo / "generated_client" / "tokenmarket_client"
    assert (package / "resources" / "moderations.py").exists()
    assert (package / "api" / "moderations" / "create_moderation.py").exists()
    operations = (package / "_operations.py").read_text(encoding="utf-8")
    assert '"moderations.create": "createModeration"' in operations
    # Outside generated_client/ (the generation's output), openapi.yaml is the one file edited.
    edited = []
    for path in sorted(repo.rglob("*")):
        relative = path.relative_to(repo)
        if relative.parts[0] == "generated_client" or CACHES & set(relative.parts):
            continue
        if path.is_file() and not path.is_symlink():
            original = ROOT / relative
            if not original.is_file() or original.read_bytes() != path.read_bytes():
                edited.append(relative.as_posix())
    assert edited == ["openapi.yaml"], edited


def test_sync_async_and_raw_calls_at_run_time(repo: Path, tmp_path: Path) -> None:
    script = tmp_path / "use_moderations.py"
    script.write_text(USER_CODE.format(token=TOKEN), encoding="utf-8")
    server = LoopbackServer()
    try:
        server.push(*(respond_json(200, ANSWER) for _ in range(3)))
        result = subprocess.run(
            [sys.executable, str(script), server.url],
            env=copy_env(repo),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    finally:
        server.close()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sync, async and raw calls answered" in result.stdout
    assert [seen.path for seen in server.requests] == ["/v1/moderations"] * 3
    assert server.requests[0].json() == {"input": "hello", "model": "omni"}


def test_mypy_strict_accepts_the_calls_and_refuses_a_misspelt_field(
    repo: Path, tmp_path: Path
) -> None:
    good = tmp_path / "good.py"
    good.write_text(USER_CODE.format(token=TOKEN), encoding="utf-8")
    bad = tmp_path / "bad.py"
    bad.write_text(MISTAKE, encoding="utf-8")
    mypy = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--no-incremental",
        "--python-version",
        "3.11",
    ]
    passed = subprocess.run(
        [*mypy, str(good)], env=copy_env(repo), capture_output=True, text=True, check=False
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr
    refused = subprocess.run(
        [*mypy, str(bad)], env=copy_env(repo), capture_output=True, text=True, check=False
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert 'Unexpected keyword argument "inptu"' in refused.stdout


@pytest.fixture(scope="module")
def mock(repo: Path) -> Iterator[Launched]:
    """The copy's own mock gateway (`python -m mock_server` run in the copy), on a free port."""
    with running_mock(TOKEN, cwd=repo, env=copy_env(repo)) as launched:
        yield launched


def test_the_copy_s_mock_answers_the_new_operation_from_the_spec(
    repo: Path, mock: Launched
) -> None:
    checker = SpecChecker(load_spec(repo / "openapi.yaml").raw)
    url = f"{mock.url}/v1/moderations"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    ok = httpx.post(url, json=BODY, headers=auth, timeout=30)
    assert ok.status_code == 200, ok.text
    assert checker.check("/v1/moderations", ok) == [], ok.text
    assert ok.json()["flagged"] is False  # the spec's response example
    assert ok.headers["x-request-id"].startswith("req_")
    invalid = httpx.post(url, json={**BODY, "input": 5}, headers=auth, timeout=30)
    assert invalid.status_code == 400, invalid.text
    assert invalid.json()["error"]["code"] == "REQUEST_001"
    assert invalid.json()["error"]["param"] == "input"
    assert checker.check("/v1/moderations", invalid) == [], invalid.text
    wrong_key = httpx.post(url, json=BODY, headers={"Authorization": "Bearer wrong"}, timeout=30)
    assert wrong_key.status_code == 401, wrong_key.text
    assert checker.check("/v1/moderations", wrong_key) == [], wrong_key.text
    said = [line for line in mock.stderr if "answered from the spec alone" in line]
    assert said, list(mock.stderr)
    assert "createModeration" in said[0], said


def test_the_cli_calls_the_new_operation(repo: Path, mock: Launched) -> None:
    env = {
        **copy_env(repo),
        "TOKENMARKET_API_KEY": TOKEN,
        "TOKENMARKET_BASE_URL": mock.url,
    }
    tokenmarket = Path(sys.executable).parent / "tokenmarket"
    done = subprocess.run(
        [str(tokenmarket), "api", "moderations.create", "--data", json.dumps(BODY)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["id"] == "modr-1"
    listed = subprocess.run(
        [str(tokenmarket), "api", "--list"], env=env, capture_output=True, text=True, check=False
    )
    assert "moderations.create" in listed.stdout.split(), listed.stdout + listed.stderr


def test_the_fuzzer_covers_all_seven_operations_without_a_failure_or_warning(
    repo: Path, tmp_path: Path
) -> None:
    reports = tmp_path / "fuzz"
    done = subprocess.run(
        [sys.executable, "-m", "fuzz.run"],
        cwd=repo,
        env={**copy_env(repo), "TOKENMARKET_FUZZ_REPORTS": str(reports)},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    output = done.stdout[-4000:] + done.stderr[-4000:]
    summary = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    assert done.returncode == 0, output
    assert "operations (7, from openapi.yaml)" in done.stdout, output
    assert "createModeration" in done.stdout, output
    assert summary["operations_tested"] == 7, summary
    assert (summary["contract_breaks"], summary["findings"]) == (0, 0), summary
    assert (summary["warnings"], summary["errors"]) == ({}, []), summary
    assert json.loads((reports / "findings.json").read_text(encoding="utf-8")) == []
    events = (reports / "events.ndjson").read_text(encoding="utf-8")
    assert "/v1/moderations" in events, "the fuzzer sent nothing to the new operation"


def test_the_copy_s_quick_test_suite_passes(repo: Path) -> None:
    """`nox -s tests` of the copy: every quick test, spec-derived lists included (about 3 min)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-m", "not slow", "-p", "no:cacheprovider"],
        cwd=repo,
        env={**copy_env(repo), "PYTHONPATH": f"{repo}{os.pathsep}{repo / 'generated_client'}"},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert " passed" in done.stdout, done.stdout[-2000:]


def test_the_published_files_carry_the_new_operation(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "publish.build", "--out", str(out),
         "--redocly", str(ROOT / "node_modules" / ".bin" / "redocly")],
        cwd=repo,
        env=copy_env(repo),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("openapi.yaml", "openapi.json", "openapi.dereferenced.json", "index.html"):
        text = (out / name).read_text(encoding="utf-8")
        assert "/v1/moderations" in text, name
        assert "createModeration" in text, name
    bundled = json.loads((out / "openapi.json").read_text(encoding="utf-8"))
    assert bundled["paths"]["/v1/moderations"]["post"]["operationId"] == "createModeration"
