"""Memory of one training or serving replica, term by term (the model ceiling's quantity).

Sources (reference/formulas.md, section "Ceiling 2"):
- bytes per parameter: ZeRO (Rajbhandari et al., SC'20, arXiv:1910.02054, Sec. 3.1) gives
  2 + 2 + 12 = 16 B/param for mixed-precision Adam; EleutherAI "Transformer Math 101" gives the
  same split and the 8-bit Adam / SGD-momentum variants; Hugging Face "Model training anatomy"
  counts 18 B/param (6 weights + 8 AdamW + 4 fp32 grads) -> `accounting = "hf"`.
- activations: Korthikanti et al. (MLSys 2023, arXiv:2205.05198) Eq. (1) and Table 2:
  sbh(34 + 5as/h) bytes per layer with no recomputation, 34sbh selective, 2sbh full.
- KV cache: 2 * L * kv_heads * head_dim * bytes per token (vLLM paper, arXiv:2309.06180 Sec. 3;
  NVIDIA "Mastering LLM Techniques: Inference Optimization"). head_dim defaults to hidden/heads
  but is its own key (Gemma-7B: 16 heads x 256 on a 3072 hidden). The cache's element type is
  `kv_dtype`; unset, it is 16-bit (fp32 for fp32 weights), as vLLM's `kv_cache_dtype = "auto"`
  keeps a 16-bit cache for fp8/int8/int4 weights unless an fp8 cache is asked for.
- training int8/int4 weights [A]: priced as mixed precision with the weights stored at their
  width, 16-bit gradients and fp32 master + optimizer state (int8 + AdamW: 1 + 2 + 12 B/param),
  with a warning: full-parameter training in int8/int4 is not how such models are trained
  (QLoRA-style methods train 16-bit adapters on frozen quantized weights, not modelled here).
- overheads [A]: fragmentation 10 % of activations when training; inference without a KV model
  adds 20 % of the weights (EleutherAI "Total Inference Memory"); CUDA graphs 2 GiB when serving
  on an accelerator (gpustack, citing vLLM). The CUDA context (1.5 GiB) is charged against the
  accelerator's usable memory in `core.machine.usable_accelerator`, and listed here for display.
"""

from __future__ import annotations

from dataclasses import dataclass

from capstone_tui.core.candidate import ModelInputs
from capstone_tui.core.dtypes import DTYPE_BYTES  # also imported from here (gpu_plan)
from capstone_tui.core.machine import ACCEL_CONTEXT_BYTES, GIB

# Optimizer state per parameter beyond the master copy: (mixed precision, pure fp32) [EleutherAI].
_OPTIMIZER_STATE: dict[str, float] = {"adamw": 8.0, "adamw-8bit": 2.0, "sgd-momentum": 4.0, "none": 0.0}
MASTER_COPY_BYTES = 4.0  # fp32 master weights kept by mixed-precision optimizers (ZeRO Sec. 3.1)
TRAIN_FRAGMENTATION = 0.10  # share of activations lost to the allocator [A] (formulas.md 2.7)
INFER_OVERHEAD = 0.20  # 1.2 x weights when no KV cache is modelled (EleutherAI)
CUDA_GRAPH_BYTES = 2.0 * GIB  # serving engines' CUDA graphs [P] gpustack / vLLM, range 1-3 GiB


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes one replica needs, each term separately, with the formulas used."""

    mode: str
    accounting: str
    bytes_per_param: float  # weights + gradients + optimizer, per parameter
    weights_bytes: float
    grads_bytes: float
    optimizer_bytes: float
    activations_bytes: float
    kv_cache_bytes: float
    fragmentation_bytes: float
    cuda_graph_bytes: float
    inference_overhead_bytes: float
    context_bytes: float  # charged against the device's usable memory, not added here
    kv_bytes_per_token: float | None
    activations_formula: str
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # assumptions the user must know about (assess --json `warnings`)
    kv_dtype: str | None = None  # the KV cache element type used
    head_dim: int | None = None  # the head size used

    @property
    def overhead_bytes(self) -> float:
        return self.fragmentation_bytes + self.cuda_graph_bytes + self.inference_overhead_bytes

    @property
    def model_state_bytes(self) -> float:
        return self.weights_bytes + self.grads_bytes + self.optimizer_bytes

    @property
    def total_bytes(self) -> float:
        return self.model_state_bytes + self.activations_bytes + self.kv_cache_bytes + self.overhead_bytes

    def terms(self) -> dict[str, float]:
        """The SPEC's `detail` keys of the model ceiling."""
        return {
            "weights_bytes": self.weights_bytes,
            "grads_bytes": self.grads_bytes,
            "optimizer_bytes": self.optimizer_bytes,
            "activations_bytes": self.activations_bytes,
            "kv_cache_bytes": self.kv_cache_bytes,
            "overhead_bytes": self.overhead_bytes,
        }


def training_bytes_per_param(dtype: str, optimizer: str, accounting: str = "zero") -> tuple[float, float, float]:
    """(weights, gradients, optimizer) bytes per parameter for training.

    Pure fp32: weights 4, grads 4, optimizer states only (Adam 8). Mixed precision ("zero"):
    16-bit-or-smaller weights and 16-bit grads (2), optimizer = fp32 master copy 4 + states, so
    AdamW totals 2 + 2 + 12 = 16. "hf": weights 6 (fp32 + 16-bit copy), grads 4 (fp32),
    optimizer states only, so AdamW totals 18.
    """
    states = _OPTIMIZER_STATE[optimizer]
    if dtype == "fp32":
        return 4.0, 4.0, states
    if accounting == "hf":
        return 4.0 + DTYPE_BYTES[dtype], 4.0, states
    master = MASTER_COPY_BYTES if optimizer != "none" else 0.0
    return DTYPE_BYTES[dtype], max(2.0, DTYPE_BYTES[dtype]), master + states


def activation_bytes_per_layer(seq_len: int, micro_batch: int, hidden: int, heads: int,
                               recompute: str = "none") -> float:
    """Korthikanti et al. Table 2 (no tensor parallelism, 16-bit activations)."""
    sbh = float(seq_len) * micro_batch * hidden
    if recompute == "full":
        return 2.0 * sbh
    if recompute == "selective":
        return 34.0 * sbh
    return sbh * (34.0 + 5.0 * heads * seq_len / hidden)


def kv_bytes_per_token(layers: int, hidden: int | None, heads: int, kv_heads: int | None,
                       element_bytes: float, head_dim: int | None = None) -> float:
    """2 (K and V) x layers x kv_heads x head_dim x bytes per element (head_dim: hidden/heads unless given)."""
    if head_dim is None:
        if hidden is None:
            raise ValueError("kv_bytes_per_token needs hidden or head_dim")
        head_dim = hidden // heads
    return 2.0 * layers * (kv_heads or heads) * head_dim * element_bytes


def kv_cache_dtype(dtype: str, kv_dtype: str | None = None) -> str:
    """The KV cache's element type: `kv_dtype` when given, else 16-bit (fp32 for fp32 weights)."""
    if kv_dtype is not None:
        return kv_dtype
    return "fp32" if dtype == "fp32" else "bf16"


def kv_element_bytes(dtype: str, kv_dtype: str | None = None) -> float:
    """KV cache element size: fp8/int weights keep a 16-bit cache unless an fp8 cache is asked for."""
    return DTYPE_BYTES[kv_cache_dtype(dtype, kv_dtype)]


INT_TRAINING_WARNING = ("training with {dtype} weights is priced as mixed precision with {dtype} weight "
                        "storage, 16-bit gradients and fp32 master weights + optimizer state "
                        "({per_param:g} B/param): an assumption; int8/int4 models are normally fine-tuned "
                        "as 16-bit adapters on frozen weights (QLoRA), which is not modelled")


_FORMULAS = {"none": "sbh(34 + 5as/h) x L", "selective": "34 sbh x L", "full": "2 sbh x L"}


def estimate_memory(m: ModelInputs, on_accelerator: bool = True) -> MemoryEstimate:
    """Every memory term for one replica of the model `m` (params must be given)."""
    if m.params is None:
        raise ValueError("estimate_memory needs model.params")
    notes: list[str] = []
    shape = m.layers is not None and m.hidden is not None and m.heads is not None
    training = m.mode == "train"
    warnings: list[str] = []
    if training:
        w, g, o = training_bytes_per_param(m.dtype, m.optimizer, m.accounting)
        if m.dtype in ("int8", "int4"):
            warnings.append(INT_TRAINING_WARNING.format(dtype=m.dtype, per_param=w + g + o))
    else:
        w, g, o = DTYPE_BYTES[m.dtype], 0.0, 0.0
    activations = 0.0
    formula = "not counted" if training else "none stored (inference)"
    if training:
        if shape and m.seq_len is not None:
            assert m.layers is not None and m.hidden is not None and m.heads is not None
            per_layer = activation_bytes_per_layer(m.seq_len, m.micro_batch, m.hidden, m.heads, m.recompute)
            activations = per_layer * m.layers
            formula = f"Korthikanti et al.: {_FORMULAS[m.recompute]}, 16-bit"
        else:
            notes.append("activations not counted (give layers, hidden, heads, seq_len): a lower bound")
    per_token: float | None = None
    head_dim = m.head_dim if m.head_dim is not None else (
        m.hidden // m.heads if m.hidden is not None and m.heads is not None else None)
    kv_dtype = kv_cache_dtype(m.dtype, m.kv_dtype)
    if m.layers is not None and m.heads is not None and head_dim is not None:
        per_token = kv_bytes_per_token(m.layers, m.hidden, m.heads, m.kv_heads, DTYPE_BYTES[kv_dtype], head_dim)
    kv = 0.0
    if m.kv_tokens:
        if per_token is None:
            notes.append("KV cache not counted (give layers, heads, kv_heads and hidden or head_dim): a lower bound")
        else:
            kv = per_token * m.kv_tokens
    weights = m.params * w
    infer_overhead = INFER_OVERHEAD * weights if not training and not m.kv_tokens else 0.0
    graphs = CUDA_GRAPH_BYTES if (not training and on_accelerator) else 0.0
    return MemoryEstimate(
        mode=m.mode,
        accounting=m.accounting,
        bytes_per_param=w + g + o,
        weights_bytes=weights,
        grads_bytes=m.params * g,
        optimizer_bytes=m.params * o,
        activations_bytes=activations,
        kv_cache_bytes=kv,
        fragmentation_bytes=TRAIN_FRAGMENTATION * activations if training else 0.0,
        cuda_graph_bytes=graphs,
        inference_overhead_bytes=infer_overhead,
        context_bytes=ACCEL_CONTEXT_BYTES if on_accelerator else 0.0,
        kv_bytes_per_token=per_token,
        activations_formula=formula,
        notes=tuple(notes),
        warnings=tuple(warnings),
        kv_dtype=kv_dtype if per_token is not None else None,
        head_dim=head_dim,
    )
