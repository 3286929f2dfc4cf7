"""A candidate as TOML text that keeps an existing file's comments, blank lines and key order.

Saving from the dashboard edits the user's file rather than rewriting it: values that changed
are replaced in place (`tomlkit` round-trips everything else byte for byte), keys that changed
from what the file meant are set (appended when the file left them to the defaults), keys the
candidate no longer has are removed. Pure text in, text out.
"""

from __future__ import annotations

from typing import Any

from capstone_tui.core.candidate import Candidate, candidate_to_dict, parse_candidate


def _merge(table: Any, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Edit `table` (a tomlkit container) where `new` differs from what the file meant (`old`)."""
    import tomlkit

    for key in [k for k in old if k not in new and k in table]:
        del table[key]
    for key, value in new.items():
        if isinstance(value, dict):
            if key not in table or not isinstance(table[key], dict):
                if value == old.get(key):
                    continue  # an implicit section the file left to the defaults
                table[key] = tomlkit.table()
            _merge(table[key], old.get(key) or {}, value)
        elif value != old.get(key) or (key in table and table[key] != value):
            table[key] = value


def candidate_toml(candidate: Candidate, original: str | None = None) -> str:
    """The candidate as TOML; with `original` (a candidate file's text), that text edited in place."""
    import tomlkit  # small, pure Python; only needed when saving

    values = candidate_to_dict(candidate)
    if original is None:
        return tomlkit.dumps(values)
    try:
        text = original.lstrip("\ufeff")
        doc = tomlkit.parse(text)
        old = candidate_to_dict(parse_candidate(text))
    except Exception:  # an original that no longer parses: write a fresh document instead
        return tomlkit.dumps(values)
    _merge(doc, old, values)
    return tomlkit.dumps(doc)
