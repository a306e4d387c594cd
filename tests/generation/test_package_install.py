"""The generated package installs with its runtime dependencies only, imports and parses a
result, in a fresh virtual environment (the one command the README gives users)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import GENERATED

PROBE = textwrap.dedent(
    """
    import importlib.metadata as md, importlib.util, json, pathlib
    import tokenmarket_client, tokenmarket_client.api.chat.create_chat_completion
    package = pathlib.Path(tokenmarket_client.__file__).parent
    print(json.dumps({
        "installed": sorted(
            d.metadata["Name"].lower().replace("_", "-") for d in md.distributions()
        ),
        "py_typed": (package / "py.typed").exists(),
        "site_packages": "site-packages" in str(package),
        "pydantic": importlib.util.find_spec("pydantic") is not None,
        "parsed": tokenmarket_client.ChatCompletion.model_validate_json(
            b'{"id": "c", "object": "chat.completion", "created": 1, "model": "m", "choices": []}'
        ).object,
    }))
    """
)


def _run(*command: str | Path) -> str:
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.slow
def test_installs_and_imports_in_a_fresh_venv(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    uv = shutil.which("uv")
    if uv:
        _run(uv, "venv", "--quiet", "--python", sys.executable, venv)
        _run(uv, "pip", "install", "--quiet", "--python", python, GENERATED)
    else:
        _run(sys.executable, "-m", "venv", venv)
        _run(python, "-m", "pip", "install", "--quiet", GENERATED)
    seen = json.loads(_run(python, "-c", PROBE))
    assert seen["site_packages"], "imported from the source tree, not the installed wheel"
    assert seen["py_typed"]
    # The results are pydantic models: pydantic is a runtime dependency, and enough.
    assert seen["pydantic"]
    assert seen["parsed"] == "chat.completion"
    runtime = set(seen["installed"]) - {"tokenmarket-client", "pip", "setuptools", "wheel"}
    allowed = {"httpx", "httpx-sse", "attrs", "anyio", "certifi", "httpcore", "h11", "idna"}
    allowed |= {"sniffio", "typing-extensions", "exceptiongroup"}
    allowed |= {"pydantic", "pydantic-core", "annotated-types", "typing-inspection"}
    assert runtime <= allowed, f"unexpected runtime dependencies: {sorted(runtime - allowed)}"
