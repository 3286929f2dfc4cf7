"""The Karp-Flatt screen: measured serial fraction e(p) against the fitted line s + c p.

Under the model e(p) = s + c p exactly (Karp & Flatt, CACM 33(5), 1990), so the measured
points should lie on the fit's line; a rising e means a per-worker cost, a flat e a pure
serial fraction. Rendering only: the numbers come from core.fitting.FitResult.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from capstone_tui.tui.screens.base import Modal


def karp_flatt_rows(fit: Any) -> list[tuple[str, str, str, str]]:
    """(p, measured e, fitted s + c p, difference) as display strings."""
    rows = []
    for p, e in fit.karp_flatt:
        line = fit.s + fit.c * p
        rows.append((str(p), f"{e:+.4f}", f"{line:.4f}", f"{e - line:+.4f}"))
    return rows


class KarpFlattScreen(Modal[None]):
    """The table of e(p); escape or q closes it."""

    BINDINGS = [Binding("escape,q", "close", "close")]
    DEFAULT_CSS = """
    KarpFlattScreen { align: center middle; }
    KarpFlattScreen > Vertical { width: 90%; max-width: 84; height: 90%; border: round $accent; background: $surface; padding: 0 1; }
    KarpFlattScreen DataTable { height: 1fr; }
    """

    def __init__(self, fit: Any) -> None:
        super().__init__()
        self.fit = fit

    def compose(self) -> ComposeResult:
        fit = self.fit
        head = (f"Karp-Flatt serial fraction e(p) = (1/S - 1/p)/(1 - 1/p), measured "
                f"(S normalized to the fitted single-worker time); line = s + c p from the "
                f"{fit.method} fit: s = {fit.s:.4f}, c = {fit.c:.5f}.")
        with Vertical():
            yield Static(head)
            table: DataTable[str] = DataTable(id="karp-flatt-table", cursor_type="row", zebra_stripes=True)
            table.add_columns("p (workers)", "e measured", "s + c p (fit)", "e - line")
            rows = karp_flatt_rows(fit)
            if rows:
                table.add_rows(rows)
            yield table
            yield Static("No p > 1 measured: Karp-Flatt is undefined at p = 1." if not rows
                         else "Rising e: a per-worker cost (c > 0). Flat e: a pure serial part. "
                              "escape or q closes.")
