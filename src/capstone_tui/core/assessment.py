"""Both gates of the seed: clear at least one ceiling, and pass the justification test.

`assess(candidate, machine, measured)` is the one entry point the CLI (`assess`, `export`) and
the dashboard share; `Assessment.to_json()` is exactly the `assess --json` object of SPEC.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from capstone_tui.core.candidate import Candidate, MeasuredData
from capstone_tui.core.ceilings import AXIS_TEXT, TERMINAL, Ceiling, all_ceilings
from capstone_tui.core.machine import Machine, with_accelerator_gb
from capstone_tui.core.scaling import DISTRIBUTE, STAY, Justification, justify


@dataclass(frozen=True)
class Route:
    """Where the tree sends the candidate: the first cleared ceiling's axis, or the terminal."""

    ceiling: str | None
    axis: str | None
    chapters: str | None
    cleared: tuple[str, ...]  # every cleared ceiling, in tree order

    @property
    def text(self) -> str:
        if self.axis is None:
            return TERMINAL
        return f"{AXIS_TEXT[self.axis]} ({self.chapters})"

    def to_json(self) -> dict[str, Any]:
        return {"ceiling": self.ceiling, "axis": self.axis, "chapters": self.chapters,
                "cleared": list(self.cleared), "text": self.text}


@dataclass(frozen=True)
class Assessment:
    """The four ceilings, the route, the justification test, the decision and why."""

    machine: Machine | None
    machine_id: str
    ceilings: tuple[Ceiling, ...]
    route: Route
    justification: Justification
    decision: str  # scaling.DISTRIBUTE | scaling.STAY
    reason: str

    @property
    def gate1(self) -> bool:
        return bool(self.route.cleared)

    @property
    def gate2(self) -> bool:
        return self.justification.verdict == DISTRIBUTE

    @property
    def warnings(self) -> tuple[str, ...]:
        """Assumptions the reader must know about, from every ceiling (e.g. int8/int4 training)."""
        return tuple(w for c in self.ceilings for w in c.detail.get("warnings", ()))

    def ceiling(self, name: str) -> Ceiling:
        return next(c for c in self.ceilings if c.name == name)

    def to_json(self) -> dict[str, Any]:
        """The `assess --json` object (SPEC keys)."""
        if self.machine is not None:
            machine = self.machine.to_json()
        else:
            machine = {"id": self.machine_id, "source": None, "memory_bytes": None,
                       "disk_bytes": None, "accelerator_bytes": None}
        return {
            "machine": machine,
            "ceilings": [c.to_json() for c in self.ceilings],
            "route": self.route.to_json(),
            "justification": self.justification.to_json(),
            "decision": self.decision,
            "reason": self.reason,
            "warnings": list(self.warnings),
        }


def route_for(ceilings: tuple[Ceiling, ...]) -> Route:
    cleared = tuple(c.name for c in ceilings if c.assessed and c.cleared)
    if not cleared:
        return Route(None, None, None, ())
    first = next(c for c in ceilings if c.name == cleared[0])
    return Route(first.name, first.axis, first.chapters, cleared)


def reason_for(ceilings: tuple[Ceiling, ...], route: Route, j: Justification) -> str:
    """One plain sentence naming the failing gate(s), with the numbers (core/verdict_text.py)."""
    from capstone_tui.core.verdict_text import decision_reason

    return decision_reason(ceilings, route, j)


def assess(candidate: Candidate, machine: Machine | None, measured: MeasuredData | None = None) -> Assessment:
    """Walk the four ceilings against `machine`, then apply both gates.

    The candidate's `[machine] accelerator_gb` is applied to the machine first (it supplies GPU
    memory that was not read from the hardware; see `core.machine.with_accelerator_gb`).
    """
    if machine is not None:
        machine = with_accelerator_gb(machine, candidate.accelerator_gb)
    ceilings = all_ceilings(candidate, machine, measured)
    route = route_for(ceilings)
    sc = candidate.scaling
    j = justify(sc.s, sc.c, sc.pmax)
    decision = DISTRIBUTE if (route.ceiling is not None and j.verdict == DISTRIBUTE) else STAY
    return Assessment(
        machine=machine,
        machine_id=machine.id if machine is not None else candidate.machine,
        ceilings=ceilings,
        route=route,
        justification=j,
        decision=decision,
        reason=reason_for(ceilings, route, j),
    )
