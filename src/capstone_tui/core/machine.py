"""Reference machines: what one machine offers, with the usable fractions made explicit.

A `Machine` is plain data. It comes from a preset (shipped with sources), from the live
inventory of this node, or from a Slurm node type; the constructors here are pure and take
the readings as values.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable

from capstone_tui.core.gpu_table import ACCELERATOR_SETTING, lookup_gres_types
from capstone_tui.core.units import GB, GIB  # GIB is also imported from here (presets, memory)

RAM_RESERVE = 0.10  # share of RAM left to the OS and page cache [A] (reference/formulas.md, Ceiling 1)
ACCEL_USABLE_FRACTION = 0.90  # vLLM / TensorRT-LLM default budget [P] (formulas.md 2.7)
ACCEL_CONTEXT_BYTES = 1.5 * GIB  # CUDA context + kernels per process [P]/[A] (formulas.md 2.7)

# A Slurm node type's id: `slurm:<partition>` for a partition's first node type, and
# `slurm:<partition>,<n>` (n = 2, 3, ...) for the further ones the inventory lists. A comma is
# the one character a partition name cannot hold (Slurm lists partitions comma-separated), so
# the node-type number is never mistaken for part of the name, dots included ("gpu.2").
SLURM_PREFIX = "slurm:"
NODE_TYPE_SEPARATOR = ","


def is_slurm(machine_id: str) -> bool:
    """Whether the id names a Slurm node type (`slurm:...`), well-formed or not."""
    return machine_id.startswith(SLURM_PREFIX)


def slurm_partition(machine_id: str) -> str | None:
    """The partition to ask Slurm about for a `slurm:<partition>[,<n>]` id (the node-type
    number dropped); None for any other id and for an empty partition."""
    if not is_slurm(machine_id):
        return None
    rest = machine_id[len(SLURM_PREFIX):]
    name, sep, number = rest.rpartition(NODE_TYPE_SEPARATOR)
    if sep and name and number.isdigit():
        return name
    return rest or None


def slurm_machine_id(partition: str, node_type: int = 1) -> str:
    """The id of a partition's `node_type`-th node type (1: the plain `slurm:<partition>`)."""
    suffix = f"{NODE_TYPE_SEPARATOR}{node_type}" if node_type > 1 else ""
    return f"{SLURM_PREFIX}{partition}{suffix}"


def older_node_type_id(machine_id: str) -> str | None:
    """An id written before the comma, `slurm:gpu.2`, as today's `slurm:gpu,2`; None when the
    id has no `.<n>` (n >= 2) ending."""
    partition = slurm_partition(machine_id) or ""
    name, dot, number = partition.rpartition(".")
    if dot and name and number.isdigit() and int(number) >= 2:
        return slurm_machine_id(name, int(number))
    return None


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
    confidence: str = "measured"  # measured | table | given | spec | listing | assumption
    accelerator_confidence: str | None = None  # measured (NVML) | table (core.gpu_table) | given
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
            "accelerator_confidence": self.accelerator_confidence,
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
        accelerator_confidence="measured" if largest else None,
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
    """`slurm:<partition>` from a node type read off sinfo (memory as Slurm reports it).

    GPU memory comes from the GPU table by the exact GRES type; an unknown type has none, and
    the note names the setting that supplies it.
    """
    notes = [f"{count} node(s) of this type"]
    sources: tuple[str, ...] = ()
    accel_total = None
    confidence = "measured"
    if gpus_per_node:
        row, why = lookup_gres_types(gpu_type)
        if row is None:
            notes.append(f"{why}: the model ceiling is not assessed; set {ACCELERATOR_SETTING}")
        else:
            accel_total, confidence = row.bytes, "table"
            sources = (f"GPU memory: {row.part}, {row.mib} MiB ({row.basis}): {row.source}",)
            if why:
                notes.append(why)
    return Machine(
        id=slurm_machine_id(partition),
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
        confidence=confidence,
        accelerator_confidence=None if accel_total is None else "table",
        sources=sources,
        notes=tuple(notes),
    )




def with_accelerator_gb(machine: Machine, accelerator_gb: float | None) -> Machine:
    """Apply the candidate's `[machine] accelerator_gb` (decimal GB per accelerator).

    It fills or replaces a figure that was not read from the hardware: an unknown GPU type or a
    GPU-table figure of a Slurm node type (the user knows their cluster). A measured (NVML) or
    preset figure is kept, and a note says the setting was not used.
    """
    if accelerator_gb is None:
        return machine
    if not machine.accelerators:
        return replace(machine, notes=machine.notes + (
            f"[machine] accelerator_gb = {accelerator_gb:g} not used: {machine.id} has no accelerator",))
    if machine.accelerator_confidence == "measured" or machine.source == "preset":
        kept = "measured by NVML" if machine.accelerator_confidence == "measured" else "the preset's figure"
        return replace(machine, notes=machine.notes + (
            f"[machine] accelerator_gb = {accelerator_gb:g} not used: accelerator memory kept as {kept}",))
    total = float(accelerator_gb) * GB
    return replace(
        machine,
        accelerator_total_bytes=total,
        accelerator_bytes=usable_accelerator(total, machine.accelerator_usable_fraction,
                                             machine.accelerator_context_bytes),
        confidence="given",
        accelerator_confidence="given",
        notes=tuple(n for n in machine.notes if ACCELERATOR_SETTING not in n)
        + (f"accelerator memory {accelerator_gb:g} GB given in the candidate ([machine] accelerator_gb)",),
    )


def find_machine(machine_id: str, machines: Iterable[Machine]) -> Machine | None:
    """The machine with this id (the first of a repeated id), or, for an older node-type id
    (`slurm:gpu.2`) that no machine carries, today's `slurm:gpu,2`. The one lookup both faces
    use: the CLI's `--machine` / `[machine] reference` and the dashboard's reference."""
    listed = tuple(machines)
    for machine in listed:
        if machine.id == machine_id:
            return machine
    older = older_node_type_id(machine_id)
    if older is not None:
        for machine in listed:
            if machine.id == older:
                return machine
    return None
