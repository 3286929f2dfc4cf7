"""The help screen: every key, from the one key table."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from capstone_tui.core.scaling import GEO_FACTOR, MIN_SPEEDUP
from capstone_tui.core.verdict_text import BYTES_CONVENTION, C_MEANING, KNEE_MEANING, P_STAR_MEANING, S_MEANING
from capstone_tui.core.dashboard_state import C_KEY_MAX
from capstone_tui.tui.panes.lookup_run import ONLINE_DEADLINE_S, ONLINE_KEY
from capstone_tui.tui.screens.base import Modal

INTRO = "\n".join([
    "The justification test: T(p) = s + (1 - s)/p + c(p - 1), S(p) = 1/T(p), E(p) = S(p)/p "
    "(one machine's time is 1).",
    f"  {S_MEANING} (keys s/S);",
    f"  {C_MEANING} (keys c/C);",
    f"  {P_STAR_MEANING}; the chart marks it with a dotted rule;",
    f"  {KNEE_MEANING}: the right number of machines;",
    "  1/s: the Amdahl ceiling, the speedup no number of workers can pass; geo: the same curve "
    f"with c' = {GEO_FACTOR:g}c (a slow, geo-distributed link).",
    "Two gates: gate 1, the problem clears a ceiling (the tree, pane 2); gate 2, the justification "
    f"test: S(p*) > {MIN_SPEEDUP}x with p* > 1. Distribute only when both pass.",
    "The chart's cursor: left/right (or a click) move it, home = p 1, end = p*; the line under the "
    "chart reads S and E there.",
    "t plots finish time against p instead: run time t1/S(p) at every p (give scaling.t1_s with i) and, "
    "with a slurm:<partition> reference, Slurm's queue wait stacked on it at the worker counts Slurm was "
    "asked about (never interpolated); the cursor then reads wait, run, finish and cost.",
    f"The c keys step on the 1-2-5 grid and stay within [0, {C_KEY_MAX:g}] (typed values may go higher).",
    f"Dataset sizer (pane 4): Enter sizes offline; {ONLINE_KEY} asks the Hub (at most {ONLINE_DEADLINE_S:g} s; "
    "start with --online to make Enter ask); Esc cancels; u uses the size. Its models tab reads a model "
    "folder or org/name the same way (config.json and safetensors headers, never weights); u sets "
    "[model] from and the shape, and the tree's model question shows the GPU plan.",
    f"Units: {BYTES_CONVENTION}. Every key is also in the command palette (ctrl+p).",
])


class HelpScreen(Modal[None]):
    """Lists the bindings; any of escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 96; height: 90%; border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, keys: list[Binding]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=True, header_style="bold")
        table.add_column("key", no_wrap=True)
        table.add_column("does")
        for binding in self.keys:
            table.add_row(Text(binding.key_display or binding.key), Text(binding.tooltip or binding.description))
        with VerticalScroll():
            yield Static(INTRO + "\n", markup=False)  # plain words: "[model] from" is not a tag
            yield Static(table)
            yield Static("\nescape closes this screen.")
