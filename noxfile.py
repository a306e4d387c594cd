"""Every workflow of the TokenMarket API kit is a nox session: `nox -l` reads as the menu.

Sessions share a few helpers below (dependency groups from pyproject.toml, the pinned Node tools
from package.json) and stay thin. Virtual environments are reused and built with uv when it is
installed, so a second run starts in about a second.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["lint_spec", "tests"]

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
SPEC = "openapi.yaml"
# The Python versions the client and the mock support (the classifiers of both distributions
# say the same); `nox -s tests_python` runs their tests on each.
PYTHONS = ["3.11", "3.12", "3.13"]

NODE_BIN = ROOT / "node_modules" / ".bin"
# The Node tools must never try to reach the internet (this kit runs offline, and CI has no
# network beyond the package registries): no telemetry, no update checks.
NODE_ENV = {
    "REDOCLY_TELEMETRY": "off",
    "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    "NO_UPDATE_NOTIFIER": "1",
    "SCARF_ANALYTICS": "false",
}


def select_pyenv_pythons() -> None:
    """Let nox find every installed pyenv version of PYTHONS on PATH.

    pyenv's `python3.13` shim runs only when pyenv has 3.13 selected; otherwise it exits 127,
    and uv (nox's backend) goes on to download a Python, which fails offline. Appending one
    installed version per entry of PYTHONS to the selected ones (PYENV_VERSION, which pyenv's
    own shim has set for this process already) leaves `python3` as it was and makes
    `python3.12` work. Without pyenv nothing changes: nox looks on PATH as usual.
    """
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    if not (root / "versions").is_dir():
        return
    selected = os.environ.get("PYENV_VERSION", "").split(":")
    if selected == [""]:
        current_file = root / "version"
        selected = current_file.read_text().split() if current_file.is_file() else ["system"]
    installed = sorted(
        (path.name for path in (root / "versions").iterdir()),
        key=lambda name: [int(part) if part.isdigit() else -1 for part in name.split(".")],
    )
    for wanted in PYTHONS:
        matches = [name for name in installed if name.startswith(f"{wanted}.")]
        if matches and not any(name.startswith(f"{wanted}.") for name in selected):
            selected.append(matches[-1])
    os.environ["PYENV_VERSION"] = ":".join(selected)


select_pyenv_pythons()


def install_groups(session: nox.Session, *groups: str) -> None:
    """Install the named [dependency-groups] of pyproject.toml into the session."""
    requirements = [
        requirement
        for group in groups
        for requirement in nox.project.dependency_groups(PYPROJECT, group)
    ]
    session.install(*requirements)


def npm_ci(session: nox.Session) -> None:
    """Install the Node tools pinned in package-lock.json, unless they are already current."""
    marker = ROOT / "node_modules" / ".package-lock.json"
    lock = ROOT / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    session.run("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", external=True)


def node_tool(session: nox.Session, tool: str, *args: str) -> None:
    """Run a pinned Node tool from node_modules/.bin with the offline environment."""
    session.run(str(NODE_BIN / tool), *args, external=True, env=NODE_ENV)


@nox.session
def lint_spec(session: nox.Session) -> None:
    """Lint openapi.yaml: openapi-spec-validator, Redocly (recommended) and Spectral (oas).

    Zero errors and zero warnings pass; a rule switched off says why in redocly.yaml or
    .spectral.yaml.
    """
    install_groups(session, "spec")
    session.run("openapi-spec-validator", SPEC)
    npm_ci(session)
    node_tool(session, "redocly", "lint", SPEC, "--max-problems", "200")
    node_tool(
        session, "spectral", "lint", SPEC, "--ruleset", ".spectral.yaml", "--fail-severity", "hint"
    )


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate generated_client/ from openapi.yaml (both generators, overrides, ruff).

    Extra arguments go to generator/generate.py, e.g. `-- --spec other.yaml --output /tmp/c`.
    """
    install_groups(session, "codegen")
    session.run("python", "-m", "generator.generate", *session.posargs)


@nox.session
def check_generated(session: nox.Session) -> None:
    """Fail, naming the files, when generated_client/ is not what `nox -s generate` produces.

    Regenerates into a temporary directory (nothing in the tree is overwritten), compares byte
    for byte, and asks git whether generated_client/ is committed (untracked files count).
    """
    install_groups(session, "codegen")
    session.run("python", "-m", "generator.check_generated")


@nox.session
def mock(session: nox.Session) -> None:
    """Serve the embedded mock gateway on 127.0.0.1 until Ctrl+C (`python -m mock_server`).

    Extra arguments go to it, e.g. `nox -s mock -- --port 8080 --token my-key`. Without
    `--token` it accepts the keys in TOKENMARKET_MOCK_TOKENS, else the development key
    `tm-mock-dev-key`. `X-Mock-Fault` injects failures (see README, "Mock gateway").
    """
    install_groups(session, "mock")
    session.install("-e", "./generated_client[pydantic]")
    session.run("python", "-m", "mock_server", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """Fuzz the contract with Schemathesis: the embedded mock by default, or a live API.

    `nox -s fuzz` starts the mock on a free loopback port and runs every check and phase.
    `nox -s fuzz -- --url https://cloud.hopegate.ai/api --live` fuzzes the live API with the
    key from TOKENMARKET_API_KEY, capped and rate-limited (`--negative-only` sends only invalid,
    unbillable requests). `-- --deep` is the nightly run. Other arguments go to `st run`.
    """
    install_groups(session, "fuzz", "mock")
    session.install("-e", "./generated_client[pydantic]")
    session.run("python", "-m", "fuzz.run", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Measure the client against raw httpx and the official openai SDK; print one table.

    Speed and memory side by side in one run (imports, a chat call, a 1,000-chunk stream,
    embeddings, 100 MiB of speech, 200 async calls, mock throughput, `nox -s generate`,
    `nox -s fuzz`), against the mock and a fixed-bytes loopback server; writes
    reports/bench/latest.json and latest.md. `-- --quick` measures less, `-- --only chat,stream`
    picks sections, `-- --profile chat` profiles our variant. See README, "Performance".
    """
    install_groups(session, "bench", "mock")
    session.install("-e", "./generated_client[pydantic,fast]")
    # The interpreter running nox has nox: the generate and fuzz sections run it.
    session.run("python", "-m", "bench", "--nox-python", sys.executable, *session.posargs)


def install_test_environment(session: nox.Session) -> None:
    """Everything the tests import or run: Python groups, the generated package, Node tools."""
    install_groups(session, "test", "mock", "codegen", "fuzz", "packaging")
    session.install("-e", "./generated_client[pydantic]")
    # tests/publish runs openapi-generator (Java) and the TypeScript compiler on the published spec.
    install_groups(session, "publish")
    npm_ci(session)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the quick test suite: every test not marked slow (pytest, about a minute).

    Extra arguments go to pytest and replace the defaults, e.g. `nox -s tests -- -k spec`.
    """
    install_test_environment(session)
    session.run("pytest", *(session.posargs or ["-q", "-m", "not slow"]))


@nox.session
def e2e(session: nox.Session) -> None:
    """Run the slow end-to-end tests: regeneration into temporary trees, the other-language
    generators (Java, TypeScript), in-process and socket fuzzing, a fresh-venv install."""
    install_test_environment(session)
    session.run("pytest", *(session.posargs or ["-q", "-m", "slow"]))


@nox.session
def lint(session: nox.Session) -> None:
    """Lint and type-check hand-written Python: ruff check, ruff format --check, mypy --strict."""
    install_groups(session, "lint", "test", "mock", "codegen", "fuzz", "bench")
    session.install("-e", "./generated_client[pydantic]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    candidates = (
        *("noxfile.py", "mock_server", "generator", "fuzz", "publish", "tests", "bench"),
        *("mock_package", "tools"),
    )
    targets = [path for path in candidates if os.path.exists(path)]
    # Overrides are checked where they run: inside the generated package (see pyproject.toml).
    session.run("mypy", *targets)
    session.run("mypy", "-p", "tokenmarket_client")


@nox.session
def publish(session: nox.Session) -> None:
    """Write dist/ for other languages: bundled YAML and JSON, dereferenced JSON, HTML, manifest.

    Every file is checked against openapi.yaml before manifest.json (version, sha256) is written,
    then the three OpenAPI files go through openapi-spec-validator. README, "Publishing the
    spec", says what a consumer does with them.
    """
    install_groups(session, "spec", "publish")
    npm_ci(session)
    redocly = str(NODE_BIN / "redocly")
    session.run(
        "python", "-m", "publish.build", "--out", "dist", "--redocly", redocly, env=NODE_ENV
    )
    session.run(
        "openapi-spec-validator",
        "dist/openapi.yaml",
        "dist/openapi.json",
        "dist/openapi.dereferenced.json",
    )


@nox.session
def spec_diff(session: nox.Session) -> None:
    """List what changed in openapi.yaml since a git ref; fail on an unacknowledged break.

    `nox -s spec_diff -- main` compares the work tree's openapi.yaml with main's (on main itself,
    with nothing edited, that compares the spec with itself: compare with a ref behind you).
    Breaking changes are acknowledged by raising the major number of info.version, or one by one
    with `-- main --acknowledge ID` (the ID is printed beside each); `--json PATH` saves the
    report. CI runs `-- --parent`: the previous commit's spec against HEAD's, where HEAD's commit
    message acknowledges a break with a `Spec-Change-Acknowledged: ID` line; a shallow clone or
    a first commit is said and passes.
    """
    if not session.posargs:
        session.error(
            "Usage: nox -s spec_diff -- REF|--parent [--acknowledge ID ...] [--json PATH]"
        )
    install_groups(session, "publish")
    session.run("python", "-m", "publish.spec_diff", *session.posargs)


@nox.session(python=PYTHONS)
def tests_python(session: nox.Session) -> None:
    """Run the client's and the mock's quick tests on Python 3.11, 3.12 and 3.13.

    Also the packaging checks and the sample user suite against the `tokenmarket_mock` fixture.
    `nox -s tests_python-3.13` picks one; nox finds the interpreters on PATH (`python3.12`; with
    pyenv, through its shims once the version is installed). Extra arguments replace pytest's.
    """
    install_groups(session, "test", "mock")
    session.install("-e", "./generated_client[pydantic]")
    defaults = ["-q", "-m", "not slow", "tests/client", "tests/mock", "tests/packaging"]
    session.run("pytest", *(session.posargs or defaults))


@nox.session(venv_backend="none")
def check_lock(session: nox.Session) -> None:
    """Fail when uv.lock is not what `uv lock` writes for pyproject.toml (run `uv lock` to fix).

    uv.lock is committed so that `uv sync` gives every contributor the same environment, down
    to the transitive dependencies; this keeps it current with pyproject.toml and with
    generated_client/'s metadata (the client is a path dependency of the workspace).
    """
    session.run("uv", "lock", "--check", external=True)
