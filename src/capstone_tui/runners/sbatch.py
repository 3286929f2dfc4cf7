"""The `sbatch` probe launcher: one batch job for the largest p, each worker count run as an
`srun` step inside it, so queue time never leaks into T(p).

The job runs exactly the sequence `run_probe` asks for (per p: a baseline warm-up, the
baseline repeats, the command repeats), timing each step with the node's clock and appending
`kind,p,repeat,t0,t1,rc` to `capstone-probe/<JOBID>/results.csv` in the working directory
(which must be visible to the compute node, as Slurm's own output is). `run_probe` then
replays those times, so the CSV, the baseline subtraction and the warnings are the local
launcher's. Steps export RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT besides
PROBE_RANK / PROBE_SIZE / PROBE_SYNC_DIR, so a torch.distributed script runs unchanged.
"""

from __future__ import annotations

import json
import math
import os
import shlex
import shutil
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from capstone_tui.core.errors import ValidationError
from capstone_tui.probes.slurm_run import Done, SlurmCallFailed, SlurmSilent, run_slurm
from capstone_tui.runners.launchers import CommandSpec, ProbeRunError

BASE_DIR = "capstone-probe"
POLL_S = 0.5
SLURM_CALL_S = 15.0
RANK_ENV = ('export RANK=$SLURM_PROCID WORLD_SIZE=$SLURM_NTASKS LOCAL_RANK=$SLURM_LOCALID '
            'PROBE_RANK=$SLURM_PROCID PROBE_SIZE=$SLURM_NTASKS; exec "$@"')


def _slurm(argv: list[str], timeout: float = SLURM_CALL_S) -> Done:
    """One Slurm client through the shared runner, its failures as ProbeRunError. The job
    inherits this environment, so it is passed on unchanged (no SLURM_TIME_FORMAT)."""
    try:
        return run_slurm(argv, time.monotonic() + timeout, standard_time=False)
    except SlurmSilent:
        raise ProbeRunError(f"{argv[0]}: Slurm did not answer within {timeout:g} s") from None
    except SlurmCallFailed as err:  # cannot run it, or more output than Slurm ever prints
        raise ProbeRunError(err.message) from None


def job_script(spec: CommandSpec, baseline: CommandSpec | None, workers: Sequence[int], repeats: int) -> str:
    """The batch script: one timed `srun` step per launch, in run_probe's order."""
    minutes = max(1, math.ceil(spec.timeout_s / 60))
    lines = [
        "#!/bin/bash",
        "# written by capstone-tui probe --launcher sbatch: one srun step per timed launch",
        "set -u",
        f'WORK="$SLURM_SUBMIT_DIR/{BASE_DIR}/$SLURM_JOB_ID"',
        'mkdir -p "$WORK"; RESULTS="$WORK/results.csv"; : >"$RESULTS"; STEP=0',
        'export MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n1)',
        "step() {",
        '  local kind=$1 p=$2 r=$3; shift 3; STEP=$((STEP + 1))',
        '  export MASTER_PORT=$((20000 + (SLURM_JOB_ID * 131 + STEP) % 30000))',
        '  export PROBE_SYNC_DIR="$WORK/sync-$STEP"; mkdir -p "$PROBE_SYNC_DIR"',
        '  local t0 t1 rc; t0=$(date +%s.%N)',
        f'  srun --quiet -n "$p" --overcommit --kill-on-bad-exit=1 -t {minutes} '
        f'/bin/sh -c {shlex.quote(RANK_ENV)} sh "$@" </dev/null >/dev/null 2>"$WORK/step-$STEP.err"',
        '  rc=$?; t1=$(date +%s.%N)',
        '  echo "$kind,$p,$r,$t0,$t1,$rc" >>"$RESULTS"; rm -rf "$PROBE_SYNC_DIR"',
        "}",
    ]
    for p in workers:
        if baseline is not None:
            argv = shlex.join(baseline.for_rank(p, None))
            lines.append(f"step baseline {p} 0 {argv}")
            lines += [f"step baseline {p} {r} {argv}" for r in range(1, repeats + 1)]
        argv = shlex.join(spec.for_rank(p, None))
        lines += [f"step command {p} {r} {argv}" for r in range(1, repeats + 1)]
    lines.append('echo "# end" >>"$RESULTS"')
    return "\n".join(lines) + "\n"


def read_results(path: Path) -> tuple[list[tuple[str, int, int, float, int, int]], bool]:
    """(kind, p, repeat, seconds, rc, step) rows written so far, and whether the job wrote its end."""
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return [], False
    rows, ended = [], False
    for step, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# end"):
            ended = True
            continue
        parts = line.split(",")
        if len(parts) != 6:
            continue
        try:
            rows.append((parts[0], int(parts[1]), int(parts[2]), float(parts[4]) - float(parts[3]),
                         int(parts[5]), step))
        except ValueError:
            continue
    return rows, ended


class SbatchLauncher:
    """Submits (or attaches to) one job, waits for it, then replays its step times."""

    name = "sbatch"

    def __init__(self, extra: Sequence[str] = ()) -> None:
        if shutil.which("sbatch") is None:
            raise ValidationError("launcher", "sbatch needs Slurm's 'sbatch' on PATH", "sbatch")
        self.extra = tuple(extra)
        self.startup_s: dict[int, float] = {}
        self.job_id: str | None = None
        self.interrupted = False
        self._baseline: CommandSpec | None = None
        self._queue: dict[tuple[str, int], list[tuple[float, int, int]]] = {}

    def check(self, spec: CommandSpec) -> None:
        if any("{rank}" in a for a in spec.argv):
            raise ValidationError("command", "may not use {rank} with --launcher sbatch (read RANK, "
                                  "SLURM_PROCID or PROBE_RANK from the environment)")

    def work_dir(self) -> Path:
        return Path.cwd() / BASE_DIR / str(self.job_id)

    def submit(self, spec: CommandSpec, baseline: CommandSpec | None, workers: Sequence[int],
               repeats: int) -> str:
        """Submit the job for max(workers) tasks; returns the job id. Writes plan.json beside it."""
        base = Path.cwd() / BASE_DIR
        base.mkdir(exist_ok=True)
        script = base / f"submit-{os.getpid()}-{time.time_ns()}.sh"
        script.write_text(job_script(spec, baseline, workers, repeats), encoding="utf-8")
        argv = ["sbatch", "--parsable", "-J", "capstone-probe", "-n", str(max(workers)), "--overcommit",
                "-o", f"{BASE_DIR}/%j.out", *self.extra, str(script)]
        done = _slurm(argv)
        if done.returncode != 0:
            script.unlink(missing_ok=True)
            raise ProbeRunError(f"sbatch refused the probe job: {' '.join(done.stderr.split())[:300]}")
        self.job_id = done.stdout.strip().split(";")[0]
        work = self.work_dir()
        work.mkdir(parents=True, exist_ok=True)
        script.replace(work / "job.sh")
        plan = {"job_id": self.job_id, "workers": list(workers), "repeats": repeats,
                "command": list(spec.argv), "shell": spec.shell, "timeout_s": spec.timeout_s,
                "baseline": None if baseline is None else list(baseline.argv)}
        (work / "plan.json").write_text(json.dumps(plan, indent=1), encoding="utf-8")
        return self.job_id

    def job_state(self) -> tuple[str | None, str]:
        """(state, expected start) from squeue; state None once the job has left the queue."""
        done = _slurm(["squeue", "-h", "-j", str(self.job_id), "-o", "%T|%S"])
        line = done.stdout.strip().splitlines()
        if done.returncode != 0 or not line:
            return None, ""
        state, _, start = line[0].partition("|")
        return state.strip(), start.strip()

    def wait(self, total: int, progress: Callable[[str], None]) -> None:
        """Wait for the job with progress; Ctrl-C cancels it (rows so far are kept)."""
        results = self.work_dir() / "results.csv"
        last = ""
        try:
            while True:
                state, start = self.job_state()
                rows, ended = read_results(results)
                if state is None or state in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"):
                    break
                line = (f"job {self.job_id}: {state.lower()}"
                        + (f", expected start {start}" if state == "PENDING" and start not in ("", "N/A") else "")
                        + (f", {len(rows)}/{total} steps done" if state == "RUNNING" else ""))
                if line != last:
                    progress(line)
                    last = line
                time.sleep(POLL_S)
            deadline = time.monotonic() + 10  # the node's writes may reach this node's view late
            while not read_results(results)[1] and time.monotonic() < deadline and state != "CANCELLED":
                time.sleep(0.2)
        except KeyboardInterrupt:
            self.cancel()
            self.interrupted = True
            progress(f"interrupted: job {self.job_id} cancelled")
        rows, _ = read_results(results)
        for kind, p, _, seconds, rc, step in rows:
            self._queue.setdefault((kind, p), []).append((seconds, rc, step))

    def cancel(self) -> None:
        if self.job_id is not None:
            _slurm(["scancel", str(self.job_id)])

    def prepare(self, spec: CommandSpec, baseline: CommandSpec | None, workers: Sequence[int], repeats: int,
                progress: Callable[[str], None], collect: str | None = None, detach: bool = False) -> str:
        """Submit (or, with `collect`, attach to) the job; unless detached, wait for it."""
        self._baseline = baseline
        if collect:
            self.job_id = collect
        else:
            self.submit(spec, baseline, workers, repeats)
            progress(f"submitted job {self.job_id} ({max(workers)} tasks; one srun step per launch)")
        if not detach:
            steps = len(workers) * (repeats + (repeats + 1 if baseline is not None else 0))
            self.wait(steps, progress)
        return str(self.job_id)

    def run(self, spec: CommandSpec, p: int) -> float:
        kind = "baseline" if self._baseline is not None and spec == self._baseline else "command"
        queue = self._queue.get((kind, p))
        if not queue:
            if self.interrupted:
                raise KeyboardInterrupt
            raise ProbeRunError(f"sbatch p={p}: job {self.job_id} ended before this {kind} step "
                                f"(see {BASE_DIR}/{self.job_id}.out)")
        seconds, rc, step = queue.pop(0)
        if rc != 0:
            err = (self.work_dir() / f"step-{step}.err")
            tail = " ".join(err.read_bytes().decode("utf-8", "replace").split())[-400:] if err.exists() else ""
            raise ProbeRunError(f"sbatch p={p} step {step}: exit status {rc}: {tail}")
        return seconds

    def close(self) -> None:
        pass


def read_plan(job_id: str) -> dict[str, Any]:
    """The plan.json a submitted probe job left in the working directory."""
    path = Path.cwd() / BASE_DIR / job_id / "plan.json"
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ValidationError("collect", f"must be the id of a probe job submitted from this folder "
                              f"({BASE_DIR}/<JOBID>/plan.json not found)", job_id) from None
    if not isinstance(plan, dict) or not isinstance(plan.get("workers"), list):
        raise ValidationError("collect", "names a job whose plan.json is not readable", job_id)
    return plan


def plan_args(args: Any) -> None:
    """Fill `probe`'s arguments from a submitted job's plan (for `--collect JOBID`)."""
    plan = read_plan(str(args.collect))
    args.launcher = "sbatch"
    args.workers = ",".join(str(p) for p in plan["workers"])
    args.repeats = str(plan["repeats"])
    args.command = ["--", *plan["command"]]
    args.shell = bool(plan.get("shell"))
    args.timeout = str(plan.get("timeout_s", args.timeout))
    args.no_baseline = plan.get("baseline") is None
    args.baseline_command = None if args.no_baseline else shlex.join(plan["baseline"])
    if not args.out:
        args.out = f"probe-sbatch-{args.collect}.csv"


def submit_detached(launcher: str, extra: Sequence[str], spec: CommandSpec, baseline: CommandSpec | None,
                    workers: Sequence[int], repeats: int) -> str:
    """Submit the probe job and return the line to print: its id and how to collect it."""
    if launcher != "sbatch":
        raise ValidationError("detach", "goes with --launcher sbatch", launcher)
    job = SbatchLauncher(extra)
    job.check(spec)
    job_id = job.submit(spec, baseline, workers, repeats)
    return f"{job_id}  (collect with: capstone-tui probe --collect {job_id})"
