"""The baselines: a bare Textual app of the same size (Header + Static + Footer).

    python bench/bare_app.py            # a label 's=0.05' that 'S' raises by 0.01
    python bench/bare_app.py --psutil   # also updates a label from psutil every second
"""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class Bare(App[None]):
    BINDINGS = [("S", "nudge", "s+"), ("q", "quit", "quit")]

    def __init__(self, live: bool) -> None:
        super().__init__()
        self.live = live
        self.s = 0.05

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"READY s={self.s:.2f}", id="label")
        yield Static("", id="live")
        yield Footer()

    def on_mount(self) -> None:
        if self.live:
            import psutil

            def tick() -> None:
                vm = psutil.virtual_memory()
                self.query_one("#live", Static).update(
                    f"cpu {psutil.cpu_percent():.0f} %  mem available {vm.available / 2**30:.2f} GiB")

            self.set_interval(1.0, tick)

    def action_nudge(self) -> None:
        self.s += 0.01
        self.query_one("#label", Static).update(f"READY s={self.s:.2f}")


if __name__ == "__main__":
    Bare(live="--psutil" in sys.argv).run()
