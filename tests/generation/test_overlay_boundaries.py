"""Generated modules never import override modules, except the runtime they are generated against.

Overrides are laid in after generation, so the third-party generators' code cannot know them;
only the facade step's modules (and the result models, whose base class is the runtime's) are
written against the hand-written runtime, and PROVENANCE.json lists them. This guards against
a template shim or a hand edit that would make the low-level layer depend on the hand-written
one (a cycle that breaks regeneration), and keeps the overlay purely additive.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from .conftest import GENERATED, ROOT, run_generate


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(GENERATED).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def test_generated_modules_do_not_import_overrides() -> None:
    provenance = json.loads((GENERATED / "PROVENANCE.json").read_text())
    override_files = set(provenance["overrides"])
    override_modules = {
        _module_name(GENERATED / relative)
        for relative in override_files
        if relative not in provenance["replaceable"]
    }
    on_runtime = set(provenance["generated_against_runtime"])
    assert "tokenmarket_client/resources/chat.py" in on_runtime
    offenders = []
    for path in sorted(GENERATED.rglob("*.py")):
        relative = path.relative_to(GENERATED).as_posix()
        if relative in override_files or relative in on_runtime:
            continue
        wrong = _imports(path) & override_modules
        if wrong:
            offenders.append(f"{relative} imports {sorted(wrong)}")
    assert not offenders, "\n".join(offenders)


def test_the_overlay_is_purely_additive() -> None:
    provenance = json.loads((GENERATED / "PROVENANCE.json").read_text())
    assert provenance["replaceable"] == []
    assert not set(provenance["overrides"]) & set(provenance["generated_against_runtime"])
    assert "tokenmarket_client/__init__.py" not in provenance["overrides"]


def test_import_resolution_sees_relative_imports() -> None:
    """The import scanner itself works: the generated client imports its own models."""
    imports = _imports(GENERATED / "tokenmarket_client" / "api" / "rerank" / "create_rerank.py")
    assert "tokenmarket_client.models.rerank_request" in imports
    assert "tokenmarket_client.client" in imports


@pytest.mark.slow
def test_an_override_cannot_silently_shadow_a_generated_module(tmp_path: Path) -> None:
    overrides = tmp_path / "overrides"
    (overrides / "tokenmarket_client").mkdir(parents=True)
    (overrides / "tokenmarket_client" / "client.py").write_text("X = 1\n")
    output = tmp_path / "out"
    result = run_generate(ROOT / "openapi.yaml", output, overrides)
    assert result.returncode != 0
    assert "overrides/tokenmarket_client/client.py would replace a generated module" in (
        result.stderr
    )
    assert not output.exists(), "a failed run must not leave a half-written client"
