"""`capstone-tui size` end to end in a subprocess: JSON keys, the table, exit codes, and import
hygiene (the command module does not import pyarrow or datasets until it runs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from support.sizer_data import Generated

CLI = [sys.executable, "-m", "capstone_tui", "size"]


def _run(*args: str, home: Path) -> tuple[subprocess.CompletedProcess, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    started = time.monotonic()
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60,
                          env={**env, "HF_HOME": str(home)})
    return done, time.monotonic() - started


def test_json_output(sizer_data: Generated, empty_hf_home: Path) -> None:
    done, _ = _run(str(sizer_data.parquet), "--json", home=empty_hf_home)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert list(out) == ["name", "configs", "warnings"]
    (config,) = out["configs"]
    rows = {s["split"]: s["num_examples"] for s in config["splits"]}
    assert rows == {k: v[0] for k, v in sizer_data.truth.items()}
    assert "exact:parquet-footer" in config["how"] and "est:parquet-uncompressed" in config["how"]


def test_table_output_labels_every_figure(sizer_data: Generated, empty_hf_home: Path) -> None:
    done, _ = _run(str(sizer_data.jsonl), home=empty_hf_home)
    assert done.returncode == 0, done.stderr
    train = next(line for line in done.stdout.splitlines() if line.strip().startswith("train"))
    assert "≈" in train and "est:sample(head" in train and "MiB" in train and "[exact:stat]" in train


def test_bad_inputs_exit_2_with_one_line(sizer_data: Generated, empty_hf_home: Path, tmp_path: Path) -> None:
    cases = [
        (str(tmp_path / "missing"), "no such file or folder"),
        ("acme/not-cached", "offline and not cached"),
        ("bad name!", "dataset:"),
    ]
    for arg, expected in cases:
        done, took = _run(arg, home=empty_hf_home)
        assert done.returncode == 2, (arg, done.stderr)
        assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert took < 2.0
    done, _ = _run(str(sizer_data.parquet), "--config", "nope", home=empty_hf_home)
    assert done.returncode == 2 and "--config" in done.stderr and "default" in done.stderr


def test_command_module_imports_no_heavy_library() -> None:
    code = ("import sys, capstone_tui.commands.size, capstone_tui.core.datasize, capstone_tui.probes.datasets;"
            "heavy = [m for m in ('datasets', 'pyarrow', 'huggingface_hub', 'pandas') if m in sys.modules];"
            "print(heavy); sys.exit(1 if heavy else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
