"""The host probe against the machine it runs on (affinity, /proc/meminfo, statvfs, cgroup
files, /sys/class/net), real cgroup limits set on a child cgroup where this user can, and
the pure parsers on strings."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from capstone_tui.core.inventory.parsers import (
    cfs_quota,
    cgroup_dirs,
    parse_cpu_max,
    parse_cpu_model,
    parse_meminfo,
    parse_memory_limit,
    parse_proc_cgroup,
    usable_cores,
)
from capstone_tui.probes.host import read_cpu, read_disks, read_memory, read_network



def _meminfo_kib() -> dict[str, int]:
    out = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, _, rest = line.partition(":")
        out[key] = int(rest.split()[0])
    return out


# --- against the machine -------------------------------------------------------------------


def test_cpu_matches_affinity_and_cpu_count():
    cpu = read_cpu()
    assert cpu.affinity == tuple(sorted(os.sched_getaffinity(0)))
    assert cpu.logical == os.cpu_count()
    assert 1 <= cpu.usable <= len(cpu.affinity)
    assert cpu.physical is None or 1 <= cpu.physical <= cpu.logical


def test_memory_matches_proc_meminfo():
    before = _meminfo_kib()
    mem = read_memory()
    after = _meminfo_kib()
    assert mem.total_bytes == before["MemTotal"] * 1024
    low = min(before["MemAvailable"], after["MemAvailable"]) * 1024
    high = max(before["MemAvailable"], after["MemAvailable"]) * 1024
    assert low - 64 * 2**20 <= mem.available_bytes <= high + 64 * 2**20
    assert mem.swap_total_bytes == before["SwapTotal"] * 1024
    assert mem.usable_bytes <= mem.total_bytes


def _own_memory_limit_from_files() -> int | None:
    """The tightest memory limit on this process's cgroup path, read straight from the files."""
    groups = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, ctls, path = line.split(":", 2)
        for c in ctls.split(","):
            groups[c] = path
    candidates = []
    if "memory" in groups and Path("/sys/fs/cgroup/memory").is_dir():
        base, path, name = Path("/sys/fs/cgroup/memory"), groups["memory"], "memory.limit_in_bytes"
    elif "" in groups and Path("/sys/fs/cgroup/cgroup.controllers").exists():
        base, path, name = Path("/sys/fs/cgroup"), groups[""], "memory.max"
    else:
        return None
    parts = [p for p in path.split("/") if p]
    for i in range(len(parts), -1, -1):
        f = base.joinpath(*parts[:i]) / name
        if f.exists():
            text = f.read_text().strip()
            if text != "max" and int(text) < 2**60:
                candidates.append(int(text))
    return min(candidates) if candidates else None


def test_cgroup_memory_limit_matches_the_files():
    assert read_memory().cgroup_limit_bytes == _own_memory_limit_from_files()


def test_disks_match_statvfs():
    disks = read_disks()
    assert [d.role for d in disks] == ["working dir", "dataset cache", "tmp"]
    cwd = disks[0]
    usage = shutil.disk_usage(os.getcwd())
    assert cwd.total_bytes == usage.total
    assert abs(cwd.free_bytes - usage.free) < 256 * 2**20  # other writers may be busy
    assert cwd.mount and os.getcwd().startswith(cwd.mount)
    assert cwd.fstype


def test_network_matches_sys_class_net():
    nets = {n.name: n for n in read_network()}
    sys_net = Path("/sys/class/net")
    assert set(nets) == {p.name for p in sys_net.iterdir()}
    for name, nif in nets.items():
        assert nif.mtu == int((sys_net / name / "mtu").read_text())


# --- real cgroup limits on a child cgroup ----------------------------------------------------


def _child_cgroup() -> tuple[str, Path] | None:
    """A fresh child of this process's memory+cpu cgroup (v1) that we may write, or None."""
    groups = parse_proc_cgroup(Path("/proc/self/cgroup").read_text())
    mem_root = Path("/sys/fs/cgroup/memory")
    if "memory" not in groups or not mem_root.is_dir() or not os.access(mem_root, os.W_OK):
        return None
    name = f"capstone-test-{os.getpid()}-{time.monotonic_ns()}"
    child = mem_root / groups["memory"].lstrip("/") / name
    try:
        child.mkdir()
    except OSError:
        return None
    return name, child


def test_cgroup_limits_set_on_a_child_cgroup_are_reported(tmp_path):
    made = _child_cgroup()
    if made is None:
        # both branches also run on trees of files on any machine: tests/test_host_cgroup_trees.py
        pytest.skip("no writable cgroup v1 memory hierarchy here")
    name, mem_dir = made
    limit = 512 * 2**20
    try:
        (mem_dir / "memory.limit_in_bytes").write_text(str(limit))
        cpu_dir = None
        groups = parse_proc_cgroup(Path("/proc/self/cgroup").read_text())
        cpu_parent = Path("/sys/fs/cgroup/cpu") / groups.get("cpu", "/").lstrip("/")
        if cpu_parent.is_dir() and os.access(cpu_parent, os.W_OK):
            cpu_dir = cpu_parent / name
            cpu_dir.mkdir()
            (cpu_dir / "cpu.cfs_period_us").write_text("100000")
            (cpu_dir / "cpu.cfs_quota_us").write_text("50000")
        joins = [str(mem_dir / "cgroup.procs")] + ([str(cpu_dir / "cgroup.procs")] if cpu_dir else [])
        # the child joins the cgroups, then runs the real CLI
        code = ("import os,sys\n"
                f"for p in {joins!r}: open(p,'w').write(str(os.getpid()))\n"
                "from capstone_tui.cli import main; sys.exit(main(['inventory','--json','--no-slurm']))")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert data["memory"]["cgroup_limit_bytes"] == limit
        assert data["memory"]["usable_bytes"] == limit  # the smaller of the two
        if cpu_dir:
            assert data["cpu"]["cgroup_quota_cpus"] == 0.5
            assert data["cpu"]["usable"] == 1
    finally:
        for d in (mem_dir, Path("/sys/fs/cgroup/cpu") / parse_proc_cgroup(
                Path("/proc/self/cgroup").read_text()).get("cpu", "/").lstrip("/") / name):
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)  # the exited child leaves the cgroup a moment later


# --- parsers on strings --------------------------------------------------------------------


def test_meminfo_parser_reads_kib_and_crlf():
    info = parse_meminfo("MemTotal:       1000 kB\r\nMemAvailable:    500 kB\r\nHugePages_Total:       4\r\n")
    assert info == {"MemTotal": 1024000, "MemAvailable": 512000, "HugePages_Total": 4}


@pytest.mark.parametrize(("text", "cpus"), [("max 100000\n", None), ("150000 100000", 1.5),
                                            ("200000 50000\r\n", 4.0), ("", None)])
def test_cpu_max(text, cpus):
    assert parse_cpu_max(text) == cpus


def test_cfs_quota_v1():
    assert cfs_quota("-1\n", "100000\n") is None
    assert cfs_quota("250000", "100000") == 2.5


@pytest.mark.parametrize(("text", "limit"), [("max\n", None), ("9223372036854771712\n", None),
                                             ("536870912\r\n", 536870912), ("garbage", None)])
def test_memory_limit(text, limit):
    assert parse_memory_limit(text) == limit


def test_usable_cores_rounds_a_quota_up_and_never_exceeds_affinity():
    assert usable_cores(8, None) == 8
    assert usable_cores(8, 1.5) == 2
    assert usable_cores(2, 16.0) == 2
    assert usable_cores(4, 0.1) == 1


def test_cgroup_dirs_hybrid_v1_and_namespaced_v2():
    proc = "4:memory:/slurm/uid_0/job_7\n1:cpu,cpuacct:/slurm/uid_0/job_7\n0::/\n"
    mountinfo = ("35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
                 "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n")
    version, dirs = cgroup_dirs(proc, mountinfo, "memory")
    assert version == "v1"
    assert dirs[0] == "/sys/fs/cgroup/memory/slurm/uid_0/job_7" and dirs[-1] == "/sys/fs/cgroup/memory"
    assert cgroup_dirs(proc, mountinfo, "cpu")[1][0] == "/sys/fs/cgroup/cpu,cpuacct/slurm/uid_0/job_7"
    # a container whose cgroup namespace root is mounted at /sys/fs/cgroup
    v2 = cgroup_dirs("0::/box/app\n", "40 1 0:38 /box /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "memory")
    assert v2 == ("v2", ["/sys/fs/cgroup/app", "/sys/fs/cgroup"])


def test_cpu_model_parser():
    assert parse_cpu_model("processor\t: 0\nmodel name\t: AMD  EPYC 7B13\n") == "AMD EPYC 7B13"
    assert parse_cpu_model("Hardware\t: BCM2835\r\n") == "BCM2835"
    assert parse_cpu_model("") is None
