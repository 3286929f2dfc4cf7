"""`capstone-tui compare A.toml B.toml ... [--machine ID] [--json]`: candidates side by side.

Each file is opened and assessed exactly as `assess` does it (the session's calls); one row per
candidate: the first ceiling cleared, the axis, p*, S(p*), E(p*), the knee and the decision.
"""

from __future__ import annotations

import argparse
import sys

from capstone_tui.commands._common import emit_json
from capstone_tui.core.comparison import MAX_CANDIDATES, comparison_table
from capstone_tui.core.safe_text import safe_text


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("candidates", nargs="+", metavar="CANDIDATE.toml",
                        help=f"candidate files to compare (1 to {MAX_CANDIDATES})")
    parser.add_argument("--machine", metavar="ID",
                        help="reference machine for every candidate: this-node, slurm:<partition> or a preset id "
                             "(default: each candidate's [machine] reference)")
    parser.add_argument("--json", action="store_true", help="machine-readable output: {\"candidates\": [rows]}")


def run(args: argparse.Namespace) -> int:
    from capstone_tui.session import compare_candidates

    rows = compare_candidates(args.candidates, machine=args.machine)
    if args.json:
        emit_json({"candidates": [row.to_json() for row in rows]})
    else:
        sys.stdout.write(safe_text(comparison_table(rows), multiline=True))  # candidate names and paths
    return 0
