"""The models' per-call imports move to module level, except where an import cycle needs them."""

from __future__ import annotations

from pathlib import Path

from generator.hoist_imports import hoist_model_imports

MODEL = """from __future__ import annotations

from typing import TYPE_CHECKING

from ..types import UNSET

if TYPE_CHECKING:
{checking}

class {name}:
    @classmethod
    def from_dict(cls, src):
{local}
        return cls()
"""


def _model(directory: Path, module: str, name: str, imports: list[tuple[str, str]]) -> None:
    checking = "".join(f"    from ..models.{m} import {n}\n" for m, n in imports) or "    pass\n"
    local = "".join(f"        from ..models.{m} import {n} # noqa: PLC0415\n" for m, n in imports)
    text = MODEL.format(name=name, checking=checking.rstrip("\n"), local=local.rstrip("\n"))
    (directory / f"{module}.py").write_text(text)


def test_acyclic_imports_move_and_cycles_stay(tmp_path: Path) -> None:
    # node <-> tree form a cycle (a recursive schema); leaf imports node but nothing imports leaf.
    _model(tmp_path, "node", "Node", [("tree", "Tree")])
    _model(tmp_path, "tree", "Tree", [("node", "Node")])
    _model(tmp_path, "leaf", "Leaf", [("node", "Node")])
    assert hoist_model_imports(tmp_path) == 1

    leaf = (tmp_path / "leaf.py").read_text()
    assert "from ..models.node import Node\nfrom ..types import UNSET" in leaf
    assert "PLC0415" not in leaf
    assert "TYPE_CHECKING:" not in leaf.split("from ..types import UNSET", 1)[1]

    for cyclic in ("node.py", "tree.py"):
        text = (tmp_path / cyclic).read_text()
        assert "# noqa: PLC0415" in text, "an import inside a cycle must stay local"


def test_generated_models_have_no_local_imports_left() -> None:
    """The real spec has no recursive schema, so every model import is at module level."""
    models = Path(__file__).resolve().parents[2] / "generated_client/tokenmarket_client/models"
    assert not [p.name for p in models.glob("*.py") if "PLC0415" in p.read_text()]
