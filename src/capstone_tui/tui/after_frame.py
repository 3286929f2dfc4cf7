"""Work that follows a key's frame: the verdict text first, then the tree and the chart.

`call_after_refresh` alone runs the callback right after the frame is composed, but Textual
writes frames from its output thread: heavy work straight after a frame holds the GIL and keeps
that frame off the terminal (measured: 1.9 ms late behind the chart's rebuild). A short timer
after the refresh lets the event loop sleep, the output thread writes, and then the rest follows.
"""

from __future__ import annotations

from typing import Callable

from textual.widget import Widget

FOLLOW_S = 0.004  # after a frame is composed: time for the output thread to write it


def after_frame(widget: Widget, callback: Callable[[], object]) -> None:
    """Run `callback` once the next frame has been composed and had FOLLOW_S to reach the terminal."""
    widget.call_after_refresh(widget.set_timer, FOLLOW_S, callback)
