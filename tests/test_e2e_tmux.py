"""End to end: the real `capstone-tui` in tmux at 80x24: tune s, read p*, export, quit."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from capstone_tui.core.scaling import best_p
from support.tmux import TmuxApp

BIN = str(Path(sys.executable).with_name("capstone-tui"))
CANDIDATE = """name = "E2E probe"
[scaling]
s = 0.50
c = 0.002
pmax = 64
[machine]
reference = "student-laptop"
"""


def shown_p_star(screen: str) -> int:
    match = re.search(r"datacenter p\*=(\d+)", screen)
    assert match, screen
    return int(match.group(1))


@pytest.mark.parametrize("term", ["xterm-256color", "xterm", "screen"])
def test_tune_export_quit_at_80x24(tmp_path: Path, term: str):
    cand = tmp_path / "candidate.toml"
    cand.write_text(CANDIDATE)
    out = tmp_path / "verdicts"
    app = TmuxApp([BIN, str(cand), "--export-dir", str(out), "--refresh", "5"], cwd=tmp_path, term=term)
    try:
        first = app.wait_for(lambda t: "datacenter p*=" in t)
        assert shown_p_star(first) == best_p(0.50, 0.002, 64)[0] == 16
        app.press(*["S"] * 5)  # s: 0.50 -> 0.55
        expected = best_p(0.55, 0.002, 64)[0]
        assert expected == 15
        screen = app.wait_for(lambda t: "s=0.55" in t and f"p*={expected}" in t)
        assert shown_p_star(screen) == expected
        app.press("e")
        deadline_files = lambda: sorted(p.suffix for p in out.glob("e2e-probe-*"))  # noqa: E731
        app.wait_for(lambda t: deadline_files() == [".json", ".md", ".svg", ".svg"], timeout=20)  # + -curve.svg
        snapshot = next(out.glob("*.json")).read_text()
        assert '"s": 0.55' in snapshot and f'"p_star": {expected}' in snapshot
        app.press("q")
        assert app.exit_code() == 0
    finally:
        app.close()
