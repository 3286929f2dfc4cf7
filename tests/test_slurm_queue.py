"""Live partition capacity and the user's jobs (`probes/slurm_queue.read_queue`): a generated
10,000-node sinfo parsed within 200 ms, then the real single-node Slurm (fixture
`slurm_cluster`): idle, a job holding one GPU, a pending job with its expected start, a job
name that is not UTF-8, and a stopped controller within the deadline."""

from __future__ import annotations

import subprocess
import time

import pytest

from capstone_tui.core.inventory.partitions import parse_capacity, parse_squeue
from support.sinfo_text import capacity_text, squeue_text
from test_slurm import _conf_with_port, _free_port

PREFIX = "capstone-test-queue"


def test_ten_thousand_nodes_parse_within_200_ms():
    text, totals = capacity_text(10_000)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        caps = parse_capacity(text)
        best = min(best, time.perf_counter() - t0)
    assert best < 0.200, f"{best * 1e3:.0f} ms"
    by = {c.name: c for c in caps}
    assert set(by) == {"gpu", "cpu", "all"} and by["gpu"].default
    assert sum(c.nodes for c in caps) == text.count("\n")
    assert {k: by[k].gpus_total for k in by} == totals
    assert by["all"].gpus_used == by["gpu"].gpus_used and by["cpu"].gpus_used == 0
    assert len(parse_squeue(squeue_text(2_000))) == 2_000


SUBMITTED: list[str] = []


@pytest.fixture
def queue_env(slurm_cluster, monkeypatch):
    monkeypatch.setenv("SLURM_CONF", slurm_cluster["SLURM_CONF"])
    yield slurm_cluster
    if SUBMITTED:
        subprocess.run(["scancel", *SUBMITTED], capture_output=True, timeout=15)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _queued():
        time.sleep(0.3)
    assert _queued() == []
    SUBMITTED.clear()


def _queued() -> list[str]:
    out = subprocess.run(["squeue", "-h", "-o", "%i"], capture_output=True, text=True, timeout=15).stdout
    return [j for j in out.split() if j in SUBMITTED]


def _submit(*args: bytes | str) -> str:
    done = subprocess.run(["sbatch", "--parsable", "-o", "/dev/null", *args], capture_output=True, timeout=15)
    assert done.returncode == 0, done.stderr
    job = done.stdout.decode().strip().split(";")[0]
    SUBMITTED.append(job)
    return job


@pytest.mark.slurm
def test_capacity_and_my_jobs_on_the_real_cluster(queue_env):
    from capstone_tui.probes.slurm_queue import read_queue

    idle = read_queue(timeout_s=5)
    assert idle.state == "ok", idle.message
    debug = {c.name: c for c in idle.partitions}["debug"]
    assert debug.default and debug.gpus_total == 2 and debug.nodes == 1
    held = _submit("-J", f"{PREFIX}-a", "-p", "debug", "--gres=gpu:1", "-n", "1", "--mem=64", "-t", "5",
                   "--wrap", "sleep 120")
    waiting = _submit("-J", f"{PREFIX}-b", "-p", "debug", "--exclusive", "-t", "5", "--wrap", "sleep 120")
    _submit(b"-J", PREFIX.encode() + b"-\xe9", "-p", "debug", "--exclusive", "-t", "5", "--wrap", "sleep 120")
    deadline = time.monotonic() + 30
    snap = read_queue(timeout_s=5)
    while time.monotonic() < deadline:
        snap = read_queue(timeout_s=5)
        jobs = {j.job_id: j for j in snap.jobs}
        part = {c.name: c for c in snap.partitions}["debug"]
        if (part.gpus_used == 1 and jobs.get(held) and jobs[held].state == "running"
                and jobs.get(waiting) and jobs[waiting].start):
            break
        time.sleep(0.5)
    assert snap.state == "ok"
    part = {c.name: c for c in snap.partitions}["debug"]
    assert (part.gpus_used, part.gpus_free) == (1, 1) and part.mixed + part.allocated == 1
    jobs = {j.job_id: j for j in snap.jobs}
    assert jobs[held].state == "running" and jobs[held].name == f"{PREFIX}-a"
    assert jobs[waiting].state == "pending" and jobs[waiting].start  # Slurm's expected start
    assert any(j.name == f"{PREFIX}-\ufffd" for j in snap.jobs)  # not UTF-8: replaced, not a crash


@pytest.mark.slurm
def test_stopped_controller_is_named_within_the_deadline(slurm_cluster, monkeypatch, tmp_path):
    from capstone_tui.probes.slurm_queue import read_partition, read_queue

    monkeypatch.setenv("SLURM_CONF", _conf_with_port(slurm_cluster, _free_port(), tmp_path))
    t0 = time.monotonic()
    snap = read_queue(timeout_s=1.5)
    assert time.monotonic() - t0 < 3.0
    assert snap.state == "not_answering"
    t0 = time.monotonic()
    reading = read_partition("debug", timeout_s=1.5)
    assert time.monotonic() - t0 < 3.0 and reading.state == "not_answering"
