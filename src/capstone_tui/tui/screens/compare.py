"""The compare view: candidates side by side, one row each (Exercise 41.1.1's three candidates).

Rendering only: the rows are core/comparison.py's, built by `session.compare_candidates` (the
same calls `capstone-tui compare` makes) in a thread worker when the screen is given paths; the
highlighted row's reason is shown in full under the table.
"""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from capstone_tui.core.comparison import COLUMNS, ComparisonRow, row_cells
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.safe_text import safe_text
from capstone_tui.tui.screens.base import Modal


class CompareScreen(Modal[None]):
    """The table of candidates; the cursor row's reason below it; escape or q closes it."""

    BINDINGS = [Binding("escape,q", "close", "close")]
    DEFAULT_CSS = """
    CompareScreen { align: center middle; }
    CompareScreen > Vertical { width: 96%; height: 90%; border: round $accent; background: $surface; padding: 0 1; }
    CompareScreen DataTable { height: auto; max-height: 1fr; }
    CompareScreen #compare-reason { height: auto; margin-top: 1; }
    """

    def __init__(self, rows: Sequence[ComparisonRow] = (), *, paths: Sequence[str] = (),
                 machine: str | None = None) -> None:
        super().__init__()
        self.rows = list(rows)
        self.paths = tuple(paths)
        self.machine = machine

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Candidates side by side: the first ceiling cleared routes each to an axis; "
                         "the decision needs both gates. Up/down: a candidate's reason; escape closes.")
            table: DataTable[Text] = DataTable(id="compare-table", cursor_type="row", zebra_stripes=True)
            table.add_columns(*COLUMNS)
            yield table
            yield Static(Text(f"reading {len(self.paths)} candidates…") if self.paths and not self.rows
                         else self._reason(0), id="compare-reason")

    def on_mount(self) -> None:
        self._fill(self.rows)
        super().on_mount()
        if self.paths and not self.rows:
            self._read()

    @work(thread=True, exit_on_error=False, name="compare candidates")
    def _read(self) -> None:
        from capstone_tui.session import compare_candidates

        try:
            rows = compare_candidates(self.paths, machine=self.machine)
        except ValidationError as err:
            self.app.call_from_thread(self._say, Text(err.message))
            return
        self.app.call_from_thread(self._fill, rows)

    def _fill(self, rows: Sequence[ComparisonRow]) -> None:
        self.rows = list(rows)
        table = self.query_one(DataTable)
        table.clear()
        for row in self.rows:  # names and reasons are user text: never markup
            table.add_row(*(Text(safe_text(cell)) for cell in row_cells(row)))
        if self.rows:
            self._say(self._reason(0))

    def _say(self, text: Text) -> None:
        self.query_one("#compare-reason", Static).update(text)

    def _reason(self, index: int) -> Text:
        if not self.rows:
            return Text("No candidates to compare.")
        row = self.rows[max(0, min(index, len(self.rows) - 1))]
        return Text(f"{row.name}: {row.reason}")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._say(self._reason(event.cursor_row))
