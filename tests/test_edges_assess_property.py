"""Random candidates with extreme but valid values through `assess`: an answer within a time
bound with every number finite, or bad input naming a field; never another exception (exit 1)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from collections import Counter
from fractions import Fraction
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from capstone_tui.core.assessment import assess
from capstone_tui.core.candidate import SHAPE_MAX, candidate_from_dict
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.jsontext import dumps_json
from capstone_tui.core.machine import machine_from_host, machine_from_node_type
from capstone_tui.core.presets import load_presets
from capstone_tui.core.scaling import C_MAX
from capstone_tui.core.serving import SERVING_LIMIT

TINY, HUGE = 5e-324, 1.7976931348623157e308
EDGE_FLOATS = st.one_of(st.sampled_from([TINY, 1e-300, 1e-12, 0.5, 1.0, 1e12, 1e300, HUGE]),
                        st.floats(TINY, HUGE, allow_nan=False, allow_infinity=False))
UNIT = st.one_of(st.sampled_from([TINY, 1e-300, 0.5, 1.0, 1.0 - 2**-53]), st.floats(TINY, 1.0))
COUNTS = st.one_of(st.sampled_from([1, 2, 2**40]), st.integers(1, 2**40))
C_VALUES = st.one_of(st.just(0.0), st.sampled_from([TINY, 1e-300, 1e-12, 0.5, 1.0, 1e300, C_MAX]),
                     st.floats(0, C_MAX))
MACHINES = (*load_presets(), machine_from_node_type("gpu", 1, 8, 1e11, "mystery", 4),
            machine_from_node_type("gpu", 1, 8, 1e11, "a100_40gb", 8),
            machine_from_host("box", 1e9, 5e8, None, (("NVIDIA L4", 24e9),)),
            machine_from_host("tiny", 1.0, None, 0.0))


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def at_least(value: float, floor: Fraction) -> float:
    """value, raised to an exact floor (rounded to the nearest float, at most HUGE)."""
    return max(value, HUGE if floor > Fraction(HUGE) else float(floor))


@st.composite
def serving_inputs(draw: st.DrawFn) -> dict[str, Any]:
    """[serving] inside the limits by construction: the utilization and then the capacity raised to
    the floors that keep rate / (u x capacity) below SERVING_LIMIT / 10, the latency lowered to
    keep rate x latency (in flight) below it too. The floors are edges drawn often."""
    rate = draw(EDGE_FLOATS)
    util = at_least(draw(UNIT), Fraction(rate) * 10 / Fraction(HUGE) / Fraction(SERVING_LIMIT))
    capacity = at_least(draw(EDGE_FLOATS), Fraction(rate) * 10 / Fraction(util) / Fraction(SERVING_LIMIT))
    serving = {"rate_rps": rate, "capacity_rps": capacity, "utilization": util}
    if draw(st.booleans()):
        ceiling = Fraction(SERVING_LIMIT) / 10 / Fraction(rate)
        latency = draw(EDGE_FLOATS)
        serving |= {"latency_s": latency if ceiling > Fraction(HUGE) else min(latency, float(ceiling)),
                    "latency_slo_s": draw(EDGE_FLOATS)}
    return serving


@st.composite
def candidates(draw: st.DrawFn) -> dict[str, Any]:
    """Valid candidate documents with extreme values: every value inside its accepted range."""
    doc: dict[str, Any] = {"scaling": {"s": draw(st.one_of(st.just(0.0), st.just(-0.0), UNIT)),
                                       "c": draw(C_VALUES),
                                       "pmax": draw(st.sampled_from([1, 2, 4096, 10_000_000]))}}
    if draw(st.booleans()):
        doc["data"] = {"bytes": draw(st.one_of(st.just(0.0), EDGE_FLOATS))}
    if draw(st.booleans()):
        model = {"params": draw(st.one_of(st.sampled_from([TINY, 1.0, 1e18]), st.floats(TINY, 1e18))),
                 "mode": draw(st.sampled_from(["train", "infer"])),
                 "dtype": draw(st.sampled_from(["fp32", "bf16", "fp16", "fp8", "int8", "int4"])),
                 "recompute": draw(st.sampled_from(["none", "selective", "full"])),
                 "kv_tokens": draw(st.integers(0, 2**40)), "micro_batch": draw(COUNTS)}
        for key in ("layers", "heads", "seq_len", "head_dim"):
            if (value := draw(optional(COUNTS))) is not None:
                model[key] = value
        if "heads" in model and draw(st.booleans()):  # a multiple of heads within SHAPE_MAX
            model["hidden"] = model["heads"] * draw(st.integers(1, min(1024, SHAPE_MAX // model["heads"])))
        if draw(st.booleans()):
            model["kv_dtype"] = draw(st.sampled_from(["fp32", "bf16", "fp16", "fp8"]))
        doc["model"] = model
    if draw(st.booleans()):
        doc["serving"] = draw(serving_inputs())
    if draw(st.booleans()):
        doc["agents"] = {"count": draw(st.integers(1, 2**63 - 1)), "interacting": draw(st.booleans())}
    if draw(st.booleans()):
        doc["machine"] = {"reference": "this-node", "accelerator_gb": draw(st.floats(0.001, 1e6))}
    return doc


def log_floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high).map(lambda e: 10.0 ** e)


@st.composite
def broken_candidates(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A valid document with exactly one value past its limit, and the field that must be named."""
    doc = draw(candidates())
    field = draw(st.sampled_from(["scaling.c", "model.hidden", "serving.capacity_rps", "serving.latency_s"]))
    if field == "scaling.c":
        doc["scaling"]["c"] = draw(st.floats(C_MAX, HUGE, exclude_min=True))
    elif field == "model.hidden":
        doc["model"] = {**doc.get("model", {}), "hidden": draw(st.integers(SHAPE_MAX + 1, 2**62))}
        doc["model"].pop("heads", None)
    else:
        rate, util = draw(st.floats(1.0, 1e12)), draw(st.floats(1e-6, 1.0))
        serving: dict[str, Any] = {"rate_rps": rate, "utilization": util}
        if field == "serving.capacity_rps":  # rate / (u x capacity) at or past SERVING_LIMIT
            serving["capacity_rps"] = float(Fraction(rate) / Fraction(util) / Fraction(draw(log_floats(300.01, 305))))
        else:  # rate x latency (requests in flight) at or past SERVING_LIMIT
            serving |= {"capacity_rps": rate, "latency_slo_s": 1.0,
                        "latency_s": float(Fraction(draw(log_floats(300.01, 308))) / Fraction(rate))}
        doc["serving"] = serving
    return doc, field


def all_finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(all_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(all_finite(v) for v in value)
    return True


ASSESS_SEEN: Counter[str] = Counter()  # which branches the property below reached, over its examples


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidates(), st.sampled_from(MACHINES))
def test_extreme_candidates_answer_quickly_and_finitely(doc: dict[str, Any], machine: Any) -> None:
    cand = candidate_from_dict(doc)  # valid by construction: a refusal fails the test
    start = time.perf_counter()
    a = assess(cand, machine)
    assert time.perf_counter() - start < 1.0
    out = a.to_json()
    text = dumps_json(out)
    assert "Infinity" not in text and "NaN" not in text
    j = dict(out["justification"])
    ceiling = j.pop("amdahl_ceiling")  # 1/s: beyond the float range only when s < 1/1.8e308 (JSON null)
    assert ceiling is None or math.isfinite(ceiling) or cand.scaling.s < 1 / HUGE
    assert all_finite(j) and 1 <= j["p_star"] <= cand.scaling.pmax
    for c in a.ceilings:
        assert "infx" not in c.explanation and " inf " not in c.explanation and "nan" not in c.explanation
        if c.assessed:
            assert c.quantity is not None and math.isfinite(c.quantity)
            assert c.limit is not None and math.isfinite(c.limit)
    assert a.reason and "\n" not in a.reason
    labels = [f"{c.name} {'assessed' if c.assessed else 'not assessed'}" for c in a.ceilings]
    labels.append("amdahl ceiling null" if ceiling is None else "amdahl ceiling finite")
    for label in labels:
        event(label)
        ASSESS_SEEN[label] += 1


def test_the_assess_property_reached_every_ceiling() -> None:
    if not ASSESS_SEEN:  # selected alone: run the property here
        test_extreme_candidates_answer_quickly_and_finitely()
    for name in ("data", "model", "throughput", "coordination"):
        assert ASSESS_SEEN[f"{name} assessed"] >= 30, ASSESS_SEEN
        assert ASSESS_SEEN[f"{name} not assessed"] >= 10, ASSESS_SEEN
    assert ASSESS_SEEN["amdahl ceiling null"] >= 10 and ASSESS_SEEN["amdahl ceiling finite"] >= 30, ASSESS_SEEN


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_candidates(), st.sampled_from(MACHINES))
def test_one_value_past_its_limit_is_refused_naming_it(broken: tuple[dict[str, Any], str], machine: Any) -> None:
    doc, field = broken
    event(field)
    with pytest.raises(ValidationError) as err:
        assess(candidate_from_dict(doc), machine)
    assert err.value.field == field and err.value.accepted


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.one_of(candidates().map(lambda doc: (doc, None)), broken_candidates()))
def test_extreme_candidates_through_the_cli_never_exit_1(tmp_path_factory: Any,
                                                         case: tuple[dict[str, Any], str | None]) -> None:
    doc, field = case
    path = tmp_path_factory.mktemp("edge") / "cand.toml"
    doc = {**doc, "machine": {**doc.get("machine", {}), "reference": "dgx-h100"}}
    path.write_text(tomli_w.dumps(doc))
    out = subprocess.run([sys.executable, "-m", "capstone_tui", "assess", str(path), "--json"],
                         capture_output=True, text=True, timeout=60)
    event(f"exit {out.returncode}")
    assert "Traceback" not in out.stderr
    if field is None:  # valid: an answer, every number finite
        assert out.returncode == 0, out.stderr
        assert all_finite(json.loads(out.stdout))
    else:  # one value past its limit: exit 2, one line naming the field
        assert out.returncode == 2, out.stderr
        assert len(out.stderr.strip().splitlines()) == 1 and f"{field}:" in out.stderr
