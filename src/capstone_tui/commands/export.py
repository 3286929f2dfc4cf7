"""`capstone-tui export CANDIDATE.toml [--out DIR] [--machine ID]`: a verdict snapshot, headless.

Writes `<slug>-<YYYYmmdd-HHMMSS>.json` (schema_version, created, tool_version, candidate,
assessment) and `.md` into DIR, never overwriting, and prints their paths. The candidate is
read, the machine resolved and the dataset sized exactly as `assess` does, so the snapshot's
`assessment` is what `capstone-tui assess CANDIDATE.toml --machine ID --json` prints.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from capstone_tui import __version__
from capstone_tui.commands.assess import measure_dataset, read_candidate
from capstone_tui.core.snapshot import build_snapshot, snapshot_basename, snapshot_files

DEFAULT_OUT = "capstone-verdicts"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("candidate", metavar="CANDIDATE.toml", help="the candidate file (see examples/)")
    parser.add_argument("--out", metavar="DIR", default=DEFAULT_OUT,
                        help=f"folder for the snapshot files, created if needed [./{DEFAULT_OUT}]")
    parser.add_argument("--machine", metavar="ID",
                        help="reference machine: this-node, slurm:<partition> or a preset id "
                             "(default: the candidate's [machine] reference)")


def run(args: argparse.Namespace) -> int:
    from capstone_tui.core.assessment import assess
    from capstone_tui.probes.export import ExportError, write_snapshot
    from capstone_tui.probes.machines import resolve_machine  # presets are cheap; live/Slurm are lazy

    candidate = read_candidate(args.candidate)
    field = "--machine" if args.machine else "machine.reference"
    machine = resolve_machine(args.machine or candidate.machine, field=field)
    # The snapshot's candidate names the machine it was assessed on, so it re-checks as written.
    candidate = replace(candidate, machine=machine.id)
    measured, _ = measure_dataset(candidate, Path(args.candidate).parent)
    assessment = assess(candidate, machine, measured).to_json()
    created = datetime.now().astimezone()
    snapshot = build_snapshot(candidate, assessment, created=created, tool_version=__version__)
    files = snapshot_files(snapshot, candidate_file=args.candidate)
    try:
        paths = write_snapshot(Path(args.out), snapshot_basename(candidate.name, created), files)
    except ExportError as err:  # an export folder that cannot be written is bad input (SPEC): exit 2
        print(f"capstone-tui export: --out: {err.message}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0
