"""`capstone-tui inventory [--json]` end to end: SPEC keys, figures that agree with the
machine (affinity, /proc/meminfo, statvfs), units in the text, bad input -> exit 2,
and the reading turned into reference machines."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from capstone_tui.core.inventory.report import working_disk
from capstone_tui.probes.inventory import read_inventory

SPEC_KEYS = {"host", "cpu", "memory", "disks", "network", "gpus", "cluster"}


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "inventory", *args], capture_output=True,
                          text=True, timeout=30, env=env)
    return done, time.monotonic() - start


def test_json_has_the_spec_keys_and_agrees_with_the_machine():
    done, wall = cli("--json", "--no-slurm")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert SPEC_KEYS <= set(data)
    assert data["cluster"] is None  # not asked
    assert {"state", "devices"} <= set(data["gpus"])
    assert data["cpu"]["affinity"] == sorted(os.sched_getaffinity(0))
    meminfo = {k: int(v.split()[0]) for k, v in
               (line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())}
    assert data["memory"]["total_bytes"] == meminfo["MemTotal"] * 1024
    cwd = next(d for d in data["disks"] if d["role"] == "working dir")
    assert cwd["path"] == os.getcwd()
    assert cwd["total_bytes"] == shutil.disk_usage(os.getcwd()).total
    assert cwd["feeds_ceiling"] is True
    assert wall < 10


def test_json_without_slurm_conf_is_still_valid():
    env = {k: v for k, v in os.environ.items() if k != "SLURM_CONF"}
    done, _ = cli("--json", "--timeout", "2", env=env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["cluster"] is None or data["cluster_status"]["state"] == "ok"
    assert data["cluster_status"]["state"] in {"ok", "absent", "not_answering", "error"}


def test_text_output_carries_units_and_marks():
    done, _ = cli("--no-slurm")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "GiB" in out and " GB" in out and "▸" in out
    assert "usable" in out and "measured" in out


def test_bad_timeout_exits_2_with_one_line():
    done, _ = cli("--timeout", "soon")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--timeout" in done.stderr and "[0.1, 60]" in done.stderr
    done, _ = cli("--timeout", "0")
    assert done.returncode == 2


def test_reading_becomes_this_node_machine():
    inv = read_inventory(slurm=False, timeout_s=2.0)
    machines = inv.machines()
    node = machines[0]
    assert node.id == "this-node"
    assert node.memory_total_bytes == inv.memory.total_bytes
    assert node.memory_bytes == inv.memory.usable_bytes <= inv.memory.total_bytes
    assert node.disk_bytes == working_disk(inv).free_bytes
    assert node.cpus == inv.cpu.usable
    assert all(not m.id.startswith("slurm:") for m in machines)  # Slurm not asked
