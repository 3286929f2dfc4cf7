"""A model's shape read from its `config.json`, and its parameters counted by architecture.

Pure: takes the parsed config (a dict) and returns a frozen `ModelShape`. Counting follows the
Hugging Face `transformers` modelling code of each family (one line per module below):
dense decoders with grouped-query attention and explicit `head_dim` (Llama, Mistral, Qwen2/3,
Gemma, Gemma 2, Phi-3), attention biases (Qwen2, `attention_bias`), extra norms (Gemma 2's four
per layer, Qwen3's q/k norms), tied embeddings, and mixture-of-experts with total and active
parameters (Mixtral; Qwen-MoE with a gated shared expert; DeepSeek-V2/V3 with multi-head latent
attention, shared experts and leading dense layers). Any other architecture gives the fields it
could read and `params_how = "not counted"`, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from capstone_tui.core.errors import ValidationError

NOT_COUNTED = "not counted"
CONFIG_ARITHMETIC = "config arithmetic"
_DENSE = {"llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "phi3"}
_MOE = {"mixtral", "qwen2_moe", "qwen3_moe", "deepseek_v2", "deepseek_v3"}
COUNTED_TYPES = tuple(sorted(_DENSE | _MOE))
_TIED_BY_DEFAULT = {"gemma", "gemma2"}  # their config classes default tie_word_embeddings to True
_TORCH_DTYPES = {"bfloat16": "bf16", "float16": "fp16", "float32": "fp32", "float8_e4m3fn": "fp8"}
_LIMIT = 2**40  # no real config field comes near this; larger values are malformed input


@dataclass(frozen=True)
class ModelShape:
    """What a config says about a model, and its parameter count (total and active)."""

    model_type: str | None
    architecture: str | None
    layers: int | None
    hidden: int | None
    heads: int | None
    kv_heads: int | None
    head_dim: int | None
    intermediate: int | None
    vocab: int | None
    tied_embeddings: bool | None
    experts: int | None = None
    experts_per_token: int | None = None
    max_positions: int | None = None
    dtype: str | None = None  # the checkpoint's dtype (config torch_dtype), as a DTYPES name
    params: int | None = None
    active_params: int | None = None
    params_how: str = NOT_COUNTED
    config_params: int | None = None  # config arithmetic, kept beside an exact header count
    largest_layer_params: int | None = None  # one module's own parameters (DeepSpeed's term)
    kv_latent_dim: int | None = None  # MLA (DeepSeek): cached elements per token per layer
    notes: tuple[str, ...] = ()

    @property
    def counted(self) -> bool:
        return self.params is not None

    def candidate_fields(self) -> dict[str, float | int | None]:
        """What `[model] from` gives a candidate's [model] section (FILLED_FIELDS), by field name:
        the one definition the CLI's fill, the dashboard's "use" and a save all read."""
        return {"params": float(self.params) if self.params is not None else None, "layers": self.layers,
                "hidden": self.hidden, "heads": self.heads, "kv_heads": self.kv_heads, "head_dim": self.head_dim}


FILLED_FIELDS = ("params", "layers", "hidden", "heads", "kv_heads", "head_dim")  # ModelShape.candidate_fields


def _int(cfg: dict[str, Any], *keys: str, default: int | None = None) -> int | None:
    for key in keys:
        if key in cfg and cfg[key] is not None:
            value = cfg[key]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < _LIMIT:
                raise ValidationError(f"config.json {key}", f"must be an integer in [1, {_LIMIT})", value)
            return value
    return default


def _flag(cfg: dict[str, Any], key: str, default: bool) -> bool:
    value = cfg.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ValidationError(f"config.json {key}", "must be true or false", value)
    return value


def _text_config(cfg: dict[str, Any]) -> dict[str, Any]:
    """Multimodal wrappers keep the language model in `text_config`."""
    inner = cfg.get("text_config")
    if isinstance(inner, dict) and "num_hidden_layers" not in cfg:
        return {**inner, "model_type": inner.get("model_type", cfg.get("model_type"))}
    return cfg


def read_shape(raw: Any) -> ModelShape:
    """The shape fields of a parsed config.json, counted when the architecture is known."""
    if not isinstance(raw, dict):
        raise ValidationError("config.json", "must be a JSON object", type(raw).__name__)
    cfg = _text_config(raw)
    model_type = cfg.get("model_type") if isinstance(cfg.get("model_type"), str) else None
    archs = cfg.get("architectures") or raw.get("architectures")
    arch = archs[0] if isinstance(archs, list) and archs and isinstance(archs[0], str) else None
    layers = _int(cfg, "num_hidden_layers", "n_layer", "num_layers")
    hidden = _int(cfg, "hidden_size", "n_embd", "d_model")
    heads = _int(cfg, "num_attention_heads", "n_head")
    kv_heads = _int(cfg, "num_key_value_heads", "num_kv_heads", default=heads)
    head_dim = _int(cfg, "head_dim")
    if head_dim is None and hidden is not None and heads is not None and hidden % heads == 0:
        head_dim = hidden // heads
    if kv_heads is not None and heads is not None and heads % kv_heads:
        raise ValidationError("config.json num_key_value_heads", "must divide num_attention_heads", kv_heads)
    experts = _int(cfg, "num_local_experts", "num_experts", "n_routed_experts")
    torch_dtype = cfg.get("torch_dtype", cfg.get("dtype", raw.get("torch_dtype")))
    shape = ModelShape(
        model_type=model_type,
        architecture=arch,
        layers=layers,
        hidden=hidden,
        heads=heads,
        kv_heads=kv_heads,
        head_dim=head_dim,
        intermediate=_int(cfg, "intermediate_size", "n_inner", "ffn_dim"),
        vocab=_int(cfg, "vocab_size"),
        tied_embeddings=_flag(cfg, "tie_word_embeddings", model_type in _TIED_BY_DEFAULT),
        experts=experts,
        experts_per_token=_int(cfg, "num_experts_per_tok", "num_experts_per_token") if experts else None,
        max_positions=_int(cfg, "max_position_embeddings", "n_positions"),
        dtype=_TORCH_DTYPES.get(torch_dtype) if isinstance(torch_dtype, str) else None,
    )
    if model_type not in _DENSE | _MOE:
        return replace(shape, notes=(f"architecture {model_type or arch or '?'} is not one this tool "
                                     "counts (" + ", ".join(COUNTED_TYPES) + "): parameters not counted",))
    missing = [n for n in ("layers", "hidden", "heads", "head_dim", "vocab") if getattr(shape, n) is None]
    if missing:
        raise ValidationError("config.json", f"must give the {model_type} shape", detail="missing " + ", ".join(missing))
    total, active, largest = _count(cfg, shape)
    latent = None
    if model_type in ("deepseek_v2", "deepseek_v3"):  # MLA caches the compressed latent + rope key
        latent = (_int(cfg, "kv_lora_rank", default=512) or 0) + (_int(cfg, "qk_rope_head_dim", default=64) or 0)
    return replace(shape, params=total, active_params=active, config_params=total,
                   params_how=CONFIG_ARITHMETIC, largest_layer_params=largest, kv_latent_dim=latent)


def _mlp(h: int, f: int) -> int:
    """Gated MLP (gate, up, down; SwiGLU / GeGLU), no biases: 3 h f."""
    return 3 * h * f


def _attention(cfg: dict[str, Any], s: ModelShape) -> int:
    """q, k, v, o projections (+ biases, + per-head q/k norms) of one layer."""
    assert s.hidden is not None and s.heads is not None and s.head_dim is not None and s.kv_heads is not None
    h, q, kv = s.hidden, s.heads * s.head_dim, s.kv_heads * s.head_dim
    weights = h * q + 2 * h * kv + q * h
    if s.model_type in ("qwen2", "qwen2_moe"):
        weights += q + 2 * kv  # Qwen2: bias on q, k, v (not o)
    elif _flag(cfg, "attention_bias", False):
        weights += q + 2 * kv + h  # Llama-style attention_bias: all four
    if s.model_type in ("qwen3", "qwen3_moe"):
        weights += 2 * s.head_dim  # q_norm, k_norm (RMSNorm over head_dim)
    return weights


def _mla(cfg: dict[str, Any], s: ModelShape) -> int:
    """DeepSeek-V2/V3 multi-head latent attention of one layer."""
    assert s.hidden is not None and s.heads is not None
    h, a = s.hidden, s.heads
    nope = _int(cfg, "qk_nope_head_dim", default=128) or 0
    rope = _int(cfg, "qk_rope_head_dim", default=64) or 0
    v_dim = _int(cfg, "v_head_dim", default=128) or 0
    kv_rank = _int(cfg, "kv_lora_rank", default=512) or 0
    q_rank = _int(cfg, "q_lora_rank")
    q = h * a * (nope + rope) if q_rank is None else h * q_rank + q_rank + q_rank * a * (nope + rope)
    kv = h * (kv_rank + rope) + kv_rank + kv_rank * a * (nope + v_dim)
    return q + kv + a * v_dim * h


def _moe_layer(cfg: dict[str, Any], s: ModelShape, index: int) -> bool:
    if s.model_type == "mixtral":
        return True
    if s.model_type in ("qwen2_moe", "qwen3_moe"):
        only = cfg.get("mlp_only_layers") or []
        step = _int(cfg, "decoder_sparse_step", default=1) or 1
        return index not in only and (index + 1) % step == 0
    first = _int(cfg, "first_k_dense_replace", default=0) or 0
    freq = _int(cfg, "moe_layer_freq", default=1) or 1
    return index >= first and index % freq == 0


def _feed_forward(cfg: dict[str, Any], s: ModelShape, index: int) -> tuple[int, int, int]:
    """(total, active, largest module) parameters of one layer's MLP or MoE block."""
    assert s.hidden is not None
    h = s.hidden
    dense_f = s.intermediate or 0
    if s.model_type not in _MOE or not _moe_layer(cfg, s, index):
        return _mlp(h, dense_f), _mlp(h, dense_f), h * dense_f
    e = s.experts or 0
    k = s.experts_per_token or 0
    expert_f = _int(cfg, "moe_intermediate_size", default=dense_f) or 0
    router = h * e
    shared = 0
    if s.model_type == "qwen2_moe":
        shared_f = _int(cfg, "shared_expert_intermediate_size", default=0) or 0
        shared = _mlp(h, shared_f) + h if shared_f else 0  # + shared_expert_gate (h -> 1)
    elif s.model_type in ("deepseek_v2", "deepseek_v3"):
        shared = _mlp(h, expert_f * (_int(cfg, "n_shared_experts", default=0) or 0))
        if s.model_type == "deepseek_v3":
            router += e  # e_score_correction_bias
    largest = max(h * expert_f, router)
    return router + shared + e * _mlp(h, expert_f), router + shared + k * _mlp(h, expert_f), largest


def _count(cfg: dict[str, Any], s: ModelShape) -> tuple[int, int, int]:
    """(total, active, largest single module) parameters."""
    assert s.layers is not None and s.hidden is not None and s.vocab is not None
    h = s.hidden
    deepseek = s.model_type in ("deepseek_v2", "deepseek_v3")
    attention = _mla(cfg, s) if deepseek else _attention(cfg, s)
    norms = (4 if s.model_type == "gemma2" else 2) * h
    total = active = 0
    largest = s.vocab * h
    for index in range(s.layers):
        ff_total, ff_active, ff_largest = _feed_forward(cfg, s, index)
        total += attention + norms + ff_total
        active += attention + norms + ff_active
        largest = max(largest, ff_largest)
    embeddings = s.vocab * h * (1 if s.tied_embeddings else 2)
    return total + embeddings + h, active + embeddings + h, largest


def with_header_count(shape: ModelShape, params: int, how: str) -> ModelShape:
    """The shape with an exact count from safetensors headers; MoE active params keep the
    config's expert arithmetic (active = exact total - (config total - config active))."""
    notes = list(shape.notes)
    active: int | None = params
    if shape.config_params is not None and shape.active_params is not None:
        active = params - (shape.config_params - shape.active_params)
        if shape.config_params != params:
            gap = (params - shape.config_params) / shape.config_params
            notes.append(f"config arithmetic gives {shape.config_params:,} parameters ({gap:+.2%} vs the headers)")
    elif shape.experts:
        active = None
    return replace(shape, params=params, active_params=active, params_how=how, notes=tuple(notes))

