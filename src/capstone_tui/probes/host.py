"""Probe this node: OS, CPU and usable cores, memory and the cgroup limit that applies to
this process, the disks that matter (working dir, dataset cache, /tmp), network links.

Reads /proc, /sys/fs/cgroup, statvfs and psutil; the parsing lives in
`core.inventory_parsers`, so this module only does I/O.
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import tempfile
from pathlib import Path

import psutil

from capstone_tui.core.inventory.report import Cpu, Disk, HostInfo, Memory, NetIf
from capstone_tui.core.inventory.parsers import (
    cfs_quota,
    cgroup_dirs,
    parse_cpu_max,
    parse_cpu_model,
    parse_meminfo,
    parse_memory_limit,
    usable_cores,
)
from capstone_tui.core.machine import Machine, machine_from_host


def _read(path: str | Path) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def read_host() -> HostInfo:
    try:
        os_name = platform.freedesktop_os_release().get("PRETTY_NAME", platform.system())
    except OSError:
        os_name = platform.system()
    return HostInfo(hostname=socket.gethostname(), os=os_name, kernel=platform.release(),
                    arch=platform.machine())


def _cgroup_paths(controller: str, proc_root: str | Path = "/proc") -> tuple[str, list[str]] | None:
    proc = _read(os.path.join(proc_root, "self", "cgroup"))
    mountinfo = _read(os.path.join(proc_root, "self", "mountinfo"))
    if proc is None or mountinfo is None:
        return None
    return cgroup_dirs(proc, mountinfo, controller)


def _tightest(dirs: list[str], files: tuple[str, ...], parse) -> float | int | None:  # type: ignore[no-untyped-def]
    """The smallest limit found along the cgroup path (a parent's limit applies too)."""
    best = None
    for directory in dirs:
        for name in files:
            text = _read(os.path.join(directory, name))
            if text is None:
                continue
            value = parse(text)
            if value is not None and (best is None or value < best):
                best = value
    return best


def read_cpu(*, proc_root: str | Path = "/proc") -> Cpu:
    """Cores: affinity, the cgroup CPU quota (v1 or v2) and the model name. `proc_root` is where
    /proc is read from (a tree of files in tests); the cgroup files are found through its mountinfo."""
    affinity = tuple(sorted(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else tuple(
        range(os.cpu_count() or 1))
    quota: float | None = None
    version: str | None = None
    found = _cgroup_paths("cpu", proc_root)
    if found:
        version, dirs = found
        if version == "v2":
            quota = _tightest(dirs, ("cpu.max",), parse_cpu_max)
        else:
            quotas = []
            for d in dirs:
                q, p = _read(os.path.join(d, "cpu.cfs_quota_us")), _read(os.path.join(d, "cpu.cfs_period_us"))
                if q is not None and p is not None and (value := cfs_quota(q, p)) is not None:
                    quotas.append(value)
            quota = min(quotas) if quotas else None
    model = parse_cpu_model(_read(os.path.join(proc_root, "cpuinfo")) or "") or platform.processor() or None
    return Cpu(model=model,
               logical=os.cpu_count(), physical=psutil.cpu_count(logical=False), affinity=affinity,
               cgroup_quota_cpus=quota, usable=usable_cores(len(affinity), quota), cgroup_version=version)


def read_memory(*, proc_root: str | Path = "/proc") -> Memory:
    """/proc/meminfo and the tightest cgroup memory limit (v1 or v2) on this process's path."""
    info = parse_meminfo(_read(os.path.join(proc_root, "meminfo")) or "")
    if "MemTotal" not in info:  # not Linux: psutil knows the platform's way
        vm, sw = psutil.virtual_memory(), psutil.swap_memory()
        info = {"MemTotal": vm.total, "MemAvailable": vm.available, "SwapTotal": sw.total, "SwapFree": sw.free}
    limit = usage = None
    found = _cgroup_paths("memory", proc_root)
    if found:
        version, dirs = found
        if version == "v2":
            limit = _tightest(dirs, ("memory.max", "memory.high"), parse_memory_limit)
            usage = parse_memory_limit(_read(os.path.join(dirs[0], "memory.current")) or "")
        else:
            limit = _tightest(dirs, ("memory.limit_in_bytes",), parse_memory_limit)
            usage = parse_memory_limit(_read(os.path.join(dirs[0], "memory.usage_in_bytes")) or "")
    return Memory(total_bytes=info["MemTotal"], available_bytes=info.get("MemAvailable", info.get("MemFree", 0)),
                  cgroup_limit_bytes=None if limit is None else int(limit), cgroup_usage_bytes=usage,
                  swap_total_bytes=info.get("SwapTotal", 0), swap_free_bytes=info.get("SwapFree", 0))


def dataset_cache_dir() -> str:
    """Where Hugging Face `datasets` keeps its cache (HF_DATASETS_CACHE, HF_HOME, XDG)."""
    if os.environ.get("HF_DATASETS_CACHE"):
        return os.environ["HF_DATASETS_CACHE"]
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "huggingface")
    return os.path.join(home, "datasets")


def _mount_of(path: str) -> tuple[str | None, str | None]:
    """(mount point, filesystem type) of the longest mount that contains path."""
    text = _read("/proc/self/mountinfo") or ""
    best: tuple[str | None, str | None] = (None, None)
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields = left.split()
        if not sep or len(fields) < 5:
            continue
        mount = fields[4].replace("\\040", " ")
        inside = path == mount or path.startswith(mount.rstrip("/") + "/")
        if inside and (best[0] is None or len(mount) >= len(best[0])):
            best = (mount, right.split()[0])
    return best


def read_disk(role: str, path: str) -> Disk:
    """Total and free bytes of the filesystem holding path (its nearest existing parent)."""
    probe = os.path.abspath(path)
    while not os.path.exists(probe) and probe != os.path.dirname(probe):
        probe = os.path.dirname(probe)
    try:
        usage = shutil.disk_usage(probe)
    except OSError as err:
        return Disk(role, path, None, None, None, None, error=f"{type(err).__name__}: {err.strerror or err}")
    mount, fstype = _mount_of(os.path.realpath(probe))
    return Disk(role, path, mount, fstype, usage.total, usage.free)


def read_disks() -> tuple[Disk, ...]:
    try:
        cwd = os.getcwd()
    except OSError as err:  # the working directory was removed under us
        cwd_disk = Disk("working dir", "?", None, None, None, None, error=f"working directory gone: {err.strerror}")
    else:
        cwd_disk = read_disk("working dir", cwd)
    return (cwd_disk, read_disk("dataset cache", dataset_cache_dir()), read_disk("tmp", tempfile.gettempdir()))


def read_network() -> tuple[NetIf, ...]:
    stats = psutil.net_if_stats()
    addrs = psutil.net_if_addrs()
    out = []
    for name in sorted(stats):
        st = stats[name]
        ips = tuple(a.address for a in addrs.get(name, ()) if a.family == socket.AF_INET)
        out.append(NetIf(name=name, up=bool(st.isup), speed_mbps=st.speed or None, mtu=st.mtu or None,
                         addresses=ips))
    return tuple(out)


def this_node_machine(gpu_timeout_s: float = 1.5) -> Machine:
    """`this-node` from live readings; GPUs only if NVML answers within gpu_timeout_s."""
    from capstone_tui.probes.gpus import read_gpus_within

    host, cpu, memory = read_host(), read_cpu(), read_memory()
    try:
        disk_free: float | None = shutil.disk_usage(os.getcwd()).free
    except OSError:
        disk_free = None
    report = read_gpus_within(gpu_timeout_s)
    gpus = tuple((d.name or "GPU", float(d.memory_total_bytes)) for d in report.devices
                 if d.memory_total_bytes and not d.error)
    return machine_from_host(host.hostname, memory.total_bytes, memory.cgroup_limit_bytes, disk_free, gpus,
                             cpu.usable)


__all__ = ["read_host", "read_cpu", "read_memory", "read_disks", "read_network", "this_node_machine",
           "dataset_cache_dir"]
