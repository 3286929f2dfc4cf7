"""Reference machines: what one machine offers, with the usable fractions made explicit.

A `Machine` is plain data. It comes from a preset (shipped with sources), from the live
inventory of this node, or from a Slurm node type; the constructors here are pure and take
the readings as values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GIB = 2**30
RAM_RESERVE = 0.10  # share of RAM left to the OS and page cache [A] (reference/formulas.md, Ceiling 1)
ACCEL_USABLE_FRACTION = 0.90  # vLLM / TensorRT-LLM default budget [P] (formulas.md 2.7)
ACCEL_CONTEXT_BYTES = 1.5 * GIB  # CUDA context + kernels per process [P]/[A] (formulas.md 2.7)

# Nominal memory of accelerators Slurm names only by GRES type (decimal GB, vendor specs).
KNOWN_ACCELERATORS: dict[str, float] = {
    "h200": 141e9,
    "b200": 180e9,
    "h100": 80e9,
    "a100": 80e9,
    "l40s": 48e9,
    "a40": 48e9,
    "v100": 32e9,
    "l4": 24e9,
    "t4": 16e9,
}


@dataclass(frozen=True)
class Machine:
    """One reference machine: the limits the four ceilings are measured against."""

    id: str
    label: str
    source: str  # "live inventory", "slurm sinfo", "preset"
    memory_total_bytes: float
    memory_bytes: float  # usable: total x (1 - reserve), capped by a cgroup limit when known
    disk_bytes: float | None  # local disk for the data (free on this node, nominal for presets)
    accelerators: int = 0
    accelerator_name: str | None = None
    accelerator_total_bytes: float | None = None  # one device, nominal
    accelerator_bytes: float | None = None  # one device, usable
    ram_reserve: float = RAM_RESERVE
    accelerator_usable_fraction: float = ACCEL_USABLE_FRACTION
    accelerator_context_bytes: float = ACCEL_CONTEXT_BYTES
    cpus: int | None = None
    confidence: str = "measured"  # measured | spec | listing | assumption
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    extra: tuple[tuple[str, Any], ...] = field(default=())  # other published figures, shown as-is

    def to_json(self) -> dict[str, Any]:
        """The `assess --json` `machine` object: SPEC keys first, then the explicit fractions."""
        return {
            "id": self.id,
            "source": self.source,
            "memory_bytes": self.memory_bytes,
            "disk_bytes": self.disk_bytes,
            "accelerator_bytes": self.accelerator_bytes,
            "label": self.label,
            "memory_total_bytes": self.memory_total_bytes,
            "accelerators": self.accelerators,
            "accelerator_name": self.accelerator_name,
            "accelerator_total_bytes": self.accelerator_total_bytes,
            "ram_reserve": self.ram_reserve,
            "accelerator_usable_fraction": self.accelerator_usable_fraction,
            "accelerator_context_bytes": self.accelerator_context_bytes,
            "cpus": self.cpus,
            "confidence": self.confidence,
            "sources": list(self.sources),
            "notes": list(self.notes),
        }


def usable_memory(total: float, cgroup_limit: float | None, reserve: float = RAM_RESERVE) -> float:
    """RAM the data can use: total less the OS reserve, and never above the cgroup limit."""
    usable = total * (1.0 - reserve)
    if cgroup_limit is not None and cgroup_limit < usable:
        return float(cgroup_limit)
    return usable


def usable_accelerator(total: float | None, fraction: float = ACCEL_USABLE_FRACTION,
                       context: float = ACCEL_CONTEXT_BYTES) -> float | None:
    """One accelerator's usable memory: fraction x total - CUDA context (formulas.md 2.7)."""
    if total is None:
        return None
    return max(0.0, fraction * total - context)


def accelerator_bytes_for(name: str | None) -> float | None:
    """Nominal memory for an accelerator known only by name (e.g. a Slurm GRES type)."""
    if not name:
        return None
    lowered = name.lower()
    for key, size in KNOWN_ACCELERATORS.items():
        if key in lowered:
            return size
    return None


def machine_from_host(
    hostname: str,
    memory_total: float,
    cgroup_limit: float | None,
    disk_free: float | None,
    gpus: tuple[tuple[str, float], ...] = (),
    cpus: int | None = None,
) -> Machine:
    """`this-node` from live readings: gpus are (name, total bytes) per visible device."""
    largest = max(gpus, key=lambda g: g[1]) if gpus else None
    notes = []
    if cgroup_limit is not None and cgroup_limit < memory_total * (1.0 - RAM_RESERVE):
        notes.append("memory capped by this process's cgroup limit")
    return Machine(
        id="this-node",
        label=f"this node ({hostname})",
        source="live inventory",
        memory_total_bytes=float(memory_total),
        memory_bytes=usable_memory(memory_total, cgroup_limit),
        disk_bytes=None if disk_free is None else float(disk_free),
        accelerators=len(gpus),
        accelerator_name=largest[0] if largest else None,
        accelerator_total_bytes=float(largest[1]) if largest else None,
        accelerator_bytes=usable_accelerator(largest[1]) if largest else None,
        cpus=cpus,
        confidence="measured",
        notes=tuple(notes),
    )


def machine_from_node_type(
    partition: str,
    count: int,
    cpus: int,
    memory_bytes: float,
    gpu_type: str | None,
    gpus_per_node: int,
) -> Machine:
    """`slurm:<partition>` from a node type read off sinfo (memory as Slurm reports it)."""
    accel_total = accelerator_bytes_for(gpu_type) if gpus_per_node else None
    notes = [f"{count} node(s) of this type"]
    if gpus_per_node and accel_total is None:
        notes.append(f"GPU type {gpu_type or '?'} has no known memory size: model ceiling not assessed")
    return Machine(
        id=f"slurm:{partition}",
        label=f"Slurm partition {partition}",
        source="slurm sinfo",
        memory_total_bytes=float(memory_bytes),
        memory_bytes=usable_memory(memory_bytes, None),
        disk_bytes=None,
        accelerators=gpus_per_node,
        accelerator_name=gpu_type,
        accelerator_total_bytes=accel_total,
        accelerator_bytes=usable_accelerator(accel_total),
        cpus=cpus,
        confidence="measured",
        notes=tuple(notes),
    )
