"""Time to solution on a Slurm partition: queue wait + run time, and cost, per worker count.

Pure: the probe (probes/slurm_queue.py) asks Slurm when each job shape would start; this
module picks the sizes, shapes the jobs, and turns the answers into options:

    run_s = t1_s / S(p),  finish_s = wait_s + run_s,  gpu_hours = p * gpus_per_worker * run_s / 3600

`fastest` is the earliest finish (ties: fewer workers), `cheapest` the lowest cost (ties:
earlier finish). Sizes that cannot run are kept with the reason: too big for the partition,
over its MaxTime, refused by Slurm, or not answered before the deadline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from capstone_tui.core.candidate import DEFAULT_MARGIN, Candidate
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.scaling import best_p, knee as knee_of, speedup
from capstone_tui.core.units import GB, MIB

MIB_PER_GB = GB / MIB  # job memory is asked in MiB (Slurm's "M"); [job] gives GB


@dataclass(frozen=True)
class NodeShape:
    """`count` nodes of one shape in the partition."""

    count: int
    cpus: int
    memory_mib: int
    gpus: int


@dataclass(frozen=True)
class Partition:
    """What `when` needs to know of a partition (from sinfo and scontrol show partition)."""

    name: str
    shapes: tuple[NodeShape, ...]
    max_time_s: float | None = None  # None: unlimited
    billing: tuple[tuple[str, float], ...] = ()  # TRESBillingWeights, per CPU / GB / GPU
    billing_text: str = ""

    @property
    def has_gpus(self) -> bool:
        return any(s.gpus > 0 for s in self.shapes)


@dataclass(frozen=True)
class JobShape:
    """One worker count as a Slurm job: p tasks on `nodes` nodes, for `time_limit_s`."""

    p: int
    nodes: int
    cpus_per_worker: int
    gpus_per_worker: int
    mem_mib_per_worker: int | None
    run_s: float
    time_limit_s: float

    def sbatch_args(self, partition: str) -> list[str]:
        """`sbatch --test-only` arguments for this shape (no job is submitted)."""
        args = ["--test-only", "-p", partition, "-N", str(self.nodes), "-n", str(self.p),
                "--cpus-per-task", str(self.cpus_per_worker)]
        if self.gpus_per_worker:
            args += ["--gpus-per-task", str(self.gpus_per_worker)]
        if self.mem_mib_per_worker:
            args += ["--mem-per-cpu", f"{math.ceil(self.mem_mib_per_worker / self.cpus_per_worker)}M"]
        minutes = max(1, math.ceil(self.time_limit_s / 60))
        return args + ["-t", str(minutes), "-J", "capstone-when", "--wrap", "true"]


@dataclass(frozen=True)
class StartAnswer:
    """Slurm's answer for one shape: start (ISO, local) and wait in seconds, or why not."""

    p: int
    start: str | None = None
    wait_s: float | None = None
    refused: str | None = None


@dataclass(frozen=True)
class Plan:
    """The worker counts to ask about, and those left out before asking."""

    t1_s: float
    s: float
    c: float
    p_star: int
    knee: int
    capacity: int
    gpus_per_worker: int
    shapes: tuple[JobShape, ...]
    left_out: tuple[tuple[int, str], ...]


def duration_text(seconds: float) -> str:
    """Seconds as '45 s', '12.5 min', '3.2 h' or '2.1 d'."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def short_cost_unit(unit: str) -> str:
    """'price units' ([cost] prices) or 'billing units' (the partition's billing), from the `when` unit text."""
    return "price units" if unit.startswith("price") else "billing units" if unit else ""


def workers_per_node(shape: NodeShape, cpus: int, gpus: int, mem_mib: int | None) -> int:
    """How many workers of this size one node holds."""
    fits = [shape.cpus // cpus]
    if gpus:
        fits.append(shape.gpus // gpus)
    if mem_mib:
        fits.append(shape.memory_mib // mem_mib)
    return max(0, min(fits))


def nodes_for(p: int, partition: Partition, cpus: int, gpus: int, mem_mib: int | None) -> int | None:
    """Nodes needed for p workers, filling the roomiest nodes first; None when it cannot fit."""
    per = sorted(((workers_per_node(s, cpus, gpus, mem_mib), s.count) for s in partition.shapes), reverse=True)
    left, nodes = p, 0
    for each, count in per:
        if each <= 0 or left <= 0:
            break
        take = min(count, math.ceil(left / each))
        nodes += take
        left -= take * each
    return nodes if left <= 0 else None


def sizes_to_try(pmax: int, capacity: int, extra: tuple[int, ...]) -> list[int]:
    """1, 2, 4, ... up to the first power of two past the capacity (within pmax), plus extras."""
    out, p = set(), 1
    while p <= pmax:
        out.add(p)
        if p > capacity:
            break
        p *= 2
    out.update(q for q in extra if 1 <= q <= pmax)
    return sorted(out)


def plan(candidate: Candidate, partition: Partition, pmax: int | None = None) -> Plan:
    """Sizes and job shapes; ValidationError naming the field for bad input."""
    t1 = candidate.scaling.t1_s
    if t1 is None:
        raise ValidationError("scaling.t1_s", "is required: the single-worker wall time in seconds > 0 "
                              "(or give measured runs)")
    job = candidate.job
    gpw = job.gpus_per_worker if job.gpus_per_worker is not None else (1 if partition.has_gpus else 0)
    cpw = job.cpus_per_worker or 1
    mem = math.ceil(job.mem_per_worker_gb * MIB_PER_GB) if job.mem_per_worker_gb else None
    margin = job.time_limit_margin if job.time_limit_margin is not None else DEFAULT_MARGIN
    capacity = sum(workers_per_node(s, cpw, gpw, mem) * s.count for s in partition.shapes)
    if capacity < 1:
        raise ValidationError("job", f"one worker ({cpw} CPUs, {gpw} GPUs"
                              + (f", {job.mem_per_worker_gb:g} GB" if mem else "")
                              + f") does not fit any node of partition {partition.name!r}")
    limit = pmax if pmax is not None else candidate.scaling.pmax
    if pmax is not None and pmax > capacity:
        raise ValidationError("pmax", f"must be at most {capacity}, the workers partition "
                              f"{partition.name!r} holds", pmax)
    s, c = candidate.scaling.s, candidate.scaling.c
    p_star, _ = best_p(s, c, limit)
    knee = knee_of(s, c, limit).p
    shapes: list[JobShape] = []
    left: list[tuple[int, str]] = []
    for p in sizes_to_try(limit, capacity, (p_star, knee, limit)):
        nodes = nodes_for(p, partition, cpw, gpw, mem)
        if nodes is None:
            left.append((p, f"too big for partition {partition.name}: it holds {capacity} workers "
                            f"of {cpw} CPU(s), {gpw} GPU(s)"))
            continue
        run_s = t1 / speedup(s, p, c)
        limit_s = run_s * margin
        if partition.max_time_s is not None and limit_s > partition.max_time_s:
            left.append((p, f"over the partition's MaxTime: run time {duration_text(run_s)} x {margin:g} "
                            f"margin = {duration_text(limit_s)} > {duration_text(partition.max_time_s)}"))
            continue
        shapes.append(JobShape(p, nodes, cpw, gpw, mem, run_s, limit_s))
    return Plan(t1, s, c, p_star, knee, capacity, gpw, tuple(shapes), tuple(left))


@dataclass(frozen=True)
class Option:
    p: int
    nodes: int
    gpus: int
    start: str
    wait_s: float
    run_s: float
    finish_s: float
    gpu_hours: float
    cost: float

    def to_json(self) -> dict[str, Any]:
        return dict(vars(self))


def cost_of(shape: JobShape, candidate: Candidate, partition: Partition) -> tuple[float, str]:
    """The job's cost and its unit: the candidate's prices, else the partition's billing."""
    hours = shape.run_s / 3600.0
    gpu_h = shape.p * shape.gpus_per_worker * hours
    cpu_h = shape.p * shape.cpus_per_worker * hours
    prices = candidate.cost
    if prices.gpu_hour is not None or prices.cpu_hour is not None:
        cost = gpu_h * (prices.gpu_hour or 0.0) + cpu_h * (prices.cpu_hour or 0.0)
        return cost, ("price units from [cost]: gpu_hour x GPU-hours + cpu_hour x CPU-hours "
                      f"(gpu_hour = {prices.gpu_hour if prices.gpu_hour is not None else 0:g}, "
                      f"cpu_hour = {prices.cpu_hour if prices.cpu_hour is not None else 0:g})")
    weights = dict(partition.billing)
    mem_gb_h = shape.p * (shape.mem_mib_per_worker or 0) / MIB_PER_GB * hours
    if not weights:
        return cpu_h, ("Slurm billing units (no TRESBillingWeights on the partition: Slurm bills "
                       "1 per allocated CPU) x hours")
    cost = cpu_h * weights.get("cpu", 0.0) + gpu_h * weights.get("gpu", 0.0) + mem_gb_h * weights.get("mem_gb", 0.0)
    return cost, f"Slurm billing units x hours (TRESBillingWeights={partition.billing_text})"


@dataclass(frozen=True)
class TimeToSolution:
    partition: str
    plan: Plan
    options: tuple[Option, ...]
    left_out: tuple[tuple[int, str], ...]
    cost_unit: str
    source: str

    @property
    def fastest(self) -> Option | None:
        return min(self.options, key=lambda o: (o.finish_s, o.p), default=None)

    @property
    def cheapest(self) -> Option | None:
        return min(self.options, key=lambda o: (o.cost, o.finish_s, o.p), default=None)

    def to_json(self) -> dict[str, Any]:
        fastest, cheapest = self.fastest, self.cheapest
        return {
            "partition": self.partition, "t1_s": self.plan.t1_s, "s": self.plan.s, "c": self.plan.c,
            "p_star": self.plan.p_star, "knee": self.plan.knee, "capacity": self.plan.capacity,
            "options": [o.to_json() for o in self.options],
            "fastest": fastest.to_json() if fastest else None,
            "cheapest": cheapest.to_json() if cheapest else None,
            "cost_unit": self.cost_unit, "source": self.source,
            "left_out": [{"p": p, "why": why} for p, why in self.left_out],
        }


def combine(candidate: Candidate, partition: Partition, the_plan: Plan,
            answers: tuple[StartAnswer, ...], source: str) -> TimeToSolution:
    """Options from Slurm's start answers; refused or unanswered sizes go to left_out."""
    by_p = {a.p: a for a in answers}
    options: list[Option] = []
    left = list(the_plan.left_out)
    unit = cost_of(JobShape(1, 1, 1, 0, None, 0.0, 0.0), candidate, partition)[1]
    for shape in the_plan.shapes:
        answer = by_p.get(shape.p)
        if answer is None or answer.wait_s is None or answer.start is None:
            why = answer.refused if answer and answer.refused else "Slurm did not answer before the deadline"
            left.append((shape.p, f"refused by Slurm: {why}" if answer and answer.refused else why))
            continue
        cost, unit = cost_of(shape, candidate, partition)
        gpu_hours = shape.p * shape.gpus_per_worker * shape.run_s / 3600.0
        options.append(Option(shape.p, shape.nodes, shape.p * shape.gpus_per_worker, answer.start,
                              answer.wait_s, shape.run_s, answer.wait_s + shape.run_s, gpu_hours, cost))
    return TimeToSolution(partition.name, the_plan, tuple(options), tuple(sorted(left)), unit, source)
