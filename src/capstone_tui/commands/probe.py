"""`capstone-tui probe --launcher L --workers 1,2,4,8 [options] -- COMMAND ...`

Runs COMMAND at each worker count through the launcher, subtracts a zero-work launcher
baseline, writes every run to a CSV as it is measured (Ctrl-C keeps what was measured), and
prints the fit (`fit`'s output). `{p}` and `{rank}` in COMMAND are replaced per run / rank.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time

from capstone_tui.commands._common import emit_json
from capstone_tui.commands.fit import render_fit
from capstone_tui.core.errors import ValidationError, as_float, as_int
from capstone_tui.core.fitting.fit import METHODS
from capstone_tui.core.fitting.runs import AGGREGATES, TIME
from capstone_tui.probes.files import staged_file, write_atomic
from capstone_tui.runners.launchers import LAUNCHERS, CommandSpec, make_launcher
from capstone_tui.runners.steps import default_baseline, run_probe
from capstone_tui.session import fit_rows

WORKERS_ACCEPTED = "must be a comma-separated list of distinct integers in [1, 4096], e.g. 1,2,4,8"
REPEATS_ACCEPTED = "must be an integer in [1, 100]"
TIMEOUT_ACCEPTED = "must be a number of seconds > 0"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--launcher", default="local", help="one of " + ", ".join(LAUNCHERS) + " [local]")
    parser.add_argument("--workers", default="1,2,3,4,6,8", help="worker counts p [1,2,3,4,6,8]")
    parser.add_argument("--repeats", default="3", help="timed runs per p [3]")
    parser.add_argument("--out", metavar="CSV", help="runs CSV to write [probe-<launcher>-<time>.csv]")
    parser.add_argument("--method", default="linear3", choices=list(METHODS), help="fit method [linear3]")
    parser.add_argument("--aggregate", default="min", choices=list(AGGREGATES),
                        help="repeats in the fit: min (noise only adds time), median or all [min]")
    parser.add_argument("--baseline-command", metavar="CMD",
                        help="zero-work command for the launcher baseline [the interpreter with "
                             "no work for python commands, else 'true']")
    parser.add_argument("--no-baseline", action="store_true", help="do not subtract a launcher baseline")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="dask: an existing scheduler instead of a LocalCluster")
    parser.add_argument("--launcher-arg", action="append", default=[], metavar="ARG",
                        help="extra argument for srun/mpirun (repeatable)")
    parser.add_argument("--shell", action="store_true", help="run COMMAND through /bin/sh -c (off by default)")
    parser.add_argument("--timeout", default="600", help="seconds allowed per launch [600]")
    parser.add_argument("--sync-root", metavar="DIR", help="where per-run PROBE_SYNC_DIR folders go "
                        "(must be shared by all ranks) [the system temp folder]")
    parser.add_argument("--json", action="store_true", help="print the probe and its fit as JSON")
    parser.add_argument("--detach", action="store_true", help="sbatch: submit the job, print its id and return")
    parser.add_argument("--collect", metavar="JOBID", help="sbatch: wait for / read a detached probe job")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...] ({p}, {rank})")


def parse_workers(text: str) -> tuple[int, ...]:
    parts = [t for t in str(text).replace(" ", "").split(",") if t]
    if not parts:
        raise ValidationError("workers", WORKERS_ACCEPTED, text)
    values = tuple(as_int("workers", t, WORKERS_ACCEPTED) for t in parts)
    if len(set(values)) != len(values) or not all(1 <= v <= 4096 for v in values):
        raise ValidationError("workers", WORKERS_ACCEPTED, text)
    return values


def _spec(args: argparse.Namespace) -> CommandSpec:
    argv = list(args.command)
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        raise ValidationError("command", "is required after '--', e.g. -- python work.py {p}")
    timeout = as_float("timeout", args.timeout, TIMEOUT_ACCEPTED)
    if timeout <= 0:
        raise ValidationError("timeout", TIMEOUT_ACCEPTED, args.timeout)
    return CommandSpec(argv=tuple(argv), shell=args.shell, timeout_s=timeout, sync_root=args.sync_root)


def run(args: argparse.Namespace) -> int:
    if args.collect:
        from capstone_tui.runners.sbatch import plan_args

        plan_args(args)  # workers, repeats, command and baseline from the job's plan.json
    workers = parse_workers(args.workers)
    repeats = as_int("repeats", args.repeats, REPEATS_ACCEPTED)
    if not 1 <= repeats <= 100:
        raise ValidationError("repeats", REPEATS_ACCEPTED, args.repeats)
    spec = _spec(args)
    if args.no_baseline:
        baseline = None
    elif args.baseline_command:
        baseline = CommandSpec(argv=tuple(shlex.split(args.baseline_command)), shell=spec.shell,
                               timeout_s=spec.timeout_s, sync_root=spec.sync_root)
    else:
        baseline = default_baseline(spec)
    if args.detach:  # sbatch only: one job for every p, read later with --collect JOBID
        from capstone_tui.runners.sbatch import submit_detached

        print(submit_detached(args.launcher, args.launcher_arg, spec, baseline, workers, repeats))
        return 0
    out = args.out or f"probe-{args.launcher}-{time.strftime('%Y%m%d-%H%M%S')}.csv"
    # Rows go to a temp file beside --out as they are measured and each step is published
    # atomically; leaving the block (also by Ctrl-C) moves the last state into place.
    # A folder or read-only --out fails here, before any work: exit 2.
    with staged_file(out, overwrite=True, field="--out") as staged:
        launcher = make_launcher(args.launcher, scheduler=args.scheduler, extra=args.launcher_arg,
                                 max_workers=max(workers))
        check = getattr(launcher, "check", None)
        if check is not None:
            check(spec)
        prepare = getattr(launcher, "prepare", None)
        if prepare is not None:  # sbatch: submit (or --collect) one job for every p and wait for it
            prepare(spec, baseline, workers, repeats, lambda line: print(line, file=sys.stderr, flush=True),
                    collect=args.collect)
        print(f"probe: {args.launcher}, p = {','.join(map(str, workers))}, {repeats} repeats; "
              f"writing {out}", file=sys.stderr)

        def progress(line: str) -> None:  # after each row: --out always holds every row so far
            write_atomic(out, staged.read_bytes(), overwrite=True, field="--out")
            print(line.replace(str(staged), out), file=sys.stderr, flush=True)

        outcome = run_probe(launcher, spec, workers, repeats, str(staged), baseline, progress=progress,
                            usable_cores=len(os.sched_getaffinity(0)))
    fit = None
    fit_problem = None
    if outcome.rows:
        try:
            fit = fit_rows(TIME, [(p, t) for p, t, *_ in outcome.rows], source=os.path.basename(out),
                           method=args.method, aggregate=args.aggregate)
        except ValidationError as err:
            fit_problem = err.message
    if args.json:
        emit_json({
            "csv": out, "launcher": args.launcher, "workers": list(workers), "repeats": repeats,
            "baseline": [{"p": p, "seconds": b} for p, b in outcome.baselines],
            "startup_s": [{"p": p, "seconds": s} for p, s in outcome.startup_s],
            "interrupted": outcome.interrupted, "error": outcome.error,
            "warnings": list(outcome.warnings), "fit_error": fit_problem,
            "fit": None if fit is None else fit.to_json(),
        })
    else:
        for p, s in outcome.startup_s:
            print(f"cluster start-up ({p} workers): {s:.2f} s (measured, not in the run times)")
        for w in outcome.warnings:
            print(f"warning: {w}")
        if fit is not None:
            sys.stdout.write(render_fit(fit))
        print(f"runs written to {out} (re-fit with: capstone-tui fit {shlex.quote(out)} "
              f"--aggregate {args.aggregate})")
    if fit_problem:
        print(f"capstone-tui: cannot fit yet: {fit_problem}", file=sys.stderr)
    if outcome.error:
        print(f"capstone-tui: error: {outcome.error}", file=sys.stderr)
        return 1
    return 130 if outcome.interrupted else 0
