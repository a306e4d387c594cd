# Laid in from overrides/tokenmarket_client/_cli/_errors.py by `nox -s generate`: edit it there and regenerate, not here.
"""How a failure is told: one line on standard error, an exit status, never the key.

The client's errors already leave the key out of their messages; every line written here is
also passed through `redact`, which removes the key in the forms it could take in text (as is,
JSON-escaped, percent-encoded, in a repr).
"""

from __future__ import annotations

import json
import traceback
from typing import Final
from urllib.parse import quote

SUCCESS: Final = 0
FAILURE: Final = 1
"""An API, connection or file error."""
USAGE: Final = 2
"""A usage error (argparse uses 2 as well)."""
INTERRUPTED: Final = 130
"""Ctrl-C: 128 + SIGINT, what shells report for it."""
REDACTED: Final = "[redacted]"


class UsageError(Exception):
    """The command line asks for something that cannot be done: exit status 2."""


class CommandError(Exception):
    """The answer cannot be used as asked (no image in it, a download failed): exit status 1."""


def redact(text: str, secret: str | None) -> str:
    """`text` without `secret` in any of the forms it could be written in."""
    if not secret:
        return text
    forms = {secret, json.dumps(secret)[1:-1], quote(secret, safe=""), repr(secret)[1:-1]}
    for form in sorted(forms, key=len, reverse=True):
        if form:
            text = text.replace(form, REDACTED)
    return text


def _status_line(exc: BaseException) -> str:
    """`Type (status, type/code): message (request id ...)` for an API error."""
    parts = [type(exc).__name__]
    details = [
        str(value)
        for value in (
            getattr(exc, "status_code", None),
            "/".join(str(v) for v in (getattr(exc, "type", None), getattr(exc, "code", None)) if v),
        )
        if value
    ]
    message = getattr(exc, "message", None) or str(exc)
    code = getattr(exc, "code", None)
    if details and not (code and str(code) in message):
        parts.append(f"({', '.join(details)})")
    line = f"{' '.join(parts)}: {message}"
    request_id = getattr(exc, "request_id", None)
    if request_id and str(request_id) not in line:
        line += f" (request id {request_id})"
    return line


def describe(exc: BaseException) -> tuple[str, int]:
    """The one line telling `exc`, and the exit status it gives."""
    from .._exceptions import APIConnectionError, TokenMarketError

    if isinstance(exc, UsageError):
        return str(exc), USAGE
    if isinstance(exc, CommandError):
        return str(exc), FAILURE
    if isinstance(exc, APIConnectionError):
        line = f"{type(exc).__name__}: {exc.message}"
        request = getattr(exc, "request", None)
        if request is not None and str(request.url) not in line:
            line += f" (url {request.url})"
        return line, FAILURE
    if isinstance(exc, TokenMarketError):
        return _status_line(exc), FAILURE
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return f"{type(exc).__name__}:{where}: {exc.strerror or exc}", FAILURE
    return f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)", FAILURE


def formatted_traceback(exc: BaseException, secret: str | None) -> str:
    """The traceback of `exc` (with its chain), the key removed."""
    return redact("".join(traceback.format_exception(exc)), secret)
