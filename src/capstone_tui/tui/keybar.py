"""The key bar: Textual's Footer, with `?`, `q` and `e` first when the terminal is narrow.

At 80x24 the Footer has room for about ten keys and cut off help, quit and export, the three a
new user needs most; below `NARROW_WIDTH` columns those three lead the bar (every key stays in
the help screen and the command palette). Wide terminals keep the key table's order.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from capstone_tui.core.defaults import NARROW_WIDTH

ESSENTIAL = ("question_mark", "q", "e")  # Binding.key of help, quit, export


class KeyBar(Footer):
    """A Footer whose narrow layout leads with the essential keys."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._narrow = False

    def compose(self) -> ComposeResult:
        items = list(super().compose())
        if not self._narrow:
            yield from items
            return
        essential = sorted((w for w in items if isinstance(w, FooterKey) and w.key in ESSENTIAL
                            and "-command-palette" not in w.classes), key=lambda w: ESSENTIAL.index(w.key))
        yield from essential + [w for w in items if w not in essential]

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW_WIDTH
        if narrow != self._narrow:
            self._narrow = narrow
            self.call_after_refresh(self.recompose)
