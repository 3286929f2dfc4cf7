"""`capstone-tui when` on the real single-node Slurm (fixture `slurm_cluster`: two CPUs, two
fake GPUs, partitions debug (no MaxTime) and batch (MaxTime 1 day)).

An idle node starts now; a node held by a 20-minute `sleep` job moves every start to the end
of that job; finish = wait + run; fastest = earliest finish; MaxTime and oversize sizes are
explained; a stopped controller is a named state within the deadline; nothing stays queued.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_slurm import _conf_with_port, _free_port

JOB_NAME = "capstone-test-when"


def when(cand: Path, env: dict[str, str], *extra: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "capstone_tui", "when", str(cand), *extra],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=cand.parent)


def _queued(env: dict[str, str]) -> list[str]:
    out = subprocess.run(["squeue", "-h", "-n", JOB_NAME, "-o", "%i|%T"], capture_output=True, text=True,
                         timeout=15, env=env).stdout
    return [ln for ln in out.splitlines() if ln.strip()]


@pytest.fixture
def clean_queue(slurm_cluster):
    """Cancels this module's jobs afterwards and checks that none is left queued."""
    yield slurm_cluster
    subprocess.run(["scancel", "-n", JOB_NAME], capture_output=True, timeout=15, env=slurm_cluster)
    deadline = time.monotonic() + 30
    while _queued(slurm_cluster) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _queued(slurm_cluster) == []


@pytest.fixture
def candidate(tmp_path):
    def write(body: str) -> Path:
        path = tmp_path / "c.toml"
        path.write_text('name = "when test"\n' + body)
        return path
    return write


@pytest.mark.slurm
def test_idle_node_starts_now(clean_queue, candidate):
    cand = candidate("[scaling]\ns = 0.1\nc = 0.01\nt1_s = 3600\n[cost]\ngpu_hour = 2.5\n")
    done = when(cand, clean_queue, "--partition", "debug", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [o["p"] for o in data["options"]] == [1, 2]
    for o in data["options"]:
        assert o["wait_s"] < 30
        assert o["finish_s"] == pytest.approx(o["wait_s"] + o["run_s"])
        assert o["run_s"] == pytest.approx(3600 / (1 / (0.1 + 0.9 / o["p"] + 0.01 * (o["p"] - 1))))
        assert o["gpus"] == o["p"] and o["gpu_hours"] == pytest.approx(o["p"] * o["run_s"] / 3600)
        assert o["cost"] == pytest.approx(2.5 * o["gpu_hours"])
    assert data["fastest"]["p"] == 2 and data["cheapest"]["p"] == 1
    assert "sbatch --test-only" in data["source"]
    left = {x["p"]: x["why"] for x in data["left_out"]}
    assert 4 in left and "too big" in left[4] and data["p_star"] in left  # p* = 9 > 2 workers
    assert _queued(clean_queue) == []  # --test-only submits nothing


@pytest.mark.slurm
def test_a_held_node_moves_every_start_to_the_end_of_that_job(clean_queue, candidate):
    env = clean_queue
    job = subprocess.run(["sbatch", "--parsable", "--exclusive", "-p", "debug", "-t", "20", "-J", JOB_NAME,
                          "-o", "/dev/null", "--wrap", "sleep 1200"], capture_output=True, text=True,
                         timeout=15, env=env)
    assert job.returncode == 0, job.stderr
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(r.endswith("RUNNING") for r in _queued(env)):
        time.sleep(0.3)
    assert any(r.endswith("RUNNING") for r in _queued(env)), _queued(env)
    cand = candidate("[scaling]\ns = 0.1\nc = 0.01\nt1_s = 600\n")
    done = when(cand, env, "--partition", "debug", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [o["p"] for o in data["options"]] == [1, 2]
    for o in data["options"]:
        assert 1140 <= o["wait_s"] <= 1205, o  # the sleep job's 20-minute limit, less its run so far
        assert o["finish_s"] == pytest.approx(o["wait_s"] + o["run_s"])
    best = min(data["options"], key=lambda o: o["finish_s"])
    assert data["fastest"]["p"] == best["p"]
    # billing without TRESBillingWeights: Slurm bills one unit per allocated CPU
    assert "no TRESBillingWeights" in data["cost_unit"]
    assert data["options"][0]["cost"] == pytest.approx(data["options"][0]["run_s"] / 3600)
    text = when(cand, env, "--partition", "debug")
    assert text.returncode == 0 and re.search(r"starts in about (19|20)\.\d min", text.stdout), text.stdout


@pytest.mark.slurm
def test_maxtime_and_oversize_are_explained(clean_queue, candidate):
    # batch has MaxTime 1 day: p = 1 needs 100000 s x 1.2 > 86400 s; p = 4 needs 4 GPUs of 2
    # no --partition: the candidate's slurm:<partition> reference is the partition asked about
    cand = candidate('[scaling]\ns = 0.0\nc = 0.0\nt1_s = 100000\n[machine]\nreference = "slurm:batch"\n')
    done = when(cand, clean_queue, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [o["p"] for o in data["options"]] == [2]
    left = {x["p"]: x["why"] for x in data["left_out"]}
    assert "MaxTime" in left[1] and "1.2" in left[1]
    assert "too big for partition batch" in left[4]
    assert data["fastest"]["p"] == data["cheapest"]["p"] == 2 and data["partition"] == "batch"


@pytest.mark.slurm
@pytest.mark.parametrize(("body", "extra", "field"), [
    ("[scaling]\ns = 0.1\n", (), "scaling.t1_s"),
    ("[scaling]\nt1_s = 60\n", ("--pmax", "64"), "pmax"),
    ("[scaling]\nt1_s = 60\n", ("--partition", "nope"), "partition"),
    ("[scaling]\nt1_s = -1\n", (), "scaling.t1_s"),
    ("[job]\ncpus_per_worker = 64\n[scaling]\nt1_s = 60\n", (), "job"),
])
def test_bad_input_is_exit_2_naming_the_field(clean_queue, candidate, body, extra, field):
    done = when(candidate(body), clean_queue, *extra)
    assert done.returncode == 2, done.stdout
    assert done.stderr.startswith(f"capstone-tui: {field}:") and done.stderr.count("\n") == 1, done.stderr


@pytest.mark.slurm
def test_stopped_controller_is_a_named_state_within_the_deadline(slurm_cluster, candidate, tmp_path):
    env = {**slurm_cluster, "SLURM_CONF": _conf_with_port(slurm_cluster, _free_port(), tmp_path)}
    start = time.monotonic()
    done = when(candidate("[scaling]\nt1_s = 60\n"), env, "--timeout", "2")
    assert time.monotonic() - start < 6
    assert done.returncode == 2
    assert "not_answering" in done.stderr and done.stderr.count("\n") == 1, done.stderr


def test_without_slurm_it_says_so(tmp_path):
    cand = tmp_path / "c.toml"
    cand.write_text("[scaling]\nt1_s = 60\n")
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "when", str(cand)], capture_output=True,
                          text=True, timeout=30, env={"PATH": str(tmp_path), "HOME": str(tmp_path)})
    assert done.returncode == 2
    assert "absent" in done.stderr and "Slurm" in done.stderr


@pytest.mark.slurm
def test_export_adds_time_to_solution_with_a_slurm_reference(clean_queue, candidate, tmp_path):
    cand = candidate('[scaling]\ns = 0.1\nc = 0.01\nt1_s = 3600\n[machine]\nreference = "slurm:debug"\n')
    out = tmp_path / "verdicts"
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "export", str(cand), "--out", str(out)],
                          capture_output=True, text=True, timeout=60, env=clean_queue)
    assert done.returncode == 0, done.stderr
    doc = json.loads(next(out.glob("*.json")).read_text())
    queue = doc["time_to_solution"]
    assert [o["p"] for o in queue["options"]] == [1, 2] and queue["fastest"]["p"] == 2
    page = next(out.glob("*.md")).read_text()
    assert "### Time to solution on Slurm partition debug" in page
    assert ("fastest to finish: p=2 (starts now, finishes in 33.6 min, cost 1.12 billing units); "
            "p*=9 cannot run on debug.") in page


@pytest.mark.slurm
def test_runs_give_s_c_and_t1(clean_queue, candidate, tmp_path):
    runs = tmp_path / "runs.csv"
    runs.write_text("p,time\n" + "".join(f"{p},{100 * (0.1 + 0.9 / p + 0.01 * (p - 1))!r}\n" for p in (1, 2, 4, 8)))
    done = when(candidate(""), clean_queue, "--runs", str(runs), "--partition", "debug", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["t1_s"] == pytest.approx(100, rel=1e-3) and data["s"] == pytest.approx(0.1, abs=1e-3)
    assert data["options"][1]["run_s"] == pytest.approx(100 * (0.1 + 0.45 + 0.01), rel=1e-3)
    assert "fitted from" in data["source"]


@pytest.mark.slurm
@pytest.mark.parametrize("reference", ["slurm:batch,2", "slurm:batch"])
def test_a_further_node_type_asks_about_its_own_partition(clean_queue, candidate, reference):
    # `slurm:<partition>,<n>` is the inventory's n-th node type of the partition: Slurm is asked
    # about the partition itself (before, the id's `.2` ending was sent as part of its name)
    cand = candidate(f'[scaling]\ns = 0.0\nc = 0.0\nt1_s = 60\n[machine]\nreference = "{reference}"\n')
    done = when(cand, clean_queue, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["partition"] == "batch"


@pytest.mark.slurm
def test_each_dashboard_owns_its_queue_cache(clean_queue, monkeypatch):
    from capstone_tui.core.candidate import parse_candidate
    from capstone_tui.session import QueueCache, queue_if_due

    monkeypatch.setenv("SLURM_CONF", clean_queue["SLURM_CONF"])
    cand = parse_candidate('[scaling]\ns = 0.1\nc = 0.01\nt1_s = 600\n[machine]\nreference = "slurm:debug,2"\n')
    first, second = QueueCache(), QueueCache()
    asked = queue_if_due(cand, 60.0, first)
    assert asked is not None and asked["partition"] == "debug" and asked["options"], asked
    assert queue_if_due(cand, 60.0, first) is None  # asked moments ago, for the same candidate
    again = queue_if_due(cand, 60.0, second)  # another App in the same process asks for itself
    assert again is not None and again["partition"] == "debug"
    assert queue_if_due(cand, 0.0, first) is not None  # older than max_age_s: asked again
