"""A new operation reaches the friendly client by editing openapi.yaml and regenerating alone.

The repository is copied to a temporary directory; a seventh JSON operation
(`POST /v1/moderations`) is added to the copy's openapi.yaml and nothing else; the copy's
generation runs; then `client.moderations.create(...)` is called sync, async and raw against
a loopback server, refuses a misspelt keyword at run time, and user code calling it passes
`mypy --strict` while a misspelt field is a mypy error.

`start_mock` starts the copy's own mock gateway (`python -m mock_server`), for the checks of
the mock and the fuzzer on the new operation (issue 12).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ..client.loopback import LoopbackServer, respond_json
from .conftest import ROOT

pytestmark = pytest.mark.slow

TOKEN = "tm-e2e-moderation-key"
IGNORED = shutil.ignore_patterns(
    ".git", ".nox", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache",
    ".pytest_cache", "dist",
)  # fmt: skip

PATH = """\
  /v1/moderations:
    post:
      operationId: createModeration
      tags: [Moderations]
      summary: Classify text for policy violations
      security:
        - bearerAuth: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/CreateModerationRequest"
      responses:
        "200":
          description: The classification of each input.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ModerationResponse"
        "400":
          $ref: "#/components/responses/InvalidRequest"
        "401":
          $ref: "#/components/responses/Unauthorized"
        default:
          $ref: "#/components/responses/UnexpectedError"
"""
SCHEMAS = """\
    CreateModerationRequest:
      type: object
      description: A moderation request.
      required: [input]
      properties:
        input:
          type: string
          description: The text to classify.
        model:
          type: string
          description: The moderation model.
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
    raw = client.moderations.with_raw_response.create(input="hello")
    assert_type(raw, APIResponse[ModerationResponse])
    assert raw.status_code == 200 and raw.parse().flagged is True
    try:
        client.moderations.create(inptu="hello")  # type: ignore[call-arg]
    except TypeError as exc:
        assert "inptu" in str(exc)
    else:
        raise AssertionError("a misspelt keyword was sent")


async def asynchronous(url: str) -> None:
    async with AsyncTokenMarket(api_key="{token}", base_url=url, max_retries=0) as client:
        result = await client.moderations.create(input="hello")
        assert_type(result, ModerationResponse)
        assert result.flagged is True


if __name__ == "__main__":
    sync(sys.argv[1])
    asyncio.run(asynchronous(sys.argv[1]))
    print("moderations: sync, async and raw calls answered")
"""
MISTAKE = """\
from tokenmarket_client import TokenMarket

TokenMarket(api_key="k").moderations.create(inptu="hello")
"""


def add_operation(spec: Path) -> None:
    """Add `POST /v1/moderations` and its two schemas to a copy of openapi.yaml."""
    text = spec.read_text(encoding="utf-8")
    assert text.count("\ncomponents:\n") == 1
    assert text.count("\n  schemas:\n") == 1
    text = text.replace("\ncomponents:\n", "\n" + PATH + "components:\n")
    text = text.replace("\n  schemas:\n", "\n  schemas:\n" + SCHEMAS)
    spec.write_text(text, encoding="utf-8")


@contextmanager
def start_mock(repo: Path, token: str = TOKEN) -> Iterator[str]:
    """The mock gateway of the copy at `repo`, on a free port; yields its base URL."""
    env = {**os.environ, "PYTHONPATH": str(repo / "generated_client")}
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "--port", "0", "--token", token],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        assert match, f"unexpected first line from the copy's mock: {line!r}"
        # Drain the rest, so that a chatty mock can never block on a full pipe.
        stdout = process.stdout
        threading.Thread(target=lambda: sum(1 for _ in stdout), daemon=True).start()
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository with the new operation in openapi.yaml, regenerated."""
    copy = tmp_path_factory.mktemp("new-operation") / "repo"
    shutil.copytree(ROOT, copy, ignore=IGNORED)
    add_operation(copy / "openapi.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "generator.generate"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return copy


def _env(repo: Path) -> dict[str, str]:
    path = str(repo / "generated_client")
    return {**os.environ, "PYTHONPATH": path, "MYPYPATH": path}


def test_the_new_operation_is_generated_everywhere_in_the_client(repo: Path) -> None:
    package = repo / "generated_client" / "tokenmarket_client"
    assert (package / "resources" / "moderations.py").exists()
    assert (package / "api" / "moderations" / "create_moderation.py").exists()
    operations = (package / "_operations.py").read_text(encoding="utf-8")
    assert '"moderations.create": "createModeration"' in operations
    changed = subprocess.run(
        ["git", "diff", "--no-index", "--name-only", str(ROOT / "openapi.yaml"), "openapi.yaml"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert changed.stdout.strip(), "the copy's openapi.yaml is the one file edited"


def test_sync_async_and_raw_calls_at_run_time(repo: Path, tmp_path: Path) -> None:
    script = tmp_path / "use_moderations.py"
    script.write_text(USER_CODE.format(token=TOKEN), encoding="utf-8")
    server = LoopbackServer()
    try:
        server.push(*(respond_json(200, ANSWER) for _ in range(3)))
        result = subprocess.run(
            [sys.executable, str(script), server.url],
            env=_env(repo),
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
        [*mypy, str(good)], env=_env(repo), capture_output=True, text=True, check=False
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr
    refused = subprocess.run(
        [*mypy, str(bad)], env=_env(repo), capture_output=True, text=True, check=False
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert 'Unexpected keyword argument "inptu"' in refused.stdout


def test_the_copy_can_start_its_mock(repo: Path) -> None:
    """The copy's mock starts (what it answers for the new operation is issue 12's to check)."""
    with start_mock(repo) as url:
        assert url.startswith("http://127.0.0.1:")
