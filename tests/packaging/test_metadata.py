"""The release facts agree everywhere they are written: versions, license, Python versions."""

from __future__ import annotations

import ast
import json
import re

from generator.spec import load_spec

from .conftest import GENERATED, MOCK_PACKAGE, ROOT, VERSION, pyproject


def test_the_client_has_its_own_version_and_records_the_specs() -> None:
    project = pyproject(GENERATED / "pyproject.toml")["project"]
    spec_version = load_spec().version
    assert project["version"] == VERSION
    assert f"(API version {spec_version})" in project["description"]
    provenance = json.loads((GENERATED / "PROVENANCE.json").read_text(encoding="utf-8"))
    assert provenance["client_version"] == VERSION
    assert provenance["spec"]["version"] == spec_version


def test_the_changelog_has_a_section_for_the_current_release() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog
    released = re.findall(r"^## \[(\d[^\]]*)\] - \d{4}-\d{2}-\d{2}$", changelog, re.MULTILINE)
    assert released, "no release section `## [X.Y.Z] - YYYY-MM-DD`"
    assert released[0] == VERSION, "generator/package/VERSION moved: add its CHANGELOG section"
    section = changelog.split(f"## [{VERSION}]", 1)[1].split("\n## ", 1)[0]
    assert f"API spec {load_spec().version}" in section, "say which spec the release speaks"


def test_one_license_is_shipped_by_both_distributions() -> None:
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License")
    assert (GENERATED / "LICENSE").read_text(encoding="utf-8") == license_text
    assert (MOCK_PACKAGE / "LICENSE").resolve() == (ROOT / "LICENSE").resolve()
    for project_dir in (GENERATED, MOCK_PACKAGE):
        project = pyproject(project_dir / "pyproject.toml")["project"]
        assert project["license"] == "MIT"
        assert project["license-files"] == ["LICENSE"]


def pythons_tested() -> list[str]:
    """PYTHONS of noxfile.py, the versions `nox -s tests_python` runs on (read, not imported:
    the test environment has no nox)."""
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "PYTHONS":
            versions: list[str] = ast.literal_eval(node.value)
            return versions
    raise AssertionError("noxfile.py has no PYTHONS")


def test_the_classifiers_name_the_pythons_the_tests_run_on() -> None:
    pythons = pythons_tested()
    tested = {f"Programming Language :: Python :: {version}" for version in pythons}
    for project_dir in (GENERATED, MOCK_PACKAGE):
        project = pyproject(project_dir / "pyproject.toml")["project"]
        declared = {c for c in project["classifiers"] if re.search(r":: 3\.\d+$", c)}
        assert declared == tested, project_dir.name
        assert project["requires-python"] == f">={pythons[0]}"
    client_classifiers = pyproject(GENERATED / "pyproject.toml")["project"]["classifiers"]
    assert "Typing :: Typed" in client_classifiers


def requirement_name(requirement: str) -> str:
    """The normalised project name of a requirement string (`av==18.1.0` -> `av`)."""
    name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert name, requirement
    return re.sub(r"[-_.]+", "-", name.group(0)).lower()


def test_the_mock_distribution_depends_on_what_the_mock_group_installs() -> None:
    # The `mock` group is what `python -m mock_server` runs on in the kit; a user who installs
    # tokenmarket-mock must get the same projects (as ranges), or the fixture fails to start.
    group = pyproject(ROOT / "pyproject.toml")["dependency-groups"]["mock"]
    hook = pyproject(MOCK_PACKAGE / "pyproject.toml")["tool"]["hatch"]["metadata"]["hooks"]
    declared = {requirement_name(requirement) for requirement in hook["custom"]["dependencies"]}
    client = pyproject(GENERATED / "pyproject.toml")["project"]
    # The mock depends on tokenmarket-client[pydantic]: the client's and the extra's too.
    declared |= {requirement_name(r) for r in client["dependencies"]}
    declared |= {requirement_name(r) for r in client["optional-dependencies"]["pydantic"]}
    missing = {requirement_name(r) for r in group if isinstance(r, str)} - declared
    assert not missing, f"add to mock_package/pyproject.toml: {sorted(missing)}"
