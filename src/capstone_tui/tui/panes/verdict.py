"""The verdict bar: the decision first, then gate 2 (the speedup test alone) on both links.

Every sentence comes from core/verdict_text.py, the voice `assess` and `export` also use.
The bar is at most `max-height` rows (app.tcss); the status line (the model's message) always
keeps its rows, and the verdict text is cut to the rows left with an ellipsis. The full text is
the bar's tooltip (and the tree pane says the same decision in full).
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content, Span
from textual.css.scalar import Unit
from textual.reactive import reactive
from textual.widgets import Static

from capstone_tui.core.defaults import NARROW_WIDTH
from capstone_tui.core.dashboard_state import DashboardState
from capstone_tui.core.scaling import DISTRIBUTE
from capstone_tui.core.time_to_solution_text import summary_line
from capstone_tui.core.verdict_text import efficiency_note, gate2_line, gates_short
from capstone_tui.tui.wrap import cut_rows, wrap_rows

NARROW = NARROW_WIDTH  # below this many columns the decision gives its gates in short form
MESSAGE_MAX_ROWS = 2  # a longer status line is cut too, so the decision keeps at least its first row


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
    """Renders the model's verdicts; colour says distribute (good) or stay (bad).

    The bar wraps its own text (tui/wrap.py) and paints the rows as they are (`text-wrap: nowrap`
    in app.tcss): the rows it counts to fit the bar are the rows on screen, and a key's frame is
    not held back by a second wrap."""

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
        width = max(1, self.content_size.width)
        key = (line1, line2, message, width)
        if key == self._shown:
            return  # an inventory reading that changed nothing here costs nothing
        rows = self._fitted(line1, line2, message, width)
        # the full text, as plain Text (a message may quote user or file text: never markup)
        self.tooltip = Text("\n".join(part for part in (line1, line2, message) if part))
        # a layout pass (the whole screen) only when the bar's height really changes
        self.update(_content(rows), layout=len(rows) != self._lines)
        self._shown, self._lines = key, len(rows)

    def _max_rows(self) -> int | None:
        """The rows the bar may take (its CSS max-height), None when unbounded."""
        limit = self.styles.max_height
        return int(limit.value) if limit is not None and limit.unit == Unit.CELLS else None

    def _fitted(self, line1: str, line2: str, message: str, width: int) -> list[tuple[str, str]]:
        """(row, style) for the decision (bold), gate 2 and the status line (italic), wrapped to the
        bar's width and cut to the rows it has: the status line keeps its rows, the verdict is cut."""
        verdict = [(row, "bold") for row in wrap_rows(line1, width)] + [(row, "") for row in wrap_rows(line2, width)]
        status = [(row, "italic") for row in wrap_rows(message, width)] if message else []
        limit = self._max_rows()
        if limit is None or len(verdict) + len(status) <= limit:  # it all fits: the text as written
            return verdict + status
        status = _cut(status, MESSAGE_MAX_ROWS if limit > MESSAGE_MAX_ROWS else limit - 1, width)
        return _cut(verdict, max(1, limit - len(status)), width) + status


def _content(rows: list[tuple[str, str]]) -> Content:
    """The rows as one Content, a span per styled row: plain text, never read as markup."""
    spans: list[Span] = []
    start = 0
    for row, style in rows:
        if style and row:
            spans.append(Span(start, start + len(row), style))
        start += len(row) + 1
    return Content("\n".join(row for row, _ in rows), spans)


def _cut(rows: list[tuple[str, str]], keep: int, width: int) -> list[tuple[str, str]]:
    """At most `keep` rows, the last kept one ending in an ellipsis when some were dropped."""
    words = cut_rows([row for row, _ in rows], keep, width)
    return [(row, style) for row, (_, style) in zip(words, rows)]
