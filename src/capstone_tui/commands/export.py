"""`capstone-tui export CANDIDATE.toml [--out DIR] [--machine ID]`: a verdict snapshot, headless.

Writes `<slug>-<YYYYmmdd-HHMMSS>.json` (schema_version, created, tool_version, candidate,
assessment, charts), `.md` and `-curve.svg` (the speedup chart alone) into DIR, and with
[scaling] t1_s also `-time.svg` (the time plot alone: run time t1/S(p), plus Slurm's queue
wait where a slurm:<partition> reference was asked), never overwriting, and prints their
paths. The candidate is opened and assessed by the same session calls as `assess` and the
dashboard's `e`, so the snapshot's `assessment` is what `capstone-tui assess CANDIDATE.toml
--machine ID --json` prints.
"""

from __future__ import annotations

import argparse

from capstone_tui.core.defaults import EXPORT_DIR_DEFAULT
from capstone_tui.session import assess_opened, export_snapshot, open_candidate


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("candidate", metavar="CANDIDATE.toml", help="the candidate file (see examples/)")
    parser.add_argument("--out", metavar="DIR", default=EXPORT_DIR_DEFAULT,
                        help=f"folder for the snapshot files, created if needed [./{EXPORT_DIR_DEFAULT}]")
    parser.add_argument("--machine", metavar="ID",
                        help="reference machine: this-node, slurm:<partition> or a preset id "
                             "(default: the candidate's [machine] reference)")


def run(args: argparse.Namespace) -> int:
    opened = open_candidate(args.candidate, machine=args.machine)
    paths = export_snapshot(args.out, opened.candidate, assess_opened(opened), candidate_file=args.candidate)
    for path in paths:
        print(path)
    return 0
