"""The built distributions: what they hold, that PyPI's checks pass, and that a user's test
suite passes against them installed in a fresh virtual environment (all slow: builds)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from generator.spec import load_spec

from .conftest import GENERATED, MOCK_PACKAGE, ROOT, VERSION, copy_user_suite, run, uv
from .test_user_suite import passed

pytestmark = pytest.mark.slow

# check-wheel-contents, told what is intended: two top-level packages in the client
# (tokenmarket_client and tokenmarket_models) and in the mock (mock_server and generator, the
# spec reader it runs on); W002 flags the six byte-identical `api/*/__init__.py` docstring
# modules that openapi-python-client writes, which are correct as they are.
TOPLEVEL = {
    "tokenmarket_client": "tokenmarket_client,tokenmarket_models",
    "tokenmarket_mock": "mock_server,generator",
}
PYTEST = "pytest==9.2.0"  # the test group's pin
MYPY = "mypy==2.4.1"  # the lint group's pin


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both distributions, built as a release would be: sdist first, the wheel from the sdist."""
    out = tmp_path_factory.mktemp("dist")
    for project in (GENERATED, MOCK_PACKAGE):
        run(uv(), "build", "--quiet", "--out-dir", out, project)
    return out


def built(dist: Path, name: str, suffix: str) -> Path:
    """The one file of distribution `name` ending in `suffix`."""
    (found,) = dist.glob(f"{name}-{VERSION}*{suffix}")
    return found


@pytest.mark.parametrize("name", sorted(TOPLEVEL))
def test_twine_and_check_wheel_contents_pass(dist: Path, name: str) -> None:
    wheel, sdist = built(dist, name, ".whl"), built(dist, name, ".tar.gz")
    run(sys.executable, "-m", "twine", "check", "--strict", wheel, sdist)
    toplevel = ["--toplevel", TOPLEVEL[name]]
    run(sys.executable, "-m", "check_wheel_contents", "--ignore", "W002", *toplevel, wheel)


@pytest.mark.parametrize("name", sorted(TOPLEVEL))
def test_license_inside_and_no_repository_files(dist: Path, name: str) -> None:
    with zipfile.ZipFile(built(dist, name, ".whl")) as wheel:
        names = wheel.namelist()
        metadata = Parser().parsestr(wheel.read(f"{name}-{VERSION}.dist-info/METADATA").decode())
    assert f"{name}-{VERSION}.dist-info/licenses/LICENSE" in names
    assert metadata["Version"] == VERSION
    assert metadata["License-Expression"] == "MIT"
    with tarfile.open(built(dist, name, ".tar.gz")) as sdist:
        members = {member.name.split("/", 1)[1]: member for member in sdist.getmembers()}
    assert members["LICENSE"].isfile()  # a file, not a link to the repository's
    assert ".gitignore" not in members
    assert not [path for path in members if "__pycache__" in path or path.endswith(".pyc")]


def test_the_client_wheel_records_the_spec_it_speaks(dist: Path) -> None:
    with zipfile.ZipFile(built(dist, "tokenmarket_client", ".whl")) as wheel:
        info = f"tokenmarket_client-{VERSION}.dist-info"
        provenance = json.loads(wheel.read(f"{info}/extra_metadata/PROVENANCE.json"))
        metadata = Parser().parsestr(wheel.read(f"{info}/METADATA").decode())
    spec_version = load_spec().version
    assert provenance["spec"]["version"] == spec_version
    assert provenance["client_version"] == VERSION
    assert f"(API version {spec_version})" in metadata["Summary"]
    assert "Typing :: Typed" in (metadata.get_all("Classifier") or [])


def test_the_mock_wheel_ships_the_spec_and_its_reader(dist: Path) -> None:
    with zipfile.ZipFile(built(dist, "tokenmarket_mock", ".whl")) as wheel:
        names = set(wheel.namelist())
        info = f"tokenmarket_mock-{VERSION}.dist-info"
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
        metadata = Parser().parsestr(wheel.read(f"{info}/METADATA").decode())
    shipped = {"generator/spec.py", "generator/openapi.yaml", "mock_server/pytest_plugin.py"}
    assert shipped | {"mock_server/py.typed"} <= names
    assert "tokenmarket_mock = mock_server.pytest_plugin" in entry_points
    assert f"tokenmarket-client[pydantic]=={VERSION}" in (metadata.get_all("Requires-Dist") or [])


def test_a_user_suite_passes_against_the_installed_fixture(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    run(uv(), "venv", "--quiet", "--python", sys.executable, venv)
    wheels = [built(dist, name, ".whl") for name in sorted(TOPLEVEL)]
    run(uv(), "pip", "install", "--quiet", "--python", python, *wheels, PYTEST, MYPY)
    project = copy_user_suite(tmp_path)
    # Only the fresh environment: no source tree on the path, no mock settings inherited.
    env = {key: value for key, value in os.environ.items() if not key.startswith("TOKENMARKET_")}
    env.pop("PYTHONPATH", None)
    probe = "import generator.spec as s, mock_server as m; print(m.__file__, s.SPEC_PATH)"
    where = run(python, "-c", probe, cwd=project, env=env)
    assert where.count(str(venv)) == 2, where  # the installed mock, and the spec shipped in it
    output = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project, env=env)
    assert passed(output) >= 14, output  # the suite's and the READMEs' examples
    assert "failed" not in output, output
    assert "error" not in output, output
    # Both distributions are typed: the user's suite passes `mypy --strict` (its pyproject).
    run(python, "-m", "mypy", ".", cwd=project, env=env)


def test_installing_the_workspace_root_says_what_to_run(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run(uv(), "venv", "--quiet", "--python", sys.executable, venv)
    result = subprocess.run(
        [uv(), "pip", "install", "--python", str(venv / "bin" / "python"), "-e", str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    message = " ".join(result.stderr.split())  # uv wraps the backend's lines to the terminal
    assert "is a development workspace, not a package" in message, result.stderr
    assert "uv sync" in message
    assert "python3 -m pip install ./generated_client ./mock_package" in message
