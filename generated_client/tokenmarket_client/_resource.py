# Laid in from overrides/tokenmarket_client/_resource.py by `nox -s generate`: edit it there and regenerate, not here.
"""What every generated resource class (`tokenmarket_client.resources`) stands on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._base_client import AsyncClientCore, SyncClientCore

__all__ = ["AsyncAPIResource", "SyncAPIResource", "streams"]


class SyncAPIResource:
    """A group of operations of `TokenMarket` (`client.chat.completions`)."""

    __slots__ = ("__dict__", "_client")

    def __init__(self, client: SyncClientCore) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"


class AsyncAPIResource:
    """A group of operations of `AsyncTokenMarket`."""

    __slots__ = ("__dict__", "_client")

    def __init__(self, client: AsyncClientCore) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"


def streams(stream: object, extra_body: Mapping[str, Any] | None) -> bool:
    """Whether a call asked for an event stream (`stream=True`, or `stream` in `extra_body`)."""
    return stream is True or bool(extra_body and extra_body.get("stream"))
