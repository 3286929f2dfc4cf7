"""The dashboard's state (core/dashboard_state.py) derives its verdicts once: the justification is the
assessment's own object, and the same session call gives the CLI's assessment."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from capstone_tui.core.dashboard_state import DashboardState, toggled, tuned
from capstone_tui.core.presets import load_presets
from capstone_tui.session import assess_opened, open_candidate

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_justification_is_the_assessments_own() -> None:
    opened = open_candidate(EXAMPLES / "dedupe-4tb-crawl.toml", live=False, size=False)
    state = DashboardState(candidate=opened.candidate, machines=load_presets())
    assert state.justification is state.assessment.justification  # one computation, not two
    assert state.assessment is state.assessment  # cached for the life of the state
    assert state.assessment.to_json() == assess_opened(opened).to_json()  # the CLI's verdict


def test_every_change_builds_a_new_state_with_its_own_verdict() -> None:
    state = DashboardState(candidate=open_candidate(EXAMPLES / "dedupe-4tb-crawl.toml", live=False,
                                                    size=False).candidate, machines=load_presets())
    tighter = tuned(state, "s", up=True)
    assert tighter.candidate.scaling.s > state.candidate.scaling.s
    assert tighter.assessment.justification.s == tighter.candidate.scaling.s
    assert toggled(state, "log_p").log_p != state.log_p
    assert replace(state, message="x").assessment is not state.assessment
