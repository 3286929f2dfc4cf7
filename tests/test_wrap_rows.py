"""The verdict bar's own word wrap (tui/wrap.py) gives Rich's rows exactly, wide characters and
words longer than a row included, and its cut ends in an ellipsis within the width."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from capstone_tui.tui.wrap import ELLIPSIS, cut_rows, wrap_rows

CONSOLE = Console(width=200, color_system=None)
WORDS = st.one_of(
    st.text(alphabet="abcdefxyz0123=.%()*", min_size=1, max_size=12),
    st.text(alphabet="数据中心→…é", min_size=1, max_size=6),  # wide and non-ASCII one-cell characters
    st.text(alphabet="w", min_size=30, max_size=90),  # longer than a row: folded
)
SPACES = st.sampled_from([" ", "  ", "\n", " \n ", "\t"])


@st.composite
def texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(WORDS, min_size=0, max_size=30))
    gaps = [draw(SPACES) for _ in words]
    lead = draw(st.sampled_from(["", " ", "  "]))
    return lead + "".join(w + g for w, g in zip(words, gaps))


def rich_rows(text: str, width: int) -> list[str]:
    return [line.plain.rstrip() for line in Text(text).wrap(CONSOLE, width)]


@settings(max_examples=600, deadline=None)
@given(texts(), st.integers(min_value=2, max_value=60))  # width 1 can not hold a 2-cell character
def test_rows_equal_richs_wrap(text: str, width: int) -> None:
    rows = wrap_rows(text, width)
    assert rows == rich_rows(text, width)
    assert all(cell_len(row) <= max(width, 2) for row in rows)  # a 2-cell character can not split


def test_a_known_sentence_at_a_known_width() -> None:
    text = "s=0.05 (serial share) c=0.002 (per added worker) pmax=4096 1/s=20x | the justification test"
    assert wrap_rows(text, 40) == ["s=0.05 (serial share) c=0.002 (per added", "worker) pmax=4096 1/s=20x | the",
                                   "justification test"]
    assert wrap_rows("a\n\nb", 10) == ["a", "", "b"]  # blank lines kept


@given(st.lists(st.text(alphabet="ab 数", max_size=20), max_size=8), st.integers(0, 9), st.integers(2, 20))
def test_cut_keeps_at_most_keep_rows_and_marks_the_cut(rows: list[str], keep: int, width: int) -> None:
    rows = [row for text in rows for row in wrap_rows(text, width)]
    cut = cut_rows(rows, keep, width)
    assert len(cut) == min(len(rows), max(keep, 0))
    if len(rows) > keep > 0:
        assert cut[-1].endswith(ELLIPSIS) and cell_len(cut[-1]) <= width
        assert cut[:-1] == rows[: keep - 1]
    else:
        assert cut == rows[: max(keep, 0)]
