"""Parsing a large cluster's `sinfo -N -O` (generated: 10,000 nodes, ~20,000 lines) into live
partition capacity, and 2,000 `squeue --me` rows; the bound is 200 ms for the sinfo parse.

    .venv/bin/python bench/bench_sinfo.py [--nodes 10000] [--rounds 5]
    .venv/bin/python bench/bench_sinfo.py --quick     # one round

Prints a Markdown table (best of the rounds); exits 1 when the sinfo parse passes 200 ms.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.sinfo_text import capacity_text, squeue_text  # noqa: E402

from capstone_tui.core.inventory.partitions import parse_capacity, parse_squeue  # noqa: E402

BOUND_S = 0.200


def best_of(fn, text: str, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="one round")
    args = ap.parse_args()
    rounds = 1 if args.quick else args.rounds
    text, _ = capacity_text(args.nodes)
    jobs = squeue_text()
    cap = best_of(parse_capacity, text, rounds)
    queue = best_of(parse_squeue, jobs, rounds)
    print("| input | lines | bytes | parse (best of %d) | bound |" % rounds)
    print("|---|---:|---:|---:|---:|")
    print(f"| sinfo -N -O, {args.nodes:,} nodes | {text.count(chr(10)):,} | {len(text):,} | {cap * 1e3:.1f} ms | 200 ms |")
    print(f"| squeue --me, 2,000 jobs | {jobs.count(chr(10)):,} | {len(jobs):,} | {queue * 1e3:.1f} ms | - |")
    if cap > BOUND_S:
        sys.exit(f"bench_sinfo: parsing {args.nodes} nodes took {cap * 1e3:.0f} ms (> 200 ms)")


if __name__ == "__main__":
    main()
