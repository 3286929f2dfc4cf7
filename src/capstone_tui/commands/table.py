"""`capstone-tui table`: the seed's Output 41.1.1, character for character."""

from __future__ import annotations

import argparse
import sys

from capstone_tui.core.seed_table import seed_table


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = "Print the seed's Output 41.1.1 (Code 41.1.1's table), computed by capstone-tui."


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(seed_table())
    return 0
