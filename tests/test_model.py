"""The dashboard's model: pure updates from keys, bad input keeps the last valid state."""

from __future__ import annotations

import pytest

from capstone_tui.core.candidate import Candidate, ScalingInputs
from capstone_tui.core.dashboard_state import DashboardState, next_machine, toggled, tuned, with_scaling_input
from capstone_tui.core.presets import load_presets


def model(s=0.05, c=0.002, pmax=4096) -> DashboardState:
    return DashboardState(candidate=Candidate(scaling=ScalingInputs(s=s, c=c, pmax=pmax)))


def test_s_steps_by_hundredths_and_clamps():
    m = tuned(model(s=0.05), "s", True)
    assert m.candidate.scaling.s == 0.06
    assert tuned(model(s=0.055), "s", True).candidate.scaling.s == 0.06
    assert tuned(model(s=0.055), "s", False).candidate.scaling.s == 0.05
    assert tuned(model(s=1.0), "s", True).candidate.scaling.s == 1.0
    assert tuned(model(s=0.0), "s", False).candidate.scaling.s == 0.0


def test_c_steps_on_the_125_grid():
    seq = [0.002]
    m = model(c=0.002)
    for _ in range(3):
        m = tuned(m, "c", True)
        seq.append(m.candidate.scaling.c)
    assert seq == pytest.approx([0.002, 0.005, 0.01, 0.02])
    assert tuned(model(c=0.0), "c", True).candidate.scaling.c == pytest.approx(1e-4)
    assert tuned(model(c=1e-6), "c", False).candidate.scaling.c == 0.0
    assert tuned(model(c=0.0015), "c", False).candidate.scaling.c == pytest.approx(0.001)


def test_pmax_doubles_and_halves_within_range():
    assert tuned(model(pmax=4096), "pmax", True).candidate.scaling.pmax == 8192
    assert tuned(model(pmax=1), "pmax", False).candidate.scaling.pmax == 1
    assert tuned(model(pmax=10_000_000), "pmax", True).candidate.scaling.pmax == 10_000_000


def test_derived_verdict_follows_the_inputs():
    before = model(s=0.05, c=0.002)
    after = tuned(before, "s", True)
    assert before.justification.p_star == 22
    assert after.justification.p_star != before.justification.p_star or after.justification.speedup < before.justification.speedup


def test_bad_typed_input_keeps_last_valid_state():
    m = model(s=0.05)
    bad = with_scaling_input(m, s=1.7)
    assert bad.candidate == m.candidate
    assert bad.message is not None and bad.message.startswith("scaling.s")


def test_toggles_and_machine_cycle():
    m = toggled(model(), "log_p")
    assert m.log_p is True and toggled(m, "log_p").log_p is False
    with pytest.raises(ValueError):
        toggled(m, "nope")
    presets = load_presets()
    m = DashboardState(candidate=Candidate(machine=presets[0].id), machines=presets)
    seen = []
    for _ in range(len(presets)):
        m = next_machine(m)
        seen.append(m.candidate.machine)
    assert sorted(seen) == sorted(p.id for p in presets)
    assert m.machine is not None and m.machine.id == seen[-1]
