"""The host probe's cgroup v1 and v2 branches on real trees of files in tmp_path (a /proc with
self/cgroup, self/mountinfo, meminfo and cpuinfo, and the cgroup folders its mountinfo names),
so both branches run on any machine, whichever cgroup version the machine itself has."""

from __future__ import annotations

import os
from pathlib import Path

from capstone_tui.core.machine import usable_memory
from capstone_tui.probes.host import read_cpu, read_memory

NO_LIMIT_V1 = "9223372036854771712"  # the kernel's "no limit" in memory.limit_in_bytes
GIB = 2**30
MEMINFO = "MemTotal:       16384000 kB\nMemAvailable:   8192000 kB\nSwapTotal:       1024 kB\nSwapFree: 512 kB\n"
CPUINFO = "processor\t: 0\nmodel name\t: Tree CPU 9000\n"


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _proc(tmp_path: Path, cgroup: str, mountinfo: str) -> Path:
    proc = tmp_path / "proc"
    _write(proc, {"self/cgroup": cgroup, "self/mountinfo": mountinfo, "meminfo": MEMINFO, "cpuinfo": CPUINFO})
    return proc


def _v1_mounts(cg: Path) -> str:
    return (f"31 23 0:28 / {cg} rw,relatime - tmpfs tmpfs rw,mode=755\n"
            f"32 31 0:29 / {cg}/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
            f"34 31 0:31 / {cg}/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
            f"35 31 0:32 / {cg}/memory rw,relatime - cgroup cgroup rw,memory\n"
            f"40 31 0:37 / {cg}/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
            f"41 31 0:38 / {cg}/unified rw,relatime - cgroup2 cgroup2 rw\n")


V1_CGROUP = ("12:memory:/slurm/uid_0/job_7\n4:cpu,cpuacct:/slurm/uid_0/job_7\n3:cpuset:/slurm/uid_0/job_7\n"
             "1:name=systemd:/user.slice\n0::/\n")


def test_cgroup_v1_tree_limits_are_the_tightest_on_the_path(tmp_path: Path) -> None:
    cg = tmp_path / "sys" / "fs" / "cgroup"
    mem, cpu, cpuset = cg / "memory", cg / "cpu,cpuacct", cg / "cpuset"
    _write(tmp_path, {
        f"{mem}/memory.limit_in_bytes": NO_LIMIT_V1 + "\n",
        f"{mem}/slurm/memory.limit_in_bytes": f"{8 * GIB}\n",
        f"{mem}/slurm/uid_0/memory.limit_in_bytes": NO_LIMIT_V1 + "\n",
        f"{mem}/slurm/uid_0/job_7/memory.limit_in_bytes": f"{2 * GIB}\n",
        f"{mem}/slurm/uid_0/job_7/memory.usage_in_bytes": "123456789\n",
        f"{cpu}/cpu.cfs_quota_us": "-1\n", f"{cpu}/cpu.cfs_period_us": "100000\n",
        f"{cpu}/slurm/cpu.cfs_quota_us": "400000\n", f"{cpu}/slurm/cpu.cfs_period_us": "100000\n",
        f"{cpu}/slurm/uid_0/job_7/cpu.cfs_quota_us": "150000\n",
        f"{cpu}/slurm/uid_0/job_7/cpu.cfs_period_us": "100000\n",
        f"{cpuset}/slurm/uid_0/job_7/cpuset.cpus": "0-1\n",
    })
    proc = _proc(tmp_path, V1_CGROUP, _v1_mounts(cg))
    memory = read_memory(proc_root=proc)
    assert memory.cgroup_limit_bytes == 2 * GIB  # the job's, tighter than the parent's 8 GiB
    assert memory.cgroup_usage_bytes == 123456789
    assert memory.total_bytes == 16384000 * 1024 and memory.available_bytes == 8192000 * 1024
    assert memory.usable_bytes == 2 * GIB
    cpus = read_cpu(proc_root=proc)
    assert cpus.cgroup_version == "v1" and cpus.cgroup_quota_cpus == 1.5  # 150000/100000 < 400000/100000
    assert cpus.usable == min(len(os.sched_getaffinity(0)), 2)  # 1.5 CPUs rounds up to 2 cores
    assert cpus.model == "Tree CPU 9000"
    # cpuset.cpus is applied by the kernel to the affinity mask, which the probe reads directly


def test_cgroup_v1_tree_with_no_limits_reports_none(tmp_path: Path) -> None:
    cg = tmp_path / "sys" / "fs" / "cgroup"
    mem, cpu = cg / "memory", cg / "cpu,cpuacct"
    _write(tmp_path, {
        f"{mem}/memory.limit_in_bytes": NO_LIMIT_V1, f"{mem}/slurm/uid_0/job_7/memory.limit_in_bytes": NO_LIMIT_V1,
        f"{cpu}/slurm/uid_0/job_7/cpu.cfs_quota_us": "-1", f"{cpu}/slurm/uid_0/job_7/cpu.cfs_period_us": "100000",
    })
    proc = _proc(tmp_path, V1_CGROUP, _v1_mounts(cg))
    memory, cpus = read_memory(proc_root=proc), read_cpu(proc_root=proc)
    assert memory.cgroup_limit_bytes is None
    assert memory.usable_bytes == usable_memory(16384000 * 1024, None) > 2 * GIB  # total less the OS reserve
    assert cpus.cgroup_version == "v1" and cpus.cgroup_quota_cpus is None
    assert cpus.usable == len(os.sched_getaffinity(0))


def test_cgroup_v2_tree_limits_are_the_tightest_on_the_path(tmp_path: Path) -> None:
    cg = tmp_path / "sys" / "fs" / "cgroup"
    app = cg / "user.slice" / "app"
    _write(tmp_path, {
        f"{cg}/memory.max": "max\n", f"{cg}/cpu.max": "max 100000\n",
        f"{cg}/user.slice/memory.max": f"{4 * GIB}\n", f"{cg}/user.slice/cpu.max": "250000 100000\n",
        f"{app}/memory.max": "max\n", f"{app}/memory.high": f"{3 * GIB}\n", f"{app}/memory.current": "4096\n",
        f"{app}/cpu.max": "max 100000\n",
    })
    proc = _proc(tmp_path, "0::/user.slice/app\n", f"30 1 0:26 / {cg} rw,nosuid - cgroup2 cgroup2 rw\n")
    memory = read_memory(proc_root=proc)
    assert memory.cgroup_limit_bytes == 3 * GIB  # memory.high below the parent's memory.max
    assert memory.cgroup_usage_bytes == 4096
    cpus = read_cpu(proc_root=proc)
    assert cpus.cgroup_version == "v2" and cpus.cgroup_quota_cpus == 2.5  # the parent's cpu.max
    assert cpus.usable == min(len(os.sched_getaffinity(0)), 3)


def test_cgroup_v2_namespaced_root_and_no_limits(tmp_path: Path) -> None:
    cg = tmp_path / "sys" / "fs" / "cgroup"  # a container: the namespace root /box is mounted here
    _write(tmp_path, {f"{cg}/app/memory.max": "max\n", f"{cg}/app/cpu.max": "max 100000\n",
                      f"{cg}/memory.max": "max\n"})
    proc = _proc(tmp_path, "0::/box/app\n", f"40 1 0:38 /box {cg} rw - cgroup2 cgroup2 rw\n")
    memory, cpus = read_memory(proc_root=proc), read_cpu(proc_root=proc)
    assert memory.cgroup_limit_bytes is None and memory.cgroup_usage_bytes is None
    assert cpus.cgroup_version == "v2" and cpus.cgroup_quota_cpus is None


def test_no_cgroup_files_means_no_limits(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    _write(proc, {"meminfo": MEMINFO})
    memory, cpus = read_memory(proc_root=proc), read_cpu(proc_root=proc)
    assert memory.cgroup_limit_bytes is None and cpus.cgroup_version is None and cpus.cgroup_quota_cpus is None
