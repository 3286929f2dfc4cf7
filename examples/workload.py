#!/usr/bin/env python3
"""A sleep-based workload with a known serial fraction s and per-worker cost c, for `probe`.

One run with P ranks takes T(P) = serial + parallel/P + comm (P - 1), so with
T1 = serial + parallel:  T(P)/T1 = s + (1 - s)/P + c (P - 1),  s = serial/T1, c = comm/T1.

Every rank runs this file. Rank 0 does the serial part while the others wait for it (a file
barrier); every rank then sleeps parallel/P and comm per peer; all meet at a final barrier.
Rank and size come from `--rank`/`--size` (or a bare SIZE argument, e.g. `workload.py {p}`),
else from the launcher's environment (Slurm, torchrun, Open MPI, PMI, or the probe's
PROBE_RANK/PROBE_SIZE). The barrier folder is `--sync` or PROBE_SYNC_DIR, which
`capstone-tui probe` creates fresh for every run.

    capstone-tui probe --launcher local --workers 1,2,3,4,6,8 -- \\
        python examples/workload.py --rank {rank} --size {p}
"""

from __future__ import annotations

import argparse
import os
import sys
import time

RANK_VARS = ("PROBE_RANK", "SLURM_PROCID", "RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK")
SIZE_VARS = ("PROBE_SIZE", "SLURM_NTASKS", "WORLD_SIZE", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE")
BARRIER_TIMEOUT_S = 300.0


def env_int(names: tuple[str, ...], default: int) -> int:
    for name in names:
        value = os.environ.get(name, "")
        if value.strip():
            return int(value)
    return default


def wait_for(path: str) -> None:
    deadline = time.monotonic() + BARRIER_TIMEOUT_S
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"barrier file never appeared: {path}")
        time.sleep(0.002)  # 2 ms polling: small next to the phases, light on the CPU


def touch(path: str) -> None:
    with open(path + ".tmp", "w", encoding="ascii") as handle:
        handle.write(str(os.getpid()))
    os.replace(path + ".tmp", path)  # atomic: a waiter never sees a half-written file


def run_rank(rank: int, size: int, serial: float, parallel: float, comm: float, sync: str) -> None:
    if rank == 0:
        time.sleep(serial)
        touch(os.path.join(sync, "serial.done"))
    else:
        wait_for(os.path.join(sync, "serial.done"))
    time.sleep(parallel / size)
    time.sleep(comm * (size - 1))  # one exchange with each peer
    touch(os.path.join(sync, f"rank{rank}.done"))
    for peer in range(size):
        wait_for(os.path.join(sync, f"rank{peer}.done"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size_arg", nargs="?", type=int, metavar="SIZE", help="number of ranks")
    parser.add_argument("--serial", type=float, default=0.4, help="serial seconds [0.4]")
    parser.add_argument("--parallel", type=float, default=1.6, help="parallel seconds at P = 1 [1.6]")
    parser.add_argument("--comm", type=float, default=0.06, help="seconds per peer [0.06]")
    parser.add_argument("--rank", type=int, default=None)
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--sync", default=os.environ.get("PROBE_SYNC_DIR"))
    args = parser.parse_args(argv)
    size = args.size or args.size_arg or env_int(SIZE_VARS, 1)
    rank = args.rank if args.rank is not None else env_int(RANK_VARS, 0)
    if not args.sync:
        parser.error("need --sync DIR or PROBE_SYNC_DIR (a folder every rank can see)")
    if not 0 <= rank < size:
        parser.error(f"rank {rank} is outside [0, {size})")
    run_rank(rank, size, args.serial, args.parallel, args.comm, args.sync)
    return 0


if __name__ == "__main__":
    sys.exit(main())
