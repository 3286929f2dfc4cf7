"""Untrusted text in every CLI face (issue 15 item 3): `inventory`, `size`, `fit`, `plan`, `when`
and `compare` print file- and system-derived names through core/safe_text.py, as `assess` does.

Each command runs as a real subprocess on input holding an ESC/OSC sequence (a partition name
from `sinfo`, a dataset folder, a runs CSV path, a model folder, a candidate name and path, a
Slurm partition + runs path) and no ESC, BEL or CSI byte may reach stdout; the name still shows,
escaped, so the reader sees that it was there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.model_fixtures import TINY_LLAMA, write_model_folder

OSC = "\x1b]0;PWNED\x07"  # retitles the terminal
CSI = "\x1b[2J"  # clears the screen
EVIL = f"evil{OSC}{CSI}"
SHOWN = "evil\\x1b]0;PWNED\\x07\\x1b[2J"  # what safe_text makes of it
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "dedupe-4tb-crawl.toml"


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 90) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE"))}
    done = subprocess.run([sys.executable, "-m", "capstone_tui", *args], capture_output=True, cwd=cwd,
                          timeout=timeout, env={**clean, "HF_HOME": str(cwd / "hf"), "HF_HUB_OFFLINE": "1",
                                                **(env or {})})
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done


def assert_no_escape(out: bytes) -> str:
    for byte in (b"\x1b", b"\x07", b"\x9b", "\u009b".encode()):
        assert byte not in out, out
    return out.decode("utf-8")


def test_size_escapes_a_dataset_folder_name(tmp_path: Path) -> None:
    folder = tmp_path / EVIL
    folder.mkdir()
    (folder / f"train{OSC}.jsonl").write_text("".join(json.dumps({"text": f"row {i}"}) + "\n" for i in range(50)))
    text = assert_no_escape(cli("size", str(folder), cwd=tmp_path).stdout)
    assert SHOWN in text


def test_fit_escapes_the_runs_csv_name(tmp_path: Path) -> None:
    runs = tmp_path / f"runs-{EVIL}.csv"
    runs.write_text("p,time\n1,100\n2,55\n4,32\n8,21\n16,17\n")
    text = assert_no_escape(cli("fit", str(runs), cwd=tmp_path).stdout)
    assert f"runs-{SHOWN}.csv" in text


def test_plan_escapes_a_model_folder_name(tmp_path: Path) -> None:
    write_model_folder(tmp_path / EVIL, TINY_LLAMA)
    text = assert_no_escape(cli("plan", EVIL, "--mode", "infer", cwd=tmp_path).stdout)
    assert SHOWN in text


def test_compare_escapes_candidate_names_and_paths(tmp_path: Path) -> None:
    body = EXAMPLE.read_text(encoding="utf-8")
    evil = tmp_path / f"{EVIL}.toml"
    lines = ['name = "evil\\u001b]0;PWNED\\u0007"' if ln.startswith("name =") else ln for ln in body.splitlines()]
    evil.write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = assert_no_escape(cli("compare", str(EXAMPLE), str(evil), cwd=tmp_path).stdout)
    assert "evil\\x1b]0;PWNED\\x07" in text


def fake_sinfo(folder: Path) -> Path:
    """An executable `sinfo` whose partition and node names hold escape sequences."""
    nodes = folder / "nodes.txt"
    nodes.write_bytes(f"gpu{OSC}01|64|515000|gpu:a100:4|{EVIL}*|idle\n".encode())
    script = folder / "sinfo"
    script.write_text("#!/bin/sh\n"
                      'case "$*" in\n'
                      '  *--version*) echo "slurm 23.11.4" ;;\n'
                      f'  *-O*) printf "gpu01|gpu:a100:4\\n" ;;\n'
                      f'  *) {shutil.which("cat")} "{nodes}" ;;\n'
                      "esac\n")
    script.chmod(0o755)
    return folder


def test_inventory_escapes_slurm_partition_and_node_names(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    env = {"PATH": f"{fake_sinfo(bin_dir)}:{os.environ['PATH']}"}
    raw = cli("inventory", "--timeout", "3", cwd=tmp_path, env=env).stdout
    text = assert_no_escape(raw)
    assert "\\x1b]0;PWNED\\x07" in text  # the names are shown, escaped


@pytest.mark.slurm
def test_when_escapes_the_runs_path_and_slurm_text(slurm_cluster: dict[str, str], tmp_path: Path) -> None:
    cand = tmp_path / "c.toml"
    cand.write_text('name = "when escapes"\n[scaling]\ns = 0.1\nc = 0.01\nt1_s = 3600\n')
    runs = tmp_path / f"runs-{EVIL}.csv"
    runs.write_text("p,time\n1,100\n2,55\n4,32\n")
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "when", str(cand), "--partition", "debug",
                           "--runs", str(runs)], capture_output=True, timeout=90, env=slurm_cluster, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    text = assert_no_escape(done.stdout)
    assert f"runs-{SHOWN}.csv" in text and "partition debug" in text

