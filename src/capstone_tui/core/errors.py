"""Errors the user can cause, as values that name the field and the accepted range.

The CLI prints `str(err)` on one line and exits 2; the dashboard shows the same text inline
and keeps the last valid state.
"""

from __future__ import annotations

import math
from typing import Any


class ValidationError(ValueError):
    """Bad input: which field, what was accepted, what was given."""

    def __init__(self, field: str, accepted: str, got: Any = None, *, detail: str = "") -> None:
        self.field = field
        self.accepted = accepted
        self.got = got
        self.detail = detail
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = f"{self.field}: {self.accepted}"
        if self.got is not None:
            text += f" (got {_show(self.got)})"
        if self.detail:
            text += f"; {self.detail}"
        return " ".join(text.split())  # always one line


def _show(value: Any) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return repr(shown)
    return repr(value)


def as_float(field: str, value: Any, accepted: str) -> float:
    """A finite float from user input (bool, NaN, inf and non-numbers rejected)."""
    if isinstance(value, bool):
        raise ValidationError(field, accepted, value)
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(field, accepted, value) from None
    if not math.isfinite(number):
        raise ValidationError(field, accepted, value)
    return number


def as_int(field: str, value: Any, accepted: str) -> int:
    """An integer from user input: ints, integral floats and integer strings only."""
    if isinstance(value, bool):
        raise ValidationError(field, accepted, value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise ValidationError(field, accepted, value)
    if isinstance(value, str):
        try:
            return int(value.strip().replace("_", ""), 10)
        except ValueError:
            raise ValidationError(field, accepted, value) from None
    raise ValidationError(field, accepted, value)


def int_in(field: str, value: Any, low: int, high: int) -> int:
    """An integer in [low, high] from user input; the message states the range."""
    accepted = f"must be an integer in [{low:,}, {high:,}]"
    number = as_int(field, value, accepted)
    if not low <= number <= high:
        raise ValidationError(field, accepted, value)
    return number


def float_in(field: str, value: Any, low: float, high: float) -> float:
    """A finite number in [low, high] from user input; the message states the range."""
    accepted = f"must be a number in [{low:g}, {high:g}]"
    number = as_float(field, value, accepted)
    if not low <= number <= high:
        raise ValidationError(field, accepted, value)
    return number
