"""The help screen: every key, from the one key table."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from capstone_tui.tui.screens.base import Modal

INTRO = (
    "The justification test: T(p) = s + (1 - s)/p + c(p - 1), S(p) = 1/T(p). "
    "Distribute only when S(p*) > 1.05 and p* > 1, and only when one ceiling is cleared. "
    "Every key is also in the command palette (ctrl+p)."
)


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
            table.add_row(binding.key_display or binding.key, binding.tooltip or binding.description)
        with VerticalScroll():
            yield Static(INTRO + "\n")
            yield Static(table)
            yield Static("\nescape closes this screen.")
