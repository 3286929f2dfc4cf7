"""Word wrap by terminal cells: the rows a text takes at a width, exactly as they are painted.

The verdict bar wraps its text here and paints it with `text-wrap: nowrap`, so the rows it counts
(to cut the text to the bar's height) are the rows on screen, not a second wrap's guess. The rule
is Rich's greedy one (rich/_wrap.py `divide_line`, fold on): a word with the spaces after it goes
on the current row when the word itself fits; a word wider than a row is folded across rows.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, chop_cells, set_cell_size

WORD = re.compile(r"\s*\S+\s*")
ELLIPSIS = "…"


def wrap_rows(text: str, width: int) -> list[str]:
    """`text` (newlines kept as row breaks) as rows of at most `width` cells, trailing spaces dropped."""
    width = max(1, width)
    rows: list[str] = []
    for line in text.split("\n"):
        rows.extend(_wrap_line(_expand_tabs(line), width))
    return rows


def _expand_tabs(line: str, size: int = 8) -> str:
    """Tabs to spaces, tab stops counted in cells (as Rich does; str.expandtabs counts characters)."""
    if "\t" not in line:
        return line
    *parts, last = line.split("\t")
    out = ""
    for part in parts:
        out += part
        out += " " * (size - cell_len(out) % size)
    return out + last


def _wrap_line(line: str, width: int) -> list[str]:
    measure = len if line.isascii() and line.isprintable() else cell_len  # printable ASCII: 1 cell each
    rows: list[str] = []
    row, used = "", 0
    for match in WORD.finditer(line):
        word = match.group(0)
        length = measure(word.rstrip())
        if width - used >= length:  # the word fits (its trailing spaces may hang past the edge)
            row, used = row + word, used + measure(word)
            continue
        if length > width:  # wider than any row: fold it, the last piece starts the next row
            *full, last = chop_cells(word, width)
            if row:
                rows.append(row)
            rows.extend(full)
            row, used = last, measure(last)
            continue
        rows.append(row)  # onto a fresh row (used > 0 here: an empty row fits any word <= width)
        row, used = word, measure(word)
    rows.append(row)
    return [r.rstrip() for r in rows]


def cut_rows(rows: list[str], keep: int, width: int) -> list[str]:
    """At most `keep` rows; when some are dropped the last kept row ends in an ellipsis."""
    if len(rows) <= keep:
        return rows
    if keep <= 0:
        return []
    last = set_cell_size(rows[keep - 1], min(cell_len(rows[keep - 1]), max(0, width - cell_len(ELLIPSIS))))
    return rows[: keep - 1] + [last.rstrip() + ELLIPSIS]
