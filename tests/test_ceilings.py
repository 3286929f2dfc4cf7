"""The four ceilings, the route, both gates, and the shipped reference machines."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from capstone_tui.core.assessment import assess
from capstone_tui.core.candidate import (
    AgentInputs,
    Candidate,
    DataInputs,
    MeasuredData,
    ModelInputs,
    ScalingInputs,
    ServingInputs,
)
from capstone_tui.core.ceilings import CEILING_ORDER, data_tier
from capstone_tui.core.machine import GIB, machine_from_host
from capstone_tui.core.presets import load_presets, preset
from capstone_tui.core.scaling import DISTRIBUTE, STAY

# A small machine built from readings given as values: 64 GB RAM, 1 TB disk, one 24 GB GPU.
BOX = machine_from_host("box", 64e9, None, 1e12, (("L4", 24e9),), cpus=8)
CPU_BOX = machine_from_host("cpu", 64e9, None, 1e12)
PAYS = ScalingInputs(s=0.05, c=0.002)
NEVER_PAYS = ScalingInputs(s=0.9, c=0.05)


def test_order_and_missing_inputs_are_not_assessed() -> None:
    a = assess(Candidate(), BOX)
    assert tuple(c.name for c in a.ceilings) == CEILING_ORDER == ("data", "model", "throughput", "coordination")
    assert not any(c.assessed or c.cleared for c in a.ceilings)
    assert all("not assessed" in c.explanation for c in a.ceilings)
    assert a.route.ceiling is None and a.decision == STAY
    assert "not assessed" in a.reason


def test_without_a_machine_the_machine_ceilings_wait() -> None:
    cand = Candidate(data=DataInputs(bytes=1e12), model=ModelInputs(params=1e9), agents=AgentInputs(count=3, interacting=True))
    a = assess(cand, None)
    data, model, _, coord = a.ceilings
    assert not data.assessed and "machine" in data.detail["reason"]
    assert not model.assessed
    assert coord.assessed and coord.cleared  # needs no machine
    assert a.to_json()["machine"]["id"] == "this-node" and a.to_json()["machine"]["memory_bytes"] is None


@pytest.mark.parametrize(
    ("size", "tier", "cleared"),
    [(10e9, "fits in RAM", False), (500e9, "must stream from local disk", True), (5e12, "exceeds local disk", True)],
)
def test_data_tiers(size: float, tier: str, cleared: bool) -> None:
    # formulas.md Ceiling 1: usable RAM = RAM x (1 - 0.1); three tiers.
    c = assess(Candidate(data=DataInputs(bytes=size)), BOX).ceiling("data")
    assert c.limit == pytest.approx(57.6e9)
    assert c.detail["tier"] == tier and c.cleared is cleared
    assert c.margin == pytest.approx(size / 57.6e9)


def test_named_dataset_waits_for_the_sizer_and_measured_overrides() -> None:
    cand = Candidate(data=DataInputs(dataset="org/name"))
    assert assess(cand, BOX).ceiling("data").detail["reason"] == "size the dataset first"
    measured = MeasuredData(bytes=2e11, how="exact:card", label="org/name")
    c = assess(cand, BOX, measured).ceiling("data")
    assert c.assessed and c.cleared and c.quantity == 2e11 and "exact:card" in c.explanation
    given_bytes = Candidate(data=DataInputs(bytes=1.0))
    assert assess(given_bytes, BOX, measured).ceiling("data").quantity == 2e11


def test_data_tier_unknown_disk() -> None:
    assert data_tier(2.0, 1.0, None) == "exceeds RAM (local disk unknown)"


def test_model_ceiling_against_one_accelerator_and_against_ram() -> None:
    # 7B in mixed-precision Adam = 112 GB of model state (ZeRO Sec. 3.1) > one 24 GB L4.
    cand = Candidate(model=ModelInputs(params=7e9))
    c = assess(cand, BOX).ceiling("model")
    assert c.cleared and c.quantity == pytest.approx(112e9)
    assert c.limit == pytest.approx(0.9 * 24e9 - 1.5 * GIB)
    for key in ("weights_bytes", "grads_bytes", "optimizer_bytes", "activations_bytes", "kv_cache_bytes", "overhead_bytes"):
        assert key in c.detail
    small = assess(replace(cand, model=ModelInputs(params=1e9)), BOX).ceiling("model")
    assert not small.cleared  # 16 GB < 20.0 GB usable
    on_cpu = assess(cand, CPU_BOX).ceiling("model")
    assert on_cpu.limit == pytest.approx(57.6e9) and "no accelerator" in on_cpu.explanation


def test_unknown_accelerator_memory_is_not_assessed() -> None:
    odd = replace(BOX, accelerator_bytes=None, accelerator_total_bytes=None, accelerator_name="mystery")
    c = assess(Candidate(model=ModelInputs(params=1e9)), odd).ceiling("model")
    assert not c.assessed and "mystery" in c.explanation


def test_throughput_by_rate_and_by_latency() -> None:
    busy = Candidate(serving=ServingInputs(rate_rps=30, capacity_rps=12, utilization=0.7))
    c = assess(busy, BOX).ceiling("throughput")
    assert c.cleared and c.detail["replicas"] == 4 and c.unit == "req/s"
    quiet = Candidate(serving=ServingInputs(rate_rps=5, capacity_rps=12, latency_s=0.2, latency_slo_s=0.5))
    c = assess(quiet, BOX).ceiling("throughput")
    assert not c.cleared and c.detail["replicas"] == 1 and c.detail["in_flight"] == pytest.approx(1.0)
    slow = Candidate(serving=ServingInputs(latency_s=0.9, latency_slo_s=0.5))
    c = assess(slow, BOX).ceiling("throughput")
    assert c.cleared and c.unit == "s" and c.detail["replicas"] is None


def test_coordination_needs_interaction() -> None:
    swarm = assess(Candidate(agents=AgentInputs(count=12, interacting=True)), BOX).ceiling("coordination")
    crowd = assess(Candidate(agents=AgentInputs(count=12, interacting=False)), BOX).ceiling("coordination")
    assert swarm.cleared and not crowd.cleared and "simulation" in crowd.explanation


def test_route_is_the_first_cleared_and_all_are_listed() -> None:
    cand = Candidate(scaling=PAYS, model=ModelInputs(params=7e9),
                     serving=ServingInputs(rate_rps=30, capacity_rps=12), agents=AgentInputs(count=4, interacting=True))
    a = assess(cand, BOX)
    assert a.route.ceiling == "model" and a.route.axis == "model" and a.route.chapters == "Ch 16-17"
    assert a.route.cleared == ("model", "throughput", "coordination")
    assert a.decision == DISTRIBUTE and a.gate1 and a.gate2


def test_gate_two_failing_is_named() -> None:
    a = assess(Candidate(scaling=NEVER_PAYS, data=DataInputs(bytes=1e12)), BOX)
    assert a.route.ceiling == "data" and a.decision == STAY
    assert "justification test fails" in a.reason and "data ceiling" in a.reason


def test_gate_one_failing_is_named() -> None:
    a = assess(Candidate(scaling=PAYS, data=DataInputs(bytes=1e9)), BOX)
    assert a.route.ceiling is None and a.decision == STAY
    assert "clears none" in a.reason and "would pass" in a.reason
    assert a.route.text == "All four no: keep it on one machine"


@given(
    st.floats(0, 1e13), st.floats(1e6, 1e11), st.floats(0.1, 100), st.integers(1, 20), st.booleans(),
    st.floats(0, 1), st.floats(0, 0.1),
)
def test_decision_is_both_gates(data: float, params: float, rate: float, agents: int, inter: bool,
                                s: float, c: float) -> None:
    cand = Candidate(scaling=ScalingInputs(s=s, c=c, pmax=256), data=DataInputs(bytes=data),
                     model=ModelInputs(params=params), serving=ServingInputs(rate_rps=rate, capacity_rps=10),
                     agents=AgentInputs(count=agents, interacting=inter))
    a = assess(cand, BOX)
    cleared = [x.name for x in a.ceilings if x.cleared]
    assert list(a.route.cleared) == cleared
    assert a.route.ceiling == (cleared[0] if cleared else None)
    both = bool(cleared) and a.justification.verdict == DISTRIBUTE
    assert a.decision == (DISTRIBUTE if both else STAY)
    j = a.to_json()
    assert set(j) == {"machine", "ceilings", "route", "justification", "decision", "reason", "warnings"}
    assert "." in a.reason and "\n" not in a.reason


# --- presets ------------------------------------------------------------------------------


def test_presets_have_ids_sources_and_explicit_fractions() -> None:
    ids = [m.id for m in load_presets()]
    for wanted in ("dgx-h100", "dgx-h200", "dgx-b200", "aws-p5-48xlarge", "aws-u7in-32tb",
                   "workstation-h100", "student-laptop"):
        assert wanted in ids
    for m in load_presets():
        assert m.sources and m.source == "preset" and m.confidence
        assert m.memory_bytes == pytest.approx(m.memory_total_bytes * (1 - m.ram_reserve))
        if m.accelerators:
            assert m.accelerator_bytes == pytest.approx(
                m.accelerator_usable_fraction * m.accelerator_total_bytes - m.accelerator_context_bytes)


def test_preset_figures_match_their_sources() -> None:
    # GPU totals as nvidia-smi reports them (core/gpu_table.py): H100 81559 MiB, H200 143771 MiB,
    # B200 183359 MiB; "2 TB" of DGX RAM is 2 TiB to the OS.
    h100, h200, b200 = preset("dgx-h100"), preset("dgx-h200"), preset("dgx-b200")
    assert h100 is not None and h200 is not None and b200 is not None
    assert h100.accelerator_total_bytes == 81559 * 2**20
    assert h200.accelerator_total_bytes == 143771 * 2**20
    assert b200.accelerator_total_bytes == 183359 * 2**20
    assert h100.memory_total_bytes == h200.memory_total_bytes == 2 * 2**40
    # the marketing figures are the smaller decimal ones (DGX guides: 1,128 GB and 1,440 GB in all)
    assert h200.accelerators * h200.accelerator_total_bytes > 1128e9
    assert b200.accelerators * b200.accelerator_total_bytes > 1440e9
    assert all(m.accelerator_confidence == "table" for m in load_presets() if m.accelerators)
    # torchx named_resources_aws.py: p5.48xlarge 2048 GiB; ec2-instance-selector: u7in 32 TiB.
    assert preset("aws-p5-48xlarge").memory_total_bytes == 2048 * GIB  # type: ignore[union-attr]
    assert preset("aws-u7in-32tb").memory_total_bytes == 32 * 2**40  # type: ignore[union-attr]
    assert preset("nope") is None


def test_model_beyond_one_accelerator_is_also_compared_with_the_whole_node() -> None:
    # formulas.md 2.5: second test, the node's accelerators with full sharding (ZeRO-3).
    dgx = preset("dgx-h100")
    assert dgx is not None
    fits = assess(Candidate(model=ModelInputs(params=7e9)), dgx).ceiling("model")
    assert fits.cleared and fits.detail["node_accelerator_bytes"] == pytest.approx(8 * dgx.accelerator_bytes)
    assert "fits all 8 accelerators" in fits.explanation
    huge = assess(Candidate(model=ModelInputs(params=7e10)), dgx).ceiling("model")
    assert "exceeds even all 8 accelerators" in huge.explanation
