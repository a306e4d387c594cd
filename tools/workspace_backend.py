"""The root pyproject.toml's build backend: the workspace is not a package, so say what to run.

`pip install -e .` (or `pip install .`) at the root of the kit would otherwise fail with
setuptools' "Multiple top-level packages discovered in a flat-layout", which tells a newcomer
nothing. Every PEP 517 hook here raises one message naming the commands that do work.
"""

from __future__ import annotations

from typing import NoReturn

MESSAGE = """
The root of the TokenMarket API kit is a development workspace, not a package.

  Development environment:   uv sync            (then: uv run nox -s tests)
                       or:   python3 -m pip install nox==2026.10.20 uv==0.13.8
                             python3 -m nox -s tests
  The client:                python3 -m pip install ./generated_client
  The mock for your tests:   python3 -m pip install ./generated_client ./mock_package

See README.md, "Workspace", and CONTRIBUTING.md.
"""


class WorkspaceIsNotAPackage(RuntimeError):
    """Raised by every hook: building the workspace root is never what the caller wants."""


def _refuse(*_args: object, **_kwargs: object) -> NoReturn:
    raise WorkspaceIsNotAPackage(MESSAGE)


get_requires_for_build_wheel = _refuse
get_requires_for_build_sdist = _refuse
get_requires_for_build_editable = _refuse
prepare_metadata_for_build_wheel = _refuse
prepare_metadata_for_build_editable = _refuse
build_wheel = _refuse
build_sdist = _refuse
build_editable = _refuse
