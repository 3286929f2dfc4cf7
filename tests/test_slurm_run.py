"""One way to run a Slurm client and one reading of its failures (probes/slurm_run.py), and one
reading of a `slurm:<partition>[,<n>]` machine id (core/machine.py).

The clients here are real executables on PATH (shell scripts standing in for a client that
hangs, floods or prints bytes that are not UTF-8); node types come from a real stand-in `sinfo`.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from capstone_tui.core.candidate import Candidate, ScalingInputs
from capstone_tui.core.chart.time_plot import time_view
from capstone_tui.core.inventory.report import ClusterReport, NodeType, cluster_machines
from capstone_tui.core.machine import is_slurm, slurm_machine_id, slurm_partition
from capstone_tui.probes.slurm_run import (
    SlurmCallFailed,
    SlurmNotRunnable,
    SlurmOutputTooLarge,
    SlurmSilent,
    run_slurm,
    slurm_failure,
)


def script(folder: Path, name: str, body: str) -> str:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


# --- the runner -----------------------------------------------------------------------------


def test_output_is_decoded_with_replacement_and_times_are_iso(tmp_path, monkeypatch):
    monkeypatch.setenv("SLURM_TIME_FORMAT", "relative")
    client = script(tmp_path, "sinfo", """printf 'n\\351ud|%s\\n' "$SLURM_TIME_FORMAT"; printf 'warn\\377' >&2; exit 3\n""")
    done = run_slurm([client], time.monotonic() + 10)
    assert (done.returncode, done.stdout, done.stderr) == (3, "n\ufffdud|standard\n", "warn\ufffd")
    # a submitted job inherits the submitting environment: sbatch keeps the user's
    assert run_slurm([client], time.monotonic() + 10, standard_time=False).stdout == "n\ufffdud|relative\n"


def test_a_silent_client_is_stopped_at_the_deadline(tmp_path):
    pid_file = tmp_path / "pid"
    client = script(tmp_path, "squeue", f'echo $$ > "{pid_file}"; exec sleep 30\n')
    start = time.monotonic()
    with pytest.raises(SlurmSilent) as caught:
        run_slurm([client], start + 0.5)
    assert time.monotonic() - start < 3.0
    assert caught.value.state == "not_answering"
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left behind
        os.kill(pid, 0)


def test_output_past_the_bound_is_stopped_and_named(tmp_path):
    client = script(tmp_path, "scontrol", "exec yes 'NodeName=n1 CPUTot=64'\n")
    start = time.monotonic()
    with pytest.raises(SlurmOutputTooLarge) as caught:
        run_slurm([client], start + 20, limit_bytes=2**20)
    assert time.monotonic() - start < 10.0
    assert caught.value.state == "error"
    assert caught.value.message == "Slurm: scontrol printed more than 1 MiB; stopped"


def test_a_passed_deadline_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    client = script(tmp_path, "sinfo", f'touch "{marker}"\n')
    with pytest.raises(SlurmSilent):
        run_slurm([client], time.monotonic() - 1)
    assert not marker.exists()


def test_a_flooding_sinfo_becomes_a_named_state(tmp_path, monkeypatch):
    from capstone_tui.probes.slurm import read_cluster

    script(tmp_path, "sinfo", f"exec {shutil.which('yes')} 'gpu01|64|515000|(null)|gpu|idle'\n")
    monkeypatch.setenv("PATH", str(tmp_path))
    report = read_cluster(timeout_s=20)
    assert report.state == "error"
    assert report.message == "Slurm: sinfo printed more than 64 MiB; stopped"


def test_a_client_that_cannot_start_is_named(tmp_path, monkeypatch):
    from capstone_tui.probes.slurm_queue import read_queue

    client = Path(script(tmp_path, "sinfo", ""))
    client.write_text("#!/nonexistent/interpreter\n")  # executable, so on PATH, yet it cannot start
    monkeypatch.setenv("PATH", str(tmp_path))
    snap = read_queue(timeout_s=5)
    assert snap.state == "error"
    assert snap.message.startswith("Slurm: cannot run sinfo (")
    with pytest.raises(SlurmNotRunnable, match="cannot run sinfo"):
        run_slurm([str(client)], time.monotonic() + 5)


# --- the classifier -------------------------------------------------------------------------

NO_CONF = ("sinfo: error: resolve_ctls_from_dns_srv: res_nsearch error: Unknown host\n"
           "sinfo: error: fetch_config: DNS SRV lookup failed\n"
           "sinfo: fatal: Could not establish a configuration source\n")
DOWN = "slurm_load_partitions: Unable to contact slurm controller (connect failure)\n"


@pytest.mark.parametrize(("stderr", "code", "state", "message"), [
    (NO_CONF, 1, "absent", "Slurm installed but not configured here (no slurm.conf)"),
    (NO_CONF + DOWN, 1, "absent", "Slurm installed but not configured here (no slurm.conf)"),
    (DOWN, 1, "not_answering", "Slurm: controller not answering (slurmctld down?)"),
    ("error: Connection refused\n", 1, "not_answering", "Slurm: controller not answering (slurmctld down?)"),
    ("Socket TIMED OUT on send/recv\n", 1, "not_answering", "Slurm: controller not answering (slurmctld down?)"),
    ("sinfo: error: Invalid  partition\n  name specified\n", 1, "error",
     "Slurm: sinfo failed: sinfo: error: Invalid partition name specified"),
    ("", 137, "error", "Slurm: sinfo failed: exit status 137"),
])
def test_failures_are_named_one_way(stderr, code, state, message):
    assert slurm_failure(stderr, code, "sinfo") == (state, message)


def test_the_failures_are_one_family():
    for kind in (SlurmSilent, SlurmOutputTooLarge, SlurmNotRunnable):
        assert issubclass(kind, SlurmCallFailed)


# --- slurm:<partition>[,<n>] ----------------------------------------------------------------


@pytest.mark.parametrize(("machine_id", "partition"), [
    ("slurm:gpu", "gpu"), ("slurm:gpu,2", "gpu"), ("slurm:gpu,12", "gpu"),
    ("slurm:v1.2", "v1.2"),  # a dot belongs to the name: Slurm allows it
    ("slurm:a100.40gb,3", "a100.40gb"), ("slurm:", None), ("this-node", None), ("dgx-h100", None),
])
def test_the_partition_of_a_machine_id(machine_id, partition):
    assert slurm_partition(machine_id) == partition
    assert is_slurm(machine_id) == machine_id.startswith("slurm:")


def _two_types() -> ClusterReport:
    big = NodeType("gpu", 2, 64, 515000, "a100", 4, default=True)
    small = NodeType("gpu", 4, 32, 256000, "a100", 2)
    dotted = NodeType("v1.2", 1, 16, 64000, None, 0)
    return ClusterReport("ok", "Slurm 23.11: 2 partition(s)", node_types=(big, small, dotted))


def test_further_node_types_ask_slurm_about_their_own_partition():
    from capstone_tui.core.planner.layouts import PlanInputs, infer_plan, sbatch_lines
    from capstone_tui.core.planner.shape import read_shape
    from support import model_fixtures as fx

    machines = cluster_machines(_two_types())
    assert [m.id for m in machines] == ["slurm:gpu", "slurm:gpu,2", "slurm:v1.2"]
    assert [slurm_partition(m.id) for m in machines] == ["gpu", "gpu", "v1.2"]
    assert machines[1].id == slurm_machine_id("gpu", 2)
    second = machines[1]
    shape = read_shape(fx.QWEN25_7B)
    inputs = PlanInputs(mode="infer", seq_len=4096)
    plan = infer_plan(shape, inputs, second.accelerator_bytes, 2, 1, 2)
    lines = sbatch_lines(plan, second, shape, inputs)
    assert lines[0] == "#SBATCH --partition=gpu"  # not "gpu,2" (nor, as before, "gpu.2")
    view = time_view(Candidate(name="t", machine=second.id, scaling=ScalingInputs(s=0.1, c=0.0, t1_s=60.0)), None)
    assert view.partition == "gpu" and "partition gpu" in view.queue_note


SINFO_TWO_TYPES = ("gpu01|64|515000|gpu:a100:4|gpu*|idle\n"
                   "gpu02|32|256000|gpu:a100:2|gpu*|idle\n")


def _fake_sinfo(folder: Path) -> None:
    data = folder / "nodes.txt"
    data.write_text(SINFO_TWO_TYPES)
    script(folder, "sinfo", 'case "$*" in\n  *--version*) echo "slurm 23.11.4" ;;\n  *-O*) ;;\n'
                            f'  *) exec cat "{data}" ;;\nesac\n')


def test_a_node_type_id_resolves_in_both_spellings(tmp_path, monkeypatch):
    from capstone_tui.core.errors import ValidationError
    from capstone_tui.probes.machines import resolve_machine

    _fake_sinfo(tmp_path)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setenv("SLURM_CONF", str(tmp_path / "none.conf"))  # no real scontrol/squeue reach a cluster
    assert resolve_machine("slurm:gpu,2").cpus == 32
    assert resolve_machine("slurm:gpu.2").id == "slurm:gpu,2"  # ids written before the comma still work
    assert resolve_machine("slurm:gpu").cpus == 64
    with pytest.raises(ValidationError, match=r"slurm:gpu; slurm:gpu,2"):
        resolve_machine("slurm:gpu.3")


def test_the_dashboard_finds_the_node_type_the_cli_finds(tmp_path, monkeypatch):
    """One lookup (core.machine.find_machine) for both faces: an id written before the comma
    names the same node type on the dashboard as on `assess --machine`."""
    from capstone_tui.core.dashboard_state import DashboardState
    from capstone_tui.probes.machines import resolve_machine

    _fake_sinfo(tmp_path)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setenv("SLURM_CONF", str(tmp_path / "none.conf"))
    machines = cluster_machines(_two_types())
    for written in ("slurm:gpu,2", "slurm:gpu.2", "slurm:gpu", "slurm:v1.2"):
        state = DashboardState(candidate=Candidate(name="t", machine=written), machines=machines)
        assert state.machine is not None, written
        assert state.machine.id == ("slurm:gpu,2" if written == "slurm:gpu.2" else written)
    cli = resolve_machine("slurm:gpu.2")
    dashboard = DashboardState(candidate=Candidate(name="t", machine="slurm:gpu.2"),
                               machines=tuple(cluster_machines(_two_types())))
    assert dashboard.machine is not None and dashboard.machine.id == cli.id == "slurm:gpu,2"
    assert dashboard.machine.cpus == cli.cpus == 32
    gone = DashboardState(candidate=Candidate(name="t", machine="slurm:gpu.3"), machines=machines)
    assert gone.machine is None  # no third node type: not read, never a guess
