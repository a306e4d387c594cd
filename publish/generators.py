"""Run openapi-generator, as a team in another language would, and sort what it says.

The generator is the jar that the PyPI package `openapi-generator-cli` ships, started with the
machine's Java; the npm wrapper of the same name downloads its jar at first use and so fails
offline. The jar is called directly (not through the package's `openapi-generator-cli` script)
so that the JVM options below apply; the script passes `JAVA_OPTS` on as one argument.

Every warning the generator prints for openapi.yaml must be in `KNOWN_WARNINGS`, with the
reason it is harmless: a new warning fails tests/publish, so that someone reads it.
"""

from __future__ import annotations

import importlib.resources
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Generator diagnostics that do not point at an ambiguity of openapi.yaml, with why.
KNOWN_WARNINGS = {
    "OpenAPI 3.1 support is still in beta.": (
        "printed for every 3.1 document; the kit stays on 3.1 on purpose (3.2 breaks the "
        "generator, see DESIGN.md)"
    ),
    "Failed to get the schema name: null": (
        "ModelUtils.getSimpleRef is handed an inline schema that has no $ref (the inline "
        "branches of unions such as TextContent, EmbeddingInput or VideoSeconds, and the "
        "free-form FunctionParameters), logs this once and moves on; no model is lost or "
        "misnamed: the generated clients compile and import"
    ),
}
# `validate --recommend` advice that does not point at an ambiguity either.
KNOWN_RECOMMENDATIONS = {
    "Unused model: ChatCompletionChunk": "reached through the SSE event's contentSchema",
    "Unused model: ChatCompletionChunkChoice": "reached through ChatCompletionChunk",
    "Unused model: ChatCompletionDelta": "reached through ChatCompletionChunk",
    "Unused model: ToolCallDelta": "reached through ChatCompletionChunk",
    "Unused model: FunctionCallDelta": "reached through ChatCompletionChunk",
}

# One short-lived JVM per run: tiered compilation stopped at C1 starts faster, which is what a
# two-second generation needs; headless so that no display is looked for.
JVM_OPTIONS = ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true")
_LOG_LINE = re.compile(r"^\[[^\]]+\]\s+(?P<level>WARN|ERROR)\s+\S+\s+-\s+(?P<message>.*)$")


@dataclass(frozen=True)
class GeneratorRun:
    """What one openapi-generator command did: exit code and full log."""

    command: tuple[str, ...]
    returncode: int
    log: str

    def _messages(self, level: str) -> list[str]:
        found = []
        for line in self.log.splitlines():
            match = _LOG_LINE.match(line.strip())
            if match and match["level"] == level:
                found.append(match["message"].strip())
        return found

    @property
    def warnings(self) -> list[str]:
        """The WARN messages, in order."""
        return self._messages("WARN")

    @property
    def errors(self) -> list[str]:
        """The ERROR messages, and any Java exception the generator let escape."""
        escaped = [line for line in self.log.splitlines() if line.startswith("Exception in")]
        return self._messages("ERROR") + escaped

    @property
    def unexplained_warnings(self) -> list[str]:
        """The warnings that no entry of KNOWN_WARNINGS explains."""
        return [
            warning
            for warning in self.warnings
            if not any(warning.startswith(known) for known in KNOWN_WARNINGS)
        ]


def jar() -> Path:
    """Path of the openapi-generator jar shipped inside the openapi-generator-cli package."""
    return Path(str(importlib.resources.files("openapi_generator_cli") / "openapi-generator.jar"))


def java() -> str:
    """The `java` on PATH; raise RuntimeError when there is none."""
    found = shutil.which("java")
    if found is None:
        raise RuntimeError("openapi-generator needs Java 11 or later on PATH")
    return found


def run(*args: str, timeout: float = 300) -> GeneratorRun:
    """Run the openapi-generator CLI with `args` (e.g. "validate", "-i", path)."""
    command = (java(), *JVM_OPTIONS, "-jar", str(jar()), *args)
    result = subprocess.run(  # noqa: S603 (java, our jar and our arguments)
        command, capture_output=True, text=True, timeout=timeout, check=False
    )
    return GeneratorRun(command, result.returncode, result.stdout + result.stderr)


def generate(spec: Path, generator: str, out: Path, *options: str) -> GeneratorRun:
    """Generate a `generator` client (e.g. "python", "typescript-fetch") of `spec` into `out`."""
    return run("generate", "-i", str(spec), "-g", generator, "-o", str(out), *options)


def validate(spec: Path) -> GeneratorRun:
    """Validate `spec` the way openapi-generator reads it, with its recommendations."""
    return run("validate", "-i", str(spec), "--recommend")


def recommendations(run_: GeneratorRun) -> list[str]:
    """The recommendations a `validate --recommend` run listed (its "- ..." lines)."""
    return [
        line.strip()[2:].strip()
        for line in run_.log.splitlines()
        if line.startswith(("\t- ", "    - ", "  - "))
    ]
