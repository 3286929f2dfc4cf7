"""Dashboard vs a bare Textual app, side by side in one run, in a real pty.

    .venv/bin/python bench/bench_tui.py [--rounds 5] [--idle 10]

Measures (medians over rounds, runs alternating so machine noise hits both alike):
  startup     spawn -> first full frame (output quiet for 0.3 s after the final text appears)
  key         'S' written -> the new s value on screen (our verdict bar vs the bare label)
  idle        CPU % of one core and terminal bytes/s while idling, our inventory refreshing
              every 2 s vs a bare app updating one label from psutil every second
  memory      peak RSS of the process tree
and prints Markdown tables with the ratios (ours / bare).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from pty_harness import PY, start  # noqa: E402

HERE = Path(__file__).parent
CANDIDATE = """name = "bench"
[scaling]
s = 0.05
c = 0.002
[machine]
reference = "dgx-h100"
"""


def ours(size, tmp: Path):
    cand = tmp / "bench.toml"
    cand.write_text(CANDIDATE)
    return start([PY, "-m", "capstone_tui", str(cand), "--export-dir", str(tmp / "out")], *size)


def bare(size, live: bool):
    return start([PY, str(HERE / "bare_app.py")] + (["--psutil"] if live else []), *size)


def startup_and_key(size, rounds: int, tmp: Path) -> dict[str, list[float]]:
    res: dict[str, list[float]] = {"ours_start": [], "bare_start": [], "ours_key": [], "bare_key": [],
                                   "ours_rss": [], "bare_rss": [], "ours_plot": []}
    for _ in range(rounds):
        for name in ("ours", "bare"):
            sess = ours(size, tmp) if name == "ours" else bare(size, live=False)
            try:
                sess.wait_for(b"p*=" if name == "ours" else b"READY")
                res[f"{name}_start"].append(sess.settle(quiet=0.3))
                if name == "ours":  # the verdict text first, then the replotted curve's title
                    text, plot = sess.key_to_texts(b"S", (b"s=0.06", b"1/s = 16.7x"))
                    res["ours_key"].append(text)
                    res["ours_plot"].append(plot)
                else:
                    res["bare_key"].append(sess.key_to_text(b"S", b"s=0.06"))
                sess.settle(quiet=0.3)
                res[f"{name}_rss"].append(sess.peak_rss / 2**20)
            finally:
                sess.close()
    return res


def idle(size, seconds: float, tmp: Path) -> dict[str, tuple[float, float]]:
    out = {}
    for name in ("ours", "bare"):
        sess = ours(size, tmp) if name == "ours" else bare(size, live=True)
        try:
            sess.wait_for(b"p*=" if name == "ours" else b"READY")
            sess.settle(quiet=0.5)
            out[name] = sess.idle(seconds)
        finally:
            sess.close()
    return out


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--idle", type=float, default=10.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        r = startup_and_key((120, 40), args.rounds, tmp)
        print(f"Startup and key latency at 120x40, medians of {args.rounds} alternating runs")
        print()
        print("| measure | capstone-tui | bare Textual | ratio | target |")
        print("|---|---:|---:|---:|---:|")
        for label, key, unit, scale, target in (
            ("spawn to first full frame", "start", "ms", 1000, "<= 1.3x"),
            ("key 'S' to new s on screen (verdict text)", "key", "ms", 1000, "<= 1.5x"),
            ("key 'S' to replotted curve on screen", "plot", "ms", 1000, "(no bare equivalent)"),
            ("peak RSS", "rss", "MiB", 1, "< 100 MB"),
        ):
            a, b = med(r[f"ours_{key}"]), med(r[f"bare_{key if key != 'plot' else 'key'}"])
            print(f"| {label} | {a * scale:.0f} {unit} | {b * scale:.0f} {unit} | {a / b:.2f}x | {target} |")
        print()
        print(f"Idle for {args.idle:.0f} s after settling (ours: inventory refresh every 2 s; bare: psutil label every 1 s)")
        print()
        print("| size | capstone-tui CPU | bare CPU | ratio | capstone-tui bytes/s | bare bytes/s | ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for size in ((120, 40), (80, 24)):
            res = idle(size, args.idle, tmp)
            (oc, ob), (bc, bb) = res["ours"], res["bare"]
            print(f"| {size[0]}x{size[1]} | {oc:.2f} % | {bc:.2f} % | {oc / bc if bc else float('inf'):.2f}x | "
                  f"{ob:.0f} | {bb:.0f} | {ob / bb if bb else float('inf'):.2f}x |")


if __name__ == "__main__":
    main()
