"""Measured runs: parse and validate a runs CSV (pure, on text) into `Runs`.

The CSV has a header naming `p` and exactly one of `time` (wall seconds for a fixed amount
of work, strong scaling) or `throughput` (work per unit time). Repeated p are allowed (one
row per repeat). Other columns (e.g. `raw_time`, `baseline`, `repeat`, `launcher`, `note`)
are kept out of the fit and ignored. Blank lines and lines starting with `#` are skipped.
Every bad value raises `ValidationError` naming the source, the line and the column.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from dataclasses import dataclass

from capstone_tui.core.errors import ValidationError

TIME = "time"
THROUGHPUT = "throughput"
KINDS = (TIME, THROUGHPUT)
P_LIMIT = 10_000_000
HEADER_ACCEPTED = "a header with 'p' and one of 'time' or 'throughput' (e.g. 'p,time')"
P_ACCEPTED = f"must be an integer in [1, {P_LIMIT:,}]"
VALUE_MIN, VALUE_MAX = 1e-300, 1e300
VALUE_ACCEPTED = "must be a number in [1e-300, 1e300]"
AGGREGATES = ("all", "min", "median")


@dataclass(frozen=True)
class Runs:
    """Measured (p, value) rows in file order; `kind` says whether value is time or throughput."""

    kind: str
    rows: tuple[tuple[int, float], ...]
    source: str = "runs.csv"

    @property
    def ps(self) -> tuple[int, ...]:
        """The distinct worker counts, ascending."""
        return tuple(sorted({p for p, _ in self.rows}))

    @property
    def max_p(self) -> int:
        return max(p for p, _ in self.rows)

    def values_at(self, p: int) -> tuple[float, ...]:
        """Every measured value (repeats) at worker count p."""
        return tuple(v for q, v in self.rows if q == p)

    def grouped(self) -> dict[int, list[float]]:
        """Every p's values (repeats) in file order, keyed by p ascending: one pass, O(N log N)."""
        groups: dict[int, list[float]] = {}
        for p, v in self.rows:
            groups.setdefault(p, []).append(v)
        return {p: groups[p] for p in sorted(groups)}

    def as_time(self) -> tuple[tuple[int, float], ...]:
        """Rows as time per unit of work: time as is, 1/throughput for throughput data."""
        if self.kind == TIME:
            return self.rows
        return tuple((p, 1.0 / x) for p, x in self.rows)

    def aggregated(self, stat: str) -> Runs:
        """One row per p: the minimum or the median of the repeats ('all' keeps every row).

        For times, the minimum is the right summary when launch and contention noise only
        ever add time; for throughput the best repeat is the maximum.
        """
        if stat == "all":
            return self
        rows = []
        for p, values in self.grouped().items():
            if stat == "min":
                rows.append((p, min(values) if self.kind == TIME else max(values)))
            else:
                rows.append((p, statistics.median(values)))
        return Runs(kind=self.kind, rows=tuple(rows), source=self.source)


def parse_runs_csv(text: str, source: str = "runs.csv") -> Runs:
    """Parse runs CSV text; raise ValidationError naming line and column on bad input."""
    text = text[1:] if text.startswith("\ufeff") else text  # a byte-order mark from Excel
    head, _, body = text.lstrip().partition("\n")
    if head.strip() and not head.startswith("#") and '"' not in head:
        header = [h.strip().lower() for h in head.split(",")]
        try:
            p_col, v_col, kind = _columns(header, source, 1)
        except ValidationError:
            pass
        else:
            bulk = _bulk_rows(body, len(header), p_col, v_col)
            if bulk:
                return Runs(kind=kind, rows=bulk, source=source)
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise ValidationError(source, HEADER_ACCEPTED, detail="the file has no header and no rows")
    header_no, header_line = lines[0]
    header = [h.strip().lower() for h in _split(header_line, source, header_no)]
    p_col, v_col, kind = _columns(header, source, header_no)
    rows: list[tuple[int, float]] = []
    width = len(header)
    for line_no, line in lines[1:]:
        cells = _split(line, source, line_no)
        if len(cells) != width:
            raise ValidationError(
                f"{source} line {line_no}", f"must have {width} comma-separated cells like the header",
                line.strip())
        rows.append((_fast_p(cells[p_col]) or _p_cell(cells[p_col], f"{source} line {line_no}, column 'p'"),
                     _fast_value(cells[v_col]) or _value_cell(cells[v_col], f"{source} line {line_no}, column '{kind}'")))
    if not rows:
        raise ValidationError(source, "needs at least one data row after the header")
    return Runs(kind=kind, rows=tuple(rows), source=source)


def _bulk_rows(body: str, width: int, p_col: int, v_col: int) -> tuple[tuple[int, float], ...] | None:
    """Plain rows (no quotes, comments or spaces, every value valid) parsed at C speed, else None.

    A large runs file (a million rows) parses in about a second this way; anything unusual
    returns None and goes through the line-by-line parser, which names the bad line and column.
    """
    if any(ch in body for ch in ('"', "#", " ", "\t")):
        return None
    records = body.split()
    if not records or not all(r.count(",") == width - 1 for r in records):
        return None
    cells = ",".join(records).split(",")
    try:
        ps = list(map(int, cells[p_col::width]))
        values = list(map(float, cells[v_col::width]))
    except ValueError:
        return None
    if min(ps) < 1 or max(ps) > P_LIMIT or not all(VALUE_MIN <= v <= VALUE_MAX for v in values):
        return None
    return tuple(zip(ps, values))


def _split(line: str, source: str, line_no: int) -> list[str]:
    if '"' not in line:  # the common case, without the csv module's per-line setup
        return [cell.lstrip() for cell in line.split(",")]
    try:
        return next(csv.reader(io.StringIO(line), skipinitialspace=True))
    except (csv.Error, StopIteration):
        raise ValidationError(f"{source} line {line_no}", "must be one CSV record", line) from None


def _columns(header: list[str], source: str, line_no: int) -> tuple[int, int, str]:
    where = f"{source} line {line_no} (header)"
    if len(set(header)) != len(header):
        raise ValidationError(where, "column names must be unique", ",".join(header))
    kinds = [k for k in KINDS if k in header]
    if "p" not in header or len(kinds) != 1:
        raise ValidationError(where, HEADER_ACCEPTED, ",".join(header))
    return header.index("p"), header.index(kinds[0]), kinds[0]


def _fast_p(cell: str) -> int:
    """The p of a plain decimal cell in range, or 0 (then _p_cell validates and names the error)."""
    if cell.isdigit():
        value = int(cell)
        if 1 <= value <= P_LIMIT:
            return value
    return 0


def _fast_value(cell: str) -> float:
    """The value of a cell already in range, or 0.0 (then _value_cell validates and names the error)."""
    try:
        value = float(cell)
    except ValueError:
        return 0.0
    return value if VALUE_MIN <= value <= VALUE_MAX else 0.0


def _p_cell(cell: str, where: str) -> int:
    text = cell.strip()
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(where, P_ACCEPTED, text) from None
    if not (math.isfinite(value) and value.is_integer() and 1 <= value <= P_LIMIT):
        raise ValidationError(where, P_ACCEPTED, text)
    return int(value)


def _value_cell(cell: str, where: str) -> float:
    text = cell.strip()
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(where, VALUE_ACCEPTED, text) from None
    if not (math.isfinite(value) and VALUE_MIN <= value <= VALUE_MAX):
        raise ValidationError(where, VALUE_ACCEPTED, text)
    return value


def runs_from_rows(kind: str, rows: list[tuple[int, float]], source: str = "probe") -> Runs:
    """Runs built in code (the probe): same validation as the CSV path."""
    if kind not in KINDS:
        raise ValidationError("kind", "must be 'time' or 'throughput'", kind)
    checked = tuple((_p_cell(str(p), f"{source} row {i}, column 'p'"),
                     _value_cell(repr(float(v)), f"{source} row {i}, column '{kind}'"))
                    for i, (p, v) in enumerate(rows, start=1))
    if not checked:
        raise ValidationError(source, "needs at least one measured row")
    return Runs(kind=kind, rows=checked, source=source)
