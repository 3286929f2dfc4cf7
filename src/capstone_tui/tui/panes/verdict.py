"""The verdict bar: the decision first, then gate 2 (the speedup test alone) on both links.

Every sentence comes from core/verdict_text.py, the voice `assess` and `export` also use.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from capstone_tui.core.defaults import NARROW_WIDTH
from capstone_tui.core.dashboard_state import DashboardState
from capstone_tui.core.scaling import DISTRIBUTE
from capstone_tui.core.time_to_solution_text import summary_line
from capstone_tui.core.verdict_text import efficiency_note, gate2_line, gates_short

NARROW = NARROW_WIDTH  # below this many columns the decision gives its gates in short form


def verdict_text(model: DashboardState, width: int = 200) -> tuple[str, str, str]:
    """Three parts: the decision and its reason; the inputs and gate 2 on both links; the message."""
    j = model.justification
    a = model.assessment
    if width >= NARROW:
        reason = a.reason.split(": ", 1)[1] if a.reason.lower().startswith(a.decision + ":") else a.reason
        line1 = f"Decision: {a.decision.upper()}: {reason}"
    else:
        line1 = f"Decision: {a.decision.upper()} ({gates_short(a.gate1, a.gate2)})"
        note = efficiency_note(j.s, j.c, j.p_star) if a.gate2 else None
        if note:
            line1 += " " + note.split(";")[0]
    ceiling = "inf" if j.amdahl_ceiling is None else f"{j.amdahl_ceiling:.3g}x"
    line2 = (f"s={j.s:g} (serial share) c={j.c:g} (per added worker) pmax={j.pmax} 1/s={ceiling} | "
             + gate2_line(j))
    queue = model.queue_now  # a Slurm partition as reference: the queue decides what finishes first
    if queue is not None and "options" in queue:
        line2 += f"\n{queue['partition']}: " + summary_line(queue)
    return line1, line2, model.message or ""


class VerdictBar(Static):
    """Renders the model's verdicts; colour says distribute (good) or stay (bad)."""

    model: reactive[DashboardState | None] = reactive(None, always_update=True, repaint=False)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: tuple[str, str, str, int] | None = None
        self._lines = -1

    def on_resize(self) -> None:
        self.watch_model(self.model)

    def watch_model(self, model: DashboardState | None) -> None:
        if model is None:
            return
        line1, line2, message = verdict_text(model, self.size.width or 200)
        good = model.assessment.decision == DISTRIBUTE
        self.set_class(good, "-distribute")
        self.set_class(not good, "-stay")
        key = (line1, line2, message, self.size.width)
        if key == self._shown:
            return  # an inventory reading that changed nothing here costs nothing
        text = Text()
        text.append(line1 + "\n", style="bold")
        text.append(line2)
        if message:
            text.append("\n" + message, style="italic")
        lines = len(text.wrap(self.app.console, max(1, self.size.width - 3)))
        # a layout pass (the whole screen) only when the bar's height really changes
        self.update(text, layout=lines != self._lines)
        self._shown, self._lines = key, lines
