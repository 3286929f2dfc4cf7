"""`probe --launcher sbatch` on the real single-node Slurm (fixture `slurm_cluster`): one batch
job for the largest p, every worker count an srun step inside it, results through a file in
the working directory; --detach / --collect; Ctrl-C cancels the job; nothing stays queued."""

from __future__ import annotations

import csv
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_probe_local import TOL_C, TOL_S, TRUTH_C, TRUTH_S, WORKERS, workload_argv

HOLD = "capstone-test-hold"


def _jobs(env: dict[str, str]) -> list[str]:
    out = subprocess.run(["squeue", "-h", "-o", "%i|%j|%T"], capture_output=True, text=True, timeout=15,
                         env=env).stdout
    return [ln for ln in out.splitlines() if "|capstone-probe|" in ln or f"|{HOLD}|" in ln]


@pytest.fixture
def slurm(slurm_cluster):
    """The cluster env; afterwards this module's jobs are cancelled and none may stay queued."""
    yield slurm_cluster
    for name in ("capstone-probe", HOLD):
        subprocess.run(["scancel", "-n", name], capture_output=True, timeout=15, env=slurm_cluster)
    deadline = time.monotonic() + 30
    while _jobs(slurm_cluster) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _jobs(slurm_cluster) == []


def probe(cwd: Path, env: dict[str, str], *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "capstone_tui", "probe", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=cwd)


@pytest.mark.slurm
@pytest.mark.slow
def test_every_worker_count_runs_inside_one_job_and_s_c_are_fitted(tmp_path, slurm):
    # the srun launcher's test, in one job: p in 1,2,3,4,6,8, 2 repeats, T1 = 4 s, the same tolerance
    done = probe(tmp_path, slurm, "--launcher", "sbatch", "--workers", WORKERS, "--repeats", "2", "--out", "runs.csv",
                 "--json", "--", *workload_argv(t1=4.0, rank=False))
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["launcher"] == "sbatch" and report["error"] is None
    fit = report["fit"]
    assert abs(fit["s"] - TRUTH_S) <= TOL_S and abs(fit["c"] - TRUTH_C) <= TOL_C, (fit["s"], fit["c"])
    rows = list(csv.DictReader((tmp_path / "runs.csv").open()))
    assert [int(r["p"]) for r in rows] == [1, 1, 2, 2, 3, 3, 4, 4, 6, 6, 8, 8] and {r["launcher"] for r in rows} == {"sbatch"}
    jobs = [d for d in (tmp_path / "capstone-probe").iterdir() if d.is_dir()]
    assert len(jobs) == 1  # one allocation for every p: queue time cannot enter T(p)
    steps = (jobs[0] / "results.csv").read_text().splitlines()
    assert len(steps) == 6 * (2 + 3) + 1 and steps[-1] == "# end"  # per p: 3 baselines + 2 runs
    assert "submitted job" in done.stderr


@pytest.mark.slurm
def test_steps_export_the_torch_distributed_variables(tmp_path, slurm):
    log = tmp_path / "env.log"
    command = (f'echo "$PROBE_SIZE $RANK $WORLD_SIZE $LOCAL_RANK $MASTER_ADDR $MASTER_PORT $PROBE_RANK '
               f'$PROBE_SIZE $SLURM_JOB_ID" >> {log}')
    done = probe(tmp_path, slurm, "--launcher", "sbatch", "--workers", "1,2", "--repeats", "1", "--no-baseline",
                 "--shell", "--out", "runs.csv", "--", command, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [ln.split() for ln in log.read_text().splitlines()]
    assert sorted((ln[0], ln[1]) for ln in lines) == [("1", "0"), ("2", "0"), ("2", "1")]
    host = socket.gethostname().split(".")[0]
    for size, rank, world, local, addr, port, prank, psize, job in lines:
        assert world == psize == size and prank == rank and local == rank  # one node: local = global
        assert addr == host and 20000 <= int(port) < 50000
    assert len({ln[8] for ln in lines}) == 1  # both sizes ran in the same job
    assert len({ln[5] for ln in lines if ln[0] == "2"}) == 1  # ranks of one step agree on the port
    assert "cannot fit yet" in done.stderr  # two worker counts are too few for s and c; said so


@pytest.mark.slurm
def test_detach_returns_the_job_id_and_collect_reads_it(tmp_path, slurm):
    argv = ["--", *workload_argv(t1=0.6, rank=False)]
    done = probe(tmp_path, slurm, "--launcher", "sbatch", "--workers", "1,2,3", "--repeats", "1", "--detach", *argv,
                 timeout=60)
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.split()[0]
    assert job_id.isdigit() and f"--collect {job_id}" in done.stdout
    collected = probe(tmp_path, slurm, "--collect", job_id, "--json", timeout=120)
    assert collected.returncode == 0, collected.stderr[-2000:]
    report = json.loads(collected.stdout)
    assert report["launcher"] == "sbatch" and report["workers"] == [1, 2, 3]
    assert report["csv"] == f"probe-sbatch-{job_id}.csv" and report["fit"] is not None
    assert [int(r["p"]) for r in csv.DictReader((tmp_path / report["csv"]).open())] == [1, 2, 3]
    bad = probe(tmp_path, slurm, "--collect", "999999", timeout=30)
    assert bad.returncode == 2 and bad.stderr.startswith("capstone-tui: collect:")


@pytest.mark.slurm
def test_ctrl_c_cancels_the_job(tmp_path, slurm):
    hold = subprocess.run(["sbatch", "--parsable", "--exclusive", "-t", "5", "-J", HOLD, "-o", "/dev/null",
                           "--wrap", "sleep 300"], capture_output=True, text=True, timeout=15, env=slurm)
    assert hold.returncode == 0, hold.stderr
    proc = subprocess.Popen([sys.executable, "-m", "capstone_tui", "probe", "--launcher", "sbatch", "--workers",
                             "1,2,3", "--repeats", "1", "--out", "runs.csv", "--", "true"], cwd=tmp_path, env=slurm,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("capstone-probe|PENDING" in j for j in _jobs(slurm)):
            time.sleep(0.3)
        assert any("capstone-probe|PENDING" in j for j in _jobs(slurm)), _jobs(slurm)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err[-1500:]
    assert "cancelled" in err
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any("|capstone-probe|" in j for j in _jobs(slurm)):
        time.sleep(0.3)
    assert not any("|capstone-probe|" in j for j in _jobs(slurm))
