"""The facade step's golden record: a toy spec in, the friendly client's files out, byte for byte.

tests/generation/toy/openapi.yaml has one streaming, one binary and one plain JSON operation
(the last renamed by `x-tokenmarket-sdk`); tests/generation/golden/facade/ is what the facade
step writes from it, formatted as `nox -s generate` formats it. A change to generator/facade.py
or its templates shows here as a diff to review; accept it with
`python -m generator.generate --spec tests/generation/toy/openapi.yaml
--output tests/generation/golden/facade --facade-only` (after removing the old record).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from generator.facade import FacadeError, build
from generator.spec import parse_spec

from .conftest import ROOT, differences

TOY = Path(__file__).parent / "toy" / "openapi.yaml"
GOLDEN = Path(__file__).parent / "golden" / "facade"


def test_the_toy_facade_matches_its_golden_record(tmp_path: Path) -> None:
    output = tmp_path / "facade"
    command = [sys.executable, "-m", "generator.generate", "--spec", str(TOY)]
    command += ["--output", str(output), "--facade-only"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    drift = differences(GOLDEN, output)
    assert drift == [], "the facade step's output changed (see the module docstring)\n" + (
        "\n".join(drift)
    )


def test_the_golden_record_covers_the_three_kinds() -> None:
    notes = (GOLDEN / "tokenmarket_client/resources/notes.py").read_text(encoding="utf-8")
    sounds = (GOLDEN / "tokenmarket_client/resources/sounds.py").read_text(encoding="utf-8")
    labels = (GOLDEN / "tokenmarket_client/resources/labels.py").read_text(encoding="utf-8")
    assert "stream: Literal[True]," in notes
    assert ") -> Stream[NoteChunk]: ..." in notes
    assert "StreamedBinaryResponse" in sounds
    assert "def find(" in labels
    assert "with_streaming_response" not in labels


def _spec_with(extra: str) -> str:
    return TOY.read_text(encoding="utf-8").replace("      operationId: searchLabels\n", extra)


def test_an_unknown_hook_is_refused() -> None:
    from generator.facade import GeneratedModule

    text = _spec_with(
        "      operationId: searchLabels\n      x-tokenmarket-sdk:\n        hooks:\n"
        "          prepare: no_such_hook\n"
    )
    # A second `x-tokenmarket-sdk` key would be a YAML error: the hook replaces the rename.
    text = text.replace("      x-tokenmarket-sdk:\n        name: labels.find\n", "", 1)
    spec = parse_spec(text, TOY)
    empty = GeneratedModule({}, {})
    with pytest.raises(FacadeError, match=r"hook 'no_such_hook' is not in _hooks\.py"):
        build(spec, empty, empty)
