"""``python -m evtxscan.tui PATH... [--case FILE]``: the same as ``evtxscan tui``."""

import sys

from evtxscan.cli import main

sys.exit(main(["tui", *sys.argv[1:]]))
