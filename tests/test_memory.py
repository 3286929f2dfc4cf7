"""Model-ceiling memory terms against published figures (each test cites its source)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from capstone_tui.core.candidate import ModelInputs
from capstone_tui.core.memory import (
    CUDA_GRAPH_BYTES,
    activation_bytes_per_layer,
    estimate_memory,
    kv_bytes_per_token,
    training_bytes_per_param,
)


def test_mixed_precision_adam_is_16_bytes_per_param_and_112_gb_for_7b() -> None:
    # ZeRO (Rajbhandari et al., arXiv:1910.02054) Sec. 3.1: 2 + 2 + 12 = 16 bytes per parameter.
    assert training_bytes_per_param("bf16", "adamw", "zero") == (2.0, 2.0, 12.0)
    est = estimate_memory(ModelInputs(params=7e9, mode="train", dtype="bf16", optimizer="adamw"))
    assert est.model_state_bytes == pytest.approx(112e9, rel=1e-12)
    assert est.weights_bytes == pytest.approx(14e9) and est.optimizer_bytes == pytest.approx(84e9)


def test_zero_gpt2_and_figure1_examples() -> None:
    # ZeRO Sec. 3.1: GPT-2 with 1.5 B parameters needs "at least 24 GB"; "3 GB" for fp16 params.
    gpt2 = estimate_memory(ModelInputs(params=1.5e9))
    assert gpt2.model_state_bytes == pytest.approx(24e9)
    assert gpt2.weights_bytes == pytest.approx(3e9)
    # ZeRO Fig. 1 / Table 1: 7.5 B parameters -> 120 GB with plain data parallelism.
    assert estimate_memory(ModelInputs(params=7.5e9)).model_state_bytes == pytest.approx(120e9)


def test_hf_accounting_is_18_bytes_per_param() -> None:
    # HF Transformers docs, model_memory_anatomy.md: "18 bytes per model parameter" for mixed
    # precision AdamW = weights 6 + optimizer 8 + gradients 4.
    assert sum(training_bytes_per_param("bf16", "adamw", "hf")) == 18.0
    est = estimate_memory(ModelInputs(params=1e9, accounting="hf"))
    assert est.model_state_bytes == pytest.approx(18e9)
    assert (est.weights_bytes, est.grads_bytes, est.optimizer_bytes) == pytest.approx((6e9, 4e9, 8e9))


@pytest.mark.parametrize(
    ("optimizer", "expected"),
    [("adamw-8bit", 2 + 2 + 6), ("sgd-momentum", 2 + 2 + 8), ("none", 2 + 2)],
)
def test_other_optimizers_follow_eleutherai(optimizer: str, expected: float) -> None:
    # EleutherAI "Transformer Math 101", Training: 8-bit Adam 6 B/param (4 + 1 + 1), SGD with
    # momentum 8 B/param (4 + 4), 16-bit model 2 and gradients 2.
    assert sum(training_bytes_per_param("bf16", optimizer)) == expected


def test_pure_fp32_adam_is_also_16() -> None:
    # formulas.md 2.2 (EleutherAI): pure fp32 Adam = 4 + 4 + 8.
    assert training_bytes_per_param("fp32", "adamw") == (4.0, 4.0, 8.0)


def test_llama2_70b_kv_cache_is_327680_bytes_per_token() -> None:
    # Llama 2 70B (arXiv:2307.09288 Table 1; config.json): 80 layers, 64 heads, 8 KV heads, h 8192.
    assert kv_bytes_per_token(80, 8192, 64, 8, 2.0) == 327_680
    est = estimate_memory(ModelInputs(params=6.9e10, mode="infer", layers=80, hidden=8192, heads=64,
                                      kv_heads=8, kv_tokens=1000))
    assert est.kv_cache_bytes == 327_680_000
    assert est.kv_bytes_per_token == 327_680


def test_opt13b_and_llama2_7b_kv_cache() -> None:
    # vLLM paper (Kwon et al., arXiv:2309.06180) Sec. 3: OPT-13B needs 800 KB per token
    # (2 x 5120 x 40 x 2 B); NVIDIA "Mastering LLM Techniques: Inference Optimization": Llama 2 7B
    # fp16, 4096 tokens ~ 2 GB.
    opt = kv_bytes_per_token(40, 5120, 40, None, 2.0)
    assert opt == 2 * 5120 * 40 * 2 and opt / 1024 == pytest.approx(800)
    assert kv_bytes_per_token(32, 4096, 32, 32, 2.0) * 4096 == pytest.approx(2 * 2**30)


def test_activations_follow_korthikanti_for_a_llama2_7b_layer() -> None:
    # Korthikanti et al. (arXiv:2205.05198) Sec. 4.1 Eq. (1): attention 11sbh + 5as^2b,
    # MLP 19sbh, two LayerNorms 4sbh, i.e. sbh(34 + 5as/h) per layer.
    s, b, h, a = 4096, 1, 4096, 32
    components = 11 * s * b * h + 5 * a * s * s * b + 19 * s * b * h + 4 * s * b * h
    assert activation_bytes_per_layer(s, b, h, a, "none") == components
    # Table 2: selective recomputation keeps 34sbh, full keeps 2sbh (layer inputs only).
    assert activation_bytes_per_layer(s, b, h, a, "selective") == 34 * s * b * h
    assert activation_bytes_per_layer(s, b, h, a, "full") == 2 * s * b * h
    est = estimate_memory(ModelInputs(params=6.7e9, layers=32, hidden=h, heads=a, seq_len=s))
    assert est.activations_bytes == 32 * components


@pytest.mark.parametrize(("a", "s", "h", "saved"), [(96, 2048, 12288, 0.70), (128, 2048, 20480, 0.65)])
def test_selective_recompute_savings_match_the_paper(a: int, s: int, h: int, saved: float) -> None:
    # Korthikanti et al. Sec. 5: GPT-3 (5as/h = 80) saves 70 %, MT-NLG (5as/h = 64) saves 65 %.
    none = activation_bytes_per_layer(s, 1, h, a, "none")
    selective = activation_bytes_per_layer(s, 1, h, a, "selective")
    assert 1 - selective / none == pytest.approx(saved, abs=0.005)


def test_inference_without_kv_adds_20_percent() -> None:
    # EleutherAI "Total Inference Memory": total ~ 1.2 x model memory when no KV cache is modelled.
    est = estimate_memory(ModelInputs(params=7e9, mode="infer", dtype="bf16"), on_accelerator=False)
    assert est.total_bytes == pytest.approx(1.2 * 14e9)
    assert est.grads_bytes == 0 and est.optimizer_bytes == 0
    on_gpu = estimate_memory(ModelInputs(params=7e9, mode="infer", dtype="bf16"), on_accelerator=True)
    assert on_gpu.total_bytes - est.total_bytes == pytest.approx(CUDA_GRAPH_BYTES)


@pytest.mark.parametrize(("dtype", "per_param"), [("fp32", 4), ("bf16", 2), ("fp8", 1), ("int8", 1), ("int4", 0.5)])
def test_inference_weights_by_dtype(dtype: str, per_param: float) -> None:
    # EleutherAI, Inference -> Model Weights; Accelerate's estimator treats int4 as fp32 / 8.
    est = estimate_memory(ModelInputs(params=1e9, mode="infer", dtype=dtype))
    assert est.weights_bytes == pytest.approx(per_param * 1e9)


def test_missing_shape_is_flagged_as_a_lower_bound() -> None:
    est = estimate_memory(ModelInputs(params=1e9, mode="train", kv_tokens=10))
    assert est.activations_bytes == 0 and est.kv_cache_bytes == 0
    assert any("activations not counted" in n for n in est.notes)
    assert any("KV cache not counted" in n for n in est.notes)


shapes = st.tuples(st.integers(1, 96), st.sampled_from([1024, 2048, 4096, 8192]),
                   st.sampled_from([8, 16, 32, 64]), st.integers(128, 32768), st.integers(1, 8))


@given(shapes, st.floats(1e6, 1e12))
def test_recomputation_never_adds_memory(shape: tuple[int, int, int, int, int], params: float) -> None:
    layers, hidden, heads, seq, batch = shape
    totals = [estimate_memory(ModelInputs(params=params, layers=layers, hidden=hidden, heads=heads,
                                          seq_len=seq, micro_batch=batch, recompute=r)).total_bytes
              for r in ("none", "selective", "full")]
    assert totals[0] >= totals[1] >= totals[2] > 16 * params * (1 - 1e-12)


@given(st.floats(1e6, 1e12), st.floats(1.01, 10))
def test_memory_grows_with_parameters(params: float, factor: float) -> None:
    small = estimate_memory(ModelInputs(params=params)).total_bytes
    assert estimate_memory(ModelInputs(params=params * factor)).total_bytes > small
