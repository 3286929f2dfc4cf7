"""`capstone-tui assess CANDIDATE.toml [--machine ID] [--json]`: the four ceilings, the route,
the justification test and the decision, as a readable tree or as the SPEC's JSON object."""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap

from capstone_tui.commands._common import emit_json
from capstone_tui.core.assessment import Assessment
from capstone_tui.core.candidate import Candidate
from capstone_tui.core.ceilings import AXIS_TEXT, TERMINAL, Ceiling
from capstone_tui.core.machine import Machine
from capstone_tui.core.report import GEO_LINK, knee_lines, link_line
from capstone_tui.core.safe_text import safe_text
from capstone_tui.core.units import decimal_bytes, percent
from capstone_tui.core.verdict_text import BYTES_CONVENTION, memory_bytes
from capstone_tui.session import assess_opened, open_candidate


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("candidate", metavar="CANDIDATE.toml", help="a candidate file (see examples/)")
    parser.add_argument("--machine", metavar="ID",
                        help="reference machine: this-node, slurm:<partition> or a preset id "
                             "(default: the candidate's [machine] reference)")
    parser.add_argument("--json", action="store_true", help="machine-readable output (SPEC keys)")


def run(args: argparse.Namespace) -> int:
    opened = open_candidate(args.candidate, machine=args.machine)
    result = assess_opened(opened)
    if args.json:
        emit_json(result.to_json())
    else:
        width = max(40, min(110, shutil.get_terminal_size((100, 24)).columns))
        sys.stdout.write(render(opened.candidate, result, width, opened.sizer_note, opened.model_notes))
    return 0


# --- the readable tree ----------------------------------------------------------------------


def machine_lines(m: Machine) -> list[str]:
    """The machine: memory in binary units (as the kernel and nvidia-smi count), disk in decimal."""
    lines = [f"Reference machine: {m.label} [{m.id}, {m.source}, {m.confidence}]",
             f"  RAM {memory_bytes(m.memory_total_bytes)}, usable "
             f"{memory_bytes(m.memory_bytes)} after a {percent(m.ram_reserve)} OS reserve; local disk "
             f"{decimal_bytes(m.disk_bytes) if m.disk_bytes is not None else 'unknown'}"]
    if m.accelerators:
        lines.append(
            f"  {m.accelerators}x {m.accelerator_name or 'accelerator'} of "
            f"{memory_bytes(m.accelerator_total_bytes)}"
            f"{f' ({m.accelerator_confidence})' if m.accelerator_confidence else ''}; usable per device "
            f"{memory_bytes(m.accelerator_bytes)} = {percent(m.accelerator_usable_fraction)} less "
            f"{memory_bytes(m.accelerator_context_bytes)} CUDA context")
    else:
        lines.append("  no accelerator: the model ceiling is measured against usable RAM")
    lines.extend(f"  note: {n}" for n in m.notes)
    return lines


def _wrap(text: str, indent: str, width: int, first: str | None = None) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=first or indent, subsequent_indent=indent) or [indent]


def _model_terms(c: Ceiling) -> str:
    d = c.detail
    names = (("weights", "weights_bytes"), ("grads", "grads_bytes"), ("optimizer", "optimizer_bytes"),
             ("activations", "activations_bytes"), ("KV cache", "kv_cache_bytes"), ("overhead", "overhead_bytes"))
    return " + ".join(f"{label} {memory_bytes(d[key])}" for label, key in names if d[key]) + " (estimated)"


def ceiling_lines(index: int, c: Ceiling, on_route: bool, last: bool, width: int) -> list[str]:
    branch, stem = ("└─", "   ") if last else ("├─", "│  ")
    margin = ""
    if c.margin is not None and c.unit != "agents":
        margin = f" ({c.margin:.2g}x)" if c.margin >= 0.01 else " (<0.01x)"
    lines = [f"{branch} {index}. {c.label:<36} {c.status}{margin if c.assessed else ''}"]
    lines += _wrap(c.explanation, stem + "   ", width)
    if c.name == "model" and c.assessed:
        lines += _wrap(_model_terms(c), stem + "     ", width, first=stem + "   = ")
        lines += _wrap("; ".join(c.detail.get("notes", [])), stem + "   ", width) if c.detail.get("notes") else []
    if c.assessed and c.cleared:
        mark = "   <== route" if on_route else "   (also cleared)"
        lines.append(f"{stem}   YES -> {AXIS_TEXT[c.axis]} ({c.chapters}){mark}")
    return lines


def render(candidate: Candidate, a: Assessment, width: int = 100, sizer_note: str | None = None,
           model_notes: tuple[str, ...] = ()) -> str:
    """The assessment as a tree a person reads top to bottom."""
    out = [f"Candidate: {candidate.name}"]
    out += machine_lines(a.machine) if a.machine else [f"Reference machine: {a.machine_id} (not read)"]
    if sizer_note:
        out += _wrap(sizer_note, "    ", width, first="  dataset: ")
    for note in model_notes:
        out += _wrap(note, "    ", width, first="  model: ")
    out += ["", "Candidate problem"]
    for i, c in enumerate(a.ceilings, start=1):
        out += ceiling_lines(i, c, c.name == a.route.ceiling, False, width)
    terminal = "   <== route" if a.route.ceiling is None else ""
    out.append(f"└─ {TERMINAL}{terminal}")
    cleared = ", ".join(a.route.cleared) or "none"
    out += ["", f"Route: {a.route.text}; cleared: {cleared}",
            "Gate 2, the justification test (the speedup alone, not the decision):",
            "  " + link_line("datacenter link", a.justification.fast),
            "  " + link_line(GEO_LINK, a.justification.geo),
            *("  " + line for line in knee_lines(a.justification)),
            f"Gate 1 (clears a ceiling): {'pass' if a.gate1 else 'FAIL'};"
            f" gate 2 (distributing pays): {'pass' if a.gate2 else 'FAIL'}",
            f"Decision: {a.decision}"]
    out += _wrap(a.reason, "  ", width, first="Reason: ")
    for warning in a.warnings:  # stated assumptions (e.g. int8/int4 training), as in --json `warnings`
        out += _wrap(warning, "  ", width, first="Warning: ")
    out += _wrap(f"{BYTES_CONVENTION}.", "  ", width, first="Units: ")
    return safe_text("\n".join(out), multiline=True) + "\n"  # machine labels, notes: no escapes reach a terminal
