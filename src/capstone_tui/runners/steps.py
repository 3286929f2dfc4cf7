"""The scaling probe: time a command at several worker counts through a launcher.

Per p: one warm-up launch of the zero-work baseline command, `repeats` baseline launches
(their minimum B(p) is the launcher's own cost at p), then `repeats` launches of the user's
command. Each measured run is appended to the CSV at once (so Ctrl-C keeps it) as
`p,time,raw_time,baseline,repeat,launcher` with time = raw_time - B(p): `fit` reads it.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from typing import Callable, Sequence

from capstone_tui.runners.launchers import CommandSpec, Launcher, ProbeRunError

CSV_HEADER = ("p", "time", "raw_time", "baseline", "repeat", "launcher")
BASELINE_SHARE_WARN = 0.10  # engines.md: warn when B(p) is more than ~10 % of T(p)


@dataclass(frozen=True)
class ProbeOutcome:
    """What was measured: rows written, baselines, start-up costs, stop reason, warnings."""

    csv_path: str
    rows: tuple[tuple[int, float, float, float, int], ...]  # p, time, raw, baseline, repeat
    baselines: tuple[tuple[int, float], ...]
    startup_s: tuple[tuple[int, float], ...]
    interrupted: bool
    error: str | None
    warnings: tuple[str, ...]


def default_baseline(spec: CommandSpec) -> CommandSpec:
    """A zero-work command run the same way: the interpreter with no work, else `true`."""
    program = os.path.basename(spec.argv[0]) if spec.argv else ""
    if spec.shell:
        argv: tuple[str, ...] = ("true",)
    elif program.startswith("python"):
        argv = (spec.argv[0], "-c", "pass")
    else:
        argv = ("true",)
    return CommandSpec(argv=argv, shell=spec.shell, timeout_s=spec.timeout_s,
                       sync_root=spec.sync_root, extra_env=spec.extra_env)


def run_probe(launcher: Launcher, spec: CommandSpec, workers: Sequence[int], repeats: int,
              csv_path: str, baseline: CommandSpec | None,
              progress: Callable[[str], None] = lambda line: None,
              usable_cores: int | None = None) -> ProbeOutcome:
    """Measure; stop cleanly on Ctrl-C or a failed run, keeping every row already written."""
    rows: list[tuple[int, float, float, float, int]] = []
    baselines: list[tuple[int, float]] = []
    interrupted, error = False, None
    total = len(workers) * repeats
    with open(csv_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        handle.flush()
        try:
            for p in workers:
                b = 0.0
                if baseline is not None:
                    launcher.run(baseline, p)  # warm-up: page cache, cluster spin-up
                    b = min(launcher.run(baseline, p) for _ in range(repeats))
                    progress(f"p={p}: launcher baseline B(p) = {b:.3f} s (min of {repeats}, measured)")
                baselines.append((p, b))
                for r in range(1, repeats + 1):
                    raw = launcher.run(spec, p)
                    t = raw - b if raw > b else raw  # shorter than the baseline: kept uncorrected
                    rows.append((p, t, raw, b, r))
                    writer.writerow([p, repr(t), repr(raw), repr(b), r, launcher.name])
                    handle.flush()
                    progress(f"[{len(rows)}/{total}] p={p} run {r}/{repeats}: {t:.3f} s "
                             f"(raw {raw:.3f} s - baseline {b:.3f} s; measured)")
        except KeyboardInterrupt:
            interrupted = True
            progress(f"interrupted: kept {len(rows)} measured rows in {csv_path}")
        except ProbeRunError as err:
            error = str(err)
        finally:
            try:
                launcher.close()
            except Exception:  # closing a cluster must not hide what was measured
                pass
    return ProbeOutcome(csv_path=csv_path, rows=tuple(rows), baselines=tuple(baselines),
                        startup_s=tuple(sorted(launcher.startup_s.items())),
                        interrupted=interrupted, error=error,
                        warnings=_warnings(rows, baselines, usable_cores, launcher.name))


def _warnings(rows: list[tuple[int, float, float, float, int]], baselines: list[tuple[int, float]],
              usable_cores: int | None, launcher: str) -> tuple[str, ...]:
    out: list[str] = []
    heavy = sorted({p for p, t, raw, b, _ in rows if raw > 0 and b / raw > BASELINE_SHARE_WARN})
    if heavy:
        out.append("the launcher's own cost is over 10 % of the run time at p = "
                   + ", ".join(map(str, heavy)) + ": make the work longer for a trustworthy fit")
    short = sorted({p for p, _, raw, b, _ in rows if raw <= b})
    if short:
        out.append("runs at p = " + ", ".join(map(str, short)) + " took less than the launcher "
                   "baseline (kept uncorrected): the work is too short to measure")
    if launcher in ("local", "dask") and usable_cores:
        over = sorted({p for p, _ in baselines if p > usable_cores})
        if over:
            out.append(f"p = {', '.join(map(str, over))} exceeds the {usable_cores} usable cores: "
                       "valid for sleeping or waiting work only, not for CPU-bound work")
    return tuple(out)
