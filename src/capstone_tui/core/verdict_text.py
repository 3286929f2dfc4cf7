"""One verdict voice: every sentence the faces show about the gates and the decision.

The verdict bar, the tree, `assess`, `export` and `compare` all take their words from here, so
the speedup test alone is always called "gate 2" (the justification test; gate 1 is clearing a
ceiling, as in core/assessment.py) and never reads as the decision, a poor efficiency is always
said, and the knee (the right number of machines) is always given with its numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from capstone_tui.core.scaling import (
    DISTRIBUTE, GEO_FACTOR, KNEE_FRACTION, MIN_SPEEDUP, Justification, Knee, LinkResult, parallel_time, speedup)
from capstone_tui.core.units import binary_bytes

if TYPE_CHECKING:
    from capstone_tui.core.ceilings import Ceiling

EFFICIENCY_WARN = 0.5  # below this E(p*), the verdict says where the workers' time goes
GATE1 = "the ceiling test (gate 1)"
GATE2 = "the justification test (gate 2)"
S_MEANING = "s: serial fraction of one machine's time"
C_MEANING = "c: cost of each added worker, as a fraction of one machine's time"
P_STAR_MEANING = "p*: the worker count with the best speedup S(p) in 1..pmax"
KNEE_MEANING = f"knee: the smallest p with S(p) >= {KNEE_FRACTION:g} S(p*)"
BYTES_CONVENTION = ("memory (RAM, GPU, and what is compared with them) in binary units, GiB = 2^30 B, "
                    "as the kernel and nvidia-smi count; disks and downloads in decimal units, GB = 10^9 B")

FIELD_MEANINGS = {  # what each tuned input means, where it is typed (the inputs screen's tooltips)
    "scaling.s": "serial fraction: the share of one machine's time that cannot be split, in [0, 1]",
    "scaling.c": "the cost of each added worker, as a fraction of one machine's time, >= 0",
    "scaling.pmax": "the largest worker count considered; p* is the best p in 1..pmax",
}

# what to give for a ceiling that is not assessed (candidate keys; `i` edits them)
INPUTS_NEEDED = {
    "data": "data.bytes or a dataset (pane 4 sizes it)",
    "model": "model.params",
    "throughput": "serving.rate_rps + capacity_rps, or latency_s + latency_slo_s",
    "coordination": "agents.count",
}
INPUTS_KEY = "i"


def pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def cursor_readout(j: Justification, p: int, *, show_geo: bool = True) -> str:
    """`p=12  S=6.74x  E=56%` (and the geo link's S and E), with p* and the knee named."""
    s_p = speedup(j.s, p, j.c)
    text = f"p={p}  S={s_p:.2f}x  E={pct(s_p / p)}"
    if show_geo:
        g = speedup(j.s, p, j.geo.c)
        text += f"  geo S={g:.2f}x E={pct(g / p)}"
    marks = [name for name, at in (("p*", j.p_star), ("knee", j.knee.p)) if at == p]
    if marks:
        text += "  (" + ", ".join(marks) + ")"
    return text


def knee_text(k: Knee) -> str:
    return f"knee p={k.p}: S={k.speedup:.2f}x E={pct(k.efficiency)}"


def link_text(label: str, link: LinkResult) -> str:
    """One link of gate 2, its own verdict written as pass/fail of that gate only."""
    ok = "pass" if link.verdict == DISTRIBUTE else "fail"
    return f"{label} p*={link.p_star} S(p*)={link.speedup:.2f}x E(p*)={pct(link.efficiency)} {ok}"


def gate2_line(j: Justification) -> str:
    """Gate 2 on both links, labelled so it never reads as the decision."""
    return (f"{GATE2}, speedup alone: " + link_text("datacenter", j.fast) + "; "
            + link_text(f"geo {GEO_FACTOR:g}c", j.geo) + "; " + knee_text(j.knee))


def efficiency_note(s: float, c: float, p: int) -> str | None:
    """Exercise 41.1.3: at E(p) < 50 %, how many of the p workers do useful work, where the rest goes."""
    value = speedup(s, p, c)
    eff = value / p
    if p <= 1 or eff >= EFFICIENCY_WARN:
        return None
    t = parallel_time(s, c, p)
    idle_serial = s * (p - 1) / (p * t)  # the other p - 1 workers wait through the serial part
    comm = c * (p - 1) / t  # every worker pays the communication term
    where = f"waiting through the serial part ({pct(idle_serial)})"
    if comm >= 0.005:
        where += f" and communicating ({pct(comm)})"
    return (f"E(p*)={pct(eff)}: of the {p} workers only {value:.1f} workers' worth do useful work; "
            f"the rest of their time goes to {where}")


def margin_text(c: Ceiling) -> str:
    """'2.2x one node's usable RAM' / '1.6x one accelerator's usable memory'."""
    if c.margin is None or c.unit == "agents":
        return ""
    where = {"per accelerator": "one accelerator's usable memory", "usable RAM": "one node's usable RAM",
             "per server": "one server's budget", "target": "the latency target"}.get(
        c.limit_name, c.limit_name or "the limit")
    return f"{c.margin:.2g}x {where}" if c.margin >= 0.01 else f"under 0.01x {where}"


def memory_bytes(value: float | None) -> str:
    """Bytes compared with memory, in the dashboard's one convention for memory (binary)."""
    return binary_bytes(value)


# what a limit is per: one node's RAM, one accelerator's memory, one server's rate
LIMIT_WORDS = {"usable RAM": "usable RAM per node", "usable RAM (no GPU)": "usable RAM per node (no GPU)"}


def quantity_vs_limit(c: Ceiling) -> str:
    """'3.6 TiB vs 1.8 TiB usable RAM per node': both sides in one unit (memory: binary)."""
    if c.unit == "bytes" and c.assessed and c.quantity is not None and c.limit is not None:
        limit = LIMIT_WORDS.get(c.limit_name, c.limit_name)
        return f"{memory_bytes(c.quantity)} vs {memory_bytes(c.limit)} {limit}".rstrip()
    return c.short


def would_clear(c: Ceiling) -> str | None:
    """For an assessed ceiling not cleared: what would clear it (Exercise 41.1.1's 'what would you change')."""
    if not c.assessed or c.cleared or c.limit is None:
        return None
    if c.unit == "bytes":
        what = "the data" if c.name == "data" else "the model's memory"
        return f"would clear above {memory_bytes(c.limit)} ({what})"
    if c.unit == "req/s":
        return f"would clear above {c.limit:.3g} req/s"
    if c.unit == "s":
        return f"would clear if one request took over {c.limit:g} s"
    if c.unit == "agents":
        return "would clear with 2 or more interacting agents"
    return None


def not_assessed_hint(c: Ceiling) -> str:
    why = c.detail.get("reason", "inputs missing")
    if "machine" in why:
        return f"{why} (m: another machine)"
    return f"give {INPUTS_NEEDED.get(c.name, 'its inputs')} (press {INPUTS_KEY})"


def _pays(j: Justification, lead: str = "best speedup") -> str:
    return f"{lead} {j.speedup:.2f}x at p* = {j.p_star} for s = {j.s:g}, c = {j.c:g}"


def decision_reason(ceilings: Sequence[Ceiling], route: Any, j: Justification) -> str:
    """One plain sentence naming the failing gate(s), with the numbers, the efficiency and the knee."""
    pays = j.verdict == DISTRIBUTE
    missing = [c.name for c in ceilings if not c.assessed]
    k = j.knee
    note = efficiency_note(j.s, j.c, j.p_star) if pays else None
    tail = (f" {note}." if note else "") + (f" The right number of machines: {knee_text(k)}." if pays else "")
    if route.ceiling is not None:
        first = next(c for c in ceilings if c.name == route.ceiling)
        margin = margin_text(first)
        gate1 = f"it clears the {first.name} ceiling" + (f" ({margin})" if margin else "")
        if pays:
            return f"Distribute: {gate1} and distributing pays, {_pays(j)}, above {MIN_SPEEDUP}x.{tail}"
        return (f"Stay single-machine: {gate1}, but the justification test fails (gate 2), "
                f"{_pays(j)}, which needs more than {MIN_SPEEDUP}x with p* > 1.")
    if len(missing) == len(ceilings):
        gate1 = (f"{GATE1} is not assessed: all four ceilings lack their inputs, so nothing shows "
                 f"that one machine runs out")
    elif missing:
        assessed = len(ceilings) - len(missing)
        gate1 = (f"it clears none of the {assessed} ceiling{'s' if assessed > 1 else ''} assessed "
                 f"({', '.join(missing)} not assessed: inputs missing), so one machine is enough as far as is known")
    else:
        gate1 = "it clears none of the four ceilings, so one machine is enough"
    if pays:
        return (f"Stay single-machine: {gate1}, even though {GATE2} alone would pass with a "
                f"{_pays(j, 'best speedup of')}.{tail}")
    return (f"Stay single-machine: {gate1}, and the justification test fails too (gate 2), with a "
            f"{_pays(j, 'best speedup of')}.")


def gates_short(gate1: bool, gate2: bool) -> str:
    return f"gate 1 {'pass' if gate1 else 'fail'}, gate 2 {'pass' if gate2 else 'fail'}"
