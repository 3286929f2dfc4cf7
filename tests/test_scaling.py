"""The justification arithmetic: the seed's formulas, p* in closed form equal to brute force."""

from __future__ import annotations

import math
import random
import time

import pytest
from hypothesis import given, settings, strategies as st

from capstone_tui.core.errors import ValidationError
from capstone_tui.core.scaling import (
    DISTRIBUTE, STAY, amdahl_ceiling, best_p, efficiency, justify,
    karp_flatt, parallel_time, speedup, validate_scaling, verdict_for,
)


def seed_speedup(s, p, c):  # Code 41.1.1, verbatim
    return 1.0 / (s + (1.0 - s) / p + c * (p - 1))


def seed_best_p(s, c, pmax=4096):  # Code 41.1.1, verbatim
    p = max(range(1, pmax + 1), key=lambda q: seed_speedup(s, q, c))
    return p, seed_speedup(s, p, c)


def test_formulas_match_the_seed_definitions():
    assert speedup(0.1, 8, 0.01) == seed_speedup(0.1, 8, 0.01)
    assert parallel_time(0.1, 0.01, 8) == pytest.approx(0.1 + 0.9 / 8 + 0.01 * 7)
    assert efficiency(0.1, 8, 0.01) == pytest.approx(seed_speedup(0.1, 8, 0.01) / 8)


def test_exercise_41_1_3_costume_cluster():
    # Seed Exercise 41.1.3: s = 0.6, p = 16, c = 0 -> S = 1/(0.6 + 0.4/16) = 1.6, E = 10 %.
    assert speedup(0.6, 16, 0.0) == pytest.approx(1.6)
    assert efficiency(0.6, 16, 0.0) == pytest.approx(0.1)


@pytest.mark.parametrize("s,c,p,sp,verdict", [
    (0.02, 0.001, 31, 12.25, DISTRIBUTE), (0.10, 0.002, 21, 5.47, DISTRIBUTE),
    (0.40, 0.002, 17, 2.14, DISTRIBUTE), (0.90, 0.02, 2, 1.03, STAY), (0.97, 0.05, 1, 1.00, STAY),
    (0.05, 0.002, 22, 7.40, DISTRIBUTE),
])
def test_seed_output_41_1_1_rows(s, c, p, sp, verdict):
    got_p, got_s = best_p(s, c)
    assert got_p == p and f"{got_s:.2f}" == f"{sp:.2f}"
    assert verdict_for(got_p, got_s) == verdict


def test_amdahl_ceiling_and_zero_serial_fraction():
    assert amdahl_ceiling(0.4) == pytest.approx(2.5)
    assert amdahl_ceiling(0.0) is None
    assert justify(0.0, 0.0, 100).to_json()["amdahl_ceiling"] is None


def test_edge_cases_c_zero_and_s_one():
    assert best_p(0.1, 0.0, 4096) == seed_best_p(0.1, 0.0, 4096)
    assert best_p(1.0, 0.0, 4096) == (1, 1.0)
    assert best_p(1.0, 0.3, 4096) == (1, 1.0)
    assert best_p(0.0, 0.0, 4096) == (4096, 4096.0)
    # the float plateau noted in reference/fitting.md: s = 1 - 1e-9, c = 0 -> p* = 4094 of 4096
    assert best_p(1 - 1e-9, 0.0, 4096) == seed_best_p(1 - 1e-9, 0.0, 4096)
    assert best_p(1 - 1e-9, 0.0, 4096)[0] < 4096


def test_verdict_threshold_is_strict():
    assert verdict_for(5, 1.05) == STAY  # S = 1.05 exactly stays
    assert verdict_for(5, 1.0500001) == DISTRIBUTE
    assert verdict_for(1, 3.0) == STAY  # p* = 1 never distributes


def test_exact_ties_go_to_the_smallest_p():
    # c = (1 - s)/(k(k+1)) makes T(k) = T(k+1) in exact arithmetic (reference/fitting.md, pitfalls)
    for s in (0.0, 0.1, 0.25, 0.5):
        for k in range(1, 40):
            c = (1 - s) / (k * (k + 1))
            assert best_p(s, c, 4096) == seed_best_p(s, c, 4096), (s, k)


def _random_case(rng: random.Random) -> tuple[float, float, int]:
    s = rng.choice([rng.random(), rng.random() ** 4, 1 - 10 ** rng.uniform(-12, -1), 0.0, 1.0,
                    round(rng.random(), 2)])
    c = rng.choice([10 ** rng.uniform(-9, 0), 0.0, rng.random() * 0.05, round(rng.random() * 0.1, 3)])
    if rng.random() < 0.15 and s < 1:
        k = rng.randint(1, 200)
        c = (1 - s) / (k * (k + 1))  # floating-point ties
    pmax = rng.choice([rng.randint(1, 64), rng.randint(1, 600), 512])
    return s, c, pmax


def test_closed_form_equals_brute_force_on_a_random_grid():
    rng = random.Random(20261125)
    cases = [_random_case(rng) for _ in range(10_000)]
    mismatches = [(s, c, n) for s, c, n in cases if best_p(s, c, n) != seed_best_p(s, c, n)]
    assert mismatches == []


def test_closed_form_matches_at_the_default_pmax():
    rng = random.Random(7)
    for _ in range(200):
        s, c, _ = _random_case(rng)
        assert best_p(s, c, 4096) == seed_best_p(s, c, 4096), (s, c)


@settings(max_examples=400, deadline=None)
@given(s=st.floats(0, 1), c=st.floats(0, 1), pmax=st.integers(1, 300))
def test_property_closed_form_is_brute_force(s, c, pmax):
    assert best_p(s, c, pmax) == seed_best_p(s, c, pmax)


@settings(max_examples=300, deadline=None)
@given(s=st.floats(0, 1), c=st.floats(0, 10), p=st.integers(1, 10_000))
def test_property_speedup_bounds(s, c, p):
    value = speedup(s, p, c)
    assert speedup(s, 1, c) == 1.0
    assert value <= p * (1 + 1e-12)
    if s > 0:
        assert value <= (1 / s) * (1 + 1e-12)


@settings(max_examples=200, deadline=None)
@given(s=st.floats(0.001, 0.999), c=st.floats(1e-6, 0.5), p=st.integers(2, 5000))
def test_property_karp_flatt_is_linear_in_p(s, c, p):
    # reference/fitting.md: e(p) = s + c p exactly under this model
    assert karp_flatt(speedup(s, p, c), p) == pytest.approx(s + c * p, rel=1e-9, abs=1e-12)


def test_karp_flatt_rejects_p_one():
    with pytest.raises(ValueError):
        karp_flatt(1.0, 1)


@pytest.mark.parametrize("s,c,pmax,field", [
    (-0.1, 0.01, 10, "s"), (1.01, 0.01, 10, "s"), ("x", 0.01, 10, "s"), (math.nan, 0.01, 10, "s"),
    (0.1, -1e-9, 10, "c"), (0.1, math.inf, 10, "c"), (0.1, "nan", 10, "c"), (0.1, True, 10, "c"),
    (0.1, 0.01, 0, "pmax"), (0.1, 0.01, 10_000_001, "pmax"), (0.1, 0.01, 2.5, "pmax"),
])
def test_validation_names_the_field(s, c, pmax, field):
    with pytest.raises(ValidationError) as info:
        validate_scaling(s, c, pmax)
    assert info.value.field == field
    assert "\n" not in info.value.message


def test_justify_json_keys_and_geo_link():
    j = justify(0.05, 0.002, 4096).to_json()
    assert list(j) == ["s", "c", "pmax", "p_star", "speedup", "efficiency", "amdahl_ceiling", "verdict", "geo", "knee"]
    assert set(j["geo"]) == {"c", "p_star", "speedup", "verdict", "knee"}
    assert set(j["knee"]) == {"p", "speedup", "efficiency"}
    assert j["geo"]["c"] == pytest.approx(4 * 0.002)
    assert (j["geo"]["p_star"], j["geo"]["speedup"]) == seed_best_p(0.05, 0.008)


def test_a_flat_curve_is_scanned_run_by_run_in_bounded_time():
    """s within an ulp of 1 and a tiny c make S(p) flat to the last bit over all of [1, pmax]:
    the scan visits only the runs of equal s + (1 - s)/p, and still equals the brute force."""
    s, c = 0.9999999999999999, 6.6e-34
    assert best_p(s, c, 5000) == seed_best_p(s, c, 5000)
    started = time.perf_counter()
    p_star, top = best_p(s, c, 10_000_000)  # the whole PMAX_LIMIT: a linear scan took 4-10 s
    assert time.perf_counter() - started < 0.5
    assert top == speedup(s, p_star, c) and 1 <= p_star <= 10_000_000


@pytest.mark.parametrize("seed", range(4))
def test_the_run_scan_equals_the_brute_force(seed, monkeypatch):
    """The run-by-run scan (forced on every interval here) against the seed's search."""
    import random

    import capstone_tui.core.scaling as scaling

    monkeypatch.setattr(scaling, "_SCAN_LIMIT", 0)
    rng = random.Random(seed)
    for _ in range(500):
        s = rng.choice([rng.random(), 1 - rng.random() * 1e-12, rng.random() * 1e-9])
        c = 10 ** rng.uniform(-25, -1)
        pmax = rng.randint(1, 2000)
        assert scaling.best_p(s, c, pmax) == seed_best_p(s, c, pmax), (s, c, pmax)
