"""How many GPUs a model takes, with which layout, and the #SBATCH lines to ask Slurm for them.

Pure: a counted `ModelShape`, a `Machine` (GPUs per node and one GPU's usable bytes) and
`PlanInputs` in, a `PlanResult` out. The memory terms come from `core.memory` (bytes per
parameter by optimizer and accounting, Korthikanti activations, the KV bytes per token).

Training, per GPU, for tensor parallel t (inside a node), pipeline parallel p (across nodes)
and data parallel d (ZeRO paper, arXiv:1910.02054, Sec. 5; Korthikanti et al. Table 2):
  16-bit weights, fp32 master copy, gradients and optimizer states each / (t p); ZeRO-1 also
  shards master + optimizer states over d, ZeRO-2 also gradients, ZeRO-3 (= FSDP full shard)
  also the weights, plus DeepSpeed's gather buffer 4 x largest_layer_params / t;
  activations sbhL(34 + 5as/h) / t (TP with sequence parallelism; selective 34 sbhL / t; full
  recompute 2 sbhL, not split); under 1F1B the first pipeline stage holds L layers' worth, so p
  does not shrink them; + 10 % of activations for fragmentation.
Inference (vLLM-style): each GPU's budget is gpu_memory_utilization x its memory less the CUDA
context (`Machine.accelerator_bytes`); weights / (t p) and 2 GiB of CUDA graphs come off it,
the rest is the KV pool; KV heads split over t (replicated when t > kv_heads; MLA latents are
replicated), layers over p. Max concurrent sequences = pool // (seq_len x KV bytes per token).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from capstone_tui.core.errors import ValidationError
from capstone_tui.core.machine import Machine
from capstone_tui.core.dtypes import DTYPE_BYTES
from capstone_tui.core.memory import (CUDA_GRAPH_BYTES, TRAIN_FRAGMENTATION,
                                      activation_bytes_per_layer, kv_bytes_per_token, kv_element_bytes,
                                      training_bytes_per_param)
from capstone_tui.core.planner.shape import ModelShape
from capstone_tui.core.planner.sbatch import sbatch_lines, time_limit_s

__all__ = ["PlanInputs", "GpuPlan", "PlanResult", "plan_model", "train_plan", "infer_plan", "sbatch_lines",
           "time_limit_s", "TRAIN_STRATEGIES"]

TRAIN_STRATEGIES = ("ddp", "zero1", "zero2", "zero3-fsdp")
TP_DEGREES = (1, 2, 4, 8)
MAX_NODES = 64
GATHER_BYTES_PER_PARAM = 4  # DeepSpeed stage3.py: largest_layer_memory = 4 * largest_layer_params
_ACCELERATE_DIVISOR = {"fp32": 1, "fp16": 2, "bf16": 2, "fp8": 4, "int8": 4, "int4": 8}


@dataclass(frozen=True)
class PlanInputs:
    """What to plan for: the mode, precision, optimizer and the sequence / KV sizes."""

    mode: str = "train"
    dtype: str = "bf16"
    optimizer: str = "adamw"
    accounting: str = "zero"
    seq_len: int = 4096
    micro_batch: int = 1
    recompute: str = "none"
    kv_tokens: int | None = None  # inference: KV tokens held at once (default: one seq_len sequence)
    kv_dtype: str | None = None  # inference: KV cache element type (unset: memory.kv_cache_dtype's 16-bit default)
    max_nodes: int = MAX_NODES
    time_limit_s: float | None = None


@dataclass(frozen=True)
class GpuPlan:
    """One layout: degrees, GPUs and nodes, each GPU's bytes term by term, and whether it fits."""

    strategy: str
    tp: int
    pp: int
    dp: int
    gpus: int
    nodes: int
    per_gpu_bytes: float
    limit_bytes: float
    terms: tuple[tuple[str, float], ...]
    max_concurrent_seqs: int | None = None
    kv_tokens_capacity: int | None = None

    @property
    def fits(self) -> bool:
        return self.per_gpu_bytes <= self.limit_bytes

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"strategy": self.strategy, "gpus": self.gpus, "nodes": self.nodes,
                               "per_gpu_bytes": self.per_gpu_bytes, "fits": self.fits, "tp": self.tp,
                               "pp": self.pp, "dp": self.dp, "limit_bytes": self.limit_bytes,
                               "terms": dict(self.terms)}
        if self.max_concurrent_seqs is not None:
            out["max_concurrent_seqs"] = self.max_concurrent_seqs
            out["kv_tokens_capacity"] = self.kv_tokens_capacity
        return out


@dataclass(frozen=True)
class PlanResult:
    """Every plan tried, the fewest GPUs that fit, the recommended layout and its #SBATCH lines."""

    mode: str
    inputs: PlanInputs
    memory: dict[str, Any]
    anchors: dict[str, Any]
    plans: tuple[GpuPlan, ...]
    recommended: GpuPlan | None
    sbatch: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def min_gpus(self) -> int | None:
        return self.recommended.gpus if self.recommended else None


def _tp_options(shape: ModelShape, gpus_per_node: int) -> list[int]:
    heads = shape.heads or 1
    return [t for t in TP_DEGREES if t <= gpus_per_node and heads % t == 0]


def _gpu_counts(gpus_per_node: int, max_nodes: int) -> list[int]:
    return list(range(1, gpus_per_node + 1)) + [k * gpus_per_node for k in range(2, max_nodes + 1)]


def train_plan(shape: ModelShape, inputs: PlanInputs, limit: float, strategy: str,
               tp: int, pp: int, dp: int, gpus_per_node: int) -> GpuPlan:
    """One training layout's per-GPU bytes (see the module docstring for each term)."""
    assert shape.params is not None and shape.layers and shape.hidden and shape.heads
    psi = float(shape.params)
    w, g, o = training_bytes_per_param(inputs.dtype, inputs.optimizer, inputs.accounting)
    w16 = min(w, DTYPE_BYTES[inputs.dtype])
    stage = TRAIN_STRATEGIES.index(strategy)
    m = tp * pp
    shard = float(dp)
    terms = {
        "weights_bytes": psi * w16 / m / (shard if stage >= 3 else 1),
        "master_bytes": psi * (w - w16) / m / (shard if stage >= 1 else 1),
        "grads_bytes": psi * g / m / (shard if stage >= 2 else 1),
        "optimizer_bytes": psi * o / m / (shard if stage >= 1 else 1),
        "gather_bytes": GATHER_BYTES_PER_PARAM * (shape.largest_layer_params or 0) / tp if stage == 3 else 0.0,
    }
    per_layer = activation_bytes_per_layer(inputs.seq_len, inputs.micro_batch, shape.hidden, shape.heads,
                                           inputs.recompute)
    activations = per_layer * shape.layers / (1 if inputs.recompute == "full" else tp)
    terms["activations_bytes"] = activations
    terms["fragmentation_bytes"] = TRAIN_FRAGMENTATION * activations
    gpus = m * dp
    return GpuPlan(strategy, tp, pp, dp, gpus, math.ceil(gpus / gpus_per_node), sum(terms.values()), limit,
                   tuple(terms.items()))


def _kv_per_token(shape: ModelShape, element: float, tp: int = 1, pp: int = 1) -> float:
    assert shape.layers and shape.heads and shape.head_dim
    layers = math.ceil(shape.layers / pp)
    if shape.kv_latent_dim:  # MLA: one latent per layer per token, the same on every TP rank
        return float(layers * shape.kv_latent_dim * element)
    kv_heads = math.ceil((shape.kv_heads or shape.heads) / tp)
    return kv_bytes_per_token(layers, shape.heads * shape.head_dim, shape.heads, kv_heads, element)


def infer_plan(shape: ModelShape, inputs: PlanInputs, limit: float, tp: int, pp: int,
               gpus_per_node: int) -> GpuPlan:
    """One serving layout: weights, CUDA graphs and the KV pool of each GPU."""
    assert shape.params is not None
    element = kv_element_bytes(inputs.dtype, inputs.kv_dtype)
    per_token = _kv_per_token(shape, element, tp, pp)
    weights = shape.params * DTYPE_BYTES[inputs.dtype] / (tp * pp)
    pool = limit - weights - CUDA_GRAPH_BYTES
    need = inputs.kv_tokens or inputs.seq_len
    terms = {"weights_bytes": weights, "cuda_graph_bytes": CUDA_GRAPH_BYTES, "kv_cache_bytes": need * per_token}
    capacity = max(0, math.floor(pool / per_token)) if pool > 0 else 0
    gpus = tp * pp
    return GpuPlan("tp" if pp == 1 else "tp+pp", tp, pp, 1, gpus, math.ceil(gpus / gpus_per_node),
                   sum(terms.values()), limit, tuple(terms.items()),
                   max_concurrent_seqs=capacity // inputs.seq_len, kv_tokens_capacity=capacity)


def _fewest_train(shape: ModelShape, inputs: PlanInputs, limit: float, strategy: str, per_node: int) -> GpuPlan:
    tried: GpuPlan | None = None
    for gpus in _gpu_counts(per_node, inputs.max_nodes):
        nodes = math.ceil(gpus / per_node)
        layouts = sorted(((t, p) for t in _tp_options(shape, per_node) for p in range(1, nodes + 1)
                          if gpus % (t * p) == 0 and nodes % p == 0 and p <= (shape.layers or 1)),
                         key=lambda tp_pp: (tp_pp[0] * tp_pp[1], tp_pp[1]))
        if strategy == "ddp":  # plain data parallel memory does not fall with d: model parallel only
            layouts = [(t, p) for t, p in layouts if t * p == gpus]
        plans = [train_plan(shape, inputs, limit, strategy, t, p, gpus // (t * p), per_node) for t, p in layouts]
        for plan in plans:
            if plan.fits:
                return plan
        if plans:
            tried = min(plans, key=lambda pl: pl.per_gpu_bytes)
    assert tried is not None
    return tried


def _infer_plans(shape: ModelShape, inputs: PlanInputs, limit: float, per_node: int) -> list[GpuPlan]:
    options = _tp_options(shape, per_node)
    plans = [infer_plan(shape, inputs, limit, t, 1, per_node) for t in options]
    if not any(p.fits for p in plans):
        widest = options[-1]
        for nodes in range(2, inputs.max_nodes + 1):
            across = infer_plan(shape, inputs, limit, widest, nodes, widest)
            if across.fits or nodes == inputs.max_nodes or nodes >= (shape.layers or 1):
                plans.append(across)
                break
    return plans


def plan_model(shape: ModelShape, machine: Machine, inputs: PlanInputs) -> PlanResult:
    """Every plan for the model on this machine's GPUs, the fewest that fit, and #SBATCH lines."""
    if shape.params is None or not (shape.layers and shape.hidden and shape.heads and shape.head_dim):
        raise ValidationError("MODEL", "must be counted to be planned (a known architecture or safetensors "
                              "headers, and layers, hidden, heads)", shape.model_type or shape.architecture)
    limit = machine.accelerator_bytes
    if not machine.accelerators or not limit:
        raise ValidationError("--machine", "must have GPUs of a known memory size to plan on", machine.id)
    per_node = machine.accelerators
    if inputs.mode == "train":
        plans = [_fewest_train(shape, inputs, limit, s, per_node) for s in TRAIN_STRATEGIES]
    else:
        plans = _infer_plans(shape, inputs, limit, per_node)
    fitting = [p for p in plans if p.fits]
    best = min(fitting, key=lambda p: (p.gpus, plans.index(p))) if fitting else None
    notes = _notes(shape, inputs, best)
    return PlanResult(inputs.mode, inputs, memory_summary(shape, inputs, limit, machine), anchors(shape, inputs, best),
                      tuple(plans), best, sbatch_lines(best, machine, shape, inputs) if best else (), tuple(notes))


def memory_summary(shape: ModelShape, inputs: PlanInputs, limit: float, machine: Machine) -> dict[str, Any]:
    """One full replica's terms (no sharding), and the per-GPU budget they are measured against."""
    assert shape.params is not None and shape.layers and shape.hidden and shape.heads
    psi = float(shape.params)
    w, g, o = training_bytes_per_param(inputs.dtype, inputs.optimizer, inputs.accounting)
    element = kv_element_bytes(inputs.dtype, inputs.kv_dtype)
    train = inputs.mode == "train"
    per_layer = activation_bytes_per_layer(inputs.seq_len, inputs.micro_batch, shape.hidden, shape.heads,
                                           inputs.recompute)
    return {
        "weights_bytes": psi * DTYPE_BYTES[inputs.dtype],
        "kv_bytes_per_token": _kv_per_token(shape, element),
        "kv_element_bytes": element,
        "bytes_per_param": (w + g + o) if train else DTYPE_BYTES[inputs.dtype],
        "grads_bytes": psi * g if train else 0.0,
        "optimizer_bytes": psi * (o + w - min(w, DTYPE_BYTES[inputs.dtype])) if train else 0.0,
        "activations_bytes": per_layer * shape.layers if train else 0.0,
        "largest_layer_params": shape.largest_layer_params,
        "per_gpu_limit_bytes": limit,
        "gpu_memory_utilization": machine.accelerator_usable_fraction,
        "cuda_context_bytes": machine.accelerator_context_bytes,
        "gpus_per_node": machine.accelerators,
    }


def anchors(shape: ModelShape, inputs: PlanInputs, best: GpuPlan | None) -> dict[str, Any]:
    """The same model through three public formulas, to read beside this tool's numbers."""
    assert shape.params is not None
    psi = shape.params
    fp32 = psi * 4
    gpus = best.gpus if best else 1
    out: dict[str, Any] = {
        "accelerate_total_size_bytes": fp32 // _ACCELERATE_DIVISOR[inputs.dtype],
        "accelerate_adam_fp32_bytes": 4 * fp32,
        "deepspeed_zero3_gpu_bytes": GATHER_BYTES_PER_PARAM * (shape.largest_layer_params or 0) + int(18 * psi / gpus),
        "deepspeed_zero3_gpus": gpus,
    }
    if not shape.kv_latent_dim and shape.layers and shape.head_dim:
        element = kv_element_bytes(inputs.dtype, inputs.kv_dtype)
        out["vllm_kv_bytes_per_token"] = 2 * shape.layers * (shape.kv_heads or shape.heads or 0) * shape.head_dim * element
    return out


def _notes(shape: ModelShape, inputs: PlanInputs, best: GpuPlan | None) -> list[str]:
    notes = []
    if best is None:
        notes.append(f"no layout fits within {inputs.max_nodes} nodes: shorten seq_len, recompute activations "
                     "or quantize")
    if shape.experts:
        notes.append("mixture-of-experts: every expert is held (no expert parallelism modelled); "
                     "activations use the dense formula")
    if inputs.mode == "train":
        notes.append("activations: Korthikanti et al. (GPT layer, 16-bit); FlashAttention drops the 5as/h term")
    else:
        notes.append("serving: full attention assumed (sliding windows would hold less KV); "
                     "the activation workspace of a forward pass is not counted")
    return notes
