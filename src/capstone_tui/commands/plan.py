"""`capstone-tui plan MODEL [--mode train|infer] [--machine ID] [--online] [--json]`: read a model
(folder, HF cache, or the Hub with --online), count it, plan it on a machine's GPUs, and print
the fewest GPUs that fit with the #SBATCH lines to ask for them. Offline by default."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from capstone_tui.commands._common import emit_json
from capstone_tui.core.candidate import KV_DTYPES, OPTIMIZERS, RECOMPUTE, ScalingInputs
from capstone_tui.core.dtypes import DTYPES
from capstone_tui.core.errors import float_in, int_in
from capstone_tui.core.memory import kv_cache_dtype
from capstone_tui.core.safe_text import safe_text
from capstone_tui.core.units import binary_bytes
from capstone_tui.core.verdict_text import BYTES_CONVENTION, memory_bytes

DEFAULT_MACHINE = "dgx-h100"  # a plan needs GPUs; a login node often has none
TRAIN_SEQ_LEN = 4096


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="a model folder (config.json) or a Hub id org/name")
    parser.add_argument("--mode", choices=("train", "infer"), default="train", help="train or serve [train]")
    parser.add_argument("--machine", metavar="ID", default=DEFAULT_MACHINE,
                        help=f"a preset id, this-node or slurm:<partition> [{DEFAULT_MACHINE}]")
    parser.add_argument("--dtype", choices=DTYPES, default="bf16", help="weights dtype [bf16]")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="adamw", help="training optimizer [adamw]")
    parser.add_argument("--accounting", choices=("zero", "hf"), default="zero",
                        help="bytes per parameter: zero = 16 B (ZeRO paper), hf = 18 B (HF / DeepSpeed)")
    parser.add_argument("--recompute", choices=RECOMPUTE, default="none", help="activation recomputation [none]")
    parser.add_argument("--seq-len", metavar="N", help="tokens per sequence [train 4096; infer: the model's "
                        "max_position_embeddings, vLLM's max_model_len default]")
    parser.add_argument("--micro-batch", metavar="N", default="1", help="sequences per GPU per step [1]")
    parser.add_argument("--kv-tokens", metavar="N", help="infer: KV tokens held at once [one --seq-len sequence]")
    parser.add_argument("--kv-dtype", choices=KV_DTYPES,
                        help="infer: KV cache dtype [bf16 (fp32 for fp32 weights), also for fp8/int weights, as vLLM's kv_cache_dtype=auto; fp8 only when asked]")
    parser.add_argument("--max-nodes", metavar="N", default="64", help="largest layout tried, in nodes [64]")
    parser.add_argument("--t1", metavar="SECONDS", help="single-GPU wall time: adds #SBATCH --time")
    parser.add_argument("--s", metavar="S", help=f"serial fraction for --time [{ScalingInputs.s}]")
    parser.add_argument("--c", metavar="C", help=f"per-worker tax for --time [{ScalingInputs.c}]")
    parser.add_argument("--online", action="store_true", help="ask the Hub when the id is not cached")
    parser.add_argument("--deadline", metavar="SECONDS", default="10", help="most seconds online [10]; 0.5..60")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def plan_inputs(args: argparse.Namespace, max_positions: int | None) -> Any:
    from capstone_tui.core.planner.layouts import PlanInputs, time_limit_s

    default_seq = (max_positions or TRAIN_SEQ_LEN) if args.mode == "infer" else TRAIN_SEQ_LEN
    seq_len = int_in("--seq-len", args.seq_len, 1, 10**7) if args.seq_len is not None else default_seq
    max_nodes = int_in("--max-nodes", args.max_nodes, 1, 1024)
    limit = None
    if args.t1 is not None:
        t1 = float_in("--t1", args.t1, 1e-3, 1e9)
        s = float_in("--s", args.s, 0, 1) if args.s is not None else ScalingInputs.s
        c = float_in("--c", args.c, 0, 1) if args.c is not None else ScalingInputs.c
        limit = (t1, s, c)
    inputs = PlanInputs(
        mode=args.mode, dtype=args.dtype, optimizer=args.optimizer, accounting=args.accounting,
        seq_len=seq_len, micro_batch=int_in("--micro-batch", args.micro_batch, 1, 65536),
        recompute=args.recompute, max_nodes=max_nodes, kv_dtype=kv_cache_dtype(args.dtype, args.kv_dtype),
        kv_tokens=int_in("--kv-tokens", args.kv_tokens, 1, 10**12) if args.kv_tokens is not None else None,
    )
    return inputs, limit, time_limit_s


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from capstone_tui.core.planner.layouts import plan_model
    from capstone_tui.probes.machines import resolve_machine
    from capstone_tui.probes.model_source import model_to_json, read_model

    deadline = float_in("--deadline", args.deadline, 0.5, 60)
    read = read_model(args.model, online=args.online, deadline_s=deadline)
    inputs, limit, time_limit_s = plan_inputs(args, read.shape.max_positions)
    machine = resolve_machine(args.machine)
    result = plan_model(read.shape, machine, inputs)
    if limit is not None and result.recommended is not None:  # the time limit needs the layout's size
        t1, s, c = limit
        timed = replace(inputs, time_limit_s=time_limit_s(t1, s, c, result.recommended.gpus))
        result = plan_model(read.shape, machine, timed)
    out = {
        "model": model_to_json(read, inputs.dtype),
        "machine": machine.to_json(),
        "mode": inputs.mode,
        "inputs": {k: v for k, v in vars(result.inputs).items()},
        "memory": result.memory,
        "anchors": result.anchors,
        "plans": [p.to_json() for p in result.plans],
        "min_gpus": result.min_gpus,
        "recommended": result.recommended.to_json() if result.recommended else None,
        "sbatch": list(result.sbatch),
        "notes": list(result.notes),
    }
    if args.json:
        emit_json(out)
    else:
        # model ids, config text, GPU names and partitions are file/system-derived: shown as text
        sys.stdout.write(safe_text("\n".join(render(out)), multiline=True) + "\n")
    return 0


def _params(n: int | None) -> str:
    return "not counted" if n is None else f"{n:,} ({n / 1e9:.2f} billion)"


def render(out: dict[str, Any]) -> list[str]:
    """The plan as text: the model, the machine, every layout, the answer and the #SBATCH lines.

    Memory figures in binary units (GiB), as nvidia-smi and the dashboard show them."""
    m, mach, mem = out["model"], out["machine"], out["memory"]
    lines = [f"Model {m['id']} [{m['source']}] {m['model_type'] or m['architecture'] or '?'}",
             f"  parameters {_params(m['params'])}, from {m['params_how']}"]
    if m["experts"]:
        lines.append(f"  active per token {_params(m['active_params'])}: {m['experts_per_token']} of "
                     f"{m['experts']} experts")
    lines.append(f"  layers {m['layers']}, hidden {m['hidden']}, heads {m['heads']}, kv_heads {m['kv_heads']}, "
                 f"head_dim {m['head_dim']}, vocab {m['vocab']}, tied embeddings {m['tied_embeddings']}")
    lines.extend(f"  note: {n}" for n in m["notes"])
    lines.append(f"Machine {mach['id']}: {mach['accelerators']} x {mach['accelerator_name']} per node, "
                 f"{memory_bytes(mem['per_gpu_limit_bytes'])} usable per GPU "
                 f"({mem['gpu_memory_utilization']:.0%} of memory less {memory_bytes(mem['cuda_context_bytes'])} "
                 "CUDA context)")
    inp = out["inputs"]
    lines.append(f"Mode {out['mode']}: {inp['dtype']}, seq_len {inp['seq_len']:,}, micro-batch {inp['micro_batch']}"
                 + (f", {inp['optimizer']} ({mem['bytes_per_param']:g} B/param), recompute {inp['recompute']}"
                    if out["mode"] == "train" else f", KV {inp['kv_dtype']} {binary_bytes(mem['kv_bytes_per_token'], 0)}/token "
                    f"(KV tokens held: {inp['kv_tokens'] or inp['seq_len']:,})"))
    replica = f"  one replica: weights {memory_bytes(mem['weights_bytes'])}"
    if out["mode"] == "train":
        replica += (f", grads {memory_bytes(mem['grads_bytes'])}, optimizer {memory_bytes(mem['optimizer_bytes'])}"
                    f", activations {memory_bytes(mem['activations_bytes'])}")
    lines.append(replica)
    lines.append(f"  {'strategy':<11} {'GPUs':>5} {'nodes':>5} {'tp':>3} {'pp':>3} {'dp':>4} {'per GPU':>10}  fits"
                 + ("  max seqs" if out["mode"] == "infer" else ""))
    for p in out["plans"]:
        row = (f"  {p['strategy']:<11} {p['gpus']:>5} {p['nodes']:>5} {p['tp']:>3} {p['pp']:>3} {p['dp']:>4} "
               f"{memory_bytes(p['per_gpu_bytes']):>10}  {'yes' if p['fits'] else 'no ':<4}")
        if "max_concurrent_seqs" in p:
            row += f"  {p['max_concurrent_seqs']:>8,}"
        lines.append(row)
    best = out["recommended"]
    if best is None:
        lines.append("Minimum GPUs: none fits within the layouts tried")
    else:
        lines.append(f"Minimum GPUs: {out['min_gpus']} ({best['strategy']}, tp {best['tp']} x pp {best['pp']} "
                     f"x dp {best['dp']} on {best['nodes']} node{'s' if best['nodes'] > 1 else ''}, "
                     f"{memory_bytes(best['per_gpu_bytes'])} per GPU)")
        lines.extend(out["sbatch"])
    lines.extend(f"note: {n}" for n in out["notes"])
    lines.append(f"Units: {BYTES_CONVENTION}.")
    return lines
