"""Benchmark: sizing a generated ~1 GB parquet folder with `capstone_tui.probes.datasets`
against `datasets.load_dataset(...)` reading it to count rows. Writes a markdown snippet to
stdout.

Each side runs in a fresh interpreter (so import costs are visible and neither warms the
other's imports); bytes read are the process's `rchar` from /proc/self/io (every byte returned
by read(2)/pread(2), page cache hits included) around the call only. The page cache is warm
for both sides (the files were just written). Run: `.venv/bin/python bench/bench_sizer.py
[--gb 1.0] [--dir DIR] [--keep]`, or `--quick` (20 MB, one sizer run) for a smoke run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

PROBE = """
import json, sys, time
def rchar():
    with open("/proc/self/io") as f:
        return int(next(l for l in f if l.startswith("rchar")).split()[1])
t0 = time.perf_counter()
from capstone_tui.probes.datasets import size_dataset
import pyarrow.parquet, yaml  # the lazy imports the call would make (datasets' side imports them too)
t1 = time.perf_counter(); r0 = rchar()
result = size_dataset(sys.argv[1])
r1 = rchar(); t2 = time.perf_counter()
config = result.configs[0]
print(json.dumps({"rows": config.num_examples, "arrow_bytes": config.dataset_size, "how": config.how,
                  "call_s": t2 - t1, "total_s": t2 - t0, "read": r1 - r0}))
"""

LOAD = """
import json, os, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"; os.environ["HF_DATASETS_OFFLINE"] = "1"
def rchar():
    with open("/proc/self/io") as f:
        return int(next(l for l in f if l.startswith("rchar")).split()[1])
t0 = time.perf_counter()
import datasets
datasets.disable_progress_bars()
t1 = time.perf_counter(); r0 = rchar()
ds = datasets.load_dataset(sys.argv[1], split="train", cache_dir=sys.argv[2])
rows = ds.num_rows
r1 = rchar(); t2 = time.perf_counter()
print(json.dumps({"rows": rows, "arrow_bytes": ds.data.nbytes, "call_s": t2 - t1, "total_s": t2 - t0,
                  "read": r1 - r0}))
"""


def generate(folder: Path, target_bytes: float) -> tuple[int, int]:
    """Parquet shards (HF names, snappy, 10k-row groups) of generated text until ~target bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from support.sizer_data import text_table

    (folder / "data").mkdir(parents=True, exist_ok=True)
    chunk = text_table(400_000, 11)
    shard, written, rows = 0, 0, 0
    paths = []
    while written < target_bytes:
        ids = pa.array(range(rows, rows + chunk.num_rows), pa.int64())
        part = chunk.set_column(0, "id", ids)
        path = folder / "data" / f"train-{shard:05d}.parquet"
        pq.write_table(part, path, row_group_size=10_000)
        written += path.stat().st_size
        rows += part.num_rows
        paths.append(path)
        shard += 1
    total = len(paths)
    for i, path in enumerate(paths):  # the final HF shard names need the count
        path.rename(folder / "data" / f"train-{i:05d}-of-{total:05d}.parquet")
    return rows, written


def run(script: str, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env,
                          timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=1.0, help="parquet bytes to generate, in GB (1e9) [1.0]")
    parser.add_argument("--dir", type=Path, help="work folder (default: a new tmp dir, removed after)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--quick", action="store_true", help="20 MB and one sizer run: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.gb = 0.02
    work = args.dir or Path(tempfile.mkdtemp(prefix="bench-sizer-"))
    try:
        started = time.perf_counter()
        rows, on_disk = generate(work / "parquet", args.gb * 1e9)
        gen_s = time.perf_counter() - started
        sizer = [run(PROBE, str(work / "parquet")) for _ in range(1 if args.quick else 3)]
        best = min(sizer, key=lambda r: r["call_s"])
        load = run(LOAD, str(work / "parquet"), str(work / "hf-cache"))
        if not best["rows"] == load["rows"] == rows:
            raise SystemExit(f"bench_sizer: row counts differ: sizer {best['rows']}, load_dataset {load['rows']}, "
                             f"written {rows}")
        print(f"### Dataset sizer vs `datasets.load_dataset` ({on_disk / 1e9:.2f} GB parquet, {rows:,} rows)\n")
        print(f"Generated {len(list((work / 'parquet' / 'data').glob('*.parquet')))} snappy parquet shards "
              f"in {gen_s:.0f} s (10k-row groups, heavy-tailed text); warm page cache; "
              f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs.\n")
        print("| method | rows | in-memory bytes | call time | with imports | bytes read (rchar) | share of files |")
        print("|---|---|---|---|---|---|---|")
        for label, r, how in ((f"capstone-tui sizer (best of {len(sizer)})", best, best["how"]),
                              ("datasets.load_dataset + num_rows", load, "exact (Arrow table)")):
            print(f"| {label} | {r['rows']:,} | {r['arrow_bytes'] / 2**30:.3f} GiB ({how}) | {r['call_s']:.3f} s | "
                  f"{r['total_s']:.2f} s | {r['read'] / 1e6:.2f} MB | {100 * r['read'] / on_disk:.3f} % |")
        speed = load["call_s"] / best["call_s"]
        err = best["arrow_bytes"] / load["arrow_bytes"] - 1
        print(f"\nSpeed-up of the call: {speed:,.0f}x (target >= 100x); sizer read "
              f"{100 * best['read'] / on_disk:.3f} % of the file bytes (target < 1 %); sizer's "
              f"in-memory estimate vs the loaded Arrow table: {100 * err:+.2f} %.")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
