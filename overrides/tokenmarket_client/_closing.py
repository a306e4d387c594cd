"""`with` and `async with` for everything that holds a connection: the clients, streams and
streamed binary answers. Each class defines `close()` (a coroutine on the async side); these
mixins make leaving the block call it, so the context-manager protocol is written once."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class ClosesOnExit:
    """`with obj:` calls `obj.close()` on the way out, whatever happened inside."""

    __slots__ = ()

    def close(self) -> None:
        """Release what the object holds; subclasses say what that is."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClosesOnExit:
    """`async with obj:` awaits `obj.close()` on the way out, whatever happened inside."""

    __slots__ = ()

    async def close(self) -> None:
        """Release what the object holds; subclasses say what that is."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
