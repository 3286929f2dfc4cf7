"""A candidate's model planned on its reference machine, and the words the dashboard shows for it.

Pure: the candidate's `[model]` (shape fields as given or filled by `[model] from`), the reference
`Machine`, and optionally the full `ModelShape` the model lookup read (it adds the largest layer,
experts and MLA latents the candidate's fields cannot hold) in; a `PlanResult` from
`core.planner.layouts.plan_model`, or the one-line reason it cannot be planned, out. The tree's
model node shows `plan_summary` and `plan_lines`; it computes nothing itself.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from capstone_tui.core.candidate import ModelInputs
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.machine import Machine
from capstone_tui.core.planner.layouts import GpuPlan, PlanInputs, PlanResult, plan_model
from capstone_tui.core.planner.shape import ModelShape
from capstone_tui.core.units import binary_bytes

PLAN_SEQ_LEN = 4096  # as `capstone-tui plan` trains when the candidate gives no seq_len
GIVEN_HOW = "the candidate's fields"


def shape_of(model: ModelInputs, read: ModelShape | None = None) -> ModelShape:
    """The shape to plan: the candidate's fields over the shape read from `[model] from` (if any),
    so a field the file gives overrides the model's files, as `[model] from` promises."""
    base = read or ModelShape(None, None, None, None, None, None, None, None, None, None,
                              params_how=GIVEN_HOW)
    heads = model.heads if model.heads is not None else base.heads
    hidden = model.hidden if model.hidden is not None else base.hidden
    head_dim = model.head_dim or base.head_dim or (hidden // heads if hidden and heads else None)
    params = int(model.params) if model.params is not None else base.params
    changed = read is not None and params != read.params
    return replace(base, params=params, layers=model.layers if model.layers is not None else base.layers,
                   hidden=hidden, heads=heads, head_dim=head_dim,
                   kv_heads=model.kv_heads if model.kv_heads is not None else base.kv_heads,
                   active_params=params if changed or read is None else base.active_params,
                   params_how=GIVEN_HOW if changed else base.params_how)


def params_source(model: ModelInputs, read: ModelShape | None = None) -> str:
    """Where the plan's parameter count comes from: the shape read, or the candidate's fields."""
    how = shape_of(model, read).params_how
    if not model.from_:
        return how
    if read is None:
        return f"{how} (filled from {model.from_})"
    if how == GIVEN_HOW:  # the file's model.params overrides the count read from `from`
        return f"model.params as given (the shape from {model.from_})"
    return f"{how} ({model.from_})"


def shape_lines(shape: ModelShape) -> list[str]:
    """What a model lookup found, in words: the count and how it is known, then the shape."""
    kind = shape.model_type or shape.architecture or "?"
    if shape.params is None:
        lines = [f"{kind}: parameters {shape.params_how} (an architecture this tool does not count)"]
    else:
        lines = [f"{kind}: {shape.params:,} parameters ({shape.params / 1e9:.2f} billion), from {shape.params_how}"]
    if shape.experts:
        active = f"{shape.active_params:,}" if shape.active_params is not None else "?"
        lines.append(f"mixture-of-experts: {shape.experts_per_token} of {shape.experts} experts, {active} active")
    lines.append(f"layers {shape.layers}, hidden {shape.hidden}, heads {shape.heads}, kv_heads {shape.kv_heads}, "
                 f"head_dim {shape.head_dim}, vocab {shape.vocab}")
    lines.extend(shape.notes)
    return lines


def plan_inputs_of(model: ModelInputs, shape: ModelShape) -> PlanInputs:
    """The plan's inputs from the candidate's `[model]` (mode, dtype, optimizer, sequence, KV)."""
    default_seq = (shape.max_positions or PLAN_SEQ_LEN) if model.mode == "infer" else PLAN_SEQ_LEN
    return PlanInputs(mode=model.mode, dtype=model.dtype, optimizer=model.optimizer, accounting=model.accounting,
                      seq_len=model.seq_len or default_seq, micro_batch=model.micro_batch,
                      recompute=model.recompute, kv_tokens=model.kv_tokens or None, kv_dtype=model.kv_dtype)


def plan_candidate(model: ModelInputs, machine: Machine | None, read: ModelShape | None = None) -> PlanResult | str:
    """The plan of the candidate's model on `machine`, or why there is none (one line).

    Remembered for the last few inputs: a dashboard key that tunes s or c makes a new state with
    the same model and machine, and the plan (up to ~25 ms for a model that fits nowhere) is not redone."""
    return _plan_cached(model, machine, read)  # frozen dataclasses: hashable


@lru_cache(maxsize=16)
def _plan_cached(model: ModelInputs, machine: Machine | None, read: ModelShape | None) -> PlanResult | str:
    return _plan(model, machine, read)


def _plan(model: ModelInputs, machine: Machine | None, read: ModelShape | None) -> PlanResult | str:
    if machine is None:
        return "the reference machine has not been read yet"
    shape = shape_of(model, read)
    if shape.params is None:
        return "give model.params and the shape (layers, hidden, heads), or [model] from = a model id or folder"
    if not (shape.layers and shape.hidden and shape.heads):
        return "give model.layers, model.hidden and model.heads (or [model] from) to plan the GPUs"
    try:
        return plan_model(shape, machine, plan_inputs_of(model, shape))
    except ValidationError as err:
        return err.message


def _layout(p: GpuPlan) -> str:
    return f"tp {p.tp} x pp {p.pp} x dp {p.dp}"


def plan_summary(plan: PlanResult | str, machine_id: str) -> str:
    """The plan node's line, the answer first (the fewest GPUs, the strategy, the bytes per GPU,
    estimated), then what it was planned for."""
    if isinstance(plan, str):
        return f"GPU plan on {machine_id}: not planned ({plan})"
    what = f"on {machine_id}, {plan.mode} {plan.inputs.dtype}, seq_len {plan.inputs.seq_len:,}"
    best = plan.recommended
    if best is None:
        return f"GPU plan: no layout fits within {plan.inputs.max_nodes} nodes ({what})"
    gpus = f"{best.gpus} GPU" + ("s" if best.gpus != 1 else "")
    return (f"GPU plan: min {gpus} ({best.nodes} node{'s' if best.nodes != 1 else ''}), {best.strategy} "
            f"{_layout(best)}, {binary_bytes(best.per_gpu_bytes)} per GPU (estimated, of "
            f"{binary_bytes(best.limit_bytes)} usable) {what}")


def plan_lines(plan: PlanResult | str, shape_how: str | None = None) -> list[str]:
    """The plan node's children: each strategy's fewest GPUs and bytes per GPU, then the notes."""
    if isinstance(plan, str):
        return []
    lines = []
    for p in plan.plans:
        fits = "fits" if p.fits else "does not fit"
        seqs = f", {p.max_concurrent_seqs:,} sequences at once" if p.max_concurrent_seqs is not None else ""
        lines.append(f"{p.strategy}: {p.gpus} GPU{'s' if p.gpus != 1 else ''} ({_layout(p)}), "
                     f"{binary_bytes(p.per_gpu_bytes)} per GPU, {fits}{seqs}")
    if shape_how:
        lines.append(f"parameters from {shape_how}")
    lines.extend(plan.notes)
    return lines


__all__ = ["GIVEN_HOW", "PLAN_SEQ_LEN", "params_source", "plan_candidate", "plan_inputs_of", "plan_lines",
           "plan_summary", "shape_lines", "shape_of"]
