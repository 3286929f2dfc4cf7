"""The dashboard's one frozen model: every input, and the verdicts derived from them.

The App holds one `Model` in one reactive and replaces it whole on every change (a key, a
sized dataset, a fresh inventory reading), so every pane always renders one consistent
state. Derived values (`justification`, `machine`, `assessment`) are computed here, in pure
code, once per model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from capstone_tui.core.candidate import Candidate, MeasuredData, with_scaling
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.machine import Machine
from capstone_tui.core.scaling import PMAX_LIMIT, Justification, justify

if TYPE_CHECKING:
    from capstone_tui.core.assessment import Assessment

S_STEP = 0.01
PLOT_MIN_P = 64


@dataclass(frozen=True)
class Model:
    """Inputs (candidate, machines, readings, view toggles) and derived verdicts."""

    candidate: Candidate = field(default_factory=Candidate)
    machines: tuple[Machine, ...] = ()
    measured_data: MeasuredData | None = None
    fit: Any = None  # core.fitting.FitResult, when the user loaded runs
    inventory: Any = None  # core.inventory.Inventory, the latest live reading
    show_geo: bool = True
    log_p: bool = False
    show_efficiency: bool = False
    message: str | None = None  # the last inline message (bad input, export path, ...)

    @cached_property
    def justification(self) -> Justification:
        sc = self.candidate.scaling
        return justify(sc.s, sc.c, sc.pmax)

    @cached_property
    def machine(self) -> Machine | None:
        """The reference machine the candidate names, if it has been read yet."""
        for machine in self.machines:
            if machine.id == self.candidate.machine:
                return machine
        return None

    @cached_property
    def assessment(self) -> Assessment:
        from capstone_tui.core.assessment import assess

        return assess(self.candidate, self.machine, self.measured_data)

    @property
    def plot_pmax(self) -> int:
        """The p range the curve shows: all of pmax on a log axis, else around the peaks."""
        pmax = self.candidate.scaling.pmax
        if self.log_p:
            return pmax
        peak = max(self.justification.fast.p_star, self.justification.geo.p_star)
        return max(1, min(pmax, max(PLOT_MIN_P, 3 * peak)))


# --- pure updates: each returns a new model ------------------------------------------------


def _next_on_125_grid(value: float, up: bool) -> float:
    """The next value on the 1-2-5 grid (0.001, 0.002, 0.005, 0.01, ...) above or below."""
    if value <= 0:
        return 1e-4 if up else 0.0
    decade = math.floor(math.log10(value))
    grid = [m * 10.0**e for e in (decade - 1, decade, decade + 1) for m in (1, 2, 5)]
    tol = value * 1e-9
    if up:
        return next(g for g in grid if g > value + tol)
    below = [g for g in grid if g < value - tol]
    nxt = below[-1]
    return 0.0 if nxt < 1e-6 else nxt


def _step_s(s: float, up: bool) -> float:
    hundredths = s / S_STEP
    k = math.floor(hundredths + 1e-9) + 1 if up else math.ceil(hundredths - 1e-9) - 1
    return min(1.0, max(0.0, round(k * S_STEP, 10)))


def _step_pmax(pmax: int, up: bool) -> int:
    return min(PMAX_LIMIT, pmax * 2) if up else max(1, pmax // 2)


def tuned(model: Model, knob: str, up: bool) -> Model:
    """The model after one key press on a knob: 's', 'c' or 'pmax'."""
    sc = model.candidate.scaling
    if knob == "s":
        changes: dict[str, Any] = {"s": _step_s(sc.s, up)}
    elif knob == "c":
        changes = {"c": _next_on_125_grid(sc.c, up)}
    elif knob == "pmax":
        changes = {"pmax": _step_pmax(sc.pmax, up)}
    else:
        raise ValueError(f"unknown knob {knob!r}")
    return replace(model, candidate=with_scaling(model.candidate, **changes), message=None)


def with_scaling_input(model: Model, **changes: Any) -> Model:
    """Typed-in scaling values: invalid input keeps the last valid state and sets a message."""
    try:
        candidate = with_scaling(model.candidate, **changes)
    except ValidationError as err:
        return replace(model, message=err.message)
    return replace(model, candidate=candidate, message=None)


def toggled(model: Model, flag: str) -> Model:
    """Flip a view flag: 'show_geo', 'log_p' or 'show_efficiency'."""
    if flag not in ("show_geo", "log_p", "show_efficiency"):
        raise ValueError(f"unknown flag {flag!r}")
    return replace(model, **{flag: not getattr(model, flag)})


def next_machine(model: Model) -> Model:
    """Cycle the reference machine through the machines known to the model."""
    if not model.machines:
        return replace(model, message="no reference machines known yet")
    ids = [m.id for m in model.machines]
    current = model.candidate.machine
    index = (ids.index(current) + 1) % len(ids) if current in ids else 0
    return replace(model, candidate=replace(model.candidate, machine=ids[index]), message=None)
