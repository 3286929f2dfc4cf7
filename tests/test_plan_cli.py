"""`capstone-tui plan` as a user runs it: a real subprocess, offline by default (under 2 s),
the JSON keys the issue lists, one line and exit 2 for bad input, and `--online` against a
loopback stub of the Hub that proves only the config and the header bytes travel."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.hubstub import closed_endpoint
from support.model_fixtures import LLAMA3_8B, MIXTRAL_8X7B, TINY_LLAMA, write_model_folder
from support.model_hubstub import ModelHubStub

CLI = [sys.executable, "-m", "capstone_tui", "plan"]
MODEL_KEYS = {"id", "source", "params", "params_how", "active_params", "layers", "hidden", "heads", "kv_heads",
              "head_dim", "vocab", "experts", "experts_per_token", "tied_embeddings", "dtype"}
PLAN_KEYS = {"strategy", "gpus", "nodes", "per_gpu_bytes", "fits"}


def run(args: list[str], home: Path, cwd: Path, **env: str) -> tuple[subprocess.CompletedProcess, float]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE"))}
    started = time.monotonic()
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, cwd=cwd,
                          env={**clean, "HF_HOME": str(home), "HF_ENDPOINT": closed_endpoint(), **env})
    return done, time.monotonic() - started


def one_line_exit_2(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    return done.stderr


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "hf").mkdir()
    return tmp_path / "hf"


def test_json_keys_and_a_plan_offline_under_two_seconds(tmp_path: Path, home: Path) -> None:
    write_model_folder(tmp_path / "mixtral", MIXTRAL_8X7B)
    done, took = run(["mixtral", "--json", "--mode", "infer", "--seq-len", "8192"], home, tmp_path)
    assert done.returncode == 0, done.stderr
    assert took < 2.0
    out = json.loads(done.stdout)
    assert MODEL_KEYS <= set(out["model"])
    assert {"weights_bytes", "kv_bytes_per_token"} <= set(out["memory"])
    assert all(PLAN_KEYS <= set(p) for p in out["plans"])
    assert out["model"]["params"] == 46_702_792_704 and out["model"]["active_params"] == 12_879_925_248
    assert out["model"]["params_how"] == "config arithmetic" and out["model"]["experts"] == 8
    assert out["min_gpus"] == 2 and out["recommended"]["tp"] == 2  # 93 GB of bf16 weights > one H100
    assert out["sbatch"][:3] == ["#SBATCH --nodes=1", "#SBATCH --ntasks-per-node=1", "#SBATCH --gpus-per-node=2"]
    assert out["machine"]["id"] == "dgx-h100"


def test_text_output_names_the_answer(tmp_path: Path, home: Path) -> None:
    write_model_folder(tmp_path / "tiny", TINY_LLAMA, shards=2)
    done, _ = run(["tiny", "--t1", "3600"], home, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "safetensors headers (2 files" in done.stdout
    assert "Minimum GPUs: 1" in done.stdout and "#SBATCH --time=" in done.stdout


def test_unknown_id_offline_is_one_line_saying_where_it_looked(tmp_path: Path, home: Path) -> None:
    done, took = run(["meta-llama/Meta-Llama-3-8B"], home, tmp_path)
    err = one_line_exit_2(done)
    assert took < 2.0
    assert str(home / "hub" / "models--meta-llama--Meta-Llama-3-8B") in err and "--online" in err


@pytest.mark.parametrize("bad", ["../../etc", "org/../../etc", "a/b/c/d"])
def test_traversal_ids_exit_2(tmp_path: Path, home: Path, bad: str) -> None:
    (tmp_path / "deep" / "er").mkdir(parents=True)
    one_line_exit_2(run([bad], home, tmp_path / "deep" / "er")[0])


def test_malformed_config_and_bad_flags_exit_2(tmp_path: Path, home: Path) -> None:
    write_model_folder(tmp_path / "broken", "{not json")
    assert "config.json" in one_line_exit_2(run(["broken"], home, tmp_path)[0])
    write_model_folder(tmp_path / "ok", LLAMA3_8B)
    assert "--seq-len" in one_line_exit_2(run(["ok", "--seq-len", "0"], home, tmp_path)[0])
    assert "--machine" in one_line_exit_2(run(["ok", "--machine", "no-such"], home, tmp_path)[0])
    one_line_exit_2(run(["ok", "--mode", "serve"], home, tmp_path)[0])


def test_huge_header_length_exits_2_at_once(tmp_path: Path, home: Path) -> None:
    write_model_folder(tmp_path / "m", TINY_LLAMA)
    (tmp_path / "m" / "model.safetensors").write_bytes(struct.pack("<Q", 2**63) + b"{}")
    done, took = run(["m"], home, tmp_path)
    assert "header length" in one_line_exit_2(done) and took < 2.0


def _hub_files(tmp_path: Path) -> dict[str, bytes]:
    write_model_folder(tmp_path / "src", TINY_LLAMA, shards=1)
    return {p.name: p.read_bytes() for p in (tmp_path / "src").iterdir()}


def test_online_reads_config_and_headers_only(tmp_path: Path, home: Path) -> None:
    files = _hub_files(tmp_path)
    weights = len(files["model.safetensors"])
    assert weights > 200_000  # the tensors lie well past the first range request
    with ModelHubStub({"acme/tiny": files}) as hub:
        done, _ = run(["acme/tiny", "--online", "--json"], home, tmp_path, HF_ENDPOINT=hub.url)
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert out["model"]["source"] == "hub"
        assert out["model"]["params_how"].startswith("safetensors headers (1 file")
        assert out["model"]["params"] == 106_816
        gets = [r for r in hub.requests if r.startswith("GET /acme/tiny/resolve/main/model.safetensors")]
        assert gets and all("bytes=0-" in r for r in gets)  # ranged reads of the header only
        assert hub.bytes_sent < len(files["config.json"]) + 100_001 + 1_000
    # The config is now in the cache: the same id answers offline, from the cache.
    again, took = run(["acme/tiny", "--json"], home, tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["model"]["source"] == "hf cache" and took < 2.0


def test_online_missing_repo_and_lying_remote_header_exit_2(tmp_path: Path, home: Path) -> None:
    files = _hub_files(tmp_path)
    files["model.safetensors"] = struct.pack("<Q", 2**40) + b"{}"
    with ModelHubStub({"acme/liar": files}) as hub:
        err = one_line_exit_2(run(["acme/missing", "--online"], home, tmp_path, HF_ENDPOINT=hub.url)[0])
        assert "not found" in err
        err = one_line_exit_2(run(["acme/liar", "--online"], home, tmp_path, HF_ENDPOINT=hub.url)[0])
        assert "safetensors header" in err


def test_online_with_a_silent_hub_keeps_its_deadline(tmp_path: Path, home: Path) -> None:
    from support.hubstub import silent_endpoint

    with silent_endpoint() as url:
        done, took = run(["acme/tiny", "--online", "--deadline", "2"], home, tmp_path, HF_ENDPOINT=url)
    assert "deadline" in one_line_exit_2(done)
    assert took < 8.0


def test_fuzzed_flags_exit_0_or_2_with_one_line(tmp_path_factory: pytest.TempPathFactory) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from capstone_tui.cli import main

    folder = tmp_path_factory.mktemp("fuzz") / "tiny"
    write_model_folder(folder, TINY_LLAMA, shards=1)
    junk = st.sampled_from(["", "0", "-1", "1", "7", "4096", "1e3", "nan", "inf", "x", "1_0", "2.5", "99999999999"])
    flag = st.sampled_from(["--seq-len", "--micro-batch", "--kv-tokens", "--max-nodes", "--t1", "--s", "--c",
                            "--deadline", "--dtype", "--mode", "--recompute", "--kv-dtype", "--machine"])
    argv = st.lists(st.tuples(flag, junk), max_size=4).map(lambda pairs: [a for p in pairs for a in p])

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    @given(argv, st.booleans())
    def check(args: list[str], as_json: bool) -> None:
        import contextlib
        import io

        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = main(["plan", str(folder), *args, *(["--json"] if as_json else [])])
            except SystemExit as usage:  # argparse's own exit for a bad choice or a missing value
                code = usage.code
        assert code in (0, 2), err.getvalue()
        if code == 2:
            assert len(err.getvalue().strip().splitlines()) == 1

    check()
