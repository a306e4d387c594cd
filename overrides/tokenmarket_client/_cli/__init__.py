"""The `tokenmarket` command: the public doc's connectivity check and the everyday operations.

`tokenmarket check` sends the doc's minimal chat request; `chat`, `embeddings`, `images`,
`speech`, `rerank` and `video` wrap one call each; `api METHOD --data JSON` calls any method of
the facade by its dotted name (the list comes from the client itself, see `_api`).

Start-up is kept close to `import httpx`: this module and `_parser` use only the standard
library, and the client is imported when a command runs, not to print `--help`. Exit codes:
0 success, 1 an API, connection or file error, 2 a usage error, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

__all__ = ["main"]

API_KEY_ENV = "TOKENMARKET_API_KEY"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: `sys.argv[1:]`); return the exit status."""
    from ._parser import build_parser

    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list)
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    from . import _run

    key = getattr(args, "api_key", None)
    if key:
        _run.warn(
            "--api-key puts the key in your shell history and the process list; "
            f"prefer the {API_KEY_ENV} environment variable"
        )
    else:
        key = os.environ.get(API_KEY_ENV)
    return _run.run(args, key)
