"""Pure parsers for the text the host and GPU probes read: /proc files, cgroup files and
CUDA_VISIBLE_DEVICES (Slurm's text is parsed in `core.slurm_parsers`).

Each takes a string and returns values, so every odd spelling can be tested on strings.
All of them tolerate CRLF line ends and surrounding blanks.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

V1_UNLIMITED = 2**60  # cgroup v1 writes "no limit" as a page-rounded 2^63 - 1


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


# --- /proc ---------------------------------------------------------------------------------


def parse_meminfo(text: str) -> dict[str, int]:
    """/proc/meminfo -> {"MemTotal": bytes, ...}; the kernel's "kB" is KiB."""
    out: dict[str, int] = {}
    for line in lines(text):
        match = re.match(r"^([\w()]+):\s+(\d+)(?:\s+kB)?$", line)
        if match:
            value = int(match.group(2))
            out[match.group(1)] = value * 1024 if line.endswith("kB") else value
    return out


def parse_cpu_model(cpuinfo: str) -> str | None:
    """The first 'model name' (x86) or 'Model'/'Hardware' (ARM) line of /proc/cpuinfo."""
    for key in ("model name", "Model", "Hardware", "cpu model"):
        for line in lines(cpuinfo):
            name, _, value = line.partition(":")
            if name.strip() == key and value.strip():
                return " ".join(value.split())
    return None


# --- cgroups -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CgroupMount:
    mount_point: str
    root: str  # the cgroup path that is mounted there ("/" unless namespaced)
    version: str  # "v1" or "v2"
    controllers: tuple[str, ...]  # v1 only


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """/proc/self/cgroup -> {controller: path}; the v2 entry ("0::/path") is keyed "".

    Named v1 hierarchies (name=systemd) are skipped: they control nothing.
    """
    out: dict[str, str] = {}
    for line in lines(text):
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            out[""] = path
        for ctl in controllers.split(","):
            if ctl and not ctl.startswith("name="):
                out[ctl] = path
    return out


def parse_cgroup_mounts(mountinfo: str) -> list[CgroupMount]:
    """cgroup and cgroup2 mounts from /proc/self/mountinfo."""
    mounts: list[CgroupMount] = []
    for line in lines(mountinfo):
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        fstype, options = tail[0], tail[2].split(",")
        if fstype == "cgroup2":
            mounts.append(CgroupMount(_unescape(fields[4]), fields[3], "v2", ()))
        elif fstype == "cgroup":
            ctls = tuple(o for o in options if o in _V1_CONTROLLERS)
            mounts.append(CgroupMount(_unescape(fields[4]), fields[3], "v1", ctls))
    return mounts


_V1_CONTROLLERS = {"cpu", "cpuacct", "cpuset", "memory", "blkio", "devices", "freezer", "pids", "hugetlb"}


def _unescape(path: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), path)


def cgroup_dirs(proc_cgroup: str, mountinfo: str, controller: str) -> tuple[str, list[str]] | None:
    """("v1"|"v2", directories from this process's cgroup up to the mount) for a controller.

    v2 is used where the controller is not on a v1 hierarchy. Every directory is returned
    because a parent's limit applies too: the effective limit is the smallest on the path.
    """
    groups = parse_proc_cgroup(proc_cgroup)
    mounts = parse_cgroup_mounts(mountinfo)
    for version, key in (("v1", controller), ("v2", "")):
        path = groups.get(key)
        if path is None:
            continue
        for mount in mounts:
            if mount.version != version or (version == "v1" and controller not in mount.controllers):
                continue
            rel = path
            if mount.root != "/" and (path == mount.root or path.startswith(mount.root + "/")):
                rel = path[len(mount.root):]
            parts = [p for p in rel.split("/") if p and p != ".."]
            dirs = [mount.mount_point.rstrip("/") + "".join("/" + p for p in parts[:i])
                    for i in range(len(parts), -1, -1)]
            return version, [d or "/" for d in dirs]
    return None


def parse_memory_limit(text: str) -> int | None:
    """v2 memory.max ("max" or bytes) or v1 memory.limit_in_bytes; None = unlimited."""
    value = text.strip()
    if not value or value == "max":
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return None if number < 0 or number >= V1_UNLIMITED else number


def parse_cpu_max(text: str) -> float | None:
    """v2 cpu.max ("max 100000" or "150000 100000") -> CPUs of quota; None = unlimited."""
    parts = text.split()
    if not parts or parts[0] == "max":
        return None
    period = int(parts[1]) if len(parts) > 1 else 100000
    return cfs_quota(parts[0], str(period))


def cfs_quota(quota_text: str, period_text: str) -> float | None:
    """v1 cpu.cfs_quota_us / cpu.cfs_period_us -> CPUs of quota; None (quota -1) = unlimited."""
    try:
        quota, period = int(quota_text.strip()), int(period_text.strip())
    except ValueError:
        return None
    if quota <= 0 or period <= 0:
        return None
    return quota / period


def usable_cores(affinity: int, quota: float | None) -> int:
    """CPUs this process can keep busy: the affinity mask, lowered by a cgroup quota (rounded up)."""
    if quota is None:
        return max(1, affinity)
    return max(1, min(affinity, math.ceil(quota - 1e-9)))


# --- CUDA_VISIBLE_DEVICES ------------------------------------------------------------------


def visible_indices(env: str | None, uuids: list[str | None]) -> tuple[int, ...]:
    """NVML indices CUDA would show, in CUDA's order, following CUDA's rules: unset = all;
    entries are indices or (prefixes of) UUIDs; the list ends at the first invalid entry;
    a repeated device ends it too."""
    count = len(uuids)
    if env is None:
        return tuple(range(count))
    chosen: list[int] = []
    for raw in env.split(","):
        entry = raw.strip()
        if not entry:
            break
        if re.fullmatch(r"\d+", entry):
            index = int(entry)
        else:
            matches = [i for i, u in enumerate(uuids) if u and entry.startswith(("GPU-", "MIG-"))
                       and u.startswith(entry)]
            if len(matches) != 1:
                break
            index = matches[0]
        if index >= count or index in chosen:
            break
        chosen.append(index)
    return tuple(chosen)
