"""Random candidates with extreme but valid values through `assess`: an answer within a time
bound with every number finite, or bad input naming a field; never another exception (exit 1)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capstone_tui.core.assessment import assess
from capstone_tui.core.candidate import candidate_from_dict
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.jsontext import dumps_json
from capstone_tui.core.machine import machine_from_host, machine_from_node_type
from capstone_tui.core.presets import load_presets

TINY, HUGE = 5e-324, 1.7976931348623157e308
EDGE_FLOATS = st.one_of(st.sampled_from([TINY, 1e-300, 1e-12, 0.5, 1.0, 1e12, 1e300, HUGE]),
                        st.floats(TINY, HUGE, allow_nan=False, allow_infinity=False))
UNIT = st.one_of(st.sampled_from([TINY, 1e-300, 0.5, 1.0, 1.0 - 2**-53]), st.floats(TINY, 1.0))
COUNTS = st.one_of(st.sampled_from([1, 2, 2**40]), st.integers(1, 2**40))
MACHINES = (*load_presets(), machine_from_node_type("gpu", 1, 8, 1e11, "mystery", 4),
            machine_from_node_type("gpu", 1, 8, 1e11, "a100_40gb", 8),
            machine_from_host("box", 1e9, 5e8, None, (("NVIDIA L4", 24e9),)),
            machine_from_host("tiny", 1.0, None, 0.0))


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def candidates(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {"scaling": {"s": draw(st.one_of(st.just(0.0), st.just(-0.0), UNIT)),
                                       "c": draw(st.one_of(st.just(0.0), st.floats(0, 4.49e307), EDGE_FLOATS)),
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
        if "heads" in model and draw(st.booleans()):
            model["hidden"] = model["heads"] * draw(st.integers(1, 1024))
        if draw(st.booleans()):
            model["kv_dtype"] = draw(st.sampled_from(["fp32", "bf16", "fp16", "fp8"]))
        doc["model"] = model
    if draw(st.booleans()):
        serving = {"rate_rps": draw(EDGE_FLOATS), "capacity_rps": draw(EDGE_FLOATS), "utilization": draw(UNIT)}
        if draw(st.booleans()):
            serving |= {"latency_s": draw(EDGE_FLOATS), "latency_slo_s": draw(EDGE_FLOATS)}
        doc["serving"] = serving
    if draw(st.booleans()):
        doc["agents"] = {"count": draw(st.integers(1, 2**63 - 1)), "interacting": draw(st.booleans())}
    if draw(st.booleans()):
        doc["machine"] = {"reference": "this-node", "accelerator_gb": draw(st.floats(0.001, 1e6))}
    return doc


def all_finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(all_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(all_finite(v) for v in value)
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidates(), st.sampled_from(MACHINES))
def test_extreme_candidates_answer_quickly_and_finitely(doc: dict[str, Any], machine: Any) -> None:
    try:
        cand = candidate_from_dict(doc)
        start = time.perf_counter()
        a = assess(cand, machine)
    except ValidationError as err:
        assert err.field.split(".")[0] in doc and err.accepted
        return
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


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(candidates())
def test_extreme_candidates_through_the_cli_never_exit_1(tmp_path_factory: Any, doc: dict[str, Any]) -> None:
    path = tmp_path_factory.mktemp("edge") / "cand.toml"
    doc = {**doc, "machine": {**doc.get("machine", {}), "reference": "dgx-h100"}}
    path.write_text(tomli_w.dumps(doc))
    out = subprocess.run([sys.executable, "-m", "capstone_tui", "assess", str(path), "--json"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode in (0, 2), out.stderr
    assert "Traceback" not in out.stderr
    if out.returncode == 0:
        assert all_finite(json.loads(out.stdout))
    else:
        assert len(out.stderr.strip().splitlines()) == 1
