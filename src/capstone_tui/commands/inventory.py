"""`capstone-tui inventory [--json]`: this node (and the Slurm cluster, where it answers)."""

from __future__ import annotations

import argparse
import sys

from capstone_tui.commands._common import emit_json
from capstone_tui.core.errors import ValidationError, as_float
from capstone_tui.core.safe_text import safe_text


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output (SPEC keys)")
    parser.add_argument("--no-slurm", action="store_true", help="do not ask Slurm")
    parser.add_argument("--timeout", default="3", metavar="SECONDS",
                        help="how long NVML and Slurm may take, each [3]")


def run(args: argparse.Namespace) -> int:
    timeout = as_float("--timeout", args.timeout, "a number of seconds in [0.1, 60]")
    if not 0.1 <= timeout <= 60:
        raise ValidationError("--timeout", "a number of seconds in [0.1, 60]", args.timeout)
    from capstone_tui.probes.inventory import read_inventory

    inv = read_inventory(slurm=not args.no_slurm, timeout_s=timeout)
    if args.json:
        emit_json(inv.to_json())
        return 0
    from capstone_tui.core.inventory.text import inventory_lines

    # hostnames, GPU names, partition names come from the system: no escape reaches a terminal
    sys.stdout.write(safe_text("\n".join(inventory_lines(inv)), multiline=True) + "\n")
    return 0
