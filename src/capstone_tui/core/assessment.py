"""Both gates of the seed: clear at least one ceiling, and pass the justification test.

`assess(candidate, machine, measured)` is the one entry point the CLI (`assess`, `export`) and
the dashboard share; `Assessment.to_json()` is exactly the `assess --json` object of SPEC.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from capstone_tui.core.candidate import Candidate, MeasuredData
from capstone_tui.core.ceilings import AXIS_TEXT, TERMINAL, Ceiling, all_ceilings
from capstone_tui.core.machine import Machine
from capstone_tui.core.scaling import DISTRIBUTE, MIN_SPEEDUP, STAY, Justification, justify


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
        }


def route_for(ceilings: tuple[Ceiling, ...]) -> Route:
    cleared = tuple(c.name for c in ceilings if c.assessed and c.cleared)
    if not cleared:
        return Route(None, None, None, ())
    first = next(c for c in ceilings if c.name == cleared[0])
    return Route(first.name, first.axis, first.chapters, cleared)


def _pays(j: Justification, lead: str = "best speedup") -> str:
    return f"{lead} {j.speedup:.2f}x at p* = {j.p_star} for s = {j.s:g}, c = {j.c:g}"


def reason_for(ceilings: tuple[Ceiling, ...], route: Route, j: Justification) -> str:
    """One plain sentence naming the failing gate(s), with the numbers."""
    pays = j.verdict == DISTRIBUTE
    missing = [c.name for c in ceilings if not c.assessed]
    if route.ceiling is not None:
        first = next(c for c in ceilings if c.name == route.ceiling)
        margin = f" ({first.margin:.1f}x one machine's limit)" if first.margin is not None and first.unit != "agents" else ""
        gate1 = f"it clears the {first.name} ceiling{margin}"
        if pays:
            return f"Distribute: {gate1} and distributing pays, {_pays(j)} > {MIN_SPEEDUP}x."
        return (f"Stay single-machine: {gate1}, but the justification test fails, "
                f"{_pays(j)}, which needs more than {MIN_SPEEDUP}x with p* > 1.")
    if len(missing) == len(ceilings):
        gate1 = ("all four ceilings are not assessed (their inputs are missing), so nothing shows "
                 "that one machine runs out")
    elif missing:
        assessed = len(ceilings) - len(missing)
        gate1 = (f"it clears none of the {assessed} ceiling{'s' if assessed > 1 else ''} assessed "
                 f"({', '.join(missing)} not assessed: inputs missing), so one machine is enough as far as is known")
    else:
        gate1 = "it clears none of the four ceilings, so one machine is enough"
    if pays:
        return f"Stay single-machine: {gate1}, even though the justification test alone would pass with a {_pays(j, 'best speedup of')}."
    return f"Stay single-machine: {gate1}, and the justification test fails too, with a {_pays(j, 'best speedup of')}."


def assess(candidate: Candidate, machine: Machine | None, measured: MeasuredData | None = None) -> Assessment:
    """Walk the four ceilings against `machine`, then apply both gates."""
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
