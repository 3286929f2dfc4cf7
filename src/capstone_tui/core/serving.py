"""Serving arithmetic for the throughput / latency ceiling: replicas, Little's law, Erlang C.

Sources (reference/formulas.md, "Ceiling 3"):
- replicas = ceil(rate / (utilization x capacity)): standard capacity planning with a
  utilization headroom rho ~ 0.6-0.8 (Sec. 3.4) [A]; one server's capacity must be its measured
  sustainable rate AT the latency target (mu_SLO), not a max-throughput table (Sec. 3.2).
- Little's law L = lambda W: Little, Oper. Res. 9(3):383-387 (1961).
- Erlang C (M/M/c probability of waiting): GNU Octave `queueing` package, `erlangc`, through the
  stable Erlang B recurrence. Bounded work for any server count: the recurrence starts
  `ERLANG_WINDOW_SDS` standard deviations below the load (from the fluid value 1 - k/A, an error
  the recurrence damps by about exp(-40^2/2) before k reaches A) and stops as soon as B falls
  below 1e-300 past the load (P(wait) is then below 1e-290 and reported as 0). Where even that needs more than
  `ERLANG_EXACT_STEPS` steps, the Halfin-Whitt approximation (Halfin and Whitt, Oper. Res.
  29(3), 1981) is used and labelled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from capstone_tui.core.errors import ValidationError

ERLANG_EXACT_STEPS = 200_000  # recurrence steps allowed (about 30 ms); beyond: Halfin-Whitt
ERLANG_WINDOW_SDS = 40.0  # the recurrence starts this many sqrt(A) below the load A
EXACT = "exact (Erlang B recurrence)"
HALFIN_WHITT = (f"Halfin-Whitt approximation (more than {ERLANG_EXACT_STEPS:,} recurrence steps "
                "would be needed)")
_TINY = 1e-300
SERVING_LIMIT = 1e300  # replicas and requests in flight must stay below this (finite floats)


def replicas_needed(rate_rps: float, capacity_rps: float, utilization: float) -> int:
    """ceil(rate / (utilization x capacity)), at least 1; a ValidationError when it overflows."""
    if rate_rps <= 0:
        return 1
    if capacity_rps <= 0 or not 0 < utilization <= 1:
        raise ValueError("capacity must be > 0 and utilization in (0, 1]")
    ratio = rate_rps / capacity_rps / utilization  # divided in turn: no underflow of u x capacity
    if not ratio < SERVING_LIMIT:
        raise ValidationError("serving.capacity_rps", "must keep rate_rps / (utilization x capacity_rps) "
                              f"below {SERVING_LIMIT:g} servers", capacity_rps)
    # Absorb float noise so that exactly-at-the-limit rates need no extra replica.
    return max(1, math.ceil(ratio - 1e-9))


def in_flight(rate_rps: float, latency_s: float) -> float:
    """Little's law: mean requests in the system = arrival rate x mean time in the system."""
    return rate_rps * latency_s


def _erlang_b_window(servers: int, offered_load: float) -> float | None:
    """Erlang B by the recurrence B(k) = A B(k-1) / (k + A B(k-1)), bounded; None if too long."""
    start, b = 0, 1.0
    if offered_load > 1.0:
        k0 = math.floor(offered_load - ERLANG_WINDOW_SDS * math.sqrt(offered_load))
        if k0 >= servers:  # overloaded well past the window: damp over the last m steps instead
            ratio = servers / offered_load
            if not ratio < 1.0:  # only by rounding, for loads beyond 1e32: too large to recur
                return None
            k0 = servers - (math.ceil(ERLANG_WINDOW_SDS / -math.log(ratio)) + 1)
        if k0 > 0:
            start, b = k0, 1.0 - k0 / offered_load  # fluid value; each step damps its error by k/A
    # Past the load, B only falls: once below TINY it is reported as 0 (P(wait) < 1e-290 then).
    stop = min(servers, math.ceil(offered_load + 2 * ERLANG_WINDOW_SDS * math.sqrt(offered_load)) + 2000)
    if stop - start > ERLANG_EXACT_STEPS:
        return None
    for k in range(start + 1, stop + 1):
        b = offered_load * b / (k + offered_load * b)
        if b < _TINY and k > offered_load:
            return 0.0
    if stop < servers:  # not yet 0 at `stop` (cannot happen by the bound above): be safe
        return None
    return b


def erlang_b(servers: int, offered_load: float) -> float:
    """Erlang B blocking probability (exact where the bounded recurrence reaches; else via Halfin-Whitt)."""
    if servers < 0 or offered_load < 0:
        raise ValueError("servers and offered load must be >= 0")
    if servers == 0:
        return 1.0
    if offered_load == 0:
        return 0.0
    b = _erlang_b_window(servers, offered_load)
    if b is not None:
        return b
    if offered_load >= servers:  # overloaded, too large to recur: the fluid limit 1 - c/A
        return max(0.0, 1.0 - servers / offered_load)
    c = _halfin_whitt(servers, offered_load)  # invert C = c B / (c - A (1 - B)) for B
    return c * (servers - offered_load) / (servers - c * offered_load)


def _halfin_whitt(servers: int, offered_load: float) -> float:
    """P(wait) ~ 1 / (1 + beta Phi(beta) / phi(beta)), beta = (c - A) / sqrt(c); written to avoid overflow."""
    beta = (float(servers) - offered_load) / math.sqrt(float(servers))
    phi = math.exp(-0.5 * beta * beta) / math.sqrt(2.0 * math.pi)
    cdf = 0.5 * math.erfc(-beta / math.sqrt(2.0))
    return phi / (phi + beta * cdf)


def erlang_c_method(servers: int, offered_load: float) -> tuple[float, str]:
    """(P(wait) in M/M/c with A = lambda/mu Erlangs, how it was computed); 1 when A >= c."""
    if servers < 1:
        raise ValueError("Erlang C needs at least one server")
    if offered_load >= servers:
        return 1.0, EXACT
    if offered_load == 0:
        return 0.0, EXACT
    b = _erlang_b_window(servers, offered_load)
    if b is None:
        return _halfin_whitt(servers, offered_load), HALFIN_WHITT
    return servers * b / (servers - offered_load * (1.0 - b)), EXACT


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability an arrival waits in M/M/c with A = lambda/mu Erlangs; 1 when A >= c."""
    return erlang_c_method(servers, offered_load)[0]


def mean_wait(servers: int, rate: float, service_rate: float) -> float:
    """Mean queueing delay Wq = C(c, A) / (c mu - lambda); infinite when unstable."""
    load = rate / service_rate
    if load >= servers:
        return math.inf
    return erlang_c(servers, load) / (service_rate * (float(servers) - load))


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
    wait_method: str | None = None  # EXACT or HALFIN_WHITT

    @property
    def exceeds_one_server(self) -> bool:
        return (self.replicas is not None and self.replicas > 1) or self.latency_ok is False


def plan_serving(rate_rps: float | None, capacity_rps: float | None, utilization: float,
                 latency_s: float | None, latency_slo_s: float | None) -> ServingPlan:
    """Replicas, latency gate, in-flight requests and queueing for the given inputs."""
    budget = replicas = wait_p = wait_s = method = None
    if rate_rps is not None and capacity_rps is not None:
        budget = utilization * capacity_rps
        replicas = replicas_needed(rate_rps, capacity_rps, utilization)
        wait_p, method = erlang_c_method(replicas, rate_rps / capacity_rps)
        wait_s = mean_wait(replicas, rate_rps, capacity_rps)
    latency_ok = None
    if latency_s is not None and latency_slo_s is not None:
        latency_ok = latency_s <= latency_slo_s
    flight = in_flight(rate_rps, latency_s) if rate_rps is not None and latency_s is not None else None
    if flight is not None and not flight < SERVING_LIMIT:
        raise ValidationError("serving.latency_s", f"must keep rate_rps x latency_s (requests in flight, "
                              f"Little's law) below {SERVING_LIMIT:g}", latency_s)
    return ServingPlan(rate_rps, budget, replicas, latency_s, latency_slo_s, latency_ok, flight, wait_p, wait_s,
                       method)
