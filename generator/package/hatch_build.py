"""The sdist's build hook: the sdist holds the files pyproject.toml lists and nothing else.

hatchling force-includes the nearest `.gitignore` in every sdist, and the nearest one is the
TokenMarket API kit repository's, which says nothing about this package: it is dropped here.
"""

from __future__ import annotations

from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CleanSdistHook(BuildHookInterface):  # type: ignore[type-arg]
    """Drops the repository's `.gitignore` from the sdist's forced inclusions."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Remove every forced inclusion that lands as `.gitignore`."""
        forced = build_data["force_include"]
        for source in [source for source, target in forced.items() if target == ".gitignore"]:
            del forced[source]
