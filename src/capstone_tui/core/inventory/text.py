"""The inventory as text lines with units: the full listing of `capstone-tui inventory`
and the compact one of the dashboard pane. Figures that feed the ceilings carry "▸".

Memory is shown in binary units (GiB, as the kernel counts it), disks in decimal (GB, as
vendors sell them); each label says which.
"""

from __future__ import annotations

from capstone_tui.core.inventory.report import ClusterReport, GpuDevice, GpuReport, Inventory
from capstone_tui.core.machine import RAM_RESERVE
from capstone_tui.core.units import GIB, binary_bytes, decimal_bytes, percent

MARK = "▸"


def cpu_ranges(cpus: tuple[int, ...]) -> str:
    """(0, 1, 2, 5) -> '0-2,5'."""
    out: list[str] = []
    start = prev = None
    for cpu in sorted(cpus):
        if prev is not None and cpu == prev + 1:
            prev = cpu
            continue
        if start is not None:
            out.append(f"{start}-{prev}" if prev != start else str(start))
        start = prev = cpu
    if start is not None:
        out.append(f"{start}-{prev}" if prev != start else str(start))
    return ",".join(out)


def _speed(mbps: int | None) -> str:
    if mbps is None:
        return "speed n/a"
    return f"{mbps / 1000:g} Gb/s" if mbps >= 1000 else f"{mbps} Mb/s"


def gpu_line(d: GpuDevice, compact: bool = False) -> str:
    name = d.name or "?"
    if compact:
        name = name.removeprefix("NVIDIA ")
    if d.error:
        return f"GPU{d.index} {name}: {d.error}"
    if compact:  # about 58 columns: memory as used/total, no PCIe
        used = "" if d.memory_used_bytes is None else f"{d.memory_used_bytes / GIB:.1f}/"
        parts = [f"{MARK}GPU{d.index} {name[:16]} {used}{binary_bytes(d.memory_total_bytes)}"]
    else:
        parts = [f"{MARK}GPU{d.index} {name} {binary_bytes(d.memory_total_bytes)}"]
        if d.memory_used_bytes is not None:
            parts.append(f"{binary_bytes(d.memory_used_bytes)} used")
        if d.memory_reserved_bytes:
            parts.append(f"{binary_bytes(d.memory_reserved_bytes)} driver-reserved")
    if d.utilization_pct is not None:
        parts.append(f"{d.utilization_pct} %")
    if d.temperature_c is not None:
        parts.append(f"{d.temperature_c} °C")
    if d.power_draw_w is not None:
        limit = f"/{d.power_limit_w:.0f}" if d.power_limit_w is not None else ""
        parts.append(f"{d.power_draw_w:.0f}{limit} W")
    if d.pcie_gen is not None and not compact:
        parts.append(f"PCIe{d.pcie_gen} x{d.pcie_width or '?'}")
    if d.nvlink_links:
        parts.append(f"NVLink {d.nvlink_links}")
    if d.mig_mode == "enabled":
        parts.append("MIG")
    return ("·" if compact else " · ").join(parts)


def gpu_summary(devices: tuple[GpuDevice, ...]) -> str:
    """Many GPUs in one line: count, names, memory each, mean utilization, hottest."""
    names = sorted({(d.name or "?").removeprefix("NVIDIA ") for d in devices})
    sizes = [d.memory_total_bytes for d in devices if d.memory_total_bytes]
    utils = [d.utilization_pct for d in devices if d.utilization_pct is not None]
    temps = [d.temperature_c for d in devices if d.temperature_c is not None]
    bad = sum(1 for d in devices if d.error)
    parts = [f"{MARK}GPU {len(devices)}× {'/'.join(names)} {binary_bytes(max(sizes)) if sizes else '?'} each"]
    if utils:
        parts.append(f"util {sum(utils) / len(utils):.0f} % mean")
    if temps:
        parts.append(f"max {max(temps)} °C")
    if bad:
        parts.append(f"{bad} with errors")
    return " · ".join(parts)


def gpu_lines(g: GpuReport, detail: bool = False) -> list[str]:
    if g.state == "ok":
        if not detail and len(g.devices) > 2:
            return [gpu_summary(g.devices)]
        out = [gpu_line(d, compact=not detail) for d in g.devices]
        if detail:
            for d in g.devices:
                out.append(f"  GPU{d.index} uuid {d.uuid or '?'}, MIG {d.mig_mode or 'n/a'}, "
                           f"NVLink links {'n/a' if d.nvlink_links is None else d.nvlink_links}")
            if g.unsupported:
                out.append("  not supported by this driver: " + ", ".join(g.unsupported))
        return out
    text = f"GPU: {g.message}"
    return [text, f"  → {g.advice}"] if g.advice else [text]


def cluster_lines(c: ClusterReport, max_jobs: int = 3) -> list[str]:
    if c.state == "skipped":
        return []
    if c.state != "ok":
        return [c.message if c.message.startswith("Slurm") else f"Slurm: {c.message}"]
    out = []
    for t in c.node_types:
        gpus = f" {t.gpus_per_node}×{t.gpu_type or 'gpu'} ({t.gpus_used} used)" if t.gpus_per_node else ""
        out.append(f"slurm:{t.partition}{'*' if t.default else ''} {t.count}× {t.cpus} CPU "
                   f"{binary_bytes(t.memory_mib * 2**20)}{gpus} {'/'.join(t.states)}")
    return out + queue_lines(c, max_jobs)


def queue_lines(c: ClusterReport, max_jobs: int = 3) -> list[str]:
    """Live capacity per partition (nodes by state, GPUs free / in use) and the user's jobs."""
    out = []
    for p in c.capacity:
        gpus = f" · GPU {p.gpus_free} free/{p.gpus_used} used" if p.gpus_total else ""
        out.append(f"now {p.name}{'*' if p.default else ''}: {p.idle} idle · {p.mixed} mix · "
                   f"{p.allocated} alloc · {p.down} down{gpus}")
    for j in c.my_jobs[:max_jobs]:
        start = f" · starts {j.start.replace('T', ' ')}" if j.state == "pending" and j.start else ""
        out.append(f"job {j.job_id} {j.name[:16]} {j.state} {j.elapsed}{start}")
    if len(c.my_jobs) > max_jobs:
        out.append(f"… {len(c.my_jobs) - max_jobs} more of your jobs (squeue --me)")
    return out


def inventory_lines(inv: Inventory, compact: bool = False) -> list[str]:
    """Every figure with its unit; `compact` keeps it to about 58 columns by 12 rows."""
    h, c, m = inv.host, inv.cpu, inv.memory
    quota = "no quota" if c.cgroup_quota_cpus is None else f"quota {c.cgroup_quota_cpus:g} CPU"
    limit = "no cgroup limit" if m.cgroup_limit_bytes is None else f"cgroup limit {binary_bytes(m.cgroup_limit_bytes)}"
    if compact:
        out = [f"{h.hostname} · {h.os}",
               f"CPU {c.usable} usable of {c.logical} ({c.physical} phys) · {quota} · {(c.model or '?')[:16]}"]
    else:
        out = [f"{h.hostname} · {h.os} · kernel {h.kernel} {h.arch}",
               f"CPU {c.usable} usable of {c.logical} logical/{c.physical} physical "
               f"(affinity {cpu_ranges(c.affinity)}, {quota})",
               f"    model {c.model or '?'}"]
    out.append(f"RAM {MARK}{binary_bytes(m.usable_bytes)} usable of {binary_bytes(m.total_bytes)} · "
               f"{binary_bytes(m.available_bytes)} avail")
    swap = "no swap" if not m.swap_total_bytes else f"swap {binary_bytes(m.swap_free_bytes)} free/{binary_bytes(m.swap_total_bytes)}"
    out.append(f"    {limit} · {swap}")
    seen: dict[str | None, str] = {}
    disk_parts = []
    for d in inv.disks:
        label = {"working dir": "cwd", "dataset cache": "cache", "tmp": "/tmp"}.get(d.role, d.role)
        mark = MARK if d.role == "working dir" else ""
        if d.error:
            disk_parts.append(f"{label} {d.error}")
        elif d.mount in seen and compact:
            disk_parts.append(f"{label}={seen[d.mount]}")
        else:
            seen[d.mount] = label
            where = "" if compact else f" {d.path} on {d.mount}"
            disk_parts.append(f"{label}{where} {mark}{decimal_bytes(d.free_bytes)} free/"
                              f"{decimal_bytes(d.total_bytes)} {d.fstype or '?'}")
    if compact:
        out.append("Disk " + " · ".join(disk_parts))
    else:
        out.extend("Disk " + p for p in disk_parts)
    nets = [n for n in inv.network if not compact or (n.up and n.name != "lo")]
    net_parts = [f"{n.name} {'up' if n.up else 'down'} {_speed(n.speed_mbps)} MTU {n.mtu or '?'}"
                 + ("" if compact or not n.addresses else f" {', '.join(n.addresses)}") for n in nets]
    if compact:
        out.append("Net " + (" · ".join(net_parts) if net_parts else "loopback only"))
    else:
        out.extend("Net " + p for p in net_parts)
    out.extend(gpu_lines(inv.gpus, detail=not compact))
    out.extend(cluster_lines(inv.cluster, max_jobs=3 if compact else 20))
    took = "" if inv.elapsed_s is None else f" in {inv.elapsed_s:.2f} s"
    if compact:
        out.append(f"{MARK} feeds the ceilings · measured{took} · reserve {percent(RAM_RESERVE)} [A]")
    else:
        out.append(f"{MARK} feeds the ceilings · all figures measured{took}; "
                   f"usable RAM = total less a {percent(RAM_RESERVE)} OS reserve [assumed], capped by the cgroup limit")
    return out
