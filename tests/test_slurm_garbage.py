"""Slurm output that is not UTF-8, or numbers that cannot be true (issue 15 item 7).

A stand-in `sinfo` (a real executable shell script on PATH) prints Latin-1 node names and
negative or absurd numbers: the probe decodes with replacement, parses the rest, flags the
nonsense by node and range instead of showing it, and never dies (no thread traceback, no
false "not answering").
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from capstone_tui.core.inventory.slurm import NodeRow, implausible, parse_sinfo_nodes, plausible_rows

# node|cpus|memory MiB|gres|partition|state, as `sinfo -N -h -o %N|%c|%m|%G|%P|%T` prints them
GOOD = b"gpu01|64|515000|gpu:a100:4|gpu*|idle\n"
LATIN1 = b"n\xe9ud-\xff|32|256000|(null)|cpu|mixed\n"  # not UTF-8
NEGATIVE = b"bad01|-5|256000|(null)|cpu|idle\n"
ABSURD = b"bad02|32|999999999999|(null)|cpu|idle\n"


def fake_sinfo(folder: Path, nodes: bytes) -> Path:
    """An executable `sinfo` that prints `nodes` for -o, a GRES table for -O, a version."""
    data = folder / "nodes.bin"
    data.write_bytes(nodes)
    script = folder / "sinfo"
    script.write_text(
        "#!/bin/sh\n"
        'case "$*" in\n'
        '  *--version*) echo "slurm 23.11.4" ;;\n'
        '  *-O*) printf "gpu01|gpu:a100:1\\n\\377\\376|x\\n" ;;\n'
        f'  *) {shutil.which("cat")} "{data}" ;;\n'
        "esac\n")
    script.chmod(0o755)
    return folder


def test_non_utf8_sinfo_is_decoded_and_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from capstone_tui.probes.slurm import read_cluster

    monkeypatch.setenv("PATH", str(fake_sinfo(tmp_path, GOOD + LATIN1)))
    start = time.monotonic()
    report = read_cluster(timeout_s=3.0)
    assert time.monotonic() - start < 3.0
    assert report.state == "ok", report.message
    names = {n for t in report.node_types for n in t.nodes}
    assert "gpu01" in names and "n\ufffdud-\ufffd" in names  # replacement characters, not a crash
    gpu = next(t for t in report.node_types if t.partition == "gpu")
    assert (gpu.cpus, gpu.gpus_per_node, gpu.gpus_used) == (64, 4, 1)


def test_nonsense_numbers_are_flagged_not_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from capstone_tui.probes.slurm import read_cluster

    monkeypatch.setenv("PATH", str(fake_sinfo(tmp_path, GOOD + NEGATIVE + ABSURD)))
    report = read_cluster(timeout_s=3.0)
    assert report.state == "ok"
    shown = {n for t in report.node_types for n in t.nodes}
    assert shown == {"gpu01"}  # the nonsense nodes are not presented as facts
    assert all(t.cpus > 0 for t in report.node_types)
    assert "2 node(s) left out, implausible" in report.message
    assert "bad01 reports -5 CPUs (accepted 1..65536)" in report.message
    assert "bad02 reports 999999999999 MiB" in report.message


def test_only_nonsense_is_an_error_state_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from capstone_tui.probes.slurm import read_cluster

    monkeypatch.setenv("PATH", str(fake_sinfo(tmp_path, NEGATIVE)))
    report = read_cluster(timeout_s=3.0)
    assert report.state == "error" and report.node_types == ()
    assert "implausible" in report.message and "-5 CPUs" in report.message


def test_inventory_cli_with_garbage_sinfo(tmp_path: Path):
    env = dict(os.environ, PATH=f"{fake_sinfo(tmp_path, LATIN1 + NEGATIVE)}:{os.environ['PATH']}")
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "inventory", "--json", "--timeout", "3"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Exception in thread" not in done.stderr
    data = json.loads(done.stdout)
    assert data["cluster_status"]["state"] == "ok"  # not a false "not_answering"
    assert "-5 CPUs" in data["cluster_status"]["message"]
    assert time.monotonic() - start < 15


@pytest.mark.parametrize(("row", "words"), [
    (NodeRow("a", 0, 1000, "", "p", "idle"), "0 CPUs"),
    (NodeRow("a", 8, 1, "", "p", "idle"), "RealMemory is not set"),
    (NodeRow("a", 8, 1000, "gpu:9999", "p", "idle"), "9999 GPUs"),
])
def test_implausible_rows_name_node_and_range(row: NodeRow, words: str):
    problem = implausible(row)
    assert problem is not None and words in problem and "accepted" in problem


def test_plausible_rows_keep_real_nodes():
    rows = parse_sinfo_nodes((GOOD + NEGATIVE).decode())
    kept, problems = plausible_rows(rows)
    assert [r.name for r in kept] == ["gpu01"] and len(problems) == 1
