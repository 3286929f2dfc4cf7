"""The one base for our modal screens: closing is idempotent.

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

    def close(self, result: ResultType | None = None) -> None:
        if self._dismissed or self.app.screen is not self:
            return
        self._dismissed = True
        self.dismiss(result)

    def action_close(self) -> None:
        self.close()
