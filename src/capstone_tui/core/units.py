"""Units, spelled out: decimal (GB = 1e9 B) and binary (GiB = 2^30 B) are never mixed silently."""

from __future__ import annotations

import math

KB, MB, GB, TB = 1000, 1000**2, 1000**3, 1000**4
KIB, MIB, GIB, TIB = 1024, 1024**2, 1024**3, 1024**4

_DECIMAL = ("B", "kB", "MB", "GB", "TB", "PB", "EB")
_BINARY = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


def _scaled(value: float, base: float, names: tuple[str, ...], digits: int) -> str:
    if value is None or not math.isfinite(value):
        return "?"
    sign = "-" if value < 0 else ""
    value = abs(value)
    index = 0
    while value >= base and index < len(names) - 1:
        value /= base
        index += 1
    if index == 0:
        return f"{sign}{value:.0f} {names[0]}"
    return f"{sign}{value:.{digits}f} {names[index]}"


def decimal_bytes(value: float | None, digits: int = 1) -> str:
    """1.5e12 -> '1.5 TB' (powers of 1000)."""
    return "?" if value is None else _scaled(float(value), 1000.0, _DECIMAL, digits)


def binary_bytes(value: float | None, digits: int = 1) -> str:
    """2**31 -> '2.0 GiB' (powers of 1024)."""
    return "?" if value is None else _scaled(float(value), 1024.0, _BINARY, digits)


def both_bytes(value: float | None, digits: int = 1) -> str:
    """'80.0 GB (74.5 GiB)': both conventions, for figures a reader will compare with specs."""
    if value is None:
        return "?"
    return f"{decimal_bytes(value, digits)} ({binary_bytes(value, digits)})"


def percent(value: float | None, digits: int = 0) -> str:
    return "?" if value is None else f"{100.0 * value:.{digits}f} %"
