"""The time-to-solution view of the chart: run time t1/S(p) at every p, Slurm's queue wait only
where Slurm was asked, and the words that say what is known and what is not.

Pure: it reads the candidate and the `when` JSON the dashboard holds (core/time_to_solution.py
via session.queue_if_due) and returns values; the pane draws them. The wait is never
interpolated: it is known at the probed worker counts only. Cost is Slurm's (or the [cost]
prices') rate per worker-hour, the same at every p, so it is exact at any p:
cost(p) = rate x p x run(p) / 3600.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from capstone_tui.core.candidate import Candidate
from capstone_tui.core.machine import slurm_partition
from capstone_tui.core.scaling import speedup
from capstone_tui.core.time_to_solution import duration_text, short_cost_unit

# (symbol on the ticks, seconds per unit, upper bound in seconds where it is still chosen), as duration_text
TIME_UNITS = (("s", 1.0, 120.0), ("min", 60.0, 2 * 3600.0), ("h", 3600.0, 2 * 86400.0), ("d", 86400.0, float("inf")))
T1_HINT = "press i and give scaling.t1_s (one worker's wall time, seconds)"


@dataclass(frozen=True)
class Probed:
    """One worker count Slurm answered for."""

    p: int
    wait_s: float
    run_s: float
    finish_s: float
    cost: float
    start: str


@dataclass(frozen=True)
class TimeView:
    """What the time plot can say: t1 (None: unknown), the probed sizes, the cost rate, why not more."""

    s: float
    c: float
    t1_s: float | None
    probed: tuple[Probed, ...]
    queue_note: str  # what is known of the queue, or plainly why nothing is
    rate_per_worker_hour: float | None = None
    cost_unit: str = ""
    fastest: int | None = None
    partition: str | None = None

    def run_s(self, p: float) -> float:
        """Run time at p in seconds (in units of t1 when t1 is unknown)."""
        return (self.t1_s or 1.0) / speedup(self.s, p, self.c)  # type: ignore[arg-type]

    def at(self, p: int) -> Probed | None:
        return next((o for o in self.probed if o.p == p), None)

    def cost(self, p: int) -> float | None:
        if self.rate_per_worker_hour is None or self.t1_s is None:
            return None
        return self.rate_per_worker_hour * p * self.run_s(p) / 3600.0


def time_view(candidate: Candidate, queue: dict[str, Any] | None) -> TimeView:
    """The view for this candidate and its queue answer (None: not asked, or not for this candidate)."""
    sc = candidate.scaling

    def unknown(note: str, partition: str | None = None) -> TimeView:
        return TimeView(sc.s, sc.c, sc.t1_s, (), note, partition=partition)

    if sc.t1_s is None:
        return unknown(f"queue unknown: no t1_s (run time in units of t1); {T1_HINT}")
    partition = slurm_partition(candidate.machine)
    if partition is None:
        return unknown(f"queue unknown: reference {candidate.machine} is not a Slurm partition "
                       "(m: cycle the reference machine)")
    if queue is None:
        return unknown(f"queue unknown: waiting for Slurm's answer for partition {partition}", partition)
    if "options" not in queue:
        state, why = queue.get("state") or "no answer", queue.get("message") or "Slurm gave no options"
        return unknown(f"queue unknown ({state}): {why}", partition)
    probed = tuple(Probed(o["p"], o["wait_s"], o["run_s"], o["finish_s"], o["cost"], o["start"])
                   for o in queue["options"])
    rate = next((o.cost / (o.p * o.run_s / 3600.0) for o in probed if o.run_s > 0), None)
    where = ",".join(str(o.p) for o in probed) or "none"
    note = f"Slurm ({partition}) at p={where} only"
    left = [str(x["p"]) for x in queue.get("left_out", [])]
    if left:
        note += f"; left out p={','.join(left)} (see `capstone-tui when`)"
    fastest = queue.get("fastest")
    return TimeView(sc.s, sc.c, sc.t1_s, probed, note, rate_per_worker_hour=rate,
                    cost_unit=short_cost_unit(queue.get("cost_unit", "")), partition=partition,
                    fastest=fastest["p"] if fastest else None)


def time_unit(top_s: float) -> tuple[str, float]:
    """The unit the axis is drawn in for values up to `top_s` seconds: (name, seconds per unit)."""
    for name, per, bound in TIME_UNITS:
        if top_s < bound:
            return name, per
    return TIME_UNITS[-1][0], TIME_UNITS[-1][1]


def time_readout(view: TimeView, p: int) -> str:
    """The cursor's line: wait + run = finish and cost at p, each said only where it is known."""
    if view.t1_s is None:
        return f"p={p}  run = {view.run_s(p):.3g} x t1 (t1 unknown: {T1_HINT})"
    run = duration_text(view.run_s(p))
    cost = view.cost(p)
    cost_text = f"  cost {cost:.3g} {view.cost_unit}".rstrip() if cost is not None else ""
    known = view.at(p)
    mark = "  (fastest to finish)" if view.fastest == p else ""
    if known is not None:
        return (f"p={p}  wait {duration_text(known.wait_s)} + run {run} = finish {duration_text(known.finish_s)}"
                f"{cost_text}{mark}")
    if view.probed:
        asked = ",".join(str(o.p) for o in view.probed)
        return f"p={p}  run {run}{cost_text}  wait: not asked at this p (Slurm answered for p={asked})"
    return f"p={p}  run {run}{cost_text}  wait unknown ({view.queue_note})"
