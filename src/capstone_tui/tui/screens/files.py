"""Small modal prompts for a file path: open a candidate (or a runs CSV), save a candidate (or
save it as another file), and confirm before a save replaces a file."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from capstone_tui.core.safe_text import safe_text
from capstone_tui.tui.screens.base import Modal


class PathScreen(Modal[str | None]):
    """Ask for one path; Enter returns it, escape returns None."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]
    DEFAULT_CSS = """
    PathScreen { align: center middle; }
    PathScreen > Vertical { width: 80%; max-width: 90; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    """
    prompt = "Path"

    def __init__(self, initial: str = "") -> None:
        super().__init__()
        self.initial = initial

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.prompt)
            yield Input(value=self.initial, id="path")
            yield Label("Enter to confirm, escape to cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.close(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.close(None)


class OpenScreen(PathScreen):
    prompt = "Open a candidate (.toml) or a runs file (.csv with p,time or p,throughput):"


class SaveScreen(PathScreen):
    prompt = "Save the candidate as TOML to (change the path to save as another file):"


class ReplaceScreen(Modal[bool]):
    """Ask before a save replaces a file that exists: y replaces, n or escape keeps it."""

    BINDINGS = [Binding("y", "answer(True)", "replace"), Binding("n", "answer(False)", "keep"),
                Binding("escape", "answer(False)", "keep")]
    DEFAULT_CSS = """
    ReplaceScreen { align: center middle; }
    ReplaceScreen > Vertical { width: 80%; max-width: 90; height: auto; border: round $warning; background: $surface; padding: 0 1; }
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(safe_text(f"{self.path} already exists. Replace it?")))
            yield Label("y: replace it   n or escape: keep it (then ctrl+s to save under another name)",
                        classes="hint")

    def action_answer(self, replace_it: bool) -> None:
        self.close(replace_it)
