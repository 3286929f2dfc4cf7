"""The planner's numbers beside the public formulas they must equal (accelerate's
estimate-memory, DeepSpeed's estimate_zero3_model_states_mem_needs, vLLM's KV bytes per
token, the ZeRO paper's Table 1), then the layouts, the fewest GPUs and the #SBATCH lines."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from capstone_tui.core.errors import ValidationError
from capstone_tui.core.planner.layouts import (TRAIN_STRATEGIES, PlanInputs, infer_plan, plan_model, sbatch_lines,
                                        train_plan)
from capstone_tui.core.machine import GIB, Machine, usable_accelerator
from capstone_tui.core.planner.shape import read_shape
from capstone_tui.core.presets import preset
from support import model_fixtures as fx

FAMILIES = [fx.LLAMA3_8B, fx.MISTRAL_7B, fx.MIXTRAL_8X7B, fx.QWEN25_7B, fx.GEMMA2_9B, fx.PHI3_MINI,
            fx.QWEN15_MOE_A27B]
DGX = preset("dgx-h100")
LLAMA3_70B = {**fx.LLAMA3_8B, "hidden_size": 8192, "intermediate_size": 28672, "num_attention_heads": 64,
              "num_hidden_layers": 80}
LLAMA31_405B = {**fx.LLAMA3_8B, "hidden_size": 16384, "intermediate_size": 53248, "num_attention_heads": 128,
                "num_hidden_layers": 126, "max_position_embeddings": 131072}
STATE_TERMS = ("weights_bytes", "master_bytes", "grads_bytes", "optimizer_bytes")


# --- accelerate estimate-memory (src/accelerate/commands/estimate.py) -----------------------

def accelerate_total_size(params: int, dtype: str) -> int:
    """create_empty_model is fp32; other dtypes divide the fp32 size (float16 /2, int8 /4, int4 /8)."""
    return params * 4 // {"fp32": 1, "bf16": 2, "fp16": 2, "int8": 4, "int4": 8}[dtype]


def accelerate_training_usage(fp32_bytes: int, mixed_precision: str) -> dict[str, int]:
    """estimate_training_usage(bytes, mixed_precision), as the accelerate source computes it."""
    if mixed_precision == "float32":
        return {"model": fp32_bytes, "gradients": fp32_bytes, "optimizer": 2 * fp32_bytes, "step": 4 * fp32_bytes}
    return {"model": fp32_bytes, "gradients": fp32_bytes + fp32_bytes // 2, "optimizer": 2 * fp32_bytes,
            "step": 2 * fp32_bytes}


@pytest.mark.parametrize("config", FAMILIES)
@pytest.mark.parametrize("dtype", ["fp32", "bf16", "int8", "int4"])
def test_weights_equal_accelerate_total_size(config: dict, dtype: str) -> None:
    shape = read_shape(config)
    result = plan_model(shape, DGX, PlanInputs(mode="infer", dtype=dtype, seq_len=1024))
    assert result.memory["weights_bytes"] == accelerate_total_size(shape.params, dtype)
    assert result.anchors["accelerate_total_size_bytes"] == accelerate_total_size(shape.params, dtype)


@pytest.mark.parametrize("config", FAMILIES)
def test_adam_bytes_equal_accelerate_training_usage(config: dict) -> None:
    shape = read_shape(config)
    fp32 = shape.params * 4
    full = plan_model(shape, DGX, PlanInputs(dtype="fp32")).memory
    assert full["weights_bytes"] + full["grads_bytes"] + full["optimizer_bytes"] == accelerate_training_usage(fp32, "float32")["step"]
    # Mixed precision: accelerate prints the largest component; its components sum to the "hf"
    # accounting (6 + 4 + 8 = 18 B/param), the ZeRO accounting is 16 B/param.
    mixed = plan_model(shape, DGX, PlanInputs(dtype="bf16", accounting="hf")).memory
    parts = accelerate_training_usage(fp32, "bfloat16")
    ours = mixed["weights_bytes"] + mixed["grads_bytes"] + mixed["optimizer_bytes"]
    assert ours == pytest.approx(parts["model"] + parts["gradients"] + parts["optimizer"], abs=2)
    assert ours == 18 * shape.params


# --- DeepSpeed estimate_zero3_model_states_mem_needs (deepspeed/runtime/zero/stage3.py) -------

def deepspeed_zero3_gpu(total_params: int, largest_layer_params: int, gpus: int) -> int:
    """No offload: gpu_mem = 4 * largest_layer_params + int(18 * total_params / total_gpus)."""
    return 4 * largest_layer_params + int(18 * total_params / gpus)


@pytest.mark.parametrize("config", FAMILIES)
@pytest.mark.parametrize("gpus", [1, 8, 16, 64])
def test_zero3_model_states_equal_deepspeed(config: dict, gpus: int) -> None:
    shape = read_shape(config)
    hf = train_plan(shape, PlanInputs(accounting="hf"), 1e15, "zero3-fsdp", 1, 1, gpus, 8)
    terms = dict(hf.terms)
    states = sum(terms[k] for k in STATE_TERMS) + terms["gather_bytes"]
    assert states == pytest.approx(deepspeed_zero3_gpu(shape.params, shape.largest_layer_params, gpus), abs=1)
    zero = dict(train_plan(shape, PlanInputs(), 1e15, "zero3-fsdp", 1, 1, gpus, 8).terms)
    assert sum(terms[k] for k in STATE_TERMS) - sum(zero[k] for k in STATE_TERMS) == pytest.approx(2 * shape.params / gpus)


def test_llama3_largest_layer_is_the_embedding() -> None:
    assert read_shape(fx.LLAMA3_8B).largest_layer_params == 128_256 * 4096


def test_zero_paper_table1_model_states() -> None:
    """ZeRO (arXiv:1910.02054) Fig. 1 / Table 1: 7.5B parameters, Nd = 64, K = 12."""
    shape = replace(read_shape(fx.LLAMA3_8B), params=7_500_000_000)
    expected_gb = {"ddp": 120, "zero1": 31.4, "zero2": 16.6, "zero3-fsdp": 1.88}
    for strategy in TRAIN_STRATEGIES:
        terms = dict(train_plan(shape, PlanInputs(), 1e15, strategy, 1, 1, 64, 8).terms)
        assert round(sum(terms[k] for k in STATE_TERMS) / 1e9, 2 if strategy == "zero3-fsdp" else 1) == expected_gb[strategy]


# --- vLLM: 2 * layers * kv_heads * head_dim * dtype bytes -----------------------------------

@pytest.mark.parametrize(("config", "expected"), [
    (fx.LLAMA3_8B, 131_072), (fx.MISTRAL_7B, 131_072), (fx.QWEN25_7B, 57_344),
    (fx.GEMMA2_9B, 344_064), (fx.PHI3_MINI, 393_216), (fx.MIXTRAL_8X7B, 131_072),
])
def test_kv_bytes_per_token_equal_vllm(config: dict, expected: int) -> None:
    shape = read_shape(config)
    vllm = 2 * shape.layers * shape.kv_heads * shape.head_dim * 2
    result = plan_model(shape, DGX, PlanInputs(mode="infer", seq_len=4096))
    assert result.memory["kv_bytes_per_token"] == result.anchors["vllm_kv_bytes_per_token"] == vllm == expected
    fp8 = plan_model(shape, DGX, PlanInputs(mode="infer", seq_len=4096, kv_dtype="fp8"))
    assert fp8.memory["kv_bytes_per_token"] == expected / 2


def test_mla_caches_one_latent_per_layer() -> None:
    shape = read_shape(fx.DEEPSEEK_V2_LITE)
    result = plan_model(shape, DGX, PlanInputs(mode="infer", seq_len=4096))
    assert result.memory["kv_bytes_per_token"] == 27 * (512 + 64) * 2


# --- serving layouts --------------------------------------------------------------------------

def test_llama3_8b_serving_concurrency_by_hand() -> None:
    shape = read_shape(fx.LLAMA3_8B)
    result = plan_model(shape, DGX, PlanInputs(mode="infer", seq_len=8192))
    limit = DGX.accelerator_bytes
    by_tp = {p.tp: p for p in result.plans}
    assert set(by_tp) == {1, 2, 4, 8}
    for tp, plan in by_tp.items():
        pool = limit - shape.params * 2 / tp - 2 * GIB
        per_token = 2 * 32 * (8 // tp) * 128 * 2
        assert plan.kv_tokens_capacity == math.floor(pool / per_token)
        assert plan.max_concurrent_seqs == plan.kv_tokens_capacity // 8192
    assert result.min_gpus == 1 and result.recommended.tp == 1


def test_405b_serving_spans_two_nodes_with_pipeline_parallel() -> None:
    shape = read_shape(LLAMA31_405B)
    assert round(shape.params / 1e9) == 406  # Meta: "405B"
    result = plan_model(shape, DGX, PlanInputs(mode="infer", seq_len=8192))
    best = result.recommended
    assert best is not None and (best.tp, best.pp, best.nodes, best.gpus) == (8, 2, 2, 16)
    assert not any(p.fits for p in result.plans if p.nodes == 1)
    assert "#SBATCH --nodes=2" in result.sbatch and "#SBATCH --ntasks-per-node=1" in result.sbatch


# --- training layouts -------------------------------------------------------------------------

def test_fewest_gpus_is_minimal() -> None:
    shape = read_shape(fx.LLAMA3_8B)
    inputs = PlanInputs(seq_len=4096)
    result = plan_model(shape, DGX, inputs)
    best = result.recommended
    assert best is not None and best.fits and best.per_gpu_bytes <= DGX.accelerator_bytes
    for gpus in range(1, best.gpus):
        for strategy in TRAIN_STRATEGIES:
            for tp in (t for t in (1, 2, 4, 8) if gpus % t == 0):
                assert not train_plan(shape, inputs, DGX.accelerator_bytes, strategy, tp, 1, gpus // tp, 8).fits


def test_zero_stages_only_shrink_memory() -> None:
    shape = read_shape(fx.MISTRAL_7B)
    sizes = [train_plan(shape, PlanInputs(), 1e15, s, 1, 1, 8, 8).per_gpu_bytes for s in TRAIN_STRATEGIES[:3]]
    assert sizes[0] > sizes[1] > sizes[2]
    recompute = train_plan(shape, PlanInputs(recompute="full"), 1e15, "ddp", 1, 1, 1, 8)
    none = train_plan(shape, PlanInputs(), 1e15, "ddp", 1, 1, 1, 8)
    assert dict(recompute.terms)["activations_bytes"] < dict(none.terms)["activations_bytes"]


def test_70b_training_needs_nodes_and_sbatch_asks_for_them() -> None:
    shape = read_shape(LLAMA3_70B)
    assert round(shape.params / 1e9, 1) == 70.6  # "70B"; reference/formulas.md 2.8: 70,553,706,496
    result = plan_model(shape, DGX, PlanInputs(seq_len=4096, recompute="full", time_limit_s=90_000))
    best = result.recommended
    assert best is not None and best.nodes >= 2 and best.tp <= 8 and best.nodes % best.pp == 0
    assert f"#SBATCH --nodes={best.nodes}" in result.sbatch
    assert f"#SBATCH --gpus-per-node={best.gpus // best.nodes}" in result.sbatch
    assert f"#SBATCH --ntasks-per-node={best.gpus // best.nodes}" in result.sbatch
    assert "#SBATCH --time=1-01:00:00" in result.sbatch


def test_slurm_partition_gets_partition_and_gres_lines() -> None:
    node = Machine(id="slurm:gpu", label="Slurm partition gpu", source="slurm sinfo", memory_total_bytes=512 * GIB,
                   memory_bytes=460 * GIB, disk_bytes=None, accelerators=4, accelerator_name="a100",
                   accelerator_total_bytes=80e9, accelerator_bytes=usable_accelerator(80e9), cpus=64)
    shape = read_shape(fx.QWEN25_7B)
    inputs = PlanInputs(mode="infer", seq_len=32768, time_limit_s=3700)
    plan = infer_plan(shape, inputs, node.accelerator_bytes, 2, 1, 4)
    lines = sbatch_lines(plan, node, shape, inputs)
    assert lines[0] == "#SBATCH --partition=gpu"
    assert "#SBATCH --gres=gpu:2" in lines and not any("--gpus-per-node" in x for x in lines)
    assert "#SBATCH --cpus-per-task=32" in lines and "#SBATCH --time=01:02:00" in lines
    mem = next(x for x in lines if x.startswith("#SBATCH --mem="))
    assert int(mem.split("=")[1].rstrip("G")) * GIB >= 1.5 * shape.params * 2  # the checkpoint staged x 1.5


def test_bad_inputs_are_validation_errors() -> None:
    laptop = replace(DGX, id="cpu-only", accelerators=0, accelerator_bytes=None)
    with pytest.raises(ValidationError, match="--machine"):
        plan_model(read_shape(fx.LLAMA3_8B), laptop, PlanInputs())
    uncounted = read_shape({"model_type": "mamba", "hidden_size": 768, "num_hidden_layers": 24})
    with pytest.raises(ValidationError, match="counted"):
        plan_model(uncounted, DGX, PlanInputs())
