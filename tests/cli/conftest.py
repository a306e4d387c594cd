"""The installed `tokenmarket` command, run in subprocesses against the real mock gateway.

The mock is started once per session by mock_server/launcher.py (`python -m mock_server
--port 0` on loopback, the key in the environment, stopped by its PID).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from mock_server.launcher import running_mock

ROOT = Path(__file__).resolve().parents[2]
TOKENMARKET = Path(sys.executable).parent / "tokenmarket"
"""The console script installed beside this interpreter (`pip install ./generated_client`)."""

MP3_SIGNATURES = (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xe3")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def is_mp3(data: bytes) -> bool:
    """An MP3 file: an ID3 tag or an MPEG audio frame sync at the start."""
    return data.startswith(MP3_SIGNATURES[0]) or (
        len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0
    )


@dataclass(frozen=True)
class Mock:
    """A running mock: where it listens and the key it accepts."""

    url: str
    token: str


@pytest.fixture(scope="session")
def mock() -> Iterator[Mock]:
    """`python -m mock_server` on a free loopback port (the kit's one launcher)."""
    token = f"tm-cli-{secrets.token_urlsafe(12)}"
    with running_mock(token) as launched:
        yield Mock(launched.url, token)


def environment(mock: Mock | None, **extra: str) -> dict[str, str]:
    """The environment of a command: the key and base URL of `mock`, nothing inherited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENMARKET_")}
    if mock is not None:
        env["TOKENMARKET_API_KEY"] = mock.token
        env["TOKENMARKET_BASE_URL"] = mock.url
    env.update(extra)
    return env


@dataclass
class Runner:
    """Runs `tokenmarket ARGS...` in `cwd` against the mock."""

    mock: Mock
    cwd: Path

    def __call__(
        self,
        *args: str,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
        key: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """The finished command (text output); `key` replaces the mock's key."""
        environ = environment(self.mock)
        if key is not None:
            environ["TOKENMARKET_API_KEY"] = key
        environ.update(env or {})
        return subprocess.run(
            [str(TOKENMARKET), *args],
            cwd=self.cwd,
            env=environ,
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture
def tokenmarket(mock: Mock, tmp_path: Path) -> Runner:
    """The installed command, in a fresh directory, pointed at the mock."""
    assert TOKENMARKET.exists(), f"{TOKENMARKET} is not installed: pip install ./generated_client"
    return Runner(mock, tmp_path)
