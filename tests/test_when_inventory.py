"""Live partition capacity and the user's jobs in the inventory: the pane shows them from a
real reading of the single-node Slurm (fixture `slurm_cluster`), refreshed by the same
`read_inventory` the App's worker calls; a job held on the node shows as GPUs in use and as one
of the user's jobs."""

from __future__ import annotations

import subprocess
import time

import pytest
from textual.app import App, ComposeResult
from textual.reactive import reactive

from capstone_tui.core.inventory.report import inventory_json
from capstone_tui.core.dashboard_state import DashboardState
from capstone_tui.probes.inventory import read_inventory
from capstone_tui.tui.panes.inventory import InventoryPane, pane_lines

JOB_NAME = "cap-test-inv"


class PaneApp(App[None]):
    model: reactive[DashboardState | None] = reactive(None)

    def compose(self) -> ComposeResult:
        yield InventoryPane(id="inventory").data_bind(PaneApp.model)


@pytest.fixture
def held_gpu(slurm_cluster, monkeypatch):
    """One job holding one GPU of the node; cancelled afterwards, and checked gone."""
    monkeypatch.setenv("SLURM_CONF", slurm_cluster["SLURM_CONF"])
    done = subprocess.run(["sbatch", "--parsable", "-J", JOB_NAME, "-p", "debug", "--gres=gpu:1", "-n", "1",
                           "--mem=64", "-t", "5", "-o", "/dev/null", "--wrap", "sleep 120"],
                          capture_output=True, text=True, timeout=15)
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.strip().split(";")[0]
    yield job_id
    subprocess.run(["scancel", job_id], capture_output=True, timeout=15)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and job_id in subprocess.run(
            ["squeue", "-h", "-o", "%i"], capture_output=True, text=True, timeout=15).stdout.split():
        time.sleep(0.3)
    assert job_id not in subprocess.run(["squeue", "-h", "-o", "%i"], capture_output=True, text=True,
                                        timeout=15).stdout.split()


@pytest.mark.slurm
async def test_pane_shows_partition_capacity_and_my_jobs(held_gpu) -> None:
    deadline = time.monotonic() + 20
    inv = read_inventory(timeout_s=5)
    while time.monotonic() < deadline:
        inv = read_inventory(timeout_s=5)
        jobs = {j.job_id: j for j in inv.cluster.my_jobs}
        if held_gpu in jobs and jobs[held_gpu].state == "running":
            break
        time.sleep(0.5)
    assert inv.cluster.state == "ok", inv.cluster.message
    lines = pane_lines(DashboardState(inventory=inv))
    debug = [ln for ln in lines if ln.startswith("now debug*:")]
    assert debug and "GPU 1 free/1 used" in debug[0], lines
    assert any(ln.startswith(f"job {held_gpu} {JOB_NAME} running") for ln in lines), lines
    cluster = inventory_json(inv)["cluster"]
    now = {p["partition"]: p for p in cluster["partitions_now"]}
    assert now["debug"]["gpus_used"] == 1 and now["debug"]["gpus_free"] == 1
    assert any(j["id"] == held_gpu and j["expected_start"] is None for j in cluster["my_jobs"])

    app = PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.model = DashboardState(inventory=inv)
        await pilot.pause()
        shown = app.query_one(InventoryPane).shown_lines
        assert any(ln.startswith("now debug*:") for ln in shown)
        assert any(ln.startswith(f"job {held_gpu}") for ln in shown)


@pytest.mark.slurm
async def test_verdict_bar_learns_the_queue_and_never_shows_stale_numbers(slurm_cluster, monkeypatch, tmp_path):
    from capstone_tui.core.candidate import Candidate, ScalingInputs
    from capstone_tui.tui.panes.verdict import verdict_text
    from support.app_factory import make_app

    monkeypatch.setenv("SLURM_CONF", slurm_cluster["SLURM_CONF"])
    cand = Candidate(name="queue", scaling=ScalingInputs(s=0.1, c=0.01, pmax=4096, t1_s=3600.0),
                     machine="slurm:debug")
    app = make_app(tmp_path, candidate=cand)
    async with app.run_test(size=(120, 40)) as pilot:
        app.read_inventory()  # the refresh worker: inventory, then the queue for a Slurm reference
        await app.workers.wait_for_complete()
        await pilot.pause()
        line2 = verdict_text(app.model)[1]
        assert "debug: fastest to finish: p=2 (starts now, finishes in 33.6 min" in line2, line2
        assert "p*=9 cannot run on debug" in line2
        await pilot.press("S")  # s + 0.01: the answer was for the old candidate, so it is not shown
        await pilot.pause()
        assert app.model.candidate.scaling.s == pytest.approx(0.11)
        assert "fastest to finish" not in verdict_text(app.model)[1]
        app.read_inventory()
        await app.workers.wait_for_complete()
        await pilot.pause()
        line2 = verdict_text(app.model)[1]
        assert "fastest to finish: p=2 (starts now, finishes in 33.9 min" in line2, line2  # 3600 x (0.11 + 0.89/2 + 0.01)
