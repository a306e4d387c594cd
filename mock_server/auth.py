"""Bearer-token authentication for the mock, with constant-time comparison.

The mock knows a set of API keys: the ``--token`` options, else the ``TOKENMARKET_MOCK_TOKENS``
environment variable (keys separated by commas or whitespace), else the documented
development key :data:`DEV_TOKEN`. It keeps only their SHA-256 digests: the keys themselves
are never stored, logged, printed or put in a ``repr``. A presented key is hashed and compared
with every known digest using :func:`hmac.compare_digest`, all of them every time, so the
time taken says nothing about how close a guess was.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping
from typing import Final

__all__ = ["DEV_TOKEN", "ENV_VAR", "TokenSet", "bearer_token", "tokens_from_env"]

DEV_TOKEN: Final = "tm-mock-dev-key"  # noqa: S105 - documented and public, not a secret
"""The development API key the mock accepts when no other key is configured (documented)."""

ENV_VAR: Final = "TOKENMARKET_MOCK_TOKENS"


class TokenSet:
    """The API keys the mock accepts, kept as SHA-256 digests."""

    __slots__ = ("_digests",)

    def __init__(self, tokens: Iterable[str]) -> None:
        digests = []
        for token in tokens:
            if not token or token != token.strip() or any(c.isspace() for c in token):
                raise ValueError("an API key must be non-empty and contain no whitespace")
            digests.append(hashlib.sha256(token.encode("utf-8")).digest())
        if not digests:
            raise ValueError("at least one API key is required")
        self._digests: tuple[bytes, ...] = tuple(digests)

    def __repr__(self) -> str:
        return f"TokenSet(<{len(self._digests)} key(s), redacted>)"

    def __len__(self) -> int:
        return len(self._digests)

    def accepts(self, token: bytes) -> bool:
        """Whether ``token`` is one of the keys; compares against all of them, in constant time."""
        presented = hashlib.sha256(token).digest()
        found = False
        for digest in self._digests:
            found |= hmac.compare_digest(presented, digest)
        return found

    def digest_of(self, token: bytes) -> bytes:
        """A non-reversible id of a key, for per-key counters."""
        return hashlib.sha256(token).digest()


def tokens_from_env(environ: Mapping[str, str] | None = None) -> list[str]:
    """The keys in ``TOKENMARKET_MOCK_TOKENS``, or ``[DEV_TOKEN]`` when it is unset or empty."""
    value = (os.environ if environ is None else environ).get(ENV_VAR, "")
    tokens = value.replace(",", " ").split()
    return tokens or [DEV_TOKEN]


def bearer_token(authorization: str | None) -> bytes | None:
    """The credentials of an ``Authorization: Bearer <key>`` header, or None if malformed."""
    if authorization is None:
        return None
    scheme, _, credentials = authorization.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials or " " in credentials:
        return None
    return credentials.encode("latin-1")
