"""dist/ holds every promised file, each saying exactly what openapi.yaml says."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.spec import load_spec
from publish import build

from .conftest import ROOT, SPEC

SPEC_READ = load_spec(SPEC)
# operationId: (path, summary), as openapi.yaml says (through generator/spec.py).
OPERATIONS = {operation.id: (operation.path, operation.summary) for operation in SPEC_READ}

# Regenerates, compiles or fuzzes: runs in `nox -s e2e`, not in the quick `nox -s tests`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def source() -> dict[str, Any]:
    return SPEC_READ.raw


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_every_promised_file_is_written(dist: Path) -> None:
    assert sorted(path.name for path in dist.iterdir()) == sorted(
        ["openapi.yaml", "openapi.json", "openapi.dereferenced.json", "index.html", "manifest.json"]
    )


def test_bundles_say_what_the_spec_says(dist: Path, source: dict[str, Any]) -> None:
    text = (dist / "openapi.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(text) == source
    assert json.loads((dist / "openapi.json").read_text(encoding="utf-8")) == source
    # The source shares the success headers by YAML alias; the published YAML spells them out,
    # since some YAML readers of other languages refuse aliases or cap their expansion.
    assert "*success_headers" in SPEC.read_text(encoding="utf-8")
    assert not re.search(r"[&*]success_headers", text)


def test_bundles_keep_references_into_components(dist: Path) -> None:
    bundle = json.loads((dist / "openapi.json").read_text(encoding="utf-8"))
    refs = _refs(bundle)
    assert len(refs) > 100
    assert all(ref.startswith("#/components/") for ref in refs), "an external reference is left"


def test_dereferenced_file_has_no_reference(dist: Path, source: dict[str, Any]) -> None:
    text = (dist / "openapi.dereferenced.json").read_text(encoding="utf-8")
    dereferenced = json.loads(text)
    assert '"$ref"' not in text
    assert dereferenced["paths"].keys() == source["paths"].keys()
    rerank = dereferenced["paths"]["/v1/rerank"]["post"]
    body = rerank["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["model", "query", "documents"]
    assert body["properties"]["documents"]["items"]["oneOf"][1]["properties"]["text"] == {
        "type": "string",
        "description": "The text.",
    }
    assert rerank["responses"]["401"]["content"]["application/json"]["schema"]["required"] == [
        "error"
    ]


def test_manifest_names_version_and_digests(dist: Path, source: dict[str, Any]) -> None:
    manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["published_by"] == "nox -s publish"
    assert manifest["spec"] == {
        "path": "openapi.yaml",
        "title": source["info"]["title"],
        "version": source["info"]["version"],
        "openapi": "3.1.0",
        "sha256": hashlib.sha256(SPEC.read_bytes()).hexdigest(),
    }
    for name, entry in manifest["files"].items():
        data = (dist / name).read_bytes()
        assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    assert {op["operationId"]: op["path"] for op in manifest["operations"]} == {
        name: path for name, (path, _) in OPERATIONS.items()
    }
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert manifest["tools"] == {"@redocly/cli": package["devDependencies"]["@redocly/cli"]}


def test_reference_page_documents_every_operation(dist: Path) -> None:
    html = (dist / "index.html").read_text(encoding="utf-8")
    match = re.search(r"const __redoc_definition = (\{.*?\});\s*\n", html, re.S)
    assert match, "the page carries no API description"
    definition = json.loads(match.group(1))
    for operation in SPEC_READ.operations:
        published = definition["paths"][operation.path][operation.method.lower()]
        assert (published["operationId"], published["summary"]) == (operation.id, operation.summary)
        assert html.count(operation.summary) >= 1, f"the page lacks {operation.id}"
    # Redoc prerenders the navigation: one section per tag, the operations' homes.
    for tag in {operation.tag for operation in SPEC_READ.operations if operation.tag}:
        assert f'data-section-id="/{tag.lower()}"' in html, f"the page lacks the tag {tag}"


def test_reference_page_opens_offline(dist: Path) -> None:
    html = (dist / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc=", html), "a script is loaded, not inlined"
    assert not re.search(r"<link[^>]*\bhref=[\"']?(https?:)?//", html), "a remote stylesheet"
    # (Redoc's inlined script names CDN URLs for optional icon sets and a footer logo; the
    # page does not need them: the logo hides itself when it cannot load, icons are unused.)
    assert build.external_resources(html) == []
    assert len(html) > 1_000_000, "Redoc's scripts are inlined, so the page is large"


def test_external_resources_are_detected() -> None:
    page = (
        '<script src="https://cdn.example.org/redoc.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.org/css">'
        "<style>@import url('https://fonts.example.org/roboto.css');</style>"
        '<a href="https://example.org/docs">a link a reader may follow</a>'
    )
    assert build.external_resources(page) == [
        "//fonts.example.org/css",
        "https://cdn.example.org/redoc.js",
        "https://fonts.example.org/roboto.css",
    ]


def test_check_rejects_what_the_spec_does_not_say(dist: Path, tmp_path: Path) -> None:
    source = build.load_spec(SPEC)
    out = tmp_path / "dist"
    shutil.copytree(dist, out)
    build.check(source, out)  # the real output passes

    bundle = json.loads((out / "openapi.json").read_text(encoding="utf-8"))
    del bundle["paths"]["/v1/rerank"]
    (out / "openapi.json").write_text(json.dumps(bundle), encoding="utf-8")
    with pytest.raises(build.PublishError, match=r"openapi\.json differs"):
        build.check(source, out)

    shutil.copy(dist / "openapi.json", out / "openapi.json")
    dereferenced = json.loads((out / "openapi.dereferenced.json").read_text(encoding="utf-8"))
    dereferenced["components"]["schemas"]["Loop"] = {"$ref": "#/components/schemas/Loop"}
    (out / "openapi.dereferenced.json").write_text(json.dumps(dereferenced), encoding="utf-8")
    with pytest.raises(build.PublishError, match=r"still holds 1 \$ref"):
        build.check(source, out)

    shutil.copy(dist / "openapi.dereferenced.json", out / "openapi.dereferenced.json")
    (out / "index.html").unlink()
    with pytest.raises(build.PublishError, match=r"not written: index\.html"):
        build.check(source, out)


def test_offline_environment_matches_the_noxfile() -> None:
    # publish.build keeps its own copy so that `python -m publish.build` is offline outside nox.
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    node_env = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "NODE_ENV" for t in node.targets)
    )
    assert ast.literal_eval(node_env) == build.OFFLINE_ENV
