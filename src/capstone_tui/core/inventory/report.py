"""The live hardware inventory as plain frozen data, its `inventory --json` shape, and the
reference machines it yields (`this-node` and one `slurm:<partition>` per node type).

Units are in the field names: `_bytes` (bytes), `_mib` (Slurm's "MB", which is MiB),
`_mbps` (megabits per second), `_c` (degrees Celsius), `_w` (watts), `_pct` (percent).
`None` means "not known" (unsupported, unreadable, or not limited), never zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from capstone_tui.core.machine import (
    RAM_RESERVE,
    Machine,
    machine_from_host,
    machine_from_node_type,
    slurm_machine_id,
    usable_memory,
)
from capstone_tui.core.units import MIB, percent

# GPU states, each with the plain message and the advice shown to the user.
GPU_STATES: dict[str, tuple[str, str]] = {
    "ok": ("NVML answered", ""),
    "no_library": ("no NVIDIA library (libnvidia-ml.so.1 not found)",
                   "no NVIDIA driver on this node: use a GPU node, or install the driver"),
    "driver_not_loaded": ("NVIDIA driver not loaded",
                          "load the nvidia kernel module (modprobe nvidia) or ask the admins"),
    "mismatch": ("NVIDIA driver/library version mismatch",
                 "usual right after a driver upgrade: reboot or reload the nvidia kernel module"),
    "no_permission": ("no permission to query the GPUs",
                      "ask the admins for access to /dev/nvidia*, or run inside a GPU job"),
    "no_devices": ("no GPUs visible",
                   "none installed, or CUDA_VISIBLE_DEVICES hides them all"),
    "gpu_lost": ("a GPU fell off the bus (GPU is lost)",
                 "the node needs a GPU reset or a reboot; tell the admins"),
    "bindings_broken": ("the Python NVML bindings are missing or the wrong package",
                        "pip uninstall pynvml; pip install nvidia-ml-py"),
    "waiting": ("NVML not answering", "a driver call is hanging; the reading goes on in the background"),
    "crashed": ("NVML crashed", "the NVIDIA library crashed its helper process (the dashboard is unaffected); "
                "run nvidia-smi, and tell the admins if it crashes too"),
    "error": ("NVML returned an unexpected error", "run nvidia-smi to see what the driver says"),
}


@dataclass(frozen=True)
class HostInfo:
    hostname: str
    os: str
    kernel: str
    arch: str


@dataclass(frozen=True)
class Cpu:
    model: str | None
    logical: int | None
    physical: int | None
    affinity: tuple[int, ...]  # CPUs this process may run on (sched_getaffinity)
    cgroup_quota_cpus: float | None  # quota / period; None where unlimited or unreadable
    usable: int  # min(affinity, ceil(quota))
    cgroup_version: str | None  # "v2", "v1" or None


@dataclass(frozen=True)
class Memory:
    total_bytes: int
    available_bytes: int
    cgroup_limit_bytes: int | None  # the tightest limit on this process's cgroup path
    cgroup_usage_bytes: int | None
    swap_total_bytes: int
    swap_free_bytes: int

    @property
    def usable_bytes(self) -> float:
        """What the data ceiling uses: total less the OS reserve, capped by the cgroup limit."""
        return usable_memory(self.total_bytes, self.cgroup_limit_bytes)


@dataclass(frozen=True)
class Disk:
    role: str  # "working dir", "dataset cache", "tmp"
    path: str
    mount: str | None
    fstype: str | None
    total_bytes: int | None
    free_bytes: int | None
    error: str | None = None


@dataclass(frozen=True)
class NetIf:
    name: str
    up: bool
    speed_mbps: int | None  # None where the driver does not report a link speed
    mtu: int | None
    addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class GpuDevice:
    index: int  # NVML index (the physical order, not the CUDA_VISIBLE_DEVICES position)
    name: str | None = None
    uuid: str | None = None
    memory_total_bytes: int | None = None
    memory_used_bytes: int | None = None  # in use by processes (v2: excludes the reservation)
    memory_reserved_bytes: int | None = None  # held by the driver (NVML v2 only)
    utilization_pct: int | None = None
    temperature_c: int | None = None
    power_draw_w: float | None = None
    power_limit_w: float | None = None
    pcie_gen: int | None = None
    pcie_width: int | None = None
    nvlink_links: int | None = None  # active links; None where NVLink is not supported
    mig_mode: str | None = None  # "enabled", "disabled", None where unsupported
    error: str | None = None  # "gpu_lost", "no_permission", ... for this device


@dataclass(frozen=True)
class GpuReport:
    state: str
    message: str
    advice: str = ""
    devices: tuple[GpuDevice, ...] = ()
    driver_version: str | None = None
    visible: str | None = None  # CUDA_VISIBLE_DEVICES as set, None where unset
    unsupported: tuple[str, ...] = ()  # metrics the driver does not support (probed once)
    elapsed_s: float | None = None


def gpu_report(state: str, detail: str = "", **kw: Any) -> GpuReport:
    """A report in a named state with its plain message (plus the driver's words) and advice."""
    message, advice = GPU_STATES[state]
    if detail:
        message = f"{message}: {detail}"
    return GpuReport(state=state, message=message, advice=advice, **kw)


@dataclass(frozen=True)
class NodeType:
    partition: str
    count: int
    cpus: int
    memory_mib: int
    gpu_type: str | None
    gpus_per_node: int
    gpus_used: int = 0
    states: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    default: bool = False


@dataclass(frozen=True)
class ClusterReport:
    state: str  # "ok" | "absent" (no sinfo) | "not_answering" | "error" | "skipped"
    message: str
    node_types: tuple[NodeType, ...] = ()
    version: str | None = None
    elapsed_s: float | None = None
    source: str = ""
    # live, from probes/slurm_queue.read_queue: core.inventory.partitions PartitionCapacity / QueuedJob
    capacity: tuple[Any, ...] = ()
    my_jobs: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Inventory:
    host: HostInfo
    cpu: Cpu
    memory: Memory
    disks: tuple[Disk, ...]
    network: tuple[NetIf, ...]
    gpus: GpuReport
    cluster: ClusterReport = field(default_factory=lambda: ClusterReport("skipped", "Slurm not queried"))
    elapsed_s: float | None = None

    def machines(self) -> tuple[Machine, ...]:
        """this-node first, then one machine per Slurm node type."""
        return (node_machine(self), *cluster_machines(self.cluster))

    def to_json(self) -> dict[str, Any]:
        return inventory_json(self)


def working_disk(inv: Inventory) -> Disk | None:
    """The disk of the working directory (the data ceiling's local-disk figure)."""
    return next((d for d in inv.disks if d.role == "working dir"), None)


def node_machine(inv: Inventory) -> Machine:
    """`this-node` from a reading: usable cores, cgroup-capped memory, free disk, visible GPUs."""
    disk = working_disk(inv)
    gpus = tuple((d.name or "GPU", float(d.memory_total_bytes)) for d in inv.gpus.devices
                 if d.memory_total_bytes and not d.error)
    return machine_from_host(inv.host.hostname, inv.memory.total_bytes, inv.memory.cgroup_limit_bytes,
                             disk.free_bytes if disk else None, gpus, inv.cpu.usable)


def cluster_machines(cluster: ClusterReport | None) -> tuple[Machine, ...]:
    """One `slurm:<partition>` per partition; further node types of a partition get `,2`, `,3`
    (core.machine.slurm_machine_id: a comma cannot be part of a partition name, a dot can)."""
    if cluster is None or cluster.state != "ok":
        return ()
    machines: list[Machine] = []
    seen: dict[str, int] = {}
    for nt in cluster.node_types:  # default partition first, the largest type of each first
        seen[nt.partition] = seen.get(nt.partition, 0) + 1
        machine = machine_from_node_type(nt.partition, nt.count, nt.cpus, nt.memory_mib * MIB,
                                         nt.gpu_type, nt.gpus_per_node)
        if seen[nt.partition] > 1:
            machine = replace(machine, id=slurm_machine_id(nt.partition, seen[nt.partition]))
        machines.append(machine)
    return tuple(machines)


# --- JSON ---------------------------------------------------------------------------------


def _disk_json(d: Disk) -> dict[str, Any]:
    return {"role": d.role, "path": d.path, "mount": d.mount, "fstype": d.fstype,
            "total_bytes": d.total_bytes, "free_bytes": d.free_bytes, "error": d.error,
            "feeds_ceiling": d.role == "working dir", "how": "measured (statvfs)"}


def _gpu_json(d: GpuDevice) -> dict[str, Any]:
    return {"index": d.index, "name": d.name, "uuid": d.uuid,
            "memory_total_bytes": d.memory_total_bytes, "memory_used_bytes": d.memory_used_bytes,
            "memory_reserved_bytes": d.memory_reserved_bytes,
            "utilization_pct": d.utilization_pct, "temperature_c": d.temperature_c,
            "power_draw_w": d.power_draw_w, "power_limit_w": d.power_limit_w,
            "pcie_gen": d.pcie_gen, "pcie_width": d.pcie_width, "nvlink_links": d.nvlink_links,
            "mig_mode": d.mig_mode, "error": d.error}


def _node_type_json(t: NodeType, machine_id: str) -> dict[str, Any]:
    return {"partition": t.partition, "default": t.default, "count": t.count, "cpus": t.cpus,
            "memory_mib": t.memory_mib, "memory_bytes": t.memory_mib * MIB,
            "gpu_type": t.gpu_type, "gpus_per_node": t.gpus_per_node, "gpus_used": t.gpus_used,
            "states": list(t.states), "nodes": list(t.nodes), "machine": machine_id}


def inventory_json(inv: Inventory) -> dict[str, Any]:
    """The `inventory --json` object: SPEC keys host, cpu, memory, disks, network, gpus, cluster."""
    m, c, g = inv.memory, inv.cpu, inv.gpus
    cluster = None
    if inv.cluster.state == "ok":
        cluster = {"scheduler": "slurm", "version": inv.cluster.version, "source": inv.cluster.source,
                   "node_types": [_node_type_json(t, m.id) for t, m in
                                  zip(inv.cluster.node_types, cluster_machines(inv.cluster))],
                   "elapsed_s": inv.cluster.elapsed_s, "how": "measured (sinfo)",
                   "partitions_now": [{"partition": p.name, "default": p.default, "idle": p.idle,
                                       "mixed": p.mixed, "allocated": p.allocated, "down": p.down,
                                       "other": p.other, "gpus_free": p.gpus_free, "gpus_used": p.gpus_used,
                                       "how": "measured (sinfo -N -O)"} for p in inv.cluster.capacity],
                   "my_jobs": [{"id": j.job_id, "name": j.name, "state": j.state, "elapsed": j.elapsed,
                                "partition": j.partition, "expected_start": j.start if j.state == "pending" else None}
                               for j in inv.cluster.my_jobs]}
    return {
        "host": {"hostname": inv.host.hostname, "os": inv.host.os, "kernel": inv.host.kernel,
                 "arch": inv.host.arch},
        "cpu": {"model": c.model, "logical": c.logical, "physical": c.physical,
                "affinity": list(c.affinity), "affinity_count": len(c.affinity),
                "cgroup_quota_cpus": c.cgroup_quota_cpus, "cgroup_version": c.cgroup_version,
                "usable": c.usable, "unit": "cores",
                "how": "measured (sched_getaffinity, cgroup cpu quota, /proc/cpuinfo)"},
        "memory": {"total_bytes": m.total_bytes, "available_bytes": m.available_bytes,
                   "cgroup_limit_bytes": m.cgroup_limit_bytes, "cgroup_usage_bytes": m.cgroup_usage_bytes,
                   "swap_total_bytes": m.swap_total_bytes, "swap_free_bytes": m.swap_free_bytes,
                   "usable_bytes": m.usable_bytes, "feeds_ceiling": "usable_bytes",
                   "how": "measured (/proc/meminfo, cgroup memory files); usable = "
                          f"total less a {percent(RAM_RESERVE)} OS reserve [assumed], capped by the cgroup limit"},
        "disks": [_disk_json(d) for d in inv.disks],
        "network": [{"name": n.name, "up": n.up, "speed_mbps": n.speed_mbps, "mtu": n.mtu,
                     "addresses": list(n.addresses), "how": "measured (kernel link stats)"}
                    for n in inv.network],
        "gpus": {"state": g.state, "message": g.message, "advice": g.advice,
                 "devices": [_gpu_json(d) for d in g.devices], "driver_version": g.driver_version,
                 "cuda_visible_devices": g.visible, "unsupported_metrics": list(g.unsupported),
                 "feeds_ceiling": "memory_total_bytes of the largest device", "how": "measured (NVML)"},
        "cluster": cluster,
        "cluster_status": {"state": inv.cluster.state, "message": inv.cluster.message,
                           "elapsed_s": inv.cluster.elapsed_s},
        "elapsed_s": inv.elapsed_s,
    }
