"""A candidate as TOML text that keeps an existing file's comments, blank lines and key order.

Saving from the dashboard edits the user's file rather than rewriting it: values that changed
are replaced in place (`tomlkit` round-trips everything else byte for byte), keys that changed
from what the file meant are set (appended when the file left them to the defaults), keys the
candidate no longer has are removed. Pure text in, text out.
"""

from __future__ import annotations

from dataclasses import replace
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


def left_to_from(candidate: Candidate, filled: dict[str, Any] | None,
                 given: Candidate | None = None) -> Candidate:
    """The candidate as its file should say it: the [model] fields `[model] from` filled (`filled`:
    ModelShape.candidate_fields of the model read) are left to `from` when the file (`given`)
    did not set them and they still hold the value read. Written out, they would outrank `from`
    on the next read (a file's own fields override it), so a later change of `from` would
    silently keep the old model's numbers. A value the user changed is kept."""
    model = candidate.model
    if not filled or not model.from_:
        return candidate
    given_model = given.model if given is not None else None
    cleared: dict[str, Any] = {name: None for name, value in filled.items()
               if value is not None and getattr(model, name, None) == value
               and (given_model is None or getattr(given_model, name, None) is None)}
    return replace(candidate, model=replace(model, **cleared)) if cleared else candidate


def candidate_toml(candidate: Candidate, original: str | None = None,
                   filled: dict[str, Any] | None = None) -> str:
    """The candidate as TOML; with `original` (a candidate file's text), that text edited in place.
    `filled`: what `[model] from` gave the candidate (left_to_from), not written as the file's own."""
    import tomlkit  # small, pure Python; only needed when saving

    if original is None:
        return tomlkit.dumps(candidate_to_dict(left_to_from(candidate, filled)))
    try:
        text = original.lstrip("\ufeff")
        doc = tomlkit.parse(text)
        given = parse_candidate(text)
        old = candidate_to_dict(given)
    except Exception:  # an original that no longer parses: write a fresh document instead
        return tomlkit.dumps(candidate_to_dict(left_to_from(candidate, filled)))
    _merge(doc, old, candidate_to_dict(left_to_from(candidate, filled, given)))
    return tomlkit.dumps(doc)
