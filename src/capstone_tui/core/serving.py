"""Serving arithmetic for the throughput / latency ceiling: replicas, Little's law, Erlang C.

Sources (reference/formulas.md, "Ceiling 3"):
- replicas = ceil(rate / (utilization x capacity)): standard capacity planning with a
  utilization headroom rho ~ 0.6-0.8 (Sec. 3.4) [A]; one server's capacity must be its measured
  sustainable rate AT the latency target (mu_SLO), not a max-throughput table (Sec. 3.2).
- Little's law L = lambda W: Little, Oper. Res. 9(3):383-387 (1961).
- Erlang C (M/M/c probability of waiting): GNU Octave `queueing` package, `erlangc`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def replicas_needed(rate_rps: float, capacity_rps: float, utilization: float) -> int:
    """ceil(rate / (utilization x capacity)), at least 1."""
    if rate_rps <= 0:
        return 1
    if capacity_rps <= 0 or not 0 < utilization <= 1:
        raise ValueError("capacity must be > 0 and utilization in (0, 1]")
    ratio = rate_rps / (utilization * capacity_rps)
    # Absorb float noise so that exactly-at-the-limit rates need no extra replica.
    return max(1, math.ceil(ratio - 1e-9))


def in_flight(rate_rps: float, latency_s: float) -> float:
    """Little's law: mean requests in the system = arrival rate x mean time in the system."""
    return rate_rps * latency_s


def erlang_b(servers: int, offered_load: float) -> float:
    """Erlang B blocking probability by the stable recurrence B(k) = A B(k-1) / (k + A B(k-1))."""
    if servers < 0 or offered_load < 0:
        raise ValueError("servers and offered load must be >= 0")
    b = 1.0
    for k in range(1, servers + 1):
        b = offered_load * b / (k + offered_load * b)
    return b


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability an arrival waits in M/M/c with A = lambda/mu Erlangs; 1 when A >= c."""
    if servers < 1:
        raise ValueError("Erlang C needs at least one server")
    if offered_load >= servers:
        return 1.0
    if offered_load == 0:
        return 0.0
    b = erlang_b(servers, offered_load)
    return servers * b / (servers - offered_load * (1.0 - b))


def mean_wait(servers: int, rate: float, service_rate: float) -> float:
    """Mean queueing delay Wq = C(c, A) / (c mu - lambda); infinite when unstable."""
    if rate >= servers * service_rate:
        return math.inf
    return erlang_c(servers, rate / service_rate) / (servers * service_rate - rate)


@dataclass(frozen=True)
class ServingPlan:
    """What one server can do against the required rate and latency."""

    rate_rps: float | None
    budget_rps: float | None  # utilization x capacity: one server's sustainable rate with headroom
    replicas: int | None
    latency_s: float | None
    latency_slo_s: float | None
    latency_ok: bool | None
    in_flight: float | None
    wait_probability: float | None  # Erlang C with `replicas` servers at capacity each
    mean_wait_s: float | None

    @property
    def exceeds_one_server(self) -> bool:
        return (self.replicas is not None and self.replicas > 1) or self.latency_ok is False


def plan_serving(rate_rps: float | None, capacity_rps: float | None, utilization: float,
                 latency_s: float | None, latency_slo_s: float | None) -> ServingPlan:
    """Replicas, latency gate, in-flight requests and queueing for the given inputs."""
    budget = replicas = wait_p = wait_s = None
    if rate_rps is not None and capacity_rps is not None:
        budget = utilization * capacity_rps
        replicas = replicas_needed(rate_rps, capacity_rps, utilization)
        wait_p = erlang_c(replicas, rate_rps / capacity_rps)
        wait_s = mean_wait(replicas, rate_rps, capacity_rps)
    latency_ok = None
    if latency_s is not None and latency_slo_s is not None:
        latency_ok = latency_s <= latency_slo_s
    flight = in_flight(rate_rps, latency_s) if rate_rps is not None and latency_s is not None else None
    return ServingPlan(rate_rps, budget, replicas, latency_s, latency_slo_s, latency_ok, flight, wait_p, wait_s)
