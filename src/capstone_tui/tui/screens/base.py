"""The one base for our modal screens: they open focused on their first field, and closing is
idempotent.

Textual's `dismiss` pops whatever screen is on top, so two queued close keys (escape pressed
twice before the first pop lands) would pop the dashboard itself. `close` acts once, and only
while this screen is the one on top.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


class Modal(ModalScreen[ResultType], Generic[ResultType]):
    """A modal screen whose `close(result)` / `action_close` can be called any number of times."""

    _dismissed = False  # not `_closing`: that name is MessagePump state

    def on_mount(self) -> None:
        """Open focused on the first field (Enter and typing work at once), else the first focusable."""
        from textual.widgets import Input

        fields = self.query(Input)
        target = fields.first() if fields else next((w for w in self.query("*") if w.focusable), None)
        if target is not None:
            self.set_focus(target)  # at once: Widget.focus() defers, and a fast first key would miss it

    def close(self, result: ResultType | None = None) -> None:
        if self._dismissed or self.app.screen is not self:
            return
        self._dismissed = True
        self.dismiss(result)

    def action_close(self) -> None:
        self.close()
