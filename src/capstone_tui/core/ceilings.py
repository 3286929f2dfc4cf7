"""The four ceilings of the seed's Figure 41.1.1, as arithmetic, walked in the tree's order.

Each test compares a quantity with a limit of the reference machine and says whether one
machine runs out ("cleared": the problem clears that ceiling and may be distributed along its
axis). A test whose inputs are missing is "not assessed", never a silent "no".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from capstone_tui.core.candidate import Candidate, MeasuredData
from capstone_tui.core.gpu_table import ACCELERATOR_SETTING
from capstone_tui.core.machine import Machine
from capstone_tui.core.memory import estimate_memory
from capstone_tui.core.serving import plan_serving
from capstone_tui.core.units import binary_bytes, decimal_bytes, percent

# The tree, in the order that is cheapest to check: (name, question, axis, chapters).
TREE: tuple[tuple[str, str, str, str], ...] = (
    ("data", "Data > one node?", "data", "Ch 6-8"),
    ("model", "Model > one accelerator?", "model", "Ch 16-17"),
    ("throughput", "Throughput / latency > one server?", "inference", "Ch 24"),
    ("coordination", "Inherently many agents?", "intelligence", "Ch 29-32"),
)
CEILING_ORDER = tuple(name for name, *_ in TREE)
AXIS_TEXT = {"data": "Distribute data", "model": "Distribute the model",
             "inference": "Distribute inference", "intelligence": "Distribute intelligence"}
TERMINAL = "All four no: keep it on one machine"
NO_MACHINE = "reference machine not read yet"


@dataclass(frozen=True)
class Ceiling:
    """One ceiling test: quantity vs limit, with the words to show it."""

    name: str
    assessed: bool
    cleared: bool
    quantity: float | None
    limit: float | None
    unit: str
    detail: dict[str, Any] = field(default_factory=dict)
    explanation: str = ""  # one line: the numbers with units and how they are known
    limit_name: str = ""  # what the limit is, in two words ("usable RAM", "per GPU")

    @property
    def label(self) -> str:
        return _tree_row(self.name)[1]

    @property
    def axis(self) -> str:
        return _tree_row(self.name)[2]

    @property
    def chapters(self) -> str:
        return _tree_row(self.name)[3]

    @property
    def margin(self) -> float | None:
        """quantity / limit: > 1 means one machine runs out by that factor."""
        if not self.assessed or self.quantity is None or not self.limit:
            return None
        return self.quantity / self.limit

    @property
    def short(self) -> str:
        """'4.0 TB vs 1.8 TB usable RAM': quantity vs limit with units, for narrow displays."""
        if not self.assessed or self.quantity is None or self.limit is None:
            return self.explanation
        if self.unit == "agents":
            n = int(self.quantity)
            if n == 1:
                return "one decision-maker"
            return f"{n} interacting agents vs 1" if self.detail.get("interacting") else f"{n} agents, not interacting"
        return f"{_amount(self.quantity, self.unit)} vs {_amount(self.limit, self.unit)} {self.limit_name}".rstrip()

    @property
    def status(self) -> str:
        if not self.assessed:
            return "not assessed"
        return "YES" if self.cleared else "no"

    def to_json(self) -> dict[str, Any]:
        """The SPEC keys; display text and the margin ride in `detail`."""
        detail = {**self.detail, "explanation": self.explanation, "margin": self.margin,
                  "axis": self.axis, "chapters": self.chapters}
        return {"name": self.name, "assessed": self.assessed, "cleared": self.cleared,
                "quantity": self.quantity, "limit": self.limit, "unit": self.unit, "detail": detail}


def _tree_row(name: str) -> tuple[str, str, str, str]:
    for row in TREE:
        if row[0] == name:
            return row
    raise KeyError(name)


def _amount(value: float, unit: str) -> str:
    if unit == "bytes":  # bytes compared with memory: binary (verdict_text.BYTES_CONVENTION)
        return binary_bytes(value)
    if unit == "agents":
        return f"{value:.0f}"
    return f"{value:.3g} {unit}"


def count_text(n: int) -> str:
    """A whole count for people: digits up to a trillion, then 3 significant digits."""
    return f"{n:,}" if n < 10**12 else f"{float(n):.3g}"


def not_assessed(name: str, unit: str, why: str, **detail: Any) -> Ceiling:
    return Ceiling(name, False, False, None, None, unit, {"reason": why, **detail}, f"not assessed: {why}")


def _ratio(quantity: float, limit: float) -> str:
    if limit <= 0:
        return "no limit"
    r = quantity / limit
    if not math.isfinite(r):
        return "beyond 1e308x the limit"
    if r >= 1:
        return f"{r:.1f}x the limit" if r < 1e6 else f"{r:.3g}x the limit"
    return f"{percent(r)} of the limit" if r >= 0.01 else "under 1 % of the limit"


# --- 1. data ----------------------------------------------------------------------------------


def data_tier(size: float, memory: float, disk: float | None) -> str:
    """Which of the three tiers of formulas.md (Ceiling 1) the dataset falls in."""
    if size <= memory:
        return "fits in RAM"
    if disk is None:
        return "exceeds RAM (local disk unknown)"
    if size <= disk:
        return "must stream from local disk"
    return "exceeds local disk"


def data_ceiling(candidate: Candidate, machine: Machine | None, measured: MeasuredData | None) -> Ceiling:
    """Dataset bytes vs usable RAM; the disk tier is reported beside it."""
    unit = "bytes"
    if measured is not None:
        size, how = measured.bytes, f"sizer: {measured.how}, {measured.label}"
    elif candidate.data.bytes is not None:
        size, how = candidate.data.bytes, "given in the candidate file"
    elif candidate.data.dataset or candidate.data.path:
        return not_assessed("data", unit, "size the dataset first", dataset=candidate.data.dataset or candidate.data.path)
    else:
        return not_assessed("data", unit, "no [data] in the candidate")
    if machine is None:
        return not_assessed("data", unit, NO_MACHINE, bytes=size, how=how)
    memory, disk = machine.memory_bytes, machine.disk_bytes
    tier = data_tier(size, memory, disk)
    cleared = size > memory
    disk_text = "local disk unknown" if disk is None else f"local disk {decimal_bytes(disk)}"
    # compared with memory: binary, as the kernel counts RAM; the disk in decimal, as it is sold
    text = (f"{binary_bytes(size)} of data ({how}) vs {binary_bytes(memory)} usable RAM "
            f"({binary_bytes(machine.memory_total_bytes)} less {percent(machine.ram_reserve)} reserve); "
            f"{_ratio(size, memory)}; {tier}; {disk_text}")
    detail = {"bytes": size, "how": how, "tier": tier, "memory_bytes": memory,
              "memory_total_bytes": machine.memory_total_bytes, "ram_reserve": machine.ram_reserve,
              "disk_bytes": disk, "fits_on_disk": None if disk is None else size <= disk}
    return Ceiling("data", True, cleared, size, memory, unit, detail, text, "usable RAM")


# --- 2. model ---------------------------------------------------------------------------------


def model_ceiling(candidate: Candidate, machine: Machine | None) -> Ceiling:
    """Weights + grads + optimizer + activations + KV + overhead vs one accelerator's usable memory."""
    unit = "bytes"
    m = candidate.model
    if m.params is None:
        return not_assessed("model", unit, "no model.params in the candidate")
    if machine is None:
        return not_assessed("model", unit, NO_MACHINE)
    on_accel = machine.accelerators > 0
    if on_accel and machine.accelerator_bytes is None:
        return not_assessed("model", unit, f"memory of accelerator {machine.accelerator_name or '?'} is unknown "
                            f"(not in the GPU table): set {ACCELERATOR_SETTING}", setting="machine.accelerator_gb")
    est = estimate_memory(m, on_accelerator=on_accel)
    if on_accel:
        assert machine.accelerator_bytes is not None
        limit = machine.accelerator_bytes
        where = (f"one {machine.accelerator_name or 'accelerator'}: {binary_bytes(limit)} usable "
                 f"({percent(machine.accelerator_usable_fraction)} of {binary_bytes(machine.accelerator_total_bytes)}"
                 f" less {binary_bytes(machine.accelerator_context_bytes)} CUDA context)")
    else:
        limit = machine.memory_bytes
        where = f"no accelerator: compared with {binary_bytes(limit)} usable RAM"
    total = est.total_bytes
    text = (f"{binary_bytes(total)} estimated ({m.mode}, {m.dtype}, {est.bytes_per_param:g} B/param, "
            f"activations {est.activations_formula}) vs {where}; {_ratio(total, limit)}")
    node_bytes = limit * machine.accelerators if machine.accelerators > 1 else None
    if node_bytes is not None and total > limit:
        # formulas.md 2.5, second test: the whole node's accelerators with full sharding.
        fits = "fits" if total <= node_bytes else "exceeds even"
        text += f"; {fits} all {machine.accelerators} accelerators of the node ({binary_bytes(node_bytes)}) if fully sharded"
    detail: dict[str, Any] = {
        **est.terms(),
        "total_bytes": total,
        "bytes_per_param": est.bytes_per_param,
        "accounting": est.accounting,
        "fragmentation_bytes": est.fragmentation_bytes,
        "cuda_graph_bytes": est.cuda_graph_bytes,
        "inference_overhead_bytes": est.inference_overhead_bytes,
        "context_bytes": est.context_bytes,
        "kv_bytes_per_token": est.kv_bytes_per_token,
        "activations_formula": est.activations_formula,
        "kv_dtype": est.kv_dtype,
        "head_dim": est.head_dim,
        "accelerator_confidence": machine.accelerator_confidence if on_accel else None,
        "warnings": list(est.warnings),
        "compared_with": "accelerator" if on_accel else "usable RAM",
        "node_accelerator_bytes": node_bytes,
        "how": "estimated from published formulas",
        "notes": list(est.notes),
    }
    return Ceiling("model", True, total > limit, total, limit, unit, detail, text,
                   "per accelerator" if on_accel else "usable RAM (no GPU)")


# --- 3. throughput / latency ------------------------------------------------------------------


def throughput_ceiling(candidate: Candidate) -> Ceiling:
    """Required rate vs one server's sustainable rate x headroom; latency vs its target."""
    sv = candidate.serving
    if not sv.given:
        return not_assessed("throughput", "req/s",
                            "give serving.rate_rps + capacity_rps, or latency_s + latency_slo_s")
    plan = plan_serving(sv.rate_rps, sv.capacity_rps, sv.utilization, sv.latency_s, sv.latency_slo_s)
    detail: dict[str, Any] = {
        "replicas": plan.replicas, "rate_rps": plan.rate_rps, "capacity_rps": sv.capacity_rps,
        "utilization": sv.utilization, "budget_rps": plan.budget_rps, "latency_s": plan.latency_s,
        "latency_slo_s": plan.latency_slo_s, "latency_ok": plan.latency_ok, "in_flight": plan.in_flight,
        "wait_probability": plan.wait_probability, "mean_wait_s": plan.mean_wait_s,
        "wait_method": plan.wait_method,
        "how": "capacity and latency as measured by the user (candidate file)",
    }
    parts = []
    if plan.replicas is not None:
        assert plan.rate_rps is not None and plan.budget_rps is not None
        quantity, limit, unit = plan.rate_rps, plan.budget_rps, "req/s"
        parts.append(f"{plan.rate_rps:g} req/s required vs {plan.budget_rps:.3g} req/s per server "
                     f"({percent(sv.utilization)} of {sv.capacity_rps:g}): {count_text(plan.replicas)} replica(s)")
    else:
        assert plan.latency_s is not None and plan.latency_slo_s is not None
        quantity, limit, unit = plan.latency_s, plan.latency_slo_s, "s"
    if plan.latency_ok is not None:
        parts.append(f"latency {plan.latency_s:g} s vs target {plan.latency_slo_s:g} s "
                     + ("met" if plan.latency_ok else "missed by one server"))
    if plan.in_flight is not None:
        parts.append(f"{plan.in_flight:.3g} requests in flight (Little's law)")
    limit_name = "per server" if unit == "req/s" else "target"
    return Ceiling("throughput", True, plan.exceeds_one_server, quantity, limit, unit, detail,
                   "; ".join(parts), limit_name)


# --- 4. coordination --------------------------------------------------------------------------


def coordination_ceiling(candidate: Candidate) -> Ceiling:
    """Interacting decision-makers vs one: clears only when several agents interact."""
    ag = candidate.agents
    if ag.count is None:
        return not_assessed("coordination", "agents", "no agents.count in the candidate")
    cleared = ag.count > 1 and ag.interacting
    if cleared:
        text = f"{ag.count} interacting decision-makers vs 1: distribution is the structure of the problem"
    elif ag.count > 1:
        text = f"{ag.count} agents that do not interact: a single-node simulation, not a ceiling"
    else:
        text = "one decision-maker"
    detail = {"count": ag.count, "interacting": ag.interacting, "how": "given in the candidate file"}
    return Ceiling("coordination", True, cleared, float(ag.count), 1.0, "agents", detail, text, "agent")


def all_ceilings(candidate: Candidate, machine: Machine | None,
                 measured: MeasuredData | None = None) -> tuple[Ceiling, ...]:
    """The four tests in the tree's order."""
    return (
        data_ceiling(candidate, machine, measured),
        model_ceiling(candidate, machine),
        throughput_ceiling(candidate),
        coordination_ceiling(candidate),
    )
