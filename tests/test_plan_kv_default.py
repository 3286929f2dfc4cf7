"""`plan --kv-dtype` defaults as the candidate's `kv_dtype` does (issue 12 item 6): the KV cache
stays 16-bit for fp8/int weights (vLLM's kv_cache_dtype = "auto") unless an fp8 cache is asked
for; one definition of that default (core.memory.kv_cache_dtype) for `plan` and `assess`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.model_fixtures import LLAMA3_8B, write_model_folder

from capstone_tui.core.candidate import ModelInputs
from capstone_tui.core.memory import estimate_memory

# Llama 3 8B: 2 (K and V) x 32 layers x 8 KV heads x 128 head_dim = 65,536 elements per token
ELEMENTS = 2 * 32 * 8 * 128


def plan_json(tmp_path: Path, *args: str) -> dict:
    if not (tmp_path / "llama").exists():
        write_model_folder(tmp_path / "llama", LLAMA3_8B)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE"))}
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "plan", "llama", "--mode", "infer", "--json", *args],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={**clean, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize(("dtype", "kv_flag", "kv_dtype", "element"), [
    ("fp8", None, "bf16", 2), ("int8", None, "bf16", 2), ("int4", None, "bf16", 2), ("bf16", None, "bf16", 2),
    ("fp32", None, "fp32", 4), ("fp8", "fp8", "fp8", 1), ("bf16", "fp8", "fp8", 1),
])
def test_kv_cache_is_16_bit_unless_fp8_is_asked_for(tmp_path: Path, dtype: str, kv_flag: str | None,
                                                    kv_dtype: str, element: int) -> None:
    out = plan_json(tmp_path, "--dtype", dtype, *(("--kv-dtype", kv_flag) if kv_flag else ()))
    assert out["inputs"]["kv_dtype"] == kv_dtype  # the type used, not "unset"
    assert out["memory"]["kv_element_bytes"] == element
    assert out["memory"]["kv_bytes_per_token"] == ELEMENTS * element
    assert out["anchors"]["vllm_kv_bytes_per_token"] == ELEMENTS * element
    # the candidate path (assess) gives the same bytes per token for the same choice
    cand = ModelInputs(params=8.03e9, mode="infer", dtype=dtype, layers=32, hidden=4096, heads=32, kv_heads=8,
                       kv_dtype=kv_flag, seq_len=8192)
    est = estimate_memory(cand)
    assert est.kv_dtype == kv_dtype and est.kv_bytes_per_token == out["memory"]["kv_bytes_per_token"]


def test_help_states_the_16_bit_default() -> None:
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "plan", "--help"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0
    words = " ".join(done.stdout.split())
    assert "follows --dtype" not in words
    assert "also for fp8/int weights" in words and "fp8 only when asked" in words
