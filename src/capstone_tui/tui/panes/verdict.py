"""The verdict bar: p*, S(p*), E(p*), 1/s on both links, and the decision, in plain words."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from capstone_tui.core.model import Model
from capstone_tui.core.scaling import DISTRIBUTE, LinkResult


def _link(label: str, link: LinkResult) -> str:
    return (f"{label} p*={link.p_star} S(p*)={link.speedup:.2f}x E(p*)={100 * link.efficiency:.0f}% "
            f"-> {link.verdict}")


def verdict_text(model: Model, width: int = 200) -> tuple[str, str, str]:
    """Three parts: the inputs and both links; the decision and its reason; the last message.

    Below 100 columns the decision drops its long reason for the two gates in short form.
    """
    j = model.justification
    ceiling = "inf" if j.amdahl_ceiling is None else f"{j.amdahl_ceiling:.3g}x"
    line1 = (f"s={j.s:g} c={j.c:g} pmax={j.pmax} 1/s={ceiling} | "
             + _link("datacenter", j.fast) + " | " + _link("geo 4c", j.geo))
    a = model.assessment
    if width >= 100:
        line2 = f"Decision: {a.decision.upper()}: {a.reason}"
    else:
        gates = f"gate 1 {'pass' if a.gate1 else 'fail'}, gate 2 {'pass' if a.gate2 else 'fail'}"
        line2 = f"Decision: {a.decision.upper()} ({gates})"
    return line1, line2, model.message or ""


class VerdictBar(Static):
    """Renders the model's verdicts; colour says distribute (good) or stay (bad)."""

    model: reactive[Model | None] = reactive(None, always_update=True, repaint=False)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: tuple[str, str, str, int] | None = None
        self._lines = -1

    def on_resize(self) -> None:
        self.watch_model(self.model)

    def watch_model(self, model: Model | None) -> None:
        if model is None:
            return
        line1, line2, message = verdict_text(model, self.size.width or 200)
        good = model.assessment.decision == DISTRIBUTE
        self.set_class(good, "-distribute")
        self.set_class(not good, "-stay")
        key = (line1, line2, message, self.size.width)
        if key == self._shown:
            return  # an inventory reading that changed nothing here costs nothing
        text = Text(line1 + "\n")
        text.append(line2, style="bold")
        if message:
            text.append("\n" + message, style="italic")
        lines = len(text.wrap(self.app.console, max(1, self.size.width - 3)))
        # a layout pass (the whole screen) only when the bar's height really changes
        self.update(text, layout=lines != self._lines)
        self._shown, self._lines = key, lines
