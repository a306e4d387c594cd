"""``python -m mock_server``: serve the mock gateway with uvicorn on 127.0.0.1.

Usage::

    python -m mock_server [--port PORT] [--token KEY ...] [--host HOST] [--spec FILE]
                          [--max-body-bytes N] [--head-timeout S] [--body-timeout S]
                          [--max-connections N] [--log-level LEVEL] [--access-log]

``--port 0`` picks a free port. Once the server accepts connections, the first line written
to standard output is exactly ``mock_server listening on http://127.0.0.1:PORT`` (flushed), so
a test or a script can start it and read the line to learn the port. Keys come from
``--token`` (repeatable), else ``TOKENMARKET_MOCK_TOKENS``, else the development key
``tm-mock-dev-key``; they are never printed or logged. SIGINT (Ctrl+C) and SIGTERM stop the
server gracefully (in-flight requests get up to 3 seconds) and the process exits with status 0.
Logs go to standard error; the access log is off unless ``--access-log`` is given. At start,
one line on standard error names the operations answered from the spec alone (those without
a hand-written handler), or says there are none.
"""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
from types import FrameType

import uvicorn

from generator.spec import SpecError
from mock_server.app import MAX_BODY_BYTES, create_app
from mock_server.auth import DEV_TOKEN, ENV_VAR, tokens_from_env
from mock_server.server import (
    BODY_STALL_TIMEOUT,
    HEAD_TIMEOUT,
    default_max_connections,
    server_config,
)

GRACEFUL_SECONDS = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mock_server",
        description="The embedded TokenMarket mock gateway (answers what openapi.yaml promises).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8080, help="port to bind; 0 picks a free one (default 8080)"
    )
    parser.add_argument(
        "--token",
        action="append",
        default=None,
        metavar="KEY",
        help=f"an API key to accept (repeatable); default: ${ENV_VAR}, else {DEV_TOKEN!r}",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=None,
        help="largest request body accepted; larger gets 413 (default: the spec's "
        f"max_request_body_bytes, {MAX_BODY_BYTES} in openapi.yaml)",
    )
    parser.add_argument(
        "--spec", default=None, help="the OpenAPI document to serve (default: openapi.yaml)"
    )
    parser.add_argument(
        "--head-timeout",
        type=float,
        default=HEAD_TIMEOUT,
        help=f"seconds a request head may take to arrive (default {HEAD_TIMEOUT})",
    )
    parser.add_argument(
        "--body-timeout",
        type=float,
        default=BODY_STALL_TIMEOUT,
        help=f"seconds a request body may stall (default {BODY_STALL_TIMEOUT})",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=None,
        help=f"open connections at most; more get 503 (default {default_max_connections()})",
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="server log level, to standard error (default warning)",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request to stderr")
    return parser


class _Server(uvicorn.Server):
    """uvicorn's server, announcing itself on stdout once it accepts connections."""

    announce = ""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            sys.stdout.write(f"mock_server listening on {self.announce}\n")
            sys.stdout.flush()


def _ignore(signum: int, frame: FrameType | None) -> None:
    """Installed before serving: uvicorn re-raises the stop signal after its graceful
    shutdown, and this handler turns that into a normal exit (status 0)."""


def main(argv: list[str] | None = None) -> int:
    """Run the mock until SIGINT or SIGTERM; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level.upper(),
        format="%(levelname)s %(name)s: %(message)s",
    )
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        sys.stderr.write(f"mock_server: cannot listen on {args.host}:{args.port}: {exc}\n")
        return 1
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    url = f"http://{shown}:{port}"
    try:
        app = create_app(
            args.token if args.token else tokens_from_env(),
            max_body_bytes=args.max_body_bytes,
            spec=args.spec,
            public_url=url,
        )
    except (ValueError, OSError) as exc:  # SpecError is a ValueError
        sock.close()
        prefix = "spec: " if isinstance(exc, SpecError | OSError) else ""
        sys.stderr.write(f"mock_server: {prefix}{exc}\n")
        return 2
    spec_only = app.state.from_spec_only
    sys.stderr.write(
        "mock_server: answered from the spec alone (no handler): "
        + (", ".join(spec_only) if spec_only else "none")
        + "\n"
    )
    if not args.token and tokens_from_env() == [DEV_TOKEN]:
        logging.getLogger("mock_server").info("accepting the documented development key")

    config = server_config(
        app,
        head_timeout=args.head_timeout,
        body_stall_timeout=args.body_timeout,
        max_connections=args.max_connections,
        log_level=args.log_level,
        access_log=args.access_log,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    server = _Server(config)
    server.announce = url
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _ignore)
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
