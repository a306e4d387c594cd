"""The README's Quick start and CI agree: CI runs exactly the README's test command."""

from __future__ import annotations

import re

from tests.support import ROOT


def _quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, flags=re.S)
    assert block, "the Quick start has a bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_two_commands_fuzz_then_tests() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2
    assert commands[0].endswith("python3 -m nox -s fuzz")
    assert commands[1].endswith("python3 -m nox -s tests")
    for command in commands:
        assert command.startswith("python3 -m pip install --quiet nox=="), "nox installs itself"


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _quick_start_commands()[1] in ci


def test_every_nox_session_ci_runs_exists() -> None:
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    # `@nox.session` with or without arguments (`@nox.session(python=PYTHONS)`).
    sessions = set(re.findall(r"@nox\.session(?:\([^)]*\))?\ndef (\w+)\(", noxfile))
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    run = set(re.findall(r"nox -s (\w+)", ci))
    assert run <= sessions
    assert {"tests", "e2e", "lint_spec", "check_generated", "fuzz", "publish", "lint"} <= run
