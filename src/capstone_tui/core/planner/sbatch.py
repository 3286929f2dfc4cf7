"""#SBATCH lines for a GPU layout, and the time limit a single-GPU wall time implies.

Pure. One task per GPU when training (each rank launched by srun), one per node when serving (a
vLLM server spawns its own workers); a Slurm partition is asked with --partition and --gres,
a preset with --gpus-per-node. Host memory per node: every rank stages its share of the
checkpoint with DeepSpeed's 1.5 buffer factor, plus a base for the OS and loaders [A], capped at
the node's usable memory. The time limit is T(p) x t1 (core.scaling) with a 25 % margin [A].
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from capstone_tui.core.candidate import DEFAULT_MARGIN
from capstone_tui.core.dtypes import DTYPE_BYTES
from capstone_tui.core.machine import Machine, slurm_partition
from capstone_tui.core.units import GIB
from capstone_tui.core.planner.shape import ModelShape

if TYPE_CHECKING:
    from capstone_tui.core.planner.layouts import GpuPlan, PlanInputs

HOST_BUFFER_FACTOR = 1.5  # DeepSpeed's additional_buffer_factor for host memory while loading
HOST_BASE_BYTES = 16 * GIB  # OS, data loaders, NCCL buffers per node [A]


def time_limit_s(t1_s: float, s: float, c: float, workers: int) -> float:
    """Predicted wall time on `workers` (T(p) x t1) with the stated margin."""
    from capstone_tui.core.scaling import parallel_time

    return t1_s * parallel_time(s, c, workers) * DEFAULT_MARGIN  # the same margin `when` asks Slurm about


def _slurm_time(seconds: float) -> str:
    total = max(60, math.ceil(seconds / 60) * 60)
    days, rest = divmod(total, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:00"
    return f"{days}-{text}" if days else text


def host_bytes_per_node(plan: GpuPlan, shape: ModelShape, inputs: PlanInputs) -> float:
    """Host memory per node: every rank on it stages its share of the checkpoint (x 1.5) + base."""
    assert shape.params is not None
    share = shape.params * DTYPE_BYTES[inputs.dtype] / (plan.tp * plan.pp)
    ranks = min(plan.gpus, plan.gpus // plan.nodes)
    return HOST_BUFFER_FACTOR * share * ranks + HOST_BASE_BYTES


def sbatch_lines(plan: GpuPlan, machine: Machine, shape: ModelShape, inputs: PlanInputs) -> tuple[str, ...]:
    """#SBATCH lines for the layout: a Slurm partition gets --partition and --gres."""
    per_node = plan.gpus // plan.nodes
    lines = []
    partition = slurm_partition(machine.id)
    if partition is not None:
        lines.append(f"#SBATCH --partition={partition}")
    lines.append(f"#SBATCH --nodes={plan.nodes}")
    tasks = per_node if inputs.mode == "train" else 1  # one rank per GPU; a vLLM server per node
    lines.append(f"#SBATCH --ntasks-per-node={tasks}")
    if partition is not None:
        lines.append(f"#SBATCH --gres=gpu:{per_node}")
    else:
        lines.append(f"#SBATCH --gpus-per-node={per_node}")
    if machine.cpus:
        share = machine.cpus * per_node // max(1, machine.accelerators)
        lines.append(f"#SBATCH --cpus-per-task={max(1, share // tasks)}")
    host = min(host_bytes_per_node(plan, shape, inputs), machine.memory_bytes)
    lines.append(f"#SBATCH --mem={math.ceil(host / GIB)}G")
    if inputs.time_limit_s:
        lines.append(f"#SBATCH --time={_slurm_time(inputs.time_limit_s)}")
    return tuple(lines)
