"""Build the real dashboard App for Pilot and snapshot tests: fixed inputs, no live probes."""

from __future__ import annotations

from pathlib import Path

from capstone_tui.core.candidate import Candidate, DataInputs, ScalingInputs
from capstone_tui.core.chart.ticks import LINEAR_AXIS_MAX_P
from capstone_tui.core.dashboard_state import DashboardState
from capstone_tui.core.presets import load_presets
from capstone_tui.tui.app import CapstoneApp
from capstone_tui.tui.themes import builtin_themes  # the shipped themes only: no user folder

FIXED = Candidate(name="Dedupe a 4 TB web-crawl slice", scaling=ScalingInputs(s=0.05, c=0.002, pmax=4096),
                  data=DataInputs(bytes=4.0e12), machine="dgx-h100")


def make_app(tmp_path: Path, candidate: Candidate = FIXED, theme: str = "capstone-dark", **model_fields) -> CapstoneApp:
    model_fields.setdefault("machines", load_presets())
    # as `capstone-tui` opens it: a wide pmax starts on the log axis (tui/launch.py)
    model_fields.setdefault("log_p", candidate.scaling.pmax > LINEAR_AXIS_MAX_P)
    model = DashboardState(candidate=candidate, **model_fields)
    return CapstoneApp(model, themes=builtin_themes(), theme=theme, export_dir=tmp_path / "verdicts",
                       refresh_s=None, live_inventory=False)
