"""`capstone-tui assess`: every example's route and decision, JSON keys, and bad input -> exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from capstone_tui.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# (file, first ceiling cleared, axis, decision), as each file's comment argues from the seed.
EXPECTED = [
    ("sentiment-classifier-8gb.toml", None, None, "stay single-machine"),  # Exercise 41.1.1 (a)
    ("code-completion-exam.toml", "throughput", "inference", "distribute"),  # Exercise 41.1.1 (b)
    ("dedupe-4tb-crawl.toml", "data", "data", "distribute"),  # Exercise 41.1.1 (c)
    ("image-classifier-one-gpu.toml", None, None, "stay single-machine"),  # practical example
    ("video-inference-fleet.toml", "throughput", "inference", "distribute"),  # practical example
    ("finetune-70b-full.toml", "model", "model", "distribute"),
    ("serve-70b-long-context.toml", "model", "model", "distribute"),
    ("robot-swarm.toml", "coordination", "intelligence", "distribute"),
    ("serial-log-replay.toml", "data", "data", "stay single-machine"),
]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_every_example_is_listed() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.toml")) == sorted(name for name, *_ in EXPECTED)


@pytest.mark.parametrize(("name", "ceiling", "axis", "decision"), EXPECTED)
def test_example_verdicts(name: str, ceiling: str | None, axis: str | None, decision: str,
                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["assess", str(EXAMPLES / name), "--json"], capsys)
    assert code == 0
    result = json.loads(out)
    assert result["route"]["ceiling"] == ceiling and result["route"]["axis"] == axis
    assert result["decision"] == decision
    assert result["machine"]["source"] == "preset"  # reproducible on any machine
    names = [c["name"] for c in result["ceilings"]]
    assert names == ["data", "model", "throughput", "coordination"]
    for c in result["ceilings"]:
        assert set(c) == {"name", "assessed", "cleared", "quantity", "limit", "unit", "detail"}
    model = result["ceilings"][1]
    if model["assessed"]:
        assert {"weights_bytes", "grads_bytes", "optimizer_bytes", "activations_bytes",
                "kv_cache_bytes", "overhead_bytes"} <= set(model["detail"])
    assert "replicas" in result["ceilings"][2]["detail"] or not result["ceilings"][2]["assessed"]
    assert set(result["justification"]) >= {"s", "c", "pmax", "p_star", "speedup", "verdict", "geo"}


def test_the_tree_shows_the_route_and_decision(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["assess", str(EXAMPLES / "dedupe-4tb-crawl.toml")], capsys)
    assert code == 0
    assert "Distribute data (Ch 6-8)   <== route" in out
    assert "Decision: distribute" in out and "must stream from local disk" in out
    assert "NVIDIA DGX H100" in out and "10 % OS reserve" in out


def test_machine_flag_changes_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    # formulas.md Ceiling 1: 4 TB fits in the 32 TiB of the largest high-memory cloud instance.
    code, out, _ = run_cli(["assess", str(EXAMPLES / "dedupe-4tb-crawl.toml"), "--machine", "aws-u7in-32tb", "--json"], capsys)
    result = json.loads(out)
    assert code == 0 and result["machine"]["id"] == "aws-u7in-32tb"
    assert result["ceilings"][0]["cleared"] is False and result["decision"] == "stay single-machine"


def test_local_folder_is_sized(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "shards"
    folder.mkdir()
    rows = [f"{i:08d}" + "x" * 192 for i in range(5000)]  # distinct rows: no dictionary pages
    pq.write_table(pa.table({"text": rows}), folder / "train.parquet")
    cand = tmp_path / "c.toml"
    cand.write_text('[data]\npath = "shards"\n[machine]\nreference = "student-laptop"\n')
    code, out, _ = run_cli(["assess", str(cand), "--json"], capsys)
    data = json.loads(out)["ceilings"][0]
    assert code == 0 and data["assessed"] and not data["cleared"]
    assert data["quantity"] >= 5000 * 200  # at least the raw text bytes


BAD = [
    ('[model]\nparams = 7e9\ndtype = "fp12"\n', "model.dtype"),
    ('[model]\nparams = -1\n', "model.params"),
    ('[serving]\nrate_rps = 3\nutilization = 1.5\n', "serving.utilization"),
    ('[scaling]\ns = 2\n', "scaling.s"),
    ('colour = "red"\n', "colour"),
    ('[data]\nbytes = 1\nsurprise = 2\n', "data.surprise"),
    ('[model\nparams = 1\n', "c.toml"),  # malformed TOML names the file
    ('[machine]\nreference = "dgx-z900"\n', "machine.reference"),
]


@pytest.mark.parametrize(("text", "field"), BAD)
def test_bad_candidates_exit_2_naming_the_key(text: str, field: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    code, out, err = run_cli(["assess", str(path)], capsys)
    assert code == 2 and out == ""
    assert field in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_real_process_exit_codes(tmp_path: Path) -> None:
    missing = subprocess.run([sys.executable, "-m", "capstone_tui", "assess", str(tmp_path / "none.toml")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "CANDIDATE.toml" in missing.stderr and "Traceback" not in missing.stderr
    ok = subprocess.run([sys.executable, "-m", "capstone_tui", "assess", str(EXAMPLES / "robot-swarm.toml"), "--json"],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and json.loads(ok.stdout)["route"]["axis"] == "intelligence"
