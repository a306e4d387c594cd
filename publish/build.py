"""Build dist/, the spec as other languages consume it (`nox -s publish`).

dist/ holds, for openapi.yaml:

- `openapi.yaml` and `openapi.json`: one file each, every reference kept as a `$ref` into
  `components` (Redocly `bundle`); the YAML has no anchors or aliases, which some YAML readers
  in other languages reject or cap;
- `openapi.dereferenced.json`: every `$ref` replaced by its target, for tools that cannot follow
  references (Redocly `bundle --dereferenced`);
- `index.html`: the API reference as one page that opens offline, Redoc's scripts inlined
  (Redocly `build-docs --inlineBundle`);
- `manifest.json`: the spec's title, version and sha256, and the sha256 of every published file.

Every file is checked before the manifest is written: the bundles must say exactly what
openapi.yaml says, the dereferenced file must hold no reference, and the page must carry all
operations and load nothing from the network. A failed check raises `PublishError`.

Run it with `python -m publish.build [--spec openapi.yaml] [--out dist] [--redocly PATH]`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from generator.spec import Spec, SpecError
from generator.spec import load_spec as load_spec_file

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REDOCLY = ROOT / "node_modules" / ".bin" / "redocly"

# The same variables as NODE_ENV in noxfile.py (tests/publish keeps the two in step): run by
# hand, outside nox, Redocly must not try to reach the network either.
OFFLINE_ENV = {
    "REDOCLY_TELEMETRY": "off",
    "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    "NO_UPDATE_NOTIFIER": "1",
    "SCARF_ANALYTICS": "false",
}

BUNDLE_YAML = "openapi.yaml"
BUNDLE_JSON = "openapi.json"
DEREFERENCED_JSON = "openapi.dereferenced.json"
REFERENCE_HTML = "index.html"
MANIFEST = "manifest.json"
PUBLISHED = (BUNDLE_YAML, BUNDLE_JSON, DEREFERENCED_JSON, REFERENCE_HTML)

# build-docs embeds the API description in the page as a JavaScript constant; the page renders
# from it, so it is what "the page contains the operations" means.
_DEFINITION = re.compile(r"const __redoc_definition = (\{.*?\});\s*\n", re.S)
# Anything the page would fetch when opened: a script, stylesheet, image, font or frame taken
# from another origin. Links a reader may click (`<a href>`) are fine offline.
_EXTERNAL = re.compile(
    r"<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=[\"']?((?:https?:)?//[^\"' >]+)"
    r"|@import\s+(?:url\()?[\"']?((?:https?:)?//[^\"')]+)"
    r"|url\([\"']?((?:https?:)?//[^\"')]+)",
    re.I,
)


class PublishError(Exception):
    """A published file is missing, or does not say what openapi.yaml says."""


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_spec(path: Path) -> dict[str, Any]:
    """openapi.yaml (or another OpenAPI file) as parsed by generator/spec.py, as a dict."""
    try:
        return load_spec_file(path).raw
    except SpecError as error:
        raise PublishError(str(error)) from error


def operations(spec: dict[str, Any]) -> list[dict[str, str]]:
    """List the operations of a parsed spec as {operationId, method, path}, in document order.

    The published files are read the way generator/spec.py reads openapi.yaml, so "the same
    operations" means the same thing for the source and for every file written from it.
    """
    return [
        {"operationId": operation.id, "method": operation.method, "path": operation.path}
        for operation in Spec(path=Path("openapi.yaml"), raw=spec).operations
    ]


def redocly_steps(spec: Path, out: Path, title: str) -> list[list[str]]:
    """The Redocly CLI invocations that write the four published files, in order.

    The page is built from the bundle, not from openapi.yaml, so that it documents exactly the
    file a consumer downloads.
    """
    return [
        ["bundle", str(spec), "--output", str(out / BUNDLE_YAML)],
        ["bundle", str(spec), "--ext", "json", "--output", str(out / BUNDLE_JSON)],
        [
            "bundle",
            str(spec),
            "--dereferenced",
            "--ext",
            "json",
            "--output",
            str(out / DEREFERENCED_JSON),
        ],
        [
            "build-docs",
            str(out / BUNDLE_YAML),
            "--inlineBundle",
            "--title",
            title,
            "--output",
            str(out / REFERENCE_HTML),
        ],
    ]


def embedded_definition(html: str) -> dict[str, Any]:
    """Return the API description that a Redocly build-docs page renders from."""
    match = _DEFINITION.search(html)
    if match is None:
        raise PublishError("the page embeds no API description (__redoc_definition)")
    loaded: dict[str, Any] = json.loads(match.group(1))
    return loaded


def external_resources(html: str) -> list[str]:
    """Return the URLs a page would load from the network when opened (empty when offline)."""
    return sorted({next(url for url in match if url) for match in _EXTERNAL.findall(html)})


def _has_yaml_alias(text: str) -> bool:
    return any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, yaml.SafeLoader))


def _refs(node: object) -> int:
    if isinstance(node, dict):
        return ("$ref" in node) + sum(_refs(value) for value in node.values())
    if isinstance(node, list):
        return sum(_refs(value) for value in node)
    return 0


def check(source: dict[str, Any], out: Path) -> None:
    """Check the published files in `out` against the parsed openapi.yaml; raise PublishError."""
    missing = [name for name in PUBLISHED if not (out / name).is_file()]
    if missing:
        raise PublishError(f"not written: {', '.join(missing)}")
    bundle_text = (out / BUNDLE_YAML).read_text(encoding="utf-8")
    bundle = yaml.safe_load(bundle_text)
    # openapi.yaml is one file with internal references only, so bundling must change nothing
    # but the YAML aliases it inlines; anything else would be Redocly rewriting the API.
    if bundle != source:
        raise PublishError(f"{BUNDLE_YAML} does not say what the source says")
    if _has_yaml_alias(bundle_text):
        raise PublishError(f"{BUNDLE_YAML} still uses YAML anchors or aliases")
    if json.loads((out / BUNDLE_JSON).read_text(encoding="utf-8")) != bundle:
        raise PublishError(f"{BUNDLE_JSON} differs from {BUNDLE_YAML}")
    dereferenced = json.loads((out / DEREFERENCED_JSON).read_text(encoding="utf-8"))
    if _refs(dereferenced):
        raise PublishError(f"{DEREFERENCED_JSON} still holds {_refs(dereferenced)} $ref")
    if operations(dereferenced) != operations(source):
        raise PublishError(f"{DEREFERENCED_JSON} lost or changed an operation")
    html = (out / REFERENCE_HTML).read_text(encoding="utf-8")
    if operations(embedded_definition(html)) != operations(source):
        raise PublishError(f"{REFERENCE_HTML} does not document every operation")
    external = external_resources(html)
    if external:
        raise PublishError(f"{REFERENCE_HTML} loads from the network: {external}")


def _node_package_version(redocly: Path, package: str) -> str:
    # node_modules/.bin/redocly -> node_modules/<package>/package.json
    node_modules = redocly.absolute().parent.parent
    try:
        data = json.loads((node_modules / package / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "unknown"
    version = data.get("version")
    return version if isinstance(version, str) else "unknown"


def manifest_for(spec: Path, source: dict[str, Any], out: Path, redocly: Path) -> dict[str, Any]:
    """The manifest of a checked dist/: spec identity, file digests, operations, tool versions."""
    info = source.get("info", {})
    return {
        "published_by": "nox -s publish",
        "spec": {
            "path": spec.name,
            "title": info.get("title"),
            "version": info.get("version"),
            "openapi": source.get("openapi"),
            "sha256": sha256_file(spec),
        },
        "files": {
            name: {"sha256": sha256_file(out / name), "bytes": (out / name).stat().st_size}
            for name in PUBLISHED
        },
        "operations": operations(source),
        "tools": {"@redocly/cli": _node_package_version(redocly, "@redocly/cli")},
    }


def build(spec: Path, out: Path, redocly: Path = DEFAULT_REDOCLY) -> dict[str, Any]:
    """Write and check every published file of `spec` into `out`; return the manifest."""
    source = load_spec(spec)
    out.mkdir(parents=True, exist_ok=True)
    # Remove what an earlier run published (and only that: `out` may be any folder), so that a
    # failed step can never leave an older file to be mistaken for a new one.
    for name in (*PUBLISHED, MANIFEST):
        (out / name).unlink(missing_ok=True)
    title = str(source.get("info", {}).get("title", "API reference"))
    env = {**os.environ, **OFFLINE_ENV}
    for args in redocly_steps(spec.resolve(), out.resolve(), title):
        # Redocly reads redocly.yaml from its working directory: run it from the repository.
        result = subprocess.run(  # noqa: S603 (a fixed tool, with arguments built above)
            [str(redocly), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise PublishError(f"redocly {args[0]} failed:\n{result.stdout}\n{result.stderr}")
    check(source, out)
    manifest = manifest_for(spec, source, out, redocly)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Command line: build dist/ and print what was published."""
    parser = argparse.ArgumentParser(prog="python -m publish.build", description=__doc__)
    parser.add_argument("--spec", type=Path, default=ROOT / "openapi.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--redocly", type=Path, default=DEFAULT_REDOCLY)
    args = parser.parse_args(argv)
    try:
        manifest = build(args.spec, args.out, args.redocly)
    except PublishError as error:
        print(f"publish: {error}", file=sys.stderr)
        return 1
    spec = manifest["spec"]
    print(f"published {spec['title']} {spec['version']} (sha256 {spec['sha256']}) to {args.out}/")
    for name, entry in manifest["files"].items():
        print(f"  {name:<28} {entry['bytes']:>9} bytes  sha256 {entry['sha256'][:16]}")
    print(f"  {MANIFEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
