"""Serving arithmetic: replicas, Little's law and Erlang C, checked against the closed forms
and against a discrete-event M/M/c simulation the test runs itself."""

from __future__ import annotations

import heapq
import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from capstone_tui.core.serving import erlang_c, in_flight, mean_wait, plan_serving, replicas_needed


def erlang_c_textbook(c: int, a: float) -> float:
    """The Erlang C formula as printed (formulas.md 3.4; GNU Octave queueing `erlangc`)."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def test_replicas_rule() -> None:
    # formulas.md 3.4: N = ceil(lambda / (rho x mu_SLO)); 30 / (0.7 x 12) = 3.57 -> 4.
    assert replicas_needed(30, 12, 0.7) == 4
    assert replicas_needed(8.4, 12, 0.7) == 1  # exactly at the budget: one server is enough
    assert replicas_needed(8.5, 12, 0.7) == 2
    assert replicas_needed(0, 12, 0.7) == 1


@given(st.floats(0.01, 1e5), st.floats(0.01, 1e4), st.floats(0.05, 1.0))
def test_replicas_are_the_smallest_sufficient_count(rate: float, cap: float, util: float) -> None:
    n = replicas_needed(rate, cap, util)
    assert n * util * cap >= rate * (1 - 1e-8)
    assert n == 1 or (n - 1) * util * cap < rate * (1 + 1e-8)


def test_erlang_c_hand_value_and_mm1() -> None:
    # A = 2 Erlangs on 3 servers: (8/6 x 3) / (1 + 2 + 2 + 4) = 4/9 (formula by hand).
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9, rel=1e-12)
    # M/M/1: the probability of waiting equals the utilization rho.
    assert erlang_c(1, 0.8) == pytest.approx(0.8, rel=1e-12)
    assert erlang_c(4, 4.0) == 1.0 and erlang_c(4, 0.0) == 0.0


@given(st.integers(1, 60), st.floats(0.001, 0.999))
def test_erlang_c_matches_the_textbook_formula(c: int, rho: float) -> None:
    a = rho * c
    assert erlang_c(c, a) == pytest.approx(erlang_c_textbook(c, a), rel=1e-9, abs=1e-300)


def test_erlang_c_is_stable_for_many_servers() -> None:
    # The factorial form overflows at c = 200; the recurrence must not.
    value = erlang_c(500, 480.0)
    assert 0.0 < value < 1.0 and math.isfinite(value)


def simulate_mmc(servers: int, lam: float, mu: float, customers: int, seed: int) -> tuple[float, float, float]:
    """FCFS M/M/c: (share who waited, mean wait, time-average number in system)."""
    rng = random.Random(seed)
    free_at = [0.0] * servers
    t = 0.0
    waited = total_wait = 0.0
    area = 0.0  # integral of the number in system = sum of times in system
    for _ in range(customers):
        t += rng.expovariate(lam)
        start = max(t, free_at[0])
        if start > t:
            waited += 1
        total_wait += start - t
        done = start + rng.expovariate(mu)
        heapq.heapreplace(free_at, done)
        area += done - t
    return waited / customers, total_wait / customers, area / t


def test_erlang_c_and_littles_law_against_a_simulation() -> None:
    servers, lam, mu = 3, 2.4, 1.0  # rho = 0.8
    share, wait, number = simulate_mmc(servers, lam, mu, 200_000, seed=7)
    assert share == pytest.approx(erlang_c(servers, lam / mu), abs=0.02)
    assert wait == pytest.approx(mean_wait(servers, lam, mu), rel=0.08)
    # Little's law L = lambda W, with W = Wq + 1/mu.
    assert number == pytest.approx(in_flight(lam, mean_wait(servers, lam, mu) + 1 / mu), rel=0.05)


def test_plan_serving_latency_gate_and_in_flight() -> None:
    plan = plan_serving(30.0, 12.0, 0.7, 0.3, 0.5)
    assert plan.replicas == 4 and plan.latency_ok is True and plan.exceeds_one_server
    assert plan.in_flight == pytest.approx(9.0)
    slow = plan_serving(None, None, 0.7, 0.8, 0.5)
    assert slow.replicas is None and slow.latency_ok is False and slow.exceeds_one_server
    easy = plan_serving(5.0, 12.0, 0.7, 0.1, 0.5)
    assert easy.replicas == 1 and not easy.exceeds_one_server
    assert mean_wait(1, 12.0, 12.0) == math.inf
