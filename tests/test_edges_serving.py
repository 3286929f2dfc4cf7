"""Erlang C and the throughput ceiling at the edges: bounded work for any server count, exact
where the recurrence reaches (checked against exact fractions), labelled Halfin-Whitt beyond,
and finite answers or a named field for every finite serving input."""

from __future__ import annotations

import math
import time
from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from capstone_tui.core.assessment import assess
from capstone_tui.core.candidate import Candidate, ServingInputs
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.jsontext import dumps_json
from capstone_tui.core.presets import preset
from capstone_tui.core.serving import (ERLANG_EXACT_STEPS, EXACT, HALFIN_WHITT, SERVING_LIMIT, erlang_b,
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
    event(f"window starts past 0: {load - 40 * math.sqrt(load) >= 1}")
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
UNIT = st.one_of(st.sampled_from([5e-324, 1e-300, 0.5, 1.0]), st.floats(5e-324, 1.0))
RATES = st.one_of(st.sampled_from([1e-9, 1.0, 1e12]), st.floats(1e-9, 1e12))


def _float(value: Fraction) -> float:
    """An exact positive value as the nearest float in [5e-324, 1.7e308]."""
    return 1.7e308 if value > Fraction(1.7e308) else max(5e-324, float(value))


def log_floats(low: float, high: float) -> st.SearchStrategy[float]:
    """10 ** x for x drawn in [low, high]: every order of magnitude equally likely."""
    return st.floats(low, high).map(lambda e: 10.0 ** e)


# the offered load rate / capacity in Erlangs: any order of magnitude, with extra weight where
# the wait method changes (exact recurrence up to ~3e6 Erlangs, Halfin-Whitt beyond)
LOADS = st.one_of(st.sampled_from([1e-300, 0.5, 1.0, 2e6, 1e8, 1e15, 1e32, 1e299]), log_floats(-300, 299),
                  log_floats(7.5, 30))


@st.composite
def valid_serving(draw: st.DrawFn, rates: st.SearchStrategy[float] = RATES
                  ) -> tuple[float, float, float, float | None]:
    """(rate, capacity, utilization, latency) inside the limits by construction: the load A =
    rate / capacity and the in-flight count rate x latency are drawn, the utilization raised where
    needed to keep the replica ratio A / u below SERVING_LIMIT / 10, and the capacity and latency
    computed from them (exactly, then rounded; a clamp only lowers the ratios)."""
    rate, load = draw(rates), draw(LOADS)
    util = max(draw(UNIT), _float(Fraction(load) * 10 / Fraction(SERVING_LIMIT)))
    capacity = _float(Fraction(rate) / Fraction(load))
    latency = None
    if draw(st.booleans()):
        flight = draw(st.one_of(st.sampled_from([1e-300, 1.0, 1e299]), log_floats(-300, 299)))
        latency = _float(Fraction(flight) / Fraction(rate))
    return rate, capacity, util, latency


@st.composite
def over_the_limit(draw: st.DrawFn) -> tuple[float, float, float, float | None, str]:
    """Serving inputs past one limit by construction, with the field that must be named."""
    if draw(st.booleans()):  # replicas: rate / (u x capacity) at or past SERVING_LIMIT
        rate, util = draw(RATES), draw(UNIT)
        capacity = _float(Fraction(rate) / Fraction(util) / Fraction(draw(log_floats(300.01, 308))))
        return rate, capacity, util, None, "serving.capacity_rps"
    # requests in flight: rate x latency at or past SERVING_LIMIT (rate >= 1 keeps latency finite)
    rate, capacity, util, _ = draw(valid_serving(st.floats(1.0, 1e12)))
    return rate, capacity, util, _float(Fraction(draw(log_floats(300.01, 308))) / Fraction(rate)), "serving.latency_s"


def _serving(rate: float, capacity: float, util: float, latency: float | None) -> Candidate:
    return Candidate(serving=ServingInputs(rate_rps=rate, capacity_rps=capacity, utilization=util,
                                           latency_s=latency, latency_slo_s=1.0 if latency else None))


SERVING_SEEN: Counter[str] = Counter()  # which edges the property below reached, over its examples


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_serving())
@example((30.0, 1e-3, 1.0, None))  # 30,000 replicas: exact
@example((1e12, 1e-3, 0.9, 0.5))  # ~1.1e15 replicas: Halfin-Whitt, 5e11 in flight
@example((1e-9, 2e-309, 1.0, 1e-300))  # 5e299 replicas: just below the limit
def test_assess_answers_within_a_second_for_any_capacity(values: tuple[float, float, float, float | None]) -> None:
    rate, capacity, util, latency = values
    start = time.perf_counter()
    a = assess(_serving(rate, capacity, util, latency), preset("dgx-h100"))  # valid by construction: no refusal
    assert time.perf_counter() - start < 1.0
    text = dumps_json(a.to_json())
    assert "Infinity" not in text and "NaN" not in text
    t = a.ceiling("throughput")
    assert t.assessed and t.detail["replicas"] >= 1
    assert 0.0 <= t.detail["wait_probability"] <= 1.0
    assert "inf" not in t.explanation.replace("in flight", "")
    method = "exact" if t.detail["wait_method"] == EXACT else "halfin-whitt"
    replicas = "one replica" if t.detail["replicas"] == 1 else "many replicas"
    for label in (method, replicas, "latency given" if latency is not None else "no latency"):
        event(label)
        SERVING_SEEN[label] += 1


def test_the_serving_property_reached_every_edge() -> None:
    if not SERVING_SEEN:  # selected alone: run the property here
        test_assess_answers_within_a_second_for_any_capacity()
    seen = SERVING_SEEN  # generated examples, well beyond the three @example rows
    assert seen["exact"] >= 20 and seen["halfin-whitt"] >= 10, seen
    assert seen["one replica"] >= 3 and seen["many replicas"] >= 20, seen
    assert seen["latency given"] >= 20 and seen["no latency"] >= 20, seen


@settings(max_examples=60, deadline=None)
@given(over_the_limit())
def test_serving_inputs_past_a_limit_name_the_field(values: tuple[float, float, float, float | None, str]) -> None:
    rate, capacity, util, latency, field = values
    event(field)
    with pytest.raises(ValidationError) as err:
        assess(_serving(rate, capacity, util, latency), preset("dgx-h100"))
    assert err.value.field == field and "below" in err.value.accepted


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
