"""openapi-generator 7.26.0 (the jar of the PyPI package, on the machine's Java) accepts the
published spec: `typescript-fetch` and `python` clients generate without errors and with no
warning that KNOWN_WARNINGS does not explain; the TypeScript client compiles with a call of
chat, speech and rerank; the Python client imports and reads every example of the spec.

These start a JVM three times (a few seconds each): marked slow, run by `nox -s tests` and CI.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from generator.spec import load_spec
from publish import generators

from .conftest import node_tool

pytestmark = pytest.mark.slow

PYTHON_PACKAGE = "tokenmarket_openapi"


@pytest.fixture(scope="module")
def typescript_fetch(dist: Path, ts_project: Path) -> generators.GeneratorRun:
    out = ts_project / "generated" / "typescript-fetch"
    return generators.generate(dist / "openapi.json", "typescript-fetch", out)


@pytest.fixture(scope="module")
def python_client(
    dist: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[generators.GeneratorRun, Path]:
    out = tmp_path_factory.mktemp("python-client")
    run = generators.generate(
        dist / "openapi.json",
        "python",
        out,
        f"--additional-properties=packageName={PYTHON_PACKAGE},projectName=tokenmarket-openapi",
    )
    return run, out


def test_validate_passes_with_known_recommendations_only(dist: Path) -> None:
    run = generators.validate(dist / "openapi.json")
    assert run.returncode == 0, run.log
    recommendations = generators.recommendations(run)
    print("openapi-generator validate --recommend:", recommendations)
    assert set(recommendations) <= set(generators.KNOWN_RECOMMENDATIONS), run.log


def _assert_clean(run: generators.GeneratorRun) -> None:
    print(f"{run.command[-5]} warnings:", run.warnings)
    assert run.returncode == 0, run.log
    assert run.errors == [], run.log
    assert run.unexplained_warnings == [], (
        "a new generator warning: read it, fix the spec or explain it"
    )


def test_typescript_fetch_generates_cleanly(typescript_fetch: generators.GeneratorRun) -> None:
    _assert_clean(typescript_fetch)


def test_python_generates_cleanly(python_client: tuple[generators.GeneratorRun, Path]) -> None:
    _assert_clean(python_client[0])


def test_known_warnings_are_still_current(
    typescript_fetch: generators.GeneratorRun,
    python_client: tuple[generators.GeneratorRun, Path],
) -> None:
    # An explanation whose warning is gone would hide the next, different warning that starts
    # the same way: the list holds what the generator says today, no more.
    seen = {
        known
        for run in (typescript_fetch, python_client[0])
        for warning in run.warnings
        for known in generators.KNOWN_WARNINGS
        if warning.startswith(known)
    }
    assert seen == set(generators.KNOWN_WARNINGS)


def test_typescript_fetch_client_compiles_with_calls(
    typescript_fetch: generators.GeneratorRun, ts_project: Path
) -> None:
    assert typescript_fetch.returncode == 0
    result = node_tool(
        "tsc", "--project", "tsconfig.fetch.json", "--pretty", "false", cwd=ts_project
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_client_reads_every_example(
    python_client: tuple[generators.GeneratorRun, Path], dist: Path
) -> None:
    run, out = python_client
    assert run.returncode == 0
    # A fresh interpreter, so that the generated package never mixes with the test process.
    script = textwrap.dedent(
        """
        import json, sys, typing
        from tokenmarket_openapi import ApiClient, AudioApi, models

        spec = json.load(open(sys.argv[1]))

        def resolve(node):
            while "$ref" in node:
                target = spec
                for part in node["$ref"][2:].split("/"):
                    target = target[part]
                node = target
            return node

        def model(schema):
            return getattr(models, schema["$ref"].rsplit("/", 1)[1])

        read = []
        for path, item in spec["paths"].items():
            operation = item["post"]
            media = operation["requestBody"]["content"]["application/json"]
            for name, example in media["examples"].items():
                model(media["schema"]).from_dict(example["value"])
                read.append(f"{operation['operationId']} request {name}")
            for status, response in operation["responses"].items():
                media = resolve(response).get("content", {}).get("application/json")
                for name, example in (media or {}).get("examples", {}).items():
                    parsed = model(media["schema"]).from_dict(example["value"])
                    assert parsed is not None, (path, status, name)
                    read.append(f"{operation['operationId']} {status} {name}")
        speech = typing.get_type_hints(AudioApi.create_speech)["return"]
        assert speech in (bytes, bytearray), speech
        AudioApi(ApiClient())
        print(json.dumps(read))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(dist / "openapi.json")],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    read = json.loads(result.stdout)
    assert {entry.split()[0] for entry in read} == set(load_spec().operation_ids)
    assert "createChatCompletion 200 toolCall" in read
    assert "createSpeech request publicDocExample" in read
