"""Build hooks of tokenmarket-mock: the files and the version come from the kit's repository.

In the repository (this directory beside mock_server/), the wheel and the sdist take
mock_server/, generator/spec.py with openapi.yaml beside it (where `load_spec()` finds it once
installed) and generator/package/VERSION from `..`. An sdist holds those files itself, laid
out as the wheel wants them, so a wheel built from the sdist needs nothing outside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface
from hatchling.metadata.plugin.interface import MetadataHookInterface

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# Where each file of the distribution comes from in the repository.
FROM_REPO = {
    "mock_server": "mock_server",
    "generator/__init__.py": "generator/__init__.py",
    "generator/spec.py": "generator/spec.py",
    "generator/openapi.yaml": "openapi.yaml",
    "VERSION": "generator/package/VERSION",
}
CLIENT = "tokenmarket-client[pydantic]"


def in_repository() -> bool:
    """Whether this is the repository's mock_package/ (not an unpacked sdist)."""
    return not (HERE / "mock_server").is_dir()


def version() -> str:
    """The release number shared with tokenmarket-client."""
    source = REPO / FROM_REPO["VERSION"] if in_repository() else HERE / "VERSION"
    return source.read_text(encoding="utf-8").strip()


class MockMetadataHook(MetadataHookInterface):
    """Version from generator/package/VERSION; depends on the client of that same version."""

    PLUGIN_NAME = "custom"

    def update(self, metadata: dict[str, Any]) -> None:
        """Set `version` and `dependencies` (the client first, then the configured ones)."""
        metadata["version"] = version()
        metadata["dependencies"] = [f"{CLIENT}=={version()}", *self.config["dependencies"]]


class MockBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Lays the repository's files into the wheel or sdist; drops the repository's .gitignore."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Force-include the repository's files (from the repository only: an sdist has them)."""
        forced = build_data["force_include"]
        # hatchling ships the nearest .gitignore in an sdist: the repository's, not ours.
        for source in [source for source, target in forced.items() if target == ".gitignore"]:
            del forced[source]
        # LICENSE here is a link to the repository's: ship the file, not a dangling link.
        for source, target in list(forced.items()):
            if Path(source).is_symlink():
                del forced[source]
                forced[str(Path(source).resolve())] = target
        if not in_repository():
            return
        for target, source in FROM_REPO.items():
            if target == "VERSION" and self.target_name == "wheel":
                continue
            forced[str(REPO / source)] = target
        # mock_server/ is typed; its marker lives here, as the mock's package files do.
        forced[str(HERE / "py.typed")] = "mock_server/py.typed"
