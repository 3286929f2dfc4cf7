"""Candidates side by side (Exercise 41.1.1 is three of them): one row each, from its assessment.

Pure: a row is built from a candidate's name and its `Assessment`; `compare --json` prints the
rows' `to_json()`, the text face prints `comparison_table`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from capstone_tui.core.assessment import Assessment
from capstone_tui.core.scaling import Knee

MAX_CANDIDATES = 64  # a bound on one comparison (each candidate is a file to read and assess)
# The decision second, so a narrow screen that cuts the right-hand columns still shows it.
COLUMNS = ("candidate", "decision", "first ceiling cleared", "axis", "p*", "S(p*)", "E(p*)", "knee")


@dataclass(frozen=True)
class ComparisonRow:
    """What decides a candidate, in one row."""

    name: str
    source: str | None
    machine: str
    ceiling: str | None  # the first ceiling cleared, in the tree's order
    axis: str | None
    cleared: tuple[str, ...]
    not_assessed: tuple[str, ...]
    p_star: int
    speedup: float
    efficiency: float
    knee: Knee
    decision: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, "machine": self.machine, "ceiling": self.ceiling,
                "axis": self.axis, "cleared": list(self.cleared), "not_assessed": list(self.not_assessed),
                "p_star": self.p_star, "speedup": self.speedup, "efficiency": self.efficiency,
                "knee": self.knee.to_json(), "decision": self.decision, "reason": self.reason}


def comparison_row(name: str, a: Assessment, source: str | None = None) -> ComparisonRow:
    j = a.justification
    return ComparisonRow(
        name=name, source=source, machine=a.machine_id, ceiling=a.route.ceiling, axis=a.route.axis,
        cleared=a.route.cleared, not_assessed=tuple(c.name for c in a.ceilings if not c.assessed),
        p_star=j.p_star, speedup=j.speedup, efficiency=j.fast.efficiency, knee=j.knee,
        decision=a.decision, reason=a.reason)


def row_cells(row: ComparisonRow) -> tuple[str, ...]:
    """The row as display strings, in COLUMNS order (the text table and the dashboard's view)."""
    if row.ceiling is not None:
        ceiling = row.ceiling
    elif row.not_assessed:
        ceiling = f"none ({len(row.not_assessed)} not assessed)"
    else:
        ceiling = "none"
    k = row.knee
    return (row.name, row.decision, ceiling, row.axis or "-", str(row.p_star), f"{row.speedup:.2f}x",
            f"{100 * row.efficiency:.0f}%", f"p={k.p} {k.speedup:.2f}x {100 * k.efficiency:.0f}%")


def comparison_table(rows: Sequence[ComparisonRow], name_width: int = 34) -> str:
    """A plain-text table, one line per candidate, then each reason in full."""
    body = [tuple(c if i else (c if len(c) <= name_width else c[:name_width - 1] + "…")
                  for i, c in enumerate(row_cells(r))) for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(COLUMNS)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(COLUMNS, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(b, widths)).rstrip() for b in body]
    lines.append("")
    for i, r in enumerate(rows, start=1):
        lines.append(f"{i}. {r.name}: {r.reason}")
    return "\n".join(lines) + "\n"
