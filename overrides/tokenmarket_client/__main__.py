"""`python -m tokenmarket_client`: the `tokenmarket` command (see `tokenmarket --help`)."""

import sys

from ._cli import main

sys.exit(main())
