"""The dashboard's one frozen state: every input, the view toggles, and the verdicts derived.

The App holds one `DashboardState` in one reactive and replaces it whole on every change (a
key, a sized dataset, a fresh inventory reading), so every pane always renders one consistent
state. The assessment is computed here, in pure code, once per state; `justification` is the
assessment's own, never computed a second time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from capstone_tui.core.candidate import Candidate, MeasuredData, with_scaling
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.machine import Machine, find_machine
from capstone_tui.core.scaling import PMAX_LIMIT, Justification

if TYPE_CHECKING:
    from capstone_tui.core.assessment import Assessment
    from capstone_tui.core.fitting.fit import FitResult
    from capstone_tui.core.inventory.report import Inventory
    from capstone_tui.core.planner.layouts import PlanResult
    from capstone_tui.core.planner.shape import ModelShape

S_STEP = 0.01
# The c keys stay on the 1-2-5 grid within [0, C_KEY_MAX]: from c = 0.5 on, T(2) >= 1 for
# every s, so p* = 1 and larger c changes nothing on screen (typed values may go higher).
C_KEY_MAX = 0.5
C_KEY_RANGE_TEXT = f"the c keys stay within [0, {C_KEY_MAX:g}] (beyond, p* = 1 for every s)"


@dataclass(frozen=True)
class DashboardState:
    """Inputs (candidate, machines, readings, view toggles) and derived verdicts."""

    candidate: Candidate = field(default_factory=Candidate)
    machines: tuple[Machine, ...] = ()
    measured_data: MeasuredData | None = None
    fit: FitResult | None = None  # when the user loaded runs
    inventory: Inventory | None = None  # the latest live reading
    show_geo: bool = True
    log_p: bool = False
    show_efficiency: bool = False
    show_time: bool = False  # the chart plots finish time (queue wait + run) against p
    message: str | None = None  # the last inline message (bad input, export path, ...)
    # time to solution on a Slurm reference (the `when` JSON) and the candidate it was asked for:
    # shown only while that is still the candidate, so a tuned s or c never shows stale numbers
    queue: tuple[Candidate, dict[str, Any]] | None = None
    # what `[model] from` read (the model lookup's full shape: largest layer, experts) and what
    # filling the candidate from it said (the file's fields that overrode it, ...)
    model_shape: ModelShape | None = None
    model_notes: tuple[str, ...] = ()

    @property
    def queue_now(self) -> dict[str, Any] | None:
        """The time-to-solution answer for the current candidate, if one has come."""
        return self.queue[1] if self.queue is not None and self.queue[0] == self.candidate else None

    @property
    def justification(self) -> Justification:
        """The justification test: the assessment's (one computation per state)."""
        return self.assessment.justification

    @cached_property
    def machine(self) -> Machine | None:
        """The reference machine the candidate names, if it has been read yet (found as the CLI
        finds it: core.machine.find_machine)."""
        return find_machine(self.candidate.machine, self.machines)

    @cached_property
    def assessment(self) -> Assessment:
        from capstone_tui.core.assessment import assess

        return assess(self.candidate, self.machine, self.measured_data)

    @cached_property
    def plan(self) -> PlanResult | str:
        """The candidate's model planned on the reference machine's GPUs, or why it is not."""
        from capstone_tui.core.planner.candidate_plan import plan_candidate

        read = self.model_shape if self.candidate.model.from_ else None  # a shape only for `from`
        return plan_candidate(self.candidate.model, self.machine, read)


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


def tuned(model: DashboardState, knob: str, up: bool) -> DashboardState:
    """The model after one key press on a knob: 's', 'c' or 'pmax'."""
    sc = model.candidate.scaling
    if knob == "s":
        changes: dict[str, Any] = {"s": _step_s(sc.s, up)}
    elif knob == "c":
        c = _next_on_125_grid(sc.c, up)
        if up and c > C_KEY_MAX * (1 + 1e-9):
            return replace(model, message=f"c = {sc.c:g}: {C_KEY_RANGE_TEXT}")
        changes = {"c": c}
    elif knob == "pmax":
        changes = {"pmax": _step_pmax(sc.pmax, up)}
    else:
        raise ValueError(f"unknown knob {knob!r}")
    return replace(model, candidate=with_scaling(model.candidate, **changes), message=None)


def with_scaling_input(model: DashboardState, **changes: Any) -> DashboardState:
    """Typed-in scaling values: invalid input keeps the last valid state and sets a message."""
    try:
        candidate = with_scaling(model.candidate, **changes)
    except ValidationError as err:
        return replace(model, message=err.message)
    return replace(model, candidate=candidate, message=None)


def toggled(model: DashboardState, flag: str) -> DashboardState:
    """Flip a view flag: 'show_geo', 'log_p', 'show_efficiency' or 'show_time'."""
    if flag not in ("show_geo", "log_p", "show_efficiency", "show_time"):
        raise ValueError(f"unknown flag {flag!r}")
    changes: dict[str, Any] = {flag: not getattr(model, flag)}
    return replace(model, **changes)


def next_machine(model: DashboardState) -> DashboardState:
    """Cycle the reference machine through the machines known to the model."""
    if not model.machines:
        return replace(model, message="no reference machines known yet")
    ids = [m.id for m in model.machines]
    current = model.candidate.machine
    index = (ids.index(current) + 1) % len(ids) if current in ids else 0
    return replace(model, candidate=replace(model.candidate, machine=ids[index]), message=None)


def with_model_from(model: DashboardState, source: str, shape: ModelShape, where: str) -> DashboardState:
    """The model lookup's "use": `[model] from = source` and its shape in the candidate's fields
    (the model ceiling and the plan re-route); a model it could not count keeps the last state."""
    from capstone_tui.core.candidate import check_model_shape

    if shape.params is None:
        return replace(model, message=f"{source}: parameters not counted ({shape.model_type or '?'}); "
                                      "give model.params to use it")
    try:
        fields: dict[str, Any] = shape.candidate_fields()  # the fields `[model] from` fills, by name
        filled = check_model_shape(replace(model.candidate.model, from_=source, **fields))
    except ValidationError as err:
        return replace(model, message=err.message)
    notes = [f"model from {source} ({where}): {shape.params_how}"]
    if shape.experts and shape.active_params is not None:
        notes.append(f"{source}: mixture-of-experts, {shape.active_params:,} of {shape.params:,} parameters "
                     "active per token; memory holds all of them")
    return replace(model, candidate=replace(model.candidate, model=filled), model_shape=shape,
                   model_notes=tuple(notes), message="; ".join(notes))
