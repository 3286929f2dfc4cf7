"""The scaling probe through Dask: a LocalCluster (in-process workers, no sockets) whose
worker r runs rank r's command; and the same through an existing scheduler on 127.0.0.1.

Same workload and tolerance as tests/test_probe_local.py (|ds| <= 0.05, |dc| <= 0.01 at
T1 = 2 s; reference/engines.md saw 0.005 / 0.001 for Dask with the work in-process).
"""

from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time

import psutil
import pytest

from test_probe_local import WORKLOAD, check_recovery, run_probe_cli, workload_argv


@pytest.mark.slow
def test_dask_probe_recovers_the_workloads_s_and_c(tmp_path):
    out = tmp_path / "dask.csv"
    done = run_probe_cli("dask", out, workload_argv(t1=4.0))  # same T1 as local: robust to load
    report = check_recovery(done, out)
    assert [s["p"] for s in report["startup_s"]] == [8]  # one cluster of 8 workers, timed apart
    assert all(row["launcher"] == "dask" for row in csv.DictReader(out.open()))


def test_dask_probe_through_an_existing_scheduler_refuses_too_many_workers(tmp_path):
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, host="127.0.0.1",
                      protocol="tcp", dashboard_address=None) as cluster:
        argv = [sys.executable, "-m", "capstone_tui", "probe", "--launcher", "dask", "--scheduler",
                cluster.scheduler_address, "--workers", "1,2,3", "--repeats", "1",
                "--out", str(tmp_path / "s.csv"), "--", sys.executable, "-c", "pass"]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "workers: must be at most the cluster's 2 Dask workers (got 3)" in done.stderr
    rows = (tmp_path / "s.csv").read_text().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["1", "2"]  # p = 1 and 2 were measured and kept


def test_ctrl_c_stops_the_dask_ranks_and_keeps_what_was_measured(tmp_path):
    out = tmp_path / "partial.csv"
    argv = [sys.executable, "-m", "capstone_tui", "probe", "--launcher", "dask", "--workers", "1,2,3",
            "--repeats", "1", "--out", str(out), "--", sys.executable, WORKLOAD, "--serial", "0",
            "--parallel", "0.3", "--comm", "20", "{p}"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out.exists() and len(out.read_text().splitlines()) >= 2):
        time.sleep(0.05)
    time.sleep(1.0)  # p = 2 is running on two Dask workers now
    ranks = [c for c in psutil.Process(proc.pid).children(recursive=True) if "workload.py" in " ".join(c.cmdline())]
    assert len(ranks) == 2
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130 and time.monotonic() - started < 10
    assert "Traceback" not in stderr and "interrupted: kept 1 measured rows" in stderr
    assert [line.split(",")[0] for line in out.read_text().splitlines()[1:]] == ["1"]
    time.sleep(0.2)
    assert not [c for c in ranks if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
