"""Fail, naming the files, when generated_client/ is not what `nox -s generate` produces.

It regenerates into a temporary directory and compares byte for byte with the working tree,
so it never overwrites anything (an uncommitted hand edit is reported, not erased); then it
asks git whether the working tree of generated_client/ is what is committed, untracked files
included. Exit status 0 means both hold.

Usage: python -m generator.check_generated
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from generator.generate import ROOT, generate

GENERATED = ROOT / "generated_client"
IGNORED_PARTS = {"__pycache__", ".ruff_cache", ".mypy_cache"}


def tree(directory: Path) -> dict[str, bytes]:
    """Every file below `directory` by relative path, with its bytes (caches left out)."""
    if not directory.exists():
        return {}
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
        and not IGNORED_PARTS.intersection(path.parts)
        and not any(part.endswith(".egg-info") for part in path.parts)
    }


def differences(expected: Path, actual: Path) -> list[str]:
    """`git status`-style lines: M changed, D missing from `actual`, ?? only in `actual`."""
    want, have = tree(expected), tree(actual)
    lines = [f"M  {name}" for name in sorted(want.keys() & have.keys()) if want[name] != have[name]]
    lines += [f"D  {name}" for name in sorted(want.keys() - have.keys())]
    lines += [f"?? {name}" for name in sorted(have.keys() - want.keys())]
    return lines


def uncommitted() -> list[str]:
    """What `git status` says of generated_client/ (empty when it is what is committed)."""
    result = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--", "generated_client"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


def main() -> int:
    """Run both checks and print what differs; the exit status says whether anything does."""
    with tempfile.TemporaryDirectory(prefix="tokenmarket-check-") as scratch:
        fresh = Path(scratch) / "generated_client"
        generate(ROOT / "openapi.yaml", fresh)
        drift = differences(fresh, GENERATED)
    status = uncommitted()
    if drift:
        print("generated_client/ is not what `nox -s generate` produces from the current inputs:")
        print("\n".join(f"  {line}" for line in drift))
        print("Run `nox -s generate`, review `git diff generated_client`, and commit the result.")
    if status:
        print("generated_client/ differs from what is committed:")
        print("\n".join(f"  {line}" for line in status))
    if drift or status:
        return 1
    print("generated_client/ is exactly what openapi.yaml, generator/ and overrides/ give")
    return 0


if __name__ == "__main__":
    sys.exit(main())
