"""Dashboard vs a bare Textual app, side by side in one run, in a real pty.

    .venv/bin/python bench/bench_tui.py [--rounds 5] [--idle 10]
    .venv/bin/python bench/bench_tui.py --quick      # one round, 2 s idle: a smoke run (~30 s)

Measures (medians over rounds, runs alternating so machine noise hits both alike):
  first       spawn -> the first frame that draws `p*` (the dashboard's first paint)
  startup     spawn -> first full frame (output quiet for 0.3 s after `p*` first appears)
  key         'S' written -> the new s value (the number 0.06) in new output
  repaint     'S' written -> the last byte before the output stays quiet for 0.3 s: the final
              repaint, curve included, whatever the chart and legend say
  idle        CPU % of one core and terminal bytes/s while idling, our inventory refreshing
              every 2 s vs a bare app updating one label from psutil every second
  memory      peak RSS of the process tree
and prints Markdown tables with the ratios (ours / bare). Nothing waits on chart or legend
wording: after the first round the dashboard exports (key `e`) and the benchmark reads s from
the snapshot JSON, so a key that did not do what was timed breaks the run (exit 1).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from pty_harness import PY, Session, start  # noqa: E402

HERE = Path(__file__).parent
CANDIDATE = """name = "bench"
[scaling]
s = 0.05
c = 0.002
[machine]
reference = "dgx-h100"
"""
FIRST_FRAME = b"p*"  # the verdict's p*: drawn in the first frame, whatever the wording around it
S_AFTER_KEY = 0.06  # 'S' raises s by 0.01 from the candidate's 0.05
QUIET_REFRESH = "3600"  # startup/key runs: no inventory repaint lands inside a timed window


def ours(size, tmp: Path, refresh: str | None = QUIET_REFRESH) -> Session:
    cand = tmp / "bench.toml"
    cand.write_text(CANDIDATE)
    argv = [PY, "-m", "capstone_tui", str(cand), "--export-dir", str(tmp / "out")]
    return start(argv + (["--refresh", refresh] if refresh else []), *size)


def bare(size, live: bool) -> Session:
    return start([PY, str(HERE / "bare_app.py")] + (["--psutil"] if live else []), *size)


def exported_s(sess: Session, out: Path, timeout: float = 20.0) -> float:
    """Press `e` and read s back from the snapshot JSON the dashboard writes."""
    before = set(out.glob("*.json")) if out.is_dir() else set()
    sess.key_to_quiet(b"e", b"", quiet=0.3)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = (set(out.glob("*.json")) if out.is_dir() else set()) - before
        if new:
            time.sleep(0.1)  # written whole (atomic rename) or about to be
            return float(json.loads(new.pop().read_text())["candidate"]["scaling"]["s"])
        sess.read(0.05)
    raise TimeoutError(f"no snapshot JSON appeared in {out} after key 'e'")


def startup_and_key(size, rounds: int, tmp: Path) -> dict[str, list[float]]:
    res: dict[str, list[float]] = {"ours_first": [], "bare_first": [], "ours_start": [], "bare_start": [],
                                   "ours_key": [], "bare_key": [],
                                   "ours_rss": [], "bare_rss": [], "ours_repaint": [], "bare_repaint": []}
    needle = f"{S_AFTER_KEY:.2f}".encode()
    for round_no in range(rounds):
        for name in ("ours", "bare"):
            sess = ours(size, tmp) if name == "ours" else bare(size, live=False)
            try:
                res[f"{name}_first"].append(sess.wait_for(FIRST_FRAME if name == "ours" else b"READY"))
                res[f"{name}_start"].append(sess.settle(quiet=0.3))
                key, repaint = sess.key_to_quiet(b"S", needle, quiet=0.3)
                res[f"{name}_key"].append(key)
                res[f"{name}_repaint"].append(repaint)
                res[f"{name}_rss"].append(sess.peak_rss / 2**20)
                if name == "ours" and round_no == 0:
                    s = exported_s(sess, tmp / "out")
                    if abs(s - S_AFTER_KEY) > 1e-9:
                        raise SystemExit(f"bench_tui: after 'S' the export says s={s}, expected {S_AFTER_KEY}")
            finally:
                sess.close()
    return res


def idle(size, seconds: float, tmp: Path) -> dict[str, tuple[float, float]]:
    out = {}
    for name in ("ours", "bare"):
        sess = ours(size, tmp, refresh=None) if name == "ours" else bare(size, live=True)
        try:
            sess.wait_for(FIRST_FRAME if name == "ours" else b"READY")
            sess.settle(quiet=0.5)
            out[name] = sess.idle(seconds)
        finally:
            sess.close()
    return out


def compile_package() -> None:
    """Bytecode for our package, as a wheel install has it (pip compiles at install time) and as a
    second start has it. Without this, an environment with PYTHONDONTWRITEBYTECODE=1 (these
    machines) compiles every module of ours from source at each start, while Textual's arrive
    compiled: about 25 ms of the startup gap was that, not the dashboard."""
    import compileall

    import capstone_tui

    compileall.compile_dir(str(Path(capstone_tui.__file__).parent), quiet=1)


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--idle", type=float, default=10.0)
    ap.add_argument("--quick", action="store_true", help="one round and 2 s of idling: a smoke run")
    args = ap.parse_args()
    if args.quick:
        args.rounds, args.idle = 1, 2.0
    compile_package()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        r = startup_and_key((120, 40), args.rounds, tmp)
        print(f"Startup and key latency at 120x40, medians of {args.rounds} alternating runs")
        print()
        print("| measure | capstone-tui | bare Textual | ratio | target |")
        print("|---|---:|---:|---:|---:|")
        for label, key, unit, scale, target in (
            ("spawn to the first frame (p* drawn)", "first", "ms", 1000, "none"),
            ("spawn to first full frame (then quiet for 0.3 s)", "start", "ms", 1000, "<= 1.3x"),
            ("key 'S' to new s on screen", "key", "ms", 1000, "<= 1.5x"),
            ("key 'S' to the last repaint (curve replotted)", "repaint", "ms", 1000, "none"),
            ("peak RSS", "rss", "MiB", 1, "< 100 MB"),
        ):
            a, b = med(r[f"ours_{key}"]), med(r[f"bare_{key}"])
            digits = 1 if unit == "ms" and max(a, b) * scale < 100 else 0  # a few ms: say the tenths
            print(f"| {label} | {a * scale:.{digits}f} {unit} | {b * scale:.{digits}f} {unit} | {ratio(a, b)} | {target} |")
        print()
        print(f"Idle for {args.idle:.0f} s after settling (ours: inventory refresh every 2 s; bare: psutil label every 1 s)")
        print()
        print("| size | capstone-tui CPU | bare CPU | ratio | capstone-tui bytes/s | bare bytes/s | ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for size in ((120, 40), (80, 24)):
            res = idle(size, args.idle, tmp)
            (oc, ob), (bc, bb) = res["ours"], res["bare"]
            print(f"| {size[0]}x{size[1]} | {oc:.2f} % | {bc:.2f} % | {ratio(oc, bc)} | "
                  f"{ob:.0f} | {bb:.0f} | {ratio(ob, bb)} |")


if __name__ == "__main__":
    main()
