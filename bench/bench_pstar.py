"""Closed-form p* against the seed's brute force, side by side in one run.

    .venv/bin/python bench/bench_pstar.py [--cases N] [--pmax 4096]
    .venv/bin/python bench/bench_pstar.py --quick     # 40 cases, one timing round each

Checks that both give identical (p*, S(p*)) on every case (exit 1 on any mismatch), then times
each per call (best of 5 rounds) and prints the ratio as a Markdown table row.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from capstone_tui.core.scaling import best_p, best_p_bruteforce


def cases(n: int, seed: int = 1) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        s = rng.choice([rng.random(), rng.random() ** 3, round(rng.random(), 2)])
        c = rng.choice([10 ** rng.uniform(-6, -1), round(rng.random() * 0.05, 3)])
        out.append((s, c))
    return out


def per_call(fn, grid, pmax: int, rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for s, c in grid:
            fn(s, c, pmax)
        best = min(best, (time.perf_counter() - t0) / len(grid))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--pmax", type=int, default=4096)
    ap.add_argument("--quick", action="store_true", help="40 cases, one timing round each")
    args = ap.parse_args()
    if args.quick:
        args.cases = 40
    grid = cases(args.cases)
    mismatches = sum(best_p(s, c, args.pmax) != best_p_bruteforce(s, c, args.pmax) for s, c in grid)
    fast = per_call(best_p, grid, args.pmax, rounds=1 if args.quick else 5)
    slow = per_call(best_p_bruteforce, grid, args.pmax, rounds=1 if args.quick else 2)
    print("| cases | pmax | mismatches | closed form per call | brute force per call | speed-up |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"| {len(grid)} | {args.pmax} | {mismatches} | {fast * 1e6:.2f} µs | {slow * 1e3:.2f} ms | {slow / fast:,.0f}x |")
    if mismatches:
        sys.exit(f"bench_pstar: {mismatches} case(s) where the closed form and the brute force disagree")


if __name__ == "__main__":
    main()
