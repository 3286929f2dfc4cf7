"""The speedup chart as character cells: braille curves on exact axes, rules, labels.

Pure: it takes the axes (core/chart/ticks.py) and the functions to draw, and returns text
cells, each tagged with a style key ("S", "geo", "both", "axis", "marker", ...) that a face
turns into colours. Every dot is placed by `YAxis.dot_of`, the same mapping that places the
tick labels, so a dot and a label with the same value share a row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

from capstone_tui.core.chart.ticks import DOTS_PER_COLUMN, DOTS_PER_ROW, XAxis, YAxis

BRAILLE_BASE = 0x2800
# bit of the dot (dx, dy) in a braille cell, dy counted from the top
_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
EMPTY = " "
CEILING_CHAR = "─"
MARKER_CHAR = "┊"
CURSOR_CHAR = "│"
POINT_CHAR = "×"
BOTH = "both"  # style key of a cell where two curves meet
RUN_AND_WAIT = "run+wait"  # style key of a cell where the run part and the wait part meet
_MERGED = {frozenset({"S", "geo"}): BOTH, frozenset({"run", "wait"}): RUN_AND_WAIT}
LIT_BY_CURSOR = ("S", BOTH, "geo", "run")  # curve cells the cursor lights in its colour


@dataclass
class Chart:
    """Text lines of (char, style key) cells: rows of the plot, then the x axis and its labels."""

    lines: list[list[tuple[str, str]]]
    gutter: int  # text columns left of the plot area (labels and the y axis)
    rows: int  # plot rows
    x: XAxis
    y: YAxis
    curve_cells: dict[int, int] = field(default_factory=dict)  # plot column -> row of the main curve

    def text_lines(self) -> list[str]:
        return ["".join(ch for ch, _ in line) for line in self.lines]


class _Grid:
    def __init__(self, rows: int, columns: int) -> None:
        self.rows, self.columns = rows, columns
        self.bits = [[0] * columns for _ in range(rows)]
        self.owner: list[list[str | None]] = [[None] * columns for _ in range(rows)]
        self.char: list[list[str | None]] = [[None] * columns for _ in range(rows)]

    def dot(self, key: str, col_dot: int, row_dot: int) -> None:
        """Set the dot at dot column `col_dot`, dot row `row_dot` (from the bottom)."""
        if not (0 <= row_dot < self.rows * DOTS_PER_ROW and 0 <= col_dot < self.columns * DOTS_PER_COLUMN):
            return
        r = self.rows - 1 - row_dot // DOTS_PER_ROW
        c = col_dot // DOTS_PER_COLUMN
        self.bits[r][c] |= _BITS[col_dot % DOTS_PER_COLUMN][DOTS_PER_ROW - 1 - row_dot % DOTS_PER_ROW]
        owner = self.owner[r][c]
        if owner is None:
            self.owner[r][c] = key
        elif owner != key and frozenset({owner, key}) in _MERGED:
            self.owner[r][c] = _MERGED[frozenset({owner, key})]


def draw_chart(x: XAxis, y: YAxis, curves: list[tuple[str, Callable[[float], float]]], *,
               hline: tuple[str, float] | None = None, points: Sequence[tuple[str, float, float]] = (),
               rule: tuple[str, int] | None = None, percent: bool = False, unit: str = "",
               bars: Sequence[tuple[str, int, float, float, int]] = ()) -> Chart:
    """Rasterize `curves` (drawn in order; the first is the main one) on the axes.

    `hline` is a horizontal rule (key, value) on the row of its value; `points` are (key, p,
    value) marks; `rule` is a vertical rule (key, p) drawn through empty cells of p's column;
    `bars` are (key, p, low, high, width) braille bars 1 or 2 dots wide in p's column, stacked
    when one bar's low is the previous one's high (every dot between the two values on its row).
    """
    rows, columns = y.rows, x.dots // DOTS_PER_COLUMN
    grid = _Grid(rows, columns)
    curve_cells: dict[int, int] = {}
    top_dot = rows * DOTS_PER_ROW - 1
    for index, (key, fn) in enumerate(curves):
        prev: int | None = None
        for k in range(x.dots):
            value = fn(x.p_at(k))
            if value is None or not math.isfinite(value):
                prev = None
                continue
            d = y.dot_of(value)
            clamped = max(-1, min(top_dot + 1, d))  # off the chart: one step past its edge
            if prev is not None:  # join to the previous column so steep parts stay connected
                step = 1 if clamped > prev else -1
                for j in range(prev + step, clamped, step):
                    grid.dot(key, k, j)
            grid.dot(key, k, d)
            prev = clamped
            if index == 0 and 0 <= d <= top_dot:
                curve_cells.setdefault(k // DOTS_PER_COLUMN, rows - 1 - d // DOTS_PER_ROW)
    for key, bar_p, low, high, wide in bars:
        if not 1 <= bar_p <= x.hi:
            continue
        c0 = x.column_of(bar_p) * DOTS_PER_COLUMN
        for d in range(max(0, y.dot_of(low) + (1 if low > 0 else 0)), min(top_dot, y.dot_of(high)) + 1):
            for dx in range(min(wide, DOTS_PER_COLUMN)):
                grid.dot(key, c0 + dx, d)
    for key, p, value in points:
        r = rows - 1 - round(y.row_of(value))
        if 0 <= r < rows and 1 <= p <= x.hi:
            grid.char[r][x.column_of(p)] = POINT_CHAR
            grid.owner[r][x.column_of(p)] = key
    if hline is not None:
        r = rows - 1 - round(y.row_of(hline[1]))
        if 0 <= r < rows:
            for c in range(columns):
                if grid.bits[r][c] == 0 and grid.char[r][c] is None:
                    grid.char[r][c], grid.owner[r][c] = CEILING_CHAR, hline[0]
    if rule is not None:
        _vertical_rule(grid, x.column_of(rule[1]), rule[0], MARKER_CHAR)
    return _frame(grid, x, y, curve_cells, percent, unit)


def _vertical_rule(grid: _Grid, c: int, key: str, char: str) -> None:
    for r in range(grid.rows):
        if grid.bits[r][c] == 0 and grid.char[r][c] is None:
            grid.char[r][c], grid.owner[r][c] = char, key
        elif grid.bits[r][c] and grid.owner[r][c] in ("S", BOTH):
            grid.owner[r][c] = key  # the curve's own cell at p* takes the marker colour


def _frame(grid: _Grid, x: XAxis, y: YAxis, curve_cells: dict[int, int], percent: bool, unit: str) -> Chart:
    labels = {y.rows - 1 - i * y.rows_per_tick: y.label(v, percent, unit) for i, v in enumerate(y.ticks)}
    gutter = max(len(t) for t in labels.values()) + 1
    lines: list[list[tuple[str, str]]] = []
    for r in range(grid.rows):
        label = labels.get(r, "")
        line = [(ch, "label") for ch in label.rjust(gutter - 1)]
        line.append(("┤" if r in labels else "│", "axis"))
        for c in range(grid.columns):
            bits = grid.bits[r][c]
            if bits:
                line.append((chr(BRAILLE_BASE + bits), grid.owner[r][c] or "S"))
            elif grid.char[r][c] is not None:
                line.append((grid.char[r][c] or EMPTY, grid.owner[r][c] or "axis"))
            else:
                line.append((EMPTY, "plot"))
        lines.append(line)
    tick_cols = {x.column_of(p): p for p in x.ticks}
    axis = [(" ", "label")] * (gutter - 1) + [("└", "axis")]
    axis += [("┬" if c in tick_cols else "─", "axis") for c in range(grid.columns)]
    lines.append(axis)
    text = [" "] * (gutter + grid.columns)
    end = -1
    for c, p in sorted(tick_cols.items()):
        label = str(p)
        start = max(end + 1, gutter + c - (len(label) - 1) // 2)
        if start + len(label) > len(text):
            start = len(text) - len(label)
        if start <= end:
            continue
        text[start:start + len(label)] = list(label)
        end = start + len(label)
    lines.append([(ch, "label") for ch in text])
    return Chart(lines=lines, gutter=gutter, rows=grid.rows, x=x, y=y, curve_cells=curve_cells)


def with_cursor(chart: Chart, p: int, key: str = "cursor") -> list[list[tuple[str, str]]]:
    """The chart's lines with a vertical cursor at p: empty cells get a rule, the curve is lit."""
    c = chart.gutter + chart.x.column_of(p)
    lines = []
    for r, line in enumerate(chart.lines):
        if r < chart.rows and c < len(line):
            ch, old = line[c]
            line = list(line)
            braille = BRAILLE_BASE < ord(ch) <= BRAILLE_BASE + 0xFF
            if braille:  # the curves' own dots stay, lit in the cursor's colour
                line[c] = (ch, key if old in LIT_BY_CURSOR else old)
            else:  # an empty cell, the p* rule or the 1/s rule: the cursor crosses it
                line[c] = ("┼" if ch == CEILING_CHAR else CURSOR_CHAR, key)
        elif r == chart.rows and c < len(line):
            line = list(line)
            line[c] = ("┴", key)
        lines.append(line)
    return lines
