"""A TypeScript team's view of the published spec: openapi-typescript types, checked by tsc.

openapi-typescript 7.13.0 (with `--default-non-nullable false`, so that a field with a default
stays optional in requests) writes the types from dist/openapi.yaml; tsc 5 compiles a usage file
that calls chat (plain and streamed), speech (binary) and rerank through openapi-fetch, and a
second file of wrong calls that must fail, each exactly where it is marked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.spec import load_spec

from .conftest import TS_FIXTURES, node_tool

_ERROR = re.compile(r"^(?P<file>[\w./-]+)\((?P<line>\d+),(?P<column>\d+)\): error (?P<code>TS\d+)")

# Regenerates, compiles or fuzzes: runs in `nox -s e2e`, not in the quick `nox -s tests`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def typed_project(ts_project: Path, dist: Path) -> Path:
    result = node_tool(
        "openapi-typescript",
        str(dist / "openapi.yaml"),
        "--output",
        str(ts_project / "generated" / "tokenmarket.ts"),
        "--default-non-nullable",
        "false",
        cwd=ts_project,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return ts_project


def _tsc(project: Path, config: str) -> tuple[int, list[tuple[str, int, str]], str]:
    result = node_tool("tsc", "--project", config, "--pretty", "false", cwd=project)
    output = result.stdout + result.stderr
    errors = [
        (match["file"], int(match["line"]), match["code"])
        for match in map(_ERROR.match, output.splitlines())
        if match
    ]
    return result.returncode, errors, output


def test_types_cover_every_operation(typed_project: Path) -> None:
    types = (typed_project / "generated" / "tokenmarket.ts").read_text(encoding="utf-8")
    for operation in load_spec().operation_ids:
        assert f"    {operation}: {{" in types, f"the TypeScript types lack {operation}"
    # The speech answer is binary in every audio media type, and JSON is listed before SSE.
    assert '"audio/wav": components["schemas"]["AudioBytes"];' in types
    assert types.index('"application/json": components["schemas"]["ChatCompletion"]') < (
        types.index('"text/event-stream": components["schemas"]["ChatCompletionStreamEvent"]')
    )


def test_usage_compiles(typed_project: Path) -> None:
    returncode, errors, output = _tsc(typed_project, "tsconfig.json")
    assert (returncode, errors) == (0, []), output


def test_each_wrong_call_fails_to_compile_where_marked(typed_project: Path) -> None:
    source = (TS_FIXTURES / "wrong_usage.ts").read_text(encoding="utf-8").splitlines()
    marked = {number for number, line in enumerate(source, start=1) if "// WRONG:" in line}
    assert len(marked) == 6
    returncode, errors, output = _tsc(typed_project, "tsconfig.wrong.json")
    assert returncode != 0
    assert {file for file, _, _ in errors} == {"wrong_usage.ts"}, output
    # Every mistake is caught, on its own line, and nothing else in the file fails.
    assert {line for _, line, _ in errors} == marked, output
