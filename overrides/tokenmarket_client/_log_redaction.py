"""Keeps the API key out of httpx's and httpcore's log records.

At DEBUG, httpcore logs every response's headers and every failure's exception
(`receive_response_headers.complete return_value=(..., [(b'x-request-id', b'...')])`,
`failed exception=RemoteProtocolError("illegal status line: ...")`): a server that echoes the
key would put it in the log. A filter on their loggers replaces every form of every key a
client of this package holds. It costs nothing unless a record is actually emitted.
"""

from __future__ import annotations

import logging
import threading
from typing import Final

from ._exceptions import redact

LOGGERS: Final = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "tokenmarket_client",
)
"""The loggers httpx 0.28 and httpcore 1.0 log to (each names its own; none propagates its
filters to another), and this package's."""

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


class RedactingFilter(logging.Filter):
    """Rewrites a record whose message shows a key; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record's message in place."""
        if not _secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot format: logging reports it, not us
            return True
        redacted = message
        for secret in tuple(_secrets):
            redacted = redact(redacted, secret)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


def protect(secret: str) -> None:
    """Keep `secret` out of the log records of httpx, httpcore and this package."""
    global _installed
    with _lock:
        _secrets.add(secret)
        if not _installed:
            shared = RedactingFilter()
            for name in LOGGERS:
                logging.getLogger(name).addFilter(shared)
            _installed = True
