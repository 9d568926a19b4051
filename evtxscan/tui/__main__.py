"""``python -m evtxscan.tui PATH... [-o OUTDIR] [--case FILE]``: the same as ``evtxscan tui``."""

import sys

from evtxscan.cli import main

sys.exit(main(["tui", *sys.argv[1:]]))
