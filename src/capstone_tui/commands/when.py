"""`capstone-tui when CANDIDATE.toml [--partition P] [--pmax N] [--runs RUNS.csv] [--json]`

For each worker count the partition can hold, asks Slurm when a job of that shape would start
(`sbatch --test-only`: nothing is submitted) and reports wait, run time (t1_s / S(p)), finish
and cost, the fastest and the cheapest option, and why any size was left out. Without Slurm,
or with a controller that does not answer, it says so and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from capstone_tui.commands._common import emit_json
from capstone_tui.core.errors import ValidationError, as_float, int_in
from capstone_tui.core.machine import slurm_partition
from capstone_tui.core.safe_text import safe_text
from capstone_tui.core.scaling import PMAX_LIMIT
from capstone_tui.core.time_to_solution import TimeToSolution, duration_text, short_cost_unit
from capstone_tui.core.time_to_solution_text import summary_line
from capstone_tui.session import open_runs, read_candidate, time_to_solution

TIMEOUT_ACCEPTED = "must be a number of seconds in (0, 600]"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("candidate", metavar="CANDIDATE.toml", help="a candidate file with [scaling] t1_s")
    parser.add_argument("--partition", metavar="P", help="Slurm partition [the candidate's slurm:<partition> "
                        "reference, else the cluster's default]")
    parser.add_argument("--pmax", metavar="N", help="largest worker count to consider [the candidate's pmax]")
    parser.add_argument("--runs", metavar="RUNS.csv", help="measured p,time runs: s, c (and t1_s when the "
                        "candidate has none) from their fit")
    parser.add_argument("--timeout", default="10", help="seconds allowed for all Slurm calls [10]")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _inputs(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    candidate, _ = read_candidate(args.candidate)
    if args.runs:
        fit = open_runs(args.runs, aggregate="min")
        if fit.kind != "time":
            raise ValidationError("RUNS.csv", "must hold p,time runs to give a run time", fit.kind)
        t1 = candidate.scaling.t1_s if candidate.scaling.t1_s is not None else fit.t1
        scaling = replace(candidate.scaling, s=fit.s, c=fit.c, t1_s=t1)
        candidate = replace(candidate, scaling=scaling)
    return candidate


def run(args: argparse.Namespace) -> int:
    pmax = int_in("pmax", args.pmax, 1, PMAX_LIMIT) if args.pmax is not None else None
    timeout = as_float("timeout", args.timeout, TIMEOUT_ACCEPTED)
    if not 0 < timeout <= 600:
        raise ValidationError("timeout", TIMEOUT_ACCEPTED, args.timeout)
    candidate = _inputs(args)
    if candidate.scaling.t1_s is None:
        raise ValidationError("scaling.t1_s", "is required: the single-worker wall time in seconds > 0 "
                              "(or give --runs RUNS.csv)")
    partition = args.partition
    if partition is None:
        partition = slurm_partition(candidate.machine)  # the candidate's reference partition, if any
    result = time_to_solution(candidate, partition, pmax=pmax, timeout_s=timeout)
    if not isinstance(result, TimeToSolution):
        # no usable Slurm: a named state on one line (absent | not_answering | error)
        print(safe_text(f"capstone-tui: when needs Slurm: {result.state}: {result.message}"), file=sys.stderr)
        return 2
    if args.runs:
        result = replace(result, source=result.source + f"; s, c (and t1_s unless given) fitted from {args.runs}")
    if args.json:
        emit_json(result.to_json())
    else:
        sys.stdout.write(render(result))
    return 0


def render(result: TimeToSolution) -> str:
    """The options as a table with units, then fastest, cheapest and what was left out."""
    plan = result.plan
    lines = [f"Time to solution on partition {result.partition} (t1 = {duration_text(plan.t1_s)}, "
             f"s = {plan.s:g}, c = {plan.c:g}, p* = {plan.p_star}, knee = {plan.knee}, "
             f"holds {plan.capacity} workers)",
             f"{'p':>5} {'nodes':>5} {'GPUs':>5}  {'starts (Slurm)':<19} {'wait':>9} {'run':>9} "
             f"{'finish':>9} {'GPU-h':>8} {'cost':>9}  (cost in {short_cost_unit(result.cost_unit)})"]
    for o in result.options:
        lines.append(f"{o.p:>5} {o.nodes:>5} {o.gpus:>5}  {o.start:<19} {duration_text(o.wait_s):>9} "
                     f"{duration_text(o.run_s):>9} {duration_text(o.finish_s):>9} {o.gpu_hours:>8.3g} "
                     f"{o.cost:>9.4g}")
    lines.append(summary_line(result))
    cheapest = result.cheapest
    if cheapest is not None:
        lines.append(f"cheapest: p={cheapest.p} (cost {cheapest.cost:.4g} {short_cost_unit(result.cost_unit)}, finishes in "
                     f"{duration_text(cheapest.finish_s)})")
    lines.append(f"cost: {result.cost_unit}")
    for p, why in result.left_out:
        lines.append(f"left out p={p}: {why}")
    lines.append(f"source: {result.source}")
    return safe_text("\n".join(lines), multiline=True) + "\n"  # partition, job and file names: text only
