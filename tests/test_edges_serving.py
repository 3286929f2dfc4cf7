"""Erlang C and the throughput ceiling at the edges: bounded work for any server count, exact
where the recurrence reaches (checked against exact fractions), labelled Halfin-Whitt beyond,
and finite answers or a named field for every finite serving input."""

from __future__ import annotations

import math
import time
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capstone_tui.core.assessment import assess
from capstone_tui.core.candidate import Candidate, ServingInputs
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.jsontext import dumps_json
from capstone_tui.core.presets import preset
from capstone_tui.core.serving import (ERLANG_EXACT_STEPS, EXACT, HALFIN_WHITT, erlang_b,
                                       erlang_c_method, mean_wait)


def erlang_c_exact(c: int, a: Fraction) -> Fraction:
    """The textbook formula in exact rational arithmetic."""
    terms = [Fraction(1)]
    for k in range(1, c):
        terms.append(terms[-1] * a / k)
    top = terms[-1] * a / c * Fraction(c) / (c - a)
    return top / (sum(terms) + top)


def plain_recurrence(c: int, a: float) -> float:
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1.0 - b))


@pytest.mark.parametrize("c,a", [(1, "4/5"), (3, "2"), (10, "19/2"), (50, "45"), (200, "190"), (7, "1/100")])
def test_erlang_c_equals_exact_fractions(c: int, a: str) -> None:
    exact = erlang_c_exact(c, Fraction(a))
    got, method = erlang_c_method(c, float(Fraction(a)))
    assert method == EXACT
    assert got == pytest.approx(float(exact), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.floats(1.0, 3e5), st.floats(0.3, 0.99999))
def test_windowed_recurrence_equals_the_full_recurrence(load: float, rho: float) -> None:
    servers = max(1, math.ceil(load / rho))
    got, method = erlang_c_method(servers, load)
    assert method == EXACT
    assert got == pytest.approx(plain_recurrence(servers, load), rel=1e-9, abs=1e-300)


def test_any_server_count_answers_quickly_and_says_how() -> None:
    start = time.perf_counter()
    for servers, load in ((10**8, 0.9999e8), (10**12, 0.99e12), (1 << 200, float(1 << 200) * 0.5),
                          (10**15, 1e15 * (1 - 1e-9))):
        value, method = erlang_c_method(servers, load)
        assert 0.0 <= value <= 1.0 and method in (EXACT, HALFIN_WHITT)
    assert time.perf_counter() - start < 2.0
    value, method = erlang_c_method(10**8, 0.9999e8)  # beta = 1: Halfin-Whitt gives ~0.2234
    assert method == HALFIN_WHITT and f"{ERLANG_EXACT_STEPS:,}" in method
    assert value == pytest.approx(0.2234, abs=1e-3)
    assert erlang_b(10**9, 2e9) == pytest.approx(0.5)  # overloaded: the fluid limit 1 - c/A


def test_mean_wait_stays_finite_for_huge_systems() -> None:
    assert math.isfinite(mean_wait(10**20, 0.9e20, 1.0))
    assert mean_wait(4, 4.0, 1.0) == math.inf  # unstable: no finite wait (JSON null)


FINITE = st.floats(min_value=5e-324, max_value=1.7e308, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(1e-9, 1e12), FINITE, st.floats(5e-324, 1.0), st.one_of(st.none(), FINITE))
def test_assess_answers_within_a_second_for_any_capacity(rate: float, capacity: float, util: float,
                                                        latency: float | None) -> None:
    cand = Candidate(serving=ServingInputs(rate_rps=rate, capacity_rps=capacity, utilization=util,
                                           latency_s=latency, latency_slo_s=1.0 if latency else None))
    start = time.perf_counter()
    try:
        a = assess(cand, preset("dgx-h100"))
    except ValidationError as err:  # overflowing ratios name the field and the range
        assert err.field.startswith("serving.") and "below" in err.accepted
        return
    assert time.perf_counter() - start < 1.0
    text = dumps_json(a.to_json())
    assert "Infinity" not in text and "NaN" not in text
    t = a.ceiling("throughput")
    assert t.assessed and t.detail["replicas"] >= 1
    assert 0.0 <= t.detail["wait_probability"] <= 1.0
    assert "inf" not in t.explanation.replace("in flight", "")


def test_tiny_capacity_and_utilization_are_bad_input_not_a_crash() -> None:
    cand = Candidate(serving=ServingInputs(rate_rps=30.0, capacity_rps=1e-200, utilization=1e-200))
    with pytest.raises(ValidationError) as err:
        assess(cand, preset("dgx-h100"))
    assert err.value.field == "serving.capacity_rps"
    a = assess(Candidate(serving=ServingInputs(rate_rps=1e-300, capacity_rps=5e-324, utilization=1.0)),
               preset("dgx-h100"))
    assert a.ceiling("throughput").detail["replicas"] > 1


def test_huge_replica_counts_are_printed_compactly() -> None:
    a = assess(Candidate(serving=ServingInputs(rate_rps=1e12, capacity_rps=1e-3)), preset("dgx-h100"))
    t = a.ceiling("throughput")
    assert t.detail["wait_method"] in (EXACT, HALFIN_WHITT)
    assert "e+15 replica(s)" in t.explanation
