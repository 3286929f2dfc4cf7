"""Generated Slurm text for a large cluster: `sinfo -N -O` capacity lines (CAPACITY_FORMAT)
and `squeue --me` lines, shared by tests/test_slurm_queue.py and bench/bench_sinfo.py."""

from __future__ import annotations

import random

STATES = ("idle", "mixed", "allocated", "allocated", "mixed", "down*", "drained", "idle~", "completing",
          "allocated+drain", "reserved")


def capacity_text(nodes: int = 10_000, seed: int = 7) -> tuple[str, dict[str, int]]:
    """`nodes` nodes: GPU nodes in partitions gpu* and all, CPU nodes in cpu and all (so
    ~2 lines per node, as sinfo -N prints them). Also returns the expected GPU totals."""
    rng = random.Random(seed)
    out: list[str] = []
    totals = {"gpu": 0, "cpu": 0, "all": 0}
    for i in range(nodes):
        state = rng.choice(STATES)
        if i % 3:
            gpus = rng.choice((4, 8))
            used = 0 if state.startswith("idle") else rng.randint(0, gpus)
            gres = f"gpu:h100:{gpus}(S:0-1)"
            gres_used = f"gpu:h100:{used}(IDX:0-{max(used - 1, 0)})" if used else "gpu:h100:0(IDX:N/A)"
            parts = ("gpu*", "all")
        else:
            gpus, gres, gres_used, parts = 0, "(null)", "(null)", ("cpu", "all")
        for part in parts:
            out.append(f"n{i:05d}|{part}|{state}|{gres}|{gres_used}|")
            if not state.startswith(("down", "drain")) and "drain" not in state:
                totals[part.rstrip("*")] += gpus
    return "\n".join(out) + "\n", totals


def squeue_text(jobs: int = 2_000, seed: int = 7) -> str:
    rng = random.Random(seed)
    rows = []
    for j in range(jobs):
        pending = rng.random() < 0.4
        rows.append(f"{100000 + j}|train-{j}|{'PENDING' if pending else 'RUNNING'}|"
                    f"{'0:00' if pending else '1:02:03'}|2026-12-01T08:{j % 60:02d}:00|gpu")
    return "\n".join(rows) + "\n"
