"""The scaling probe through Slurm's `srun -n p --overcommit` on the test suite's single-node
cluster (fixture `slurm_cluster`: fails under CI=true when Slurm cannot start, skips elsewhere).

srun's own launch cost is larger and noisier than local processes (0.1-0.3 s here), so the
workload runs at T1 = 4 s (reference/engines.md: T1 = 2 s left ds = -0.05 for srun); the
tolerance is the same as for the other launchers: |ds| <= 0.05, |dc| <= 0.01.
"""

from __future__ import annotations

import csv

import pytest

from test_probe_local import check_recovery, run_probe_cli, workload_argv


@pytest.mark.slurm
@pytest.mark.slow
def test_srun_probe_recovers_the_workloads_s_and_c(tmp_path, slurm_cluster):
    out = tmp_path / "srun.csv"
    # ranks read SLURM_PROCID / SLURM_NTASKS; the size is also passed as {p}
    done = run_probe_cli("srun", out, workload_argv(t1=4.0, rank=False), env=slurm_cluster)
    report = check_recovery(done, out)
    assert report["launcher"] == "srun"
    assert all(row["launcher"] == "srun" for row in csv.DictReader(out.open()))
    assert all(b["seconds"] > 0.01 for b in report["baseline"])  # srun's launch cost was measured
