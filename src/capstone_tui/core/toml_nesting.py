"""A bound on how deeply a TOML document nests arrays and inline tables, checked before parsing.

Python's `tomllib` parses nested arrays recursively, so a document nested a few thousand levels
deep ends in RecursionError. A candidate needs two levels at most; anything deeper than
`TOML_NESTING_MAX` is refused as bad input (exit 2) by one linear scan that skips strings and
comments (basic, literal and multi-line strings; `#` to the end of the line).
"""

from __future__ import annotations

import re

from capstone_tui.core.errors import ValidationError

TOML_NESTING_MAX = 32
_SPECIAL = re.compile(r"[#\"'\[\]{}]")
NESTING_ACCEPTED = f"must nest arrays and inline tables at most {TOML_NESTING_MAX} levels deep"


def nesting_depth(text: str, stop_above: int = TOML_NESTING_MAX) -> int:
    """The deepest bracket nesting ([ and {) outside strings and comments; stops past `stop_above`."""
    depth = deepest = 0
    i, n = 0, len(text)
    while i < n:
        found = _SPECIAL.search(text, i)  # jump to the next character that matters
        if found is None:
            break
        i = found.start()
        ch = text[i]
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch in "\"'":
            i = _skip_string(text, i)
            continue
        if ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_above:
                    return deepest
        elif ch in "]}":
            depth = max(0, depth - 1)
        i += 1
    return deepest


def _skip_string(text: str, i: int) -> int:
    """The index just past the string that starts at text[i] (an unterminated one: the end)."""
    quote = text[i]
    if text.startswith(quote * 3, i):
        end = text.find(quote * 3, i + 3)
        if end < 0:
            return len(text)
        end += 3
        while end < len(text) and text[end] == quote:  # up to two quotes may close it ("""a"""")
            end += 1
        return end
    j = i + 1
    while j < len(text) and text[j] != "\n":
        if text[j] == "\\" and quote == '"':
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        j += 1
    return j


def check_nesting(text: str, source: str) -> None:
    """Raise ValidationError (naming `source` and the bound) when `text` nests too deeply."""
    depth = nesting_depth(text)
    if depth > TOML_NESTING_MAX:
        raise ValidationError(source, NESTING_ACCEPTED, detail=f"found more than {TOML_NESTING_MAX} levels")
