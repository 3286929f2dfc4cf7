"""The verdict bar at 80x24 keeps its status line (the model's message) on screen: the decision and
gate-2 text truncate to the rows the bar has left, the full text stays in the bar's tooltip (and the
tree); pressing `C` up to its bound is the longest case the keys can make."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from textual.geometry import Region

from rich.text import Text

from support.app_factory import FIXED, make_app

from capstone_tui.core.candidate import Candidate, DataInputs, ScalingInputs
from capstone_tui.tui.panes.verdict import VerdictBar, verdict_text

# a Slurm partition as reference: the queue's answer adds a line, more than the bar has beside the message
SLURM = Candidate(name="Queued", scaling=ScalingInputs(s=0.0123457, c=0.00234567, pmax=1_234_567),
                  data=DataInputs(bytes=4.0e12), machine="slurm:gpu-long-partition")


def queue_answer() -> dict:
    """A time-to-solution answer as the queue worker posts it (the JSON `when` prints)."""
    options = [{"p": p, "wait_s": wait, "finish_s": wait + 3600 / p, "cost": 2.5 * p} for p, wait in
               ((1, 0.0), (2, 7200.0), (4, 36000.0))]
    return {"partition": "gpu-long-partition", "options": options, "fastest": options[0], "p_star": 4}


def screen_rows(bar: VerdictBar) -> list[str]:
    """The bar's rows exactly as painted (characters only)."""
    strips = bar.render_lines(Region(0, 0, bar.size.width, bar.size.height))
    return ["".join(seg.text for seg in strip).rstrip() for strip in strips]


@pytest.mark.asyncio
@pytest.mark.parametrize("candidate", [FIXED, SLURM], ids=["fixed", "slurm-queue"])
async def test_status_line_stays_visible_at_80x24_after_c_reaches_its_bound(tmp_path: Path,
                                                                            candidate: Candidate) -> None:
    app = make_app(tmp_path, candidate)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for _ in range(40):  # 1-2-5 steps up to c = 0.5, then the bound message
            if app.model.message:
                break
            await pilot.press("C")
            await pilot.pause()
        message = app.model.message
        assert message and message.startswith("c = "), message
        if candidate is SLURM:  # the queue worker answers for the tuned candidate
            app.model = replace(app.model, queue=(app.model.candidate, queue_answer()))
        await pilot.pause(0.2)
        assert app.model.message == message
        bar = app.query_one(VerdictBar)
        line1, line2, _ = verdict_text(app.model, bar.size.width)
        rows = screen_rows(bar)
        assert len(rows) == bar.size.height <= 6
        shown = " ".join(" ".join(rows).split())
        # the message is painted whole, on the last rows of the bar
        assert " ".join(message.split()) in shown, rows
        assert " ".join(message.split()[-3:]) in rows[-1]
        # the verdict keeps its first rows; when it is longer than the rows left, it ends in an ellipsis
        assert rows[0].lstrip("▌█ ").startswith("Decision:")
        width = bar.size.width - 3
        natural = sum(len(Text(part).wrap(app.console, width)) for part in (line1, line2, message))
        assert ("…" in shown) == (natural > 6)
        if candidate is SLURM:
            assert natural > 6  # the case the review found: without the cut the message was hidden
        # the full text is one hover away
        assert line1 in str(bar.tooltip) and message in str(bar.tooltip)
