"""The Slurm probe: parsers on the spellings real clusters print (reference/engines.md §2),
then against the real single-node Slurm (tests/support/slurm.py) with two fake GPUs, and
against a controller that is down or hangs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from capstone_tui.core.inventory.slurm import (
    group_node_types,
    node_state,
    parse_gres_gpus,
    parse_gres_used,
    parse_scontrol_nodes,
    parse_sinfo_nodes,
    rows_from_scontrol,
)

MIB = 2**20

# --- parsers ------------------------------------------------------------------------------


@pytest.mark.parametrize(("gres", "expected"), [
    ("(null)", (None, 0)),
    ("gpu:4", (None, 4)),
    ("gpu:a100:4", ("a100", 4)),
    ("gpu:v100:4(S:0-1),nvme:3600", ("v100", 4)),
    ("gpu:8(S:0-1)", (None, 8)),
    ("gpu:3g.40gb:8(S:0-1)", ("3g.40gb", 8)),
    ("gpu:1080ti:1(IDX:0),gpu:980gtx:1(IDX:1)", ("1080ti+980gtx", 2)),
    ("shard:8,mps:100", (None, 0)),
    ("gpu:fake:1(IDX:0)", ("fake", 1)),
])
def test_gres_spellings(gres, expected):
    assert parse_gres_gpus(gres) == expected


@pytest.mark.parametrize(("raw", "state"), [
    ("idle", "idle"), ("down*", "down (not responding)"), ("IDLE+COMPLETING", "idle+completing"),
    ("DOWN+DRAIN+NOT_RESPONDING", "down+drain+not_responding"), ("mixed~", "mixed (powered off)"),
])
def test_node_states(raw, state):
    assert node_state(raw) == state


SINFO = ("gpu01|64|515000|gpu:a100:4(S:0-1)|gpu|mixed\r\n"
         "gpu02|64|515000|gpu:a100:4(S:0-1)|gpu|idle\r\n"
         "cpu01|128|256000|(null)|cpu*|idle\r\n"
         "cpu01|128|256000|(null)|all|idle\r\n"
         "gpu01|64|515000|gpu:a100:4(S:0-1)|all|mixed\r\n"
         "big01|128|1024000|(null)|cpu*|down*\r\n")


def test_sinfo_rows_group_into_node_types():
    types = group_node_types(parse_sinfo_nodes(SINFO), parse_gres_used("gpu01|gpu:a100:3(IDX:0-2)|\n"))
    by = {(t.partition, t.memory_mib): t for t in types}
    gpu = by[("gpu", 515000)]
    assert (gpu.count, gpu.cpus, gpu.gpu_type, gpu.gpus_per_node, gpu.gpus_used) == (2, 64, "a100", 4, 3)
    assert set(gpu.states) == {"mixed", "idle"}
    assert by[("cpu", 256000)].default and by[("cpu", 256000)].gpus_per_node == 0
    assert by[("cpu", 1024000)].states == ("down (not responding)",)
    assert by[("all", 256000)].count == 1 and by[("all", 515000)].count == 1
    assert len(types) == 5


SCONTROL = """NodeName=vm Arch=x86_64 CoresPerSocket=2\r
   CPUAlloc=0 CPUEfctv=2 CPUTot=2 CPULoad=0.07\r
   Gres=gpu:fake:2\r
   OS=Linux 6.1.0-13-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)\r
   RealMemory=2000 AllocMem=0 FreeMem=23532 Sockets=1 Boards=1\r
   State=IDLE+DRAIN ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A\r
   Partitions=debug,batch \r
   Reason=disk full [root@2026-11-25T03:50:38]\r
\r
NodeName=n2 CPUTot=8 RealMemory=16000 Gres=(null) State=DOWN* Partitions=debug OS=Linux 6.1 #1 SMP
"""


def test_scontrol_records_keep_values_with_spaces():
    recs = parse_scontrol_nodes(SCONTROL)
    assert [r["NodeName"] for r in recs] == ["vm", "n2"]
    assert recs[0]["OS"].startswith("Linux 6.1.0-13-amd64 #1 SMP") and recs[0]["OS"].endswith("(2023-09-29)")
    assert recs[0]["Reason"] == "disk full [root@2026-11-25T03:50:38]"
    rows = rows_from_scontrol(recs)
    assert [(r.name, r.partition, r.cpus, r.memory_mib, r.state) for r in rows] == [
        ("vm", "debug", 2, 2000, "idle+drain"), ("vm", "batch", 2, 2000, "idle+drain"),
        ("n2", "debug", 8, 16000, "down (not responding)")]


# --- the real local Slurm -------------------------------------------------------------------


def _slurmd_cpus() -> int:
    out = subprocess.run(["slurmd", "-C"], capture_output=True, text=True, timeout=10).stdout
    return int(out.split("CPUs=")[1].split()[0])


@pytest.fixture
def with_slurm(slurm_cluster, monkeypatch):
    monkeypatch.setenv("SLURM_CONF", slurm_cluster["SLURM_CONF"])
    return slurm_cluster


@pytest.mark.slurm
def test_real_cluster_node_types(with_slurm):
    from capstone_tui.probes.slurm import read_cluster

    report = read_cluster(timeout_s=5)
    assert report.state == "ok", report.message
    assert report.version and report.version[0].isdigit()
    by = {t.partition: t for t in report.node_types}
    assert set(by) == {"debug", "batch"}
    for t in by.values():  # the script configures 2000 MB and GRES gpu:fake:2
        assert (t.count, t.cpus, t.memory_mib, t.gpu_type, t.gpus_per_node) == (1, _slurmd_cpus(), 2000, "fake", 2)
        assert t.nodes == (socket.gethostname().split(".")[0],)
    assert by["debug"].default and not by["batch"].default


@pytest.mark.slurm
def test_scontrol_text_agrees_with_sinfo(with_slurm):
    from capstone_tui.probes.slurm import read_cluster

    text = subprocess.run(["scontrol", "show", "node"], capture_output=True, text=True, timeout=10).stdout
    from_scontrol = {(t.partition, t.cpus, t.memory_mib, t.gpu_type, t.gpus_per_node)
                     for t in group_node_types(rows_from_scontrol(parse_scontrol_nodes(text)))}
    from_sinfo = {(t.partition, t.cpus, t.memory_mib, t.gpu_type, t.gpus_per_node)
                  for t in read_cluster(timeout_s=5).node_types}
    assert from_scontrol == from_sinfo


@pytest.mark.slurm
def test_slurm_machines(with_slurm):
    from capstone_tui.probes.slurm import slurm_machines

    machines = {m.id: m for m in slurm_machines(timeout_s=5)}
    assert set(machines) == {"slurm:debug", "slurm:batch"}
    m = machines["slurm:debug"]
    assert m.memory_total_bytes == 2000 * MIB  # Slurm "MB" is MiB
    assert m.accelerators == 2 and m.accelerator_name == "fake"
    assert m.cpus == _slurmd_cpus()


@pytest.mark.slurm
def test_gpus_in_use_are_counted(with_slurm):
    from capstone_tui.probes.slurm import read_cluster

    job = subprocess.run(["sbatch", "--parsable", "-p", "debug", "--gres=gpu:1", "-n", "1", "--mem=64",
                          "--wrap", "sleep 30"], capture_output=True, text=True, timeout=15)
    assert job.returncode == 0, job.stderr
    job_id = job.stdout.strip().split(";")[0]
    try:
        used = 0
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and used == 0:
            debug = [t for t in read_cluster(timeout_s=5).node_types if t.partition == "debug"]
            used = debug[0].gpus_used if debug else 0
            time.sleep(0.3)
        assert used == 1
    finally:
        subprocess.run(["scancel", job_id], capture_output=True, timeout=15)


@pytest.mark.slurm
def test_inventory_lists_the_cluster(with_slurm):
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "inventory", "--json"], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    cluster = json.loads(done.stdout)["cluster"]
    assert cluster is not None
    parts = {t["partition"]: t for t in cluster["node_types"]}
    assert set(parts) == {"debug", "batch"}
    assert parts["debug"]["gpus_per_node"] == 2 and parts["debug"]["memory_bytes"] == 2000 * MIB


@pytest.mark.slurm
def test_assess_uses_a_slurm_machine(with_slurm, tmp_path):
    cand = tmp_path / "c.toml"
    cand.write_text('name = "x"\n[data]\nbytes = 1.0e9\n')
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "assess", str(cand), "--machine", "slurm:debug",
                           "--json"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    machine = json.loads(done.stdout)["machine"]
    assert machine["id"] == "slurm:debug"
    assert machine["memory_bytes"] < 2000 * MIB  # usable share of the node's 2000 MiB


# --- a controller that is down or hangs ------------------------------------------------------


def _conf_with_port(slurm_env: dict[str, str], port: int, tmp_path: Path) -> str:
    text = Path(slurm_env["SLURM_CONF"]).read_text()
    lines = [f"SlurmctldPort={port}" if ln.startswith("SlurmctldPort=") else ln for ln in text.splitlines()]
    conf = tmp_path / "slurm.conf"
    conf.write_text("\n".join(lines) + "\n")
    return str(conf)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slurm
def test_controller_down_is_reported_within_the_timeout(slurm_cluster, tmp_path):
    # the same cluster config, pointed at a port where no slurmctld listens
    env = {**slurm_cluster, "SLURM_CONF": _conf_with_port(slurm_cluster, _free_port(), tmp_path)}
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "inventory", "--json", "--timeout", "1.5"],
                          capture_output=True, text=True, timeout=30, env=env)
    wall = time.monotonic() - start
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["cluster"] is None
    assert data["cluster_status"]["state"] == "not_answering"
    assert data["memory"]["total_bytes"] > 0 and data["cpu"]["usable"] >= 1  # the rest keeps working
    assert wall < 4.0


@pytest.mark.slurm
def test_hung_controller_does_not_hang_the_probe(slurm_cluster, tmp_path, monkeypatch):
    from capstone_tui.probes.slurm import read_cluster, slurm_machines

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections, never answers
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("SLURM_CONF", _conf_with_port(slurm_cluster, listener.getsockname()[1], tmp_path))
        start = time.monotonic()
        report = read_cluster(timeout_s=1.0)
        assert time.monotonic() - start < 2.0
        assert report.state == "not_answering" and "timeout 1 s" in report.message
        start = time.monotonic()
        assert slurm_machines(timeout_s=0.5) == ()
        assert time.monotonic() - start < 1.5
    finally:
        stop.set()
        thread.join(2)
        for conn in accepted:
            conn.close()
        listener.close()


def test_no_sinfo_means_absent(monkeypatch, tmp_path):
    from capstone_tui.probes.slurm import read_cluster, slurm_machines

    monkeypatch.setenv("PATH", str(tmp_path))
    assert read_cluster().state == "absent"
    assert slurm_machines() == ()
    assert os.environ["PATH"] == str(tmp_path)
