"""A fixed inventory reading (a DGX-like GPU node on a Slurm cluster) for deterministic
snapshots and screenshots: no live probe runs."""

from __future__ import annotations

from capstone_tui.core.inventory.report import (
    ClusterReport, Cpu, Disk, GpuDevice, HostInfo, Inventory, Memory, NetIf, NodeType, gpu_report,
)

GIB = 2**30


def fixed_inventory() -> Inventory:
    gpus = tuple(
        GpuDevice(index=i, name="NVIDIA H100 80GB HBM3", uuid=f"GPU-0000000{i}", memory_total_bytes=80 * GIB,
                  memory_used_bytes=(4 + i) * GIB, utilization_pct=10 * i, temperature_c=35 + i,
                  power_draw_w=120.0 + i, power_limit_w=700.0, pcie_gen=5, pcie_width=16, nvlink_links=18,
                  mig_mode="disabled")
        for i in range(2)
    )
    return Inventory(
        host=HostInfo(hostname="head01", os="Debian GNU/Linux 12 (bookworm)", kernel="6.1.0", arch="x86_64"),
        cpu=Cpu(model="Intel Xeon Platinum 8480C", logical=224, physical=112, affinity=tuple(range(32)),
                cgroup_quota_cpus=32.0, usable=32, cgroup_version="v2"),
        memory=Memory(total_bytes=2048 * GIB, available_bytes=1900 * GIB, cgroup_limit_bytes=256 * GIB,
                      cgroup_usage_bytes=12 * GIB, swap_total_bytes=0, swap_free_bytes=0),
        disks=(Disk("working dir", "/home/student", "/home", "nfs4", 100 * 10**12, 40 * 10**12),
               Disk("dataset cache", "/scratch/hf", "/scratch", "xfs", 30 * 10**12, 25 * 10**12),
               Disk("tmp", "/tmp", "/", "ext4", 2 * 10**12, 1 * 10**12)),
        network=(NetIf("ib0", True, 400_000, 4092), NetIf("eth0", True, 25_000, 1500)),
        gpus=gpu_report("ok", devices=gpus, driver_version="550.90.07"),
        cluster=ClusterReport("ok", "Slurm 23.02: 2 node types", node_types=(
            NodeType("gpu", 16, 224, 2_000_000, "h100", 8, 12, ("mixed",), default=True),
            NodeType("cpu", 64, 128, 512_000, None, 0, 0, ("idle",)),
        ), version="23.02.7", elapsed_s=0.02, source="sinfo"),
        elapsed_s=0.05,
    )
