"""Running one parsed command: the client made, the command called, failures told in a line."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING, Any

from . import _errors
from ._errors import INTERRUPTED, SUCCESS, UsageError

if TYPE_CHECKING:
    from .._client import TokenMarket

PROG = "tokenmarket"


def warn(message: str) -> None:
    """`tokenmarket: warning: ...` on standard error."""
    print(f"{PROG}: warning: {message}", file=sys.stderr, flush=True)


def _fail(message: str, secret: str | None) -> None:
    print(f"{PROG}: error: {_errors.redact(message, secret)}", file=sys.stderr, flush=True)


def make_client(args: argparse.Namespace, key: str) -> TokenMarket:
    """The client the command line asks for (`--base-url`, `--timeout`, `--max-retries`)."""
    from .._client import TokenMarket

    options: dict[str, Any] = {}
    if getattr(args, "timeout", None) is not None:
        options["timeout"] = args.timeout
    if getattr(args, "max_retries", None) is not None:
        if args.max_retries < 0:
            raise UsageError("--max-retries must be 0 or more")
        options["max_retries"] = args.max_retries
    headers = {}
    for header in getattr(args, "header", None) or ():
        name, colon, text = header.partition(":")
        if not colon or not name.strip():
            raise UsageError(f"--header {header!r}: write it as 'NAME: VALUE'")
        headers[name.strip()] = text.strip()
    return TokenMarket(
        api_key=key,
        base_url=getattr(args, "base_url", None),
        default_headers=headers or None,
        **options,
    )


def _execute(args: argparse.Namespace, key: str | None) -> int:
    from . import _api, _commands

    if args.command == "api" and args.list:
        with _api.listing_client() as lister:
            print("\n".join(_api.describe(lister)))
        return SUCCESS
    command = _commands.COMMANDS[args.command]
    _commands.check_usage(args)
    if not key:
        raise UsageError(
            "no API key: set the TOKENMARKET_API_KEY environment variable (or pass --api-key)"
        )
    with make_client(args, key) as client:
        return command(client, args)


def run(args: argparse.Namespace, key: str | None) -> int:
    """Run the parsed command; return the exit status. Nothing but one line on failure."""
    debug = bool(getattr(args, "debug", False))
    if debug:
        # The client's own log (retries); never httpx's or httpcore's, which show headers.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        client_log = logging.getLogger("tokenmarket_client")
        client_log.addHandler(handler)
        client_log.setLevel(logging.DEBUG)
    try:
        return _execute(args, key)
    except KeyboardInterrupt:
        # A stream stops where it was; the `with` blocks have closed the connection.
        sys.stdout.flush()
        print(f"\n{PROG}: interrupted", file=sys.stderr, flush=True)
        return INTERRUPTED
    except BrokenPipeError:
        # `tokenmarket chat ... | head -1`: the reader left; say nothing more.
        _silence_stdout()
        return SUCCESS
    except Exception as exc:  # every failure becomes one line (and a traceback with --debug)
        line, status = _errors.describe(exc)
        if debug:
            print(_errors.formatted_traceback(exc, key), file=sys.stderr, end="", flush=True)
        _fail(line, key)
        return status


def _silence_stdout() -> None:
    import os

    # Python flushes stdout at exit; point it at /dev/null so that flush cannot fail again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
