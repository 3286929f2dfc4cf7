"""One lookup at a time, in a thread worker, with a spinner and Esc to cancel: the machinery the
sizer's dataset tab and its model tab share (what they look up, and how they show it, stays theirs).

A run number is bumped by every start and cancel, so a cancelled or superseded worker's answer
is ignored; the worker reports with `LookupFinished`, which the widget that started it stops.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import work
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import get_current_worker

from capstone_tui.core.errors import ValidationError
from capstone_tui.core.safe_text import safe_text
from capstone_tui.tui.messages import LookupFinished

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
ONLINE_DEADLINE_S = 5.0  # ctrl+l: as `size --online`'s default deadline (a dashboard waits less than `plan`'s 10 s)
ONLINE_KEY = "ctrl+l"


class LookupRun:
    """Mixed into a widget: `VERB` ("sizing"), `STATUS` (the status Static's selector), and
    `lookup(text, online)` (in the worker thread) and `finished(outcome)` (on the event loop)."""

    VERB = "reading"
    STATUS = ""

    def init_lookup(self) -> None:
        self._run = 0
        self._started = 0.0
        self._timer: Timer | None = None
        self._target = ""
        self._online = False

    @property
    def running(self) -> bool:
        return self._timer is not None

    @property
    def online_default(self) -> bool:
        """Enter asks the Hub too: the dashboard was started with --online."""
        return bool(getattr(self.app, "sizer_online", False))  # type: ignore[attr-defined]

    def begin(self, text: str, *, online: bool) -> None:
        self._run += 1
        self._target, self._online, self._started = text, online, time.monotonic()
        self._stop_timer()
        self._timer = self.set_interval(0.1, self._tick, name=f"{self.VERB}-spinner")  # type: ignore[attr-defined]
        self._tick()
        self._worker(text, self._run, online)

    def lookup(self, text: str, online: bool) -> Any:
        raise NotImplementedError

    def offline_hint(self, err: ValidationError, text: str) -> str:
        """The line for an offline lookup's error: where it is a miss, how to ask the Hub."""
        return err.message

    def finished(self, outcome: Any) -> None:
        raise NotImplementedError

    @work(thread=True, exclusive=True, group="lookup", exit_on_error=False)
    def _worker(self, text: str, run: int, online: bool) -> None:
        worker = get_current_worker()
        outcome: Any
        try:
            outcome = self.lookup(text, online)
        except ValidationError as err:
            outcome = err.message if online else self.offline_hint(err, text)
        except Exception as err:  # a bug or an odd file: one line inline, never a traceback
            outcome = f"error: {' '.join(str(err).split()) or type(err).__name__}"
        if not worker.is_cancelled:
            self.post_message(LookupFinished(run, outcome))  # type: ignore[attr-defined]

    def on_lookup_finished(self, event: LookupFinished) -> None:
        event.stop()  # the widget's own report: its parents need not hear it
        if event.run != self._run:  # cancelled or superseded: ignore
            return
        self._stop_timer()
        if isinstance(event.outcome, str):
            self.error = event.outcome
            self.status(event.outcome)
            return
        self.finished(event.outcome)

    def elapsed_s(self) -> float:
        return time.monotonic() - self._started

    def _tick(self) -> None:
        elapsed = self.elapsed_s()
        frame = SPINNER[int(elapsed * 10) % len(SPINNER)]
        where = "online" if self._online else "offline"
        self.status(f"{frame} {self.VERB} {self._target} {where} ... {elapsed:.1f} s (Esc cancels)")

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def status(self, text: str) -> None:
        """The status line: paths and Hub ids are plain text, control characters made visible."""
        self.query_one(self.STATUS, Static).update(Text(safe_text(text, multiline=True)))  # type: ignore[attr-defined]

    def cancel(self) -> bool:
        """Esc: stop the lookup (True when one was running)."""
        if not self.running:
            return False
        self._run += 1
        self.workers.cancel_group(self, "lookup")  # type: ignore[attr-defined]
        self._stop_timer()
        self.status(f"cancelled {self.VERB} {self._target}")
        return True
