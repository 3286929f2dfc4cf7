"""The real binary in tmux at 80x24 (issue 11 item 5, issue 15 item 4): the key bar shows ?,
q and e; p visibly changes the chart on the linear axis; the inputs screen opens focused,
takes `[x=` and says so, and Esc says it cancelled; the c keys stop at their bound and the
screen says why; q quits cleanly."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from support.tmux import TmuxApp

BIN = str(Path(sys.executable).with_name("capstone-tui"))
CANDIDATE = """name = "Tmux interaction"
[scaling]
s = 0.05
c = 0.002
pmax = 256
[machine]
reference = "dgx-h100"
"""


def chart_rows(screen: str) -> list[str]:
    """The speedup pane's rows, from its title to its bottom border."""
    lines = screen.splitlines()
    top = next(i for i, line in enumerate(lines) if "Speedup curve" in line)
    bottom = next(i for i, line in enumerate(lines) if i > top and line.startswith("╰"))
    return lines[top + 1:bottom]


def toasts(screen: str) -> str:
    """The notifications' text (right of their "▌" edge), lines joined."""
    parts = [line.rsplit("▌", 1)[1].strip() for line in screen.splitlines() if "▌" in line]
    return " ".join(" ".join(parts).split())


def test_interaction_at_80x24(tmp_path: Path):
    cand = tmp_path / "candidate.toml"
    cand.write_text(CANDIDATE)
    app = TmuxApp([BIN, str(cand), "--refresh", "5", "--export-dir", str(tmp_path / "out")], cwd=tmp_path)
    try:
        first = app.wait_for(lambda t: "datacenter p*=" in t and "help" in t and "╰" in t)
        bar = first.rstrip("\n").splitlines()[-1]
        assert re.search(r"\?\s*help", bar) and re.search(r"\bq\s*quit", bar) and re.search(r"\be\s*export", bar), bar

        before = chart_rows(first)
        assert any(re.search(r"\b100\b.*\b200\b", row) for row in before), before  # linear p axis, to 256
        app.press("p")  # pmax 256 -> 128: the plotted range must change, not only the status text
        after = chart_rows(app.wait_for(lambda t: "pmax=128" in t and "╰" in t, timeout=10))
        assert after != before
        assert not any(re.search(r"\b200\b", row) for row in after), after

        app.press("i")
        app.wait_for(lambda t: "Edit the candidate" in t)
        time.sleep(0.3)  # the first paint can precede the screen's mount (and its focus) by a few ms
        app.press("Tab", "[", "x", "=")  # the s field: typed at once, no click needed
        app.wait_for(lambda t: "[x=" in t and "scaling.s" in t)
        app.press("Escape")
        app.wait_for(lambda t: "inputs cancelled" in toasts(t).lower())

        app.press(*["C"] * 12)
        app.wait_for(lambda t: "stay within [0, 0.5]" in toasts(t))

        app.press("q")
        assert app.exit_code() == 0
    finally:
        app.close()
