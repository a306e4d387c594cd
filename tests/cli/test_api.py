"""`tokenmarket api`: every operation of the spec is a method, and each one runs.

The operations and their request examples come from openapi.yaml through generator/spec.py,
so an operation added to the spec is tested here by regeneration alone.
"""

from __future__ import annotations

import json

import pytest

from generator.spec import Operation, load_spec

from .conftest import Runner, is_mp3

OPERATIONS = load_spec().operations


def test_list_is_every_operation_of_the_spec(tokenmarket: Runner) -> None:
    done = tokenmarket("api", "--list")
    assert done.returncode == 0, done.stderr
    listed = {line.split()[0] for line in done.stdout.splitlines()}
    assert listed == {operation.sdk_name for operation in OPERATIONS}


def test_api_help_lists_the_methods(tokenmarket: Runner) -> None:
    done = tokenmarket("api", "--help")
    assert done.returncode == 0
    methods = done.stdout.split("methods:\n", 1)[1]
    assert {line.split()[0] for line in methods.splitlines()} == {
        operation.sdk_name for operation in OPERATIONS
    }


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.sdk_name)
def test_every_operation_runs_with_its_spec_example(
    tokenmarket: Runner, operation: Operation
) -> None:
    name, example = next(iter(operation.request_examples.items()))
    body = dict(example.get("value", example))
    (tokenmarket.cwd / "data.json").write_text(json.dumps(body))
    if operation.binary:
        done = tokenmarket("api", operation.sdk_name, "--data", "@data.json", "--out", "a.bin")
        assert done.returncode == 0, done.stderr
        data = (tokenmarket.cwd / "a.bin").read_bytes()
        assert data, f"{operation.sdk_name} ({name}) wrote nothing"
        if body.get("response_format", body.get("format", "mp3")) == "mp3":
            assert is_mp3(data)
        return
    done = tokenmarket("api", operation.sdk_name, "--data", "@data.json")
    assert done.returncode == 0, done.stderr
    if body.get("stream"):
        chunks = [json.loads(line) for line in done.stdout.splitlines()]
        assert chunks
        assert all(isinstance(chunk, dict) for chunk in chunks)
    else:
        assert isinstance(json.loads(done.stdout), dict)


def test_data_from_standard_input_and_a_stream_as_json_lines(tokenmarket: Runner) -> None:
    data = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    done = tokenmarket("api", "chat.completions.create", "--data", "@-", input=json.dumps(data))
    assert done.returncode == 0, done.stderr
    chunks = [json.loads(line) for line in done.stdout.splitlines()]
    text = "".join(
        choice["delta"].get("content") or "" for chunk in chunks for choice in chunk["choices"]
    )
    assert text == "Mock reply to: hi"


def test_binary_result_to_redirected_standard_output(tokenmarket: Runner) -> None:
    import subprocess

    from .conftest import TOKENMARKET, environment

    data = json.dumps({"model": "m", "input": "hi", "voice": "alloy"})
    done = subprocess.run(
        [str(TOKENMARKET), "api", "audio.speech.create", "--data", data],
        env=environment(tokenmarket.mock),
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert is_mp3(done.stdout)


def test_an_api_error_is_one_line_with_code_and_request_id(tokenmarket: Runner) -> None:
    data = '{"model": "gpt-rerank", "query": "q", "documents": ["a"]}'
    fault = ["--header", "X-Mock-Fault: provider_error", "--max-retries", "0"]
    done = tokenmarket(*fault, "api", "rerank.create", "--data", data)
    assert done.returncode == 1
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("tokenmarket: error: ProviderError")
    assert "PROVIDER_001" in line
    assert "req_" in line


def test_unknown_method_and_misplaced_data_are_usage_errors(tokenmarket: Runner) -> None:
    unknown = tokenmarket("api", "rerank.creat")
    assert unknown.returncode == 2
    assert "did you mean rerank.create" in unknown.stderr
    not_object = tokenmarket("api", "rerank.create", "--data", "[1, 2]")
    assert not_object.returncode == 2
    assert "JSON object" in not_object.stderr
    missing = tokenmarket("api", "rerank.create", "--data", "@nowhere.json")
    assert missing.returncode == 2
    assert "cannot read --data @nowhere.json" in missing.stderr
    no_method = tokenmarket("api")
    assert no_method.returncode == 2
