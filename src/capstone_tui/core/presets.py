"""Reference machines shipped as data (`presets.toml`), each figure with its source.

The file is package data, read once with `importlib.resources` and cached. Memory figures are
converted from the unit in their key name (`*_GB`, `*_GiB`, `*_TB`, `*_TiB`) to bytes. A GPU is
named by its NVML product name (`accelerator_nvml`) and its memory taken from `core.gpu_table`
in the MiB the driver reports, so each figure has one home. The usable fractions of
`core.machine` are applied and kept on each Machine so they can be shown.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib.resources import files
from typing import Any

from capstone_tui.core.gpu_table import lookup_gpu
from capstone_tui.core.machine import Machine, usable_accelerator, usable_memory
from capstone_tui.core.units import GB, GIB, TB, TIB

_UNITS = {"_GB": float(GB), "_GiB": float(GIB), "_TB": float(TB), "_TiB": float(TIB)}
_KEYS = {"id", "label", "ram_GB", "ram_GiB", "ram_TB", "ram_TiB", "disk_TB", "accelerators",
         "accelerator_name", "accelerator_nvml", "cpus", "confidence", "sources", "notes", "extra"}


def _bytes(entry: dict[str, Any], stem: str) -> float | None:
    """The figure `stem` in bytes from whichever unit-suffixed key the entry uses."""
    for suffix, scale in _UNITS.items():
        if stem + suffix in entry:
            return float(entry[stem + suffix]) * scale
    return None


def machine_from_preset(entry: dict[str, Any]) -> Machine:
    """One `[[machine]]` table -> Machine (a KeyError/ValueError here is a bug in the data file)."""
    unknown = set(entry) - _KEYS
    if unknown:
        raise ValueError(f"presets.toml {entry.get('id')}: unknown keys {sorted(unknown)}")
    ram = _bytes(entry, "ram")
    if ram is None:
        raise ValueError(f"presets.toml {entry['id']}: no RAM figure")
    accel_total = None
    sources = tuple(entry["sources"])
    if not sources:
        raise ValueError(f"presets.toml {entry['id']}: no sources")
    if "accelerator_nvml" in entry:
        row = lookup_gpu(entry["accelerator_nvml"])
        if row is None:
            raise ValueError(f"presets.toml {entry['id']}: {entry['accelerator_nvml']!r} is not in the GPU table")
        accel_total = row.bytes
        sources += (f"GPU memory: {entry['accelerator_nvml']}, {row.mib} MiB as the driver reports it "
                    f"({row.basis}): {row.source}",)
    return Machine(
        id=entry["id"],
        label=entry["label"],
        source="preset",
        memory_total_bytes=ram,
        memory_bytes=usable_memory(ram, None),
        disk_bytes=_bytes(entry, "disk"),
        accelerators=int(entry.get("accelerators", 0)),
        accelerator_name=entry.get("accelerator_name"),
        accelerator_total_bytes=accel_total,
        accelerator_bytes=usable_accelerator(accel_total),
        cpus=entry.get("cpus"),
        confidence=entry["confidence"],
        accelerator_confidence=None if accel_total is None else "table",
        sources=sources,
        notes=tuple(entry.get("notes", ())),
        extra=tuple(sorted(entry.get("extra", {}).items())),
    )


@lru_cache(maxsize=1)
def load_presets() -> tuple[Machine, ...]:
    """Every shipped reference machine, in the file's order."""
    text = (files("capstone_tui.core") / "presets.toml").read_text(encoding="utf-8")
    return tuple(machine_from_preset(entry) for entry in tomllib.loads(text)["machine"])


def preset(machine_id: str) -> Machine | None:
    """The preset with this id, or None."""
    return next((m for m in load_presets() if m.id == machine_id), None)
