"""`capstone-tui verdict --s S --c C [--pmax N] [--json]`: the justification test."""

from __future__ import annotations

import argparse
import sys

from capstone_tui.commands._common import emit_json
from capstone_tui.core.report import justification_text
from capstone_tui.core.scaling import PMAX_DEFAULT, justify


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--s", required=True, metavar="S", help="serial fraction, in [0, 1]")
    parser.add_argument("--c", required=True, metavar="C", help="per-worker communication cost (fraction of T(1)), >= 0")
    parser.add_argument("--pmax", default=str(PMAX_DEFAULT), metavar="N",
                        help=f"largest worker count considered, 1..10,000,000 [{PMAX_DEFAULT}]")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    result = justify(args.s, args.c, args.pmax)
    if args.json:
        emit_json(result.to_json())
    else:
        sys.stdout.write(justification_text(result))
    return 0
