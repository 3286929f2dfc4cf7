"""Axes of the speedup chart: round ticks that land exactly on the rows and columns drawn.

Pure arithmetic, no drawing. The y axis starts at 0 and puts tick i (value i * step, the step
being 1, 2, 2.5 or 5 x 10^k) on the centre of text row i * rows_per_tick counted from the
bottom, so a label sits on the row of its value. The x axis maps worker counts to braille dot
columns (two per text column), linearly or logarithmically, and labels whole numbers only:
round steps on a linear axis, powers of two on a log axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

NICE_STEPS = (1.0, 2.0, 2.5, 5.0)
MAX_Y_TICKS = 8
DOTS_PER_ROW = 4  # a braille cell is 2 dots wide, 4 dots tall
DOTS_PER_COLUMN = 2
LINEAR_AXIS_MAX_P = 256  # a dashboard opened with a larger pmax starts on the log axis


@dataclass(frozen=True)
class YAxis:
    """Values 0 .. top over `rows` text rows; tick i is on row i * rows_per_tick from the bottom."""

    rows: int
    step: float
    rows_per_tick: int
    ticks: tuple[float, ...]

    @property
    def per_row(self) -> float:
        return self.step / self.rows_per_tick

    @property
    def top(self) -> float:
        """The highest value still drawn (the upper edge of the top row)."""
        return (self.rows - 0.5) * self.per_row

    def row_of(self, value: float) -> float:
        """Continuous row (from the bottom) of a value: row r spans [r - 0.5, r + 0.5)."""
        return value / self.per_row

    def dot_of(self, value: float) -> int:
        """The braille dot row (from the bottom, 4 per text row) that draws this value."""
        return math.floor((self.row_of(value) + 0.5) * DOTS_PER_ROW)

    def label(self, value: float, percent: bool = False, unit: str = "") -> str:
        """The tick text, with just the decimals the step needs (2.5 -> '7.5', 0.2 -> '0.4'),
        then '%' (percent) or the unit ('h')."""
        e = math.floor(math.log10(self.step) + 1e-9)
        mult = self.step / 10.0**e
        decimals = max(0, -e + (1 if abs(mult - 2.5) < 1e-9 else 0))
        text = f"{value:.{decimals}f}"
        return text + ("%" if percent else unit)


def y_axis(top: float, rows: int, min_gap: int = 2) -> YAxis:
    """The round y axis that fits 0..top into `rows` rows using as much height as it can.

    Ticks are `min_gap` or more rows apart when the chart is tall enough, and at most
    MAX_Y_TICKS of them; the top of the data is at or below the centre of the top row.
    """
    rows = max(2, int(rows))
    top = top if math.isfinite(top) and top > 0 else 1.0
    span = rows - 1  # rows from the bottom row's centre (value 0) to the top row's centre
    gap_floor = min_gap if span >= 2 * min_gap else 1
    min_ticks = min(4, span // gap_floor + 1)
    best: tuple[float, int, float, int] | None = None  # (utilization, ticks, step, rows_per_tick)
    exponent = math.floor(math.log10(top / span)) - 1
    for e in range(exponent, exponent + 4):
        for mult in NICE_STEPS:
            step = mult * 10.0**e
            for gap in range(gap_floor, span + 1):
                n = span // gap
                if n < 1 or not min_ticks <= n + 1 <= MAX_Y_TICKS:
                    continue
                reach = span * step / gap  # value at the top row's centre
                if reach < top * (1 - 1e-12):
                    continue
                key = (round(top / reach, 9), n, step, gap)
                if best is None or key > best:
                    best = key
    if best is None:  # cannot happen for finite top; keep a valid axis anyway
        step, gap = top, span
    else:
        step, gap = best[2], best[3]
    ticks = tuple(i * step for i in range(span // gap + 1))
    return YAxis(rows=rows, step=step, rows_per_tick=gap, ticks=ticks)


@dataclass(frozen=True)
class XAxis:
    """Worker counts lo..hi over `dots` braille dot columns, linear or logarithmic."""

    lo: int
    hi: int
    dots: int
    log: bool
    ticks: tuple[int, ...]

    def _t(self, p: float) -> float:
        if self.log:
            return math.log(p / self.lo) / math.log(self.hi / self.lo) if self.hi > self.lo else 0.0
        return (p - self.lo) / (self.hi - self.lo) if self.hi > self.lo else 0.0

    def dot_of(self, p: float) -> float:
        """Continuous dot column of p (dot column k is centred on k)."""
        return self._t(p) * (self.dots - 1)

    def column_of(self, p: float) -> int:
        """The text column (2 dot columns each) that draws p."""
        return min(self.dots - 1, max(0, round(self.dot_of(p)))) // DOTS_PER_COLUMN

    def p_at(self, dot: float) -> float:
        """The worker count at a (continuous) dot column."""
        t = dot / (self.dots - 1) if self.dots > 1 else 0.0
        if self.log:
            return float(self.lo * (self.hi / self.lo) ** t)
        return self.lo + t * (self.hi - self.lo)

    def p_of_column(self, column: int) -> int:
        """The whole worker count nearest the centre of a text column."""
        p = self.p_at(column * DOTS_PER_COLUMN + 0.5)
        return max(self.lo, min(self.hi, round(p)))


def x_axis(hi: int, columns: int, log: bool) -> XAxis:
    """Whole-number ticks: powers of two on a log axis, 1 and multiples of a round step else."""
    hi = max(2, int(hi))
    columns = max(2, int(columns))
    dots = columns * DOTS_PER_COLUMN
    width = max(len(str(hi)) + 2, columns // 9)  # room each label needs; at most ~9 labels
    max_ticks = max(2, columns // width)
    if log:
        powers = [2**k for k in range(hi.bit_length()) if 2**k <= hi]
        stride = 1
        while len(powers[::stride]) > max_ticks:
            stride *= 2
        ticks = tuple(powers[::stride])
    else:
        ticks = _linear_ticks(hi, columns, width)
    return XAxis(lo=1, hi=hi, dots=dots, log=log, ticks=ticks)


def _linear_ticks(hi: int, columns: int, width: int) -> tuple[int, ...]:
    """1, then multiples of the smallest round step (1, 2, 5 x 10^k) whose labels do not touch."""
    def col(p: int) -> float:
        return (p - 1) / (hi - 1) * (columns - 1)

    step = 1
    for e in range(len(str(hi)) + 1):
        for mult in (1, 2, 5):
            step = mult * 10**e
            multiples = list(range(step, hi + 1, step))
            if all(col(b) - col(a) >= width for a, b in zip(multiples, multiples[1:])):
                if not multiples:
                    return (1,)
                if multiples[0] == 1:
                    return tuple(multiples)
                return tuple(([1] if col(multiples[0]) - col(1) >= width else []) + multiples)
    return (1, hi)
