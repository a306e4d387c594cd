"""`python -m tokenmarket_client`: the `tokenmarket` command (see `tokenmarket --help`)."""

import sys

from ._cli import main

if __name__ == "__main__":  # not when a documentation or test tool imports every module
    sys.exit(main())
