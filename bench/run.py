"""Run every benchmark in bench/ (each `bench_*.py`, found by name), in full or as a quick check.

    .venv/bin/python bench/run.py              # each benchmark with its own defaults (minutes)
    .venv/bin/python bench/run.py --quick      # one short round of each, under 3 min in all
    .venv/bin/python bench/run.py --only tui   # only the benchmarks whose file name holds 'tui'

Each benchmark runs as a script in a fresh interpreter, one after the other (never two at once,
so they do not disturb each other's timings), and its output is printed when it ends. Quick mode
passes `--quick`; a benchmark that needs other arguments for its quick round says so in a
module-level `QUICK_ARGS = [...]` (read from the file, not imported). A benchmark breaks when
it exits non-zero, runs past its time, or prints nothing; then this script exits 1 after the
summary, which lists every benchmark with its time and state. `scripts/test.sh` (CI) runs
`--quick` after the test suite.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK_BUDGET_S = 170.0  # the whole quick run; the bound is 3 minutes
FULL_TIMEOUT_S = 3600.0


def discover(folder: Path = HERE, only: str | None = None) -> list[Path]:
    """Every bench_*.py in `folder`, in name order (new files are picked up without listing them)."""
    return [p for p in sorted(folder.glob("bench_*.py")) if only is None or only in p.stem]


def quick_args(path: Path) -> list[str]:
    """`QUICK_ARGS` from the file when it sets one (a list of strings), else ['--quick']."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "QUICK_ARGS" for t in node.targets):
            value = ast.literal_eval(node.value)
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise SystemExit(f"{path.name}: QUICK_ARGS must be a list of strings")
            return value
    return ["--quick"]


def run_one(path: Path, args: list[str], timeout: float) -> tuple[str, float]:
    """Run one benchmark and print its output; its state ('ok' or why it broke) and seconds."""
    argv = [sys.executable, str(path), *args]
    print(f"\n## {path.name} {' '.join(args)}".rstrip(), flush=True)
    t0 = time.monotonic()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=HERE.parent)
    except subprocess.TimeoutExpired as err:
        out = err.stdout.decode(errors="replace") if isinstance(err.stdout, bytes) else (err.stdout or "")
        print(out, flush=True)
        return f"broke: still running after {timeout:.0f} s", time.monotonic() - t0
    elapsed = time.monotonic() - t0
    print(done.stdout, end="", flush=True)
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr, flush=True)
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        return f"broke: exit {done.returncode}: {last[:160]}", elapsed
    if not done.stdout.strip():
        return "broke: printed nothing", elapsed
    return "ok", elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help=f"one short round of each, {QUICK_BUDGET_S:.0f} s in all")
    ap.add_argument("--only", metavar="TEXT", help="only the benchmarks whose file name contains TEXT")
    ap.add_argument("--dir", type=Path, default=HERE, help=argparse.SUPPRESS)  # for the runner's own test
    ap.add_argument("--budget", type=float, default=QUICK_BUDGET_S, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    benches = discover(args.dir, args.only)
    if not benches:
        print(f"bench/run.py: no bench/bench_*.py matches {args.only!r}", file=sys.stderr)
        return 2
    started = time.monotonic()
    results = []
    for path in benches:
        if args.quick:
            left = args.budget - (time.monotonic() - started)
            if left < 5:
                results.append((path.name, "broke: quick budget spent before it could start", 0.0))
                continue
            state, seconds = run_one(path, quick_args(path), timeout=left)
        else:
            state, seconds = run_one(path, [], timeout=FULL_TIMEOUT_S)
        results.append((path.name, state, seconds))
    total = time.monotonic() - started
    print(f"\n## Summary ({'quick' if args.quick else 'full'}, {total:.0f} s in all)\n")
    print("| benchmark | seconds | state |")
    print("|---|---:|---|")
    for name, state, seconds in results:
        print(f"| {name} | {seconds:.1f} | {state} |")
    broken = [name for name, state, _ in results if state != "ok"]
    if broken:
        print(f"\nbench/run.py: {len(broken)} benchmark(s) broke: {', '.join(broken)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
