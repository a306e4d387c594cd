"""publish.spec_diff on small spec pairs: each kind of breaking change is flagged, additive
changes pass, acknowledgement works, and the command line reads a git ref."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.spec import load_spec
from publish import spec_diff
from publish.spec_diff import Severity

from .conftest import ROOT, SPEC

Spec = dict[str, Any]
THING = "#/components/schemas/Thing"
REQUEST = "#/components/schemas/ThingRequest"
CREATE = "#/paths/~1v1~1things/post"


def base() -> Spec:
    """Two operations sharing a response schema, with a bit of every construct."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Things", "version": "1.2.0"},
        "paths": {
            "/v1/things": {
                "post": {
                    "operationId": "createThing",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string", "maxLength": 255},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": REQUEST}},
                        },
                    },
                    "responses": {
                        "200": {"$ref": "#/components/responses/ThingOk"},
                        "400": {
                            "description": "Bad request.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}
                                }
                            },
                        },
                    },
                }
            },
            "/v1/things/search": {
                "post": {
                    "operationId": "searchThings",
                    "requestBody": {
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "responses": {"200": {"$ref": "#/components/responses/ThingOk"}},
                }
            },
        },
        "components": {
            "responses": {
                "ThingOk": {
                    "description": "The thing.",
                    "headers": {
                        "x-request-id": {"required": True, "schema": {"type": "string"}},
                    },
                    "content": {
                        "application/json": {"schema": {"$ref": THING}},
                        "text/event-stream": {"schema": {"type": "object"}},
                    },
                }
            },
            "schemas": {
                "ThingRequest": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1, "maxLength": 100},
                        "size": {"type": "integer", "minimum": 1, "maximum": 10},
                        "ratio": {"type": "number", "multipleOf": 0.5},
                        "color": {"$ref": "#/components/schemas/Color"},
                        "tags": {
                            "type": "array",
                            "maxItems": 5,
                            "items": {"type": "string", "pattern": "^[a-z]+$"},
                        },
                        "mode": {"type": "string", "default": "fast"},
                        "note": {"type": "string"},
                        "input": {
                            "anyOf": [
                                {"type": "string"},
                                {"type": "array", "items": {"type": "string"}},
                            ]
                        },
                    },
                },
                "Color": {"type": "string", "enum": ["red", "green"]},
                "Thing": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {
                        "id": {"type": "string", "maxLength": 64},
                        "name": {"type": "string"},
                        "score": {"type": "number"},
                        "status": {"type": "string"},
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "parent": {
                            "anyOf": [
                                {"$ref": "#/components/schemas/Parent"},
                                {"type": "null"},
                            ]
                        },
                        "children": {"type": "array", "items": {"$ref": THING}},
                    },
                },
                "Parent": {"type": "object", "properties": {"id": {"type": "string"}}},
                "Error": {
                    "type": "object",
                    "required": ["message"],
                    "properties": {"message": {"type": "string"}},
                },
            },
        },
    }


def _schemas(spec: Spec) -> dict[str, Any]:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    return schemas


def _request(spec: Spec) -> dict[str, Any]:
    return _schemas(spec)["ThingRequest"]["properties"]  # type: ignore[no-any-return]


def _thing(spec: Spec) -> dict[str, Any]:
    return _schemas(spec)["Thing"]  # type: ignore[no-any-return]


def _create(spec: Spec) -> dict[str, Any]:
    return spec["paths"]["/v1/things"]["post"]  # type: ignore[no-any-return]


def _changed(mutate: Callable[[Spec], object]) -> tuple[Spec, Spec]:
    old = base()
    new = copy.deepcopy(old)
    mutate(new)
    return old, new


# Each breaking kind: a change of the new spec, the kind reported, and where.
BREAKING: dict[str, tuple[Callable[[Spec], object], str, str]] = {
    "removed operation": (
        lambda s: s["paths"].pop("/v1/things/search"),
        "operation-removed",
        "#/paths/~1v1~1things~1search/post",
    ),
    "removed response field": (
        lambda s: _thing(s)["properties"].pop("score"),
        "response-property-removed",
        f"{THING}/properties/score",
    ),
    "response field no longer always present": (
        lambda s: _thing(s)["required"].remove("name"),
        "response-property-optional",
        f"{THING}/properties/name",
    ),
    "new required request field": (
        lambda s: (
            _request(s).update(owner={"type": "string"}),
            _schemas(s)["ThingRequest"]["required"].append("owner"),
        ),
        "request-property-required",
        f"{REQUEST}/properties/owner",
    ),
    "optional request field made required": (
        lambda s: _schemas(s)["ThingRequest"]["required"].append("size"),
        "request-property-required",
        f"{REQUEST}/properties/size",
    ),
    "removed request field": (
        lambda s: _request(s).pop("note"),
        "request-property-removed",
        f"{REQUEST}/properties/note",
    ),
    "changed request type": (
        lambda s: _request(s)["size"].update(type="string"),
        "request-type-changed",
        f"{REQUEST}/properties/size",
    ),
    "changed response type": (
        lambda s: _thing(s)["properties"]["score"].update(type="string"),
        "response-type-changed",
        f"{THING}/properties/score",
    ),
    "response field may now be null": (
        lambda s: _thing(s)["properties"]["status"].update(type=["string", "null"]),
        "response-type-changed",
        f"{THING}/properties/status",
    ),
    "removed documented value": (
        lambda s: _schemas(s)["Color"]["enum"].remove("green"),
        "request-enum-value-removed",
        "#/components/schemas/Color",
    ),
    "new value of a closed response enum": (
        lambda s: _thing(s)["properties"]["kind"]["enum"].append("c"),
        "response-enum-value-added",
        f"{THING}/properties/kind",
    ),
    "narrowed maxLength": (
        lambda s: _request(s)["name"].update(maxLength=50),
        "request-constraint-narrowed",
        f"{REQUEST}/properties/name",
    ),
    "narrowed minLength": (
        lambda s: _request(s)["name"].update(minLength=3),
        "request-constraint-narrowed",
        f"{REQUEST}/properties/name",
    ),
    "narrowed maximum": (
        lambda s: _request(s)["size"].update(maximum=5),
        "request-constraint-narrowed",
        f"{REQUEST}/properties/size",
    ),
    "narrowed minimum": (
        lambda s: _request(s)["size"].update(minimum=2),
        "request-constraint-narrowed",
        f"{REQUEST}/properties/size",
    ),
    "new exclusiveMaximum": (
        lambda s: _request(s)["size"].update(exclusiveMaximum=8),
        "request-constraint-narrowed",
        f"{REQUEST}/properties/size",
    ),
    "narrowed maxItems": (
        lambda s: _request(s)["tags"].update(maxItems=3),
        "request-constraint-narrowed",
        f"{REQUEST}/properties/tags",
    ),
    "new uniqueItems": (
        lambda s: _request(s)["tags"].update(uniqueItems=True),
        "request-constraint-narrowed",
        f"{REQUEST}/properties/tags",
    ),
    "changed pattern": (
        lambda s: _request(s)["tags"]["items"].update(pattern="^[a-z]{1,8}$"),
        "request-constraint-narrowed",
        f"{REQUEST}/properties/tags/items",
    ),
    "new limit on an unlimited field": (
        lambda s: _request(s)["note"].update(maxLength=10),
        "request-constraint-narrowed",
        f"{REQUEST}/properties/note",
    ),
    "coarser multipleOf": (
        lambda s: _request(s)["ratio"].update(multipleOf=1),
        "request-constraint-narrowed",
        f"{REQUEST}/properties/ratio",
    ),
    "closed request object": (
        lambda s: _schemas(s)["ThingRequest"].update(additionalProperties=False),
        "request-constraint-narrowed",
        REQUEST,
    ),
    "narrowed header parameter": (
        lambda s: _create(s)["parameters"][0]["schema"].update(maxLength=64),
        "request-constraint-narrowed",
        f"{CREATE}/parameters/0/schema",
    ),
    "widened response constraint": (
        lambda s: _thing(s)["properties"]["id"].update(maxLength=128),
        "response-constraint-widened",
        f"{THING}/properties/id",
    ),
    "request variant removed": (
        lambda s: _request(s)["input"]["anyOf"].pop(),
        "request-variant-removed",
        f"{REQUEST}/properties/input/anyOf/1",
    ),
    "response variant added": (
        lambda s: _thing(s)["properties"]["parent"]["anyOf"].append({"type": "string"}),
        "response-variant-added",
        f"{THING}/properties/parent/anyOf/2",
    ),
    "changed request default": (
        lambda s: _request(s)["mode"].update(default="slow"),
        "request-default-changed",
        f"{REQUEST}/properties/mode",
    ),
    "new required header": (
        lambda s: _create(s)["parameters"].append(
            {"name": "X-Team", "in": "header", "required": True, "schema": {"type": "string"}}
        ),
        "request-parameter-required",
        f"{CREATE}/parameters/1",
    ),
    "optional body made required": (
        lambda s: s["paths"]["/v1/things/search"]["post"]["requestBody"].update(required=True),
        "request-body-required",
        "#/paths/~1v1~1things~1search/post/requestBody",
    ),
    "removed success response": (
        lambda s: s["paths"]["/v1/things/search"]["post"]["responses"].pop("200"),
        "response-status-removed",
        "#/paths/~1v1~1things~1search/post/responses/200",
    ),
    "removed response media type": (
        lambda s: s["components"]["responses"]["ThingOk"]["content"].pop("text/event-stream"),
        "response-media-type-removed",
        "#/components/responses/ThingOk/content/text~1event-stream",
    ),
    "removed response header": (
        lambda s: s["components"]["responses"]["ThingOk"]["headers"].pop("x-request-id"),
        "response-header-removed",
        "#/components/responses/ThingOk/headers/x-request-id",
    ),
    "response header no longer always sent": (
        lambda s: s["components"]["responses"]["ThingOk"]["headers"]["x-request-id"].update(
            required=False
        ),
        "response-header-optional",
        "#/components/responses/ThingOk/headers/x-request-id",
    ),
    "removed field of a nested, recursive schema": (
        lambda s: _schemas(s)["Parent"]["properties"].pop("id"),
        "response-property-removed",
        "#/components/schemas/Parent/properties/id",
    ),
}

# Changes old clients can ignore: the kind reported, and its severity.
ADDITIVE: dict[str, tuple[Callable[[Spec], object], str, Severity]] = {
    "new operation": (
        lambda s: s["paths"].update({"/v1/other": copy.deepcopy(s["paths"]["/v1/things/search"])}),
        "operation-added",
        Severity.ADDITIVE,
    ),
    "new optional request field": (
        lambda s: _request(s).update(owner={"type": "string"}),
        "request-property-added",
        Severity.ADDITIVE,
    ),
    "new response field": (
        lambda s: _thing(s)["properties"].update(created={"type": "integer"}),
        "response-property-added",
        Severity.ADDITIVE,
    ),
    "new accepted value": (
        lambda s: _schemas(s)["Color"]["enum"].append("blue"),
        "request-enum-value-added",
        Severity.ADDITIVE,
    ),
    "looser maxLength": (
        lambda s: _request(s)["name"].update(maxLength=200),
        "request-constraint-widened",
        Severity.ADDITIVE,
    ),
    "dropped minimum": (
        lambda s: _request(s)["size"].pop("minimum"),
        "request-constraint-widened",
        Severity.ADDITIVE,
    ),
    "integer request field accepts numbers": (
        lambda s: _request(s)["size"].update(type="number"),
        "request-type-widened",
        Severity.ADDITIVE,
    ),
    "new request variant": (
        lambda s: _request(s)["input"]["anyOf"].append({"type": "integer"}),
        "request-variant-added",
        Severity.ADDITIVE,
    ),
    "required request field made optional": (
        lambda s: _schemas(s)["ThingRequest"]["required"].remove("name"),
        "request-property-optional",
        Severity.ADDITIVE,
    ),
    "new error status": (
        lambda s: _create(s)["responses"].update({"409": {"description": "Conflict."}}),
        "response-status-added",
        Severity.ADDITIVE,
    ),
    "new optional header": (
        lambda s: _create(s)["parameters"].append(
            {"name": "X-Trace", "in": "header", "schema": {"type": "string"}}
        ),
        "request-parameter-added",
        Severity.ADDITIVE,
    ),
    "new response header": (
        lambda s: s["components"]["responses"]["ThingOk"]["headers"].update(
            {"x-cost": {"schema": {"type": "string"}}}
        ),
        "response-header-added",
        Severity.ADDITIVE,
    ),
    "response field no longer nullable": (
        lambda s: _thing(s)["properties"]["parent"].update(
            {"anyOf": [{"$ref": "#/components/schemas/Parent"}]}
        ),
        "response-variant-removed",
        Severity.OTHER,
    ),
    "error response no longer documented": (
        lambda s: _create(s)["responses"].pop("400"),
        "response-status-removed",
        Severity.OTHER,
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKING))
def test_breaking_change_is_flagged(case: str) -> None:
    mutate, kind, where = BREAKING[case]
    report = spec_diff.compare(*_changed(mutate))
    breaking = [(change.kind, change.where) for change in report.by_severity(Severity.BREAKING)]
    assert (kind, where) in breaking, spec_diff.render(report, "old", "new")
    assert report.unacknowledged, "not acknowledged, so the check fails"


@pytest.mark.parametrize("case", sorted(ADDITIVE))
def test_additive_change_passes(case: str) -> None:
    mutate, kind, severity = ADDITIVE[case]
    report = spec_diff.compare(*_changed(mutate))
    rendered = spec_diff.render(report, "old", "new")
    assert report.by_severity(Severity.BREAKING) == [], rendered
    assert [change.kind for change in report.by_severity(severity)] == [kind], rendered
    assert rendered.endswith("OK: no breaking change.")


def test_descriptions_examples_and_union_keyword_are_not_changes() -> None:
    def edit(spec: Spec) -> None:
        _thing(spec)["description"] = "Reworded."
        _request(spec)["name"]["examples"] = ["a name"]
        # anyOf -> oneOf over disjoint branches accepts the same values.
        _request(spec)["input"]["oneOf"] = _request(spec)["input"].pop("anyOf")
        spec["info"]["version"] = "1.3.0"

    assert spec_diff.compare(*_changed(edit)).changes == []


def _extract_mode(spec: Spec, values: list[str]) -> None:
    # `mode: anyOf: [{type: string, enum}, array]`, its enum branch moved to a component.
    _schemas(spec)["Mode"] = {"type": "string", "enum": values, "description": "Named now."}
    _request(spec)["mode"] = {"anyOf": [{"$ref": "#/components/schemas/Mode"}, {"type": "null"}]}


def test_moving_a_union_branch_into_a_component_is_not_a_change() -> None:
    def before(spec: Spec) -> None:
        _request(spec)["mode"] = {
            "anyOf": [{"type": "string", "enum": ["fast", "slow"]}, {"type": "null"}]
        }

    old = base()
    before(old)
    new = copy.deepcopy(old)
    _extract_mode(new, ["fast", "slow"])
    assert spec_diff.compare(old, new).changes == []
    # ... and a change made while moving it is still seen (where it was, in the old spec).
    _extract_mode(new, ["fast"])
    (change,) = spec_diff.compare(old, new).changes
    assert (change.kind, change.where) == (
        "request-enum-value-removed",
        f"{REQUEST}/properties/mode/anyOf/0",
    )


def test_a_shared_schema_is_reported_once_with_every_operation() -> None:
    report = spec_diff.compare(*_changed(lambda s: _thing(s)["properties"].pop("score")))
    (change,) = report.changes
    assert change.operations == ("POST /v1/things", "POST /v1/things/search")
    assert change.id == f"response-property-removed@{THING}/properties/score"


def test_major_version_acknowledges_breaking_changes() -> None:
    def edit(spec: Spec) -> None:
        _thing(spec)["properties"].pop("score")
        spec["info"]["version"] = "2.0.0"

    report = spec_diff.compare(*_changed(edit))
    assert report.major_bump
    assert len(report.by_severity(Severity.BREAKING)) == 1
    assert report.unacknowledged == []
    rendered = spec_diff.render(report, "old", "new")
    assert "(acknowledged)" in rendered
    assert rendered.endswith(
        "OK: every breaking change is acknowledged (the major version was raised)."
    )


def test_each_breaking_change_can_be_acknowledged_by_id() -> None:
    def edit(spec: Spec) -> None:
        _thing(spec)["properties"].pop("score")
        _request(spec)["name"]["maxLength"] = 10

    old, new = _changed(edit)
    report = spec_diff.compare(old, new)
    ids = [change.id for change in report.unacknowledged]
    assert len(ids) == 2
    assert [c.id for c in spec_diff.compare(old, new, ids[:1]).unacknowledged] == ids[1:]
    assert spec_diff.compare(old, new, ids).unacknowledged == []


# ------------------------------------------------------------------------- the real spec


def _real(edit: Callable[[str], str] | None = None) -> Spec:
    text = SPEC.read_text(encoding="utf-8")
    if edit is not None:
        edited = edit(text)
        assert edited != text, "the edit no longer applies to openapi.yaml"
        text = edited
    loaded: Spec = yaml.safe_load(text)
    return loaded


def test_openapi_yaml_against_itself_has_no_change() -> None:
    assert spec_diff.compare(_real(), _real()).changes == []


def test_openapi_yaml_speech_format_removed_is_breaking() -> None:
    new = _real(lambda text: text.replace("enum: [mp3, opus, aac, flac, wav, pcm]", "enum: [mp3]"))
    report = spec_diff.compare(_real(), new)
    assert {(c.kind, c.where) for c in report.changes} == {
        ("request-enum-value-removed", "#/components/schemas/SpeechFormat")
    }
    (change,) = report.changes
    assert change.operations == ("POST /v1/audio/speech",)
    assert "removed" in change.message


def test_openapi_yaml_error_envelope_change_reaches_every_operation() -> None:
    new = _real()
    new["components"]["schemas"]["ErrorDetail"]["required"].remove("code")
    (change,) = spec_diff.compare(_real(), new).changes
    assert change.kind == "response-property-optional"
    every = {f"{operation.method} {operation.path}" for operation in load_spec().operations}
    assert set(change.operations) == every


def test_openapi_yaml_sse_chunk_field_is_followed_through_content_schema() -> None:
    new = _real()
    del new["components"]["schemas"]["ChatCompletionChunk"]["properties"]["usage"]
    (change,) = spec_diff.compare(_real(), new).changes
    assert change.where == "#/components/schemas/ChatCompletionChunk/properties/usage"
    assert change.operations == ("POST /v1/chat/completions",)


# ------------------------------------------------------------------------- command line


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose HEAD commits base() as openapi.yaml."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(base()), encoding="utf-8")
    for command in (["init", "-q"], ["add", "openapi.yaml"], ["commit", "-q", "-m", "spec"]):
        subprocess.run(["git", *command], cwd=tmp_path, env=env, check=True)
    return tmp_path


def _write(repo: Path, mutate: Callable[[Spec], object]) -> Path:
    spec = base()
    mutate(spec)
    path = repo / "openapi.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def test_cli_fails_on_a_breaking_change_and_names_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _write(repo, lambda s: _thing(s)["properties"].pop("score"))
    report = repo / "report.json"
    assert spec_diff.main(["HEAD", "--spec", str(spec), "--json", str(report)]) == 1
    out = capsys.readouterr().out
    assert "Breaking changes: 1" in out
    assert "the response field `score` was removed" in out
    assert "FAIL: 1 breaking change(s) not acknowledged" in out
    saved = json.loads(report.read_text(encoding="utf-8"))
    assert saved["unacknowledged"] == [f"response-property-removed@{THING}/properties/score"]


def test_cli_passes_an_acknowledged_or_additive_change(repo: Path) -> None:
    spec = _write(repo, lambda s: _thing(s)["properties"].pop("score"))
    change_id = f"response-property-removed@{THING}/properties/score"
    assert spec_diff.main(["HEAD", "--spec", str(spec), "--acknowledge", change_id]) == 0
    spec = _write(repo, lambda s: _request(s).update(owner={"type": "string"}))
    assert spec_diff.main(["HEAD", "--spec", str(spec)]) == 0


def test_cli_usage_errors_exit_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = repo / "openapi.yaml"
    assert spec_diff.main(["--spec", str(spec)]) == 2
    assert spec_diff.main(["no-such-ref", "--spec", str(spec)]) == 2
    assert spec_diff.main(["HEAD", "--spec", str(spec), "--acknowledge", "nothing@#/x"]) == 2
    assert "cannot read openapi.yaml at 'no-such-ref'" in capsys.readouterr().err


def test_module_runs_as_a_program(repo: Path) -> None:
    spec = _write(repo, lambda s: s["paths"].pop("/v1/things/search"))
    result = subprocess.run(
        [sys.executable, "-m", "publish.spec_diff", "HEAD", "--spec", str(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "POST /v1/things/search was removed" in result.stdout


# ------------------------------------------------------------------------- CI: --parent

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
}


def _commit(repo: Path, message: str) -> None:
    for command in (["add", "openapi.yaml"], ["commit", "-q", "-m", message]):
        subprocess.run(["git", *command], cwd=repo, env=GIT_ENV, check=True)


def test_parent_without_a_parent_says_so_and_passes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert spec_diff.main(["--parent", "--spec", str(repo / "openapi.yaml")]) == 0
    assert "HEAD has no parent commit" in capsys.readouterr().out


def test_parent_in_a_shallow_clone_says_so_and_passes(repo: Path, tmp_path: Path) -> None:
    _write(repo, lambda s: _request(s).update(owner={"type": "string"}))
    _commit(repo, "additive")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", repo.as_uri(), str(clone)], check=True, env=GIT_ENV
    )
    command = [sys.executable, "-m", "publish.spec_diff", "--parent"]
    result = subprocess.run(
        [*command, "--spec", str(clone / "openapi.yaml")],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "shallow clone" in result.stdout


def test_parent_fails_a_committed_break_unless_its_commit_acknowledges_it(repo: Path) -> None:
    spec = _write(repo, lambda s: _thing(s)["properties"].pop("score"))
    change_id = f"response-property-removed@{THING}/properties/score"
    _commit(repo, "drop score")
    assert spec_diff.main(["--parent", "--spec", str(spec)]) == 1
    message = f"drop score\n\n{spec_diff.ACK_TRAILER}: {change_id}"
    subprocess.run(
        ["git", "commit", "-q", "--amend", "-m", message], cwd=repo, env=GIT_ENV, check=True
    )
    assert spec_diff.main(["--parent", "--spec", str(spec)]) == 0
    # The next commit compares with this one: the break is no longer in the diff.
    _write(repo, lambda s: (_thing(s)["properties"].pop("score"), _request(s).update(x={})))
    _commit(repo, "additive after the break")
    assert spec_diff.main(["--parent", "--spec", str(spec)]) == 0


def test_parent_of_this_repository_passes() -> None:
    """What CI runs (`nox -s spec_diff -- --parent`), on this repository's own history."""
    result = subprocess.run(
        [sys.executable, "-m", "publish.spec_diff", "--parent"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
