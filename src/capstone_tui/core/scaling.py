"""The justification test: Amdahl's law with a per-worker communication tax.

Single-machine time is normalized to 1 (seed, Section 41.1.2):

    T(p) = s + (1 - s)/p + c (p - 1),   S(p) = 1 / T(p),   E(p) = S(p) / p.

`speedup` evaluates exactly the seed's expression, so that `best_p` (O(1) in all but
floating-point plateaus) agrees to the last bit with the seed's brute force
`max(range(1, pmax + 1), key=speedup)`, which keeps the first maximum on ties.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from capstone_tui.core.errors import ValidationError, as_float, as_int

PMAX_DEFAULT = 4096
PMAX_LIMIT = 10_000_000
GEO_FACTOR = 4.0  # a slow, geo-distributed link: c' = 4c (seed, Exercise 41.1.2)
MIN_SPEEDUP = 1.05  # "by a margin that matters"
DISTRIBUTE = "distribute"
STAY = "stay single-machine"

S_RANGE = "must be a number in [0, 1]"
C_MAX = sys.float_info.max / GEO_FACTOR  # the geo link's 4c must stay a finite float
C_RANGE = f"must be a finite number in [0, {C_MAX:.4g}] (the geo link's {GEO_FACTOR:g}c must stay finite)"
PMAX_RANGE = f"must be an integer in [1, {PMAX_LIMIT:_}]".replace("_", ",")

# Computed S(p) differs from the exact value by a few units in the last place; any p whose
# exact T(p) is within this relative slack of the minimum may win the brute force's tie-break.
_SLACK = 64 * 2.0**-53
_FAST_SLACK = 4 * _SLACK
_SCAN_LIMIT = 2048  # a near-optimal interval wider than this is scanned run by run


def parallel_time(s: float, c: float, p: int) -> float:
    """T(p), as a fraction of the single-machine time."""
    return s + (1.0 - s) / p + c * (p - 1)


def speedup(s: float, p: int, c: float) -> float:
    """S(p): the seed's `speedup(s, p, c)`, same argument order, same float operations."""
    return 1.0 / (s + (1.0 - s) / p + c * (p - 1))


def efficiency(s: float, p: int, c: float) -> float:
    """E(p) = S(p) / p: the share of the p machines doing useful work."""
    return speedup(s, p, c) / p


def best_p_bruteforce(s: float, c: float, pmax: int = PMAX_DEFAULT) -> tuple[int, float]:
    """The seed's reference: scan every p, keep the first maximum."""
    p = max(range(1, pmax + 1), key=lambda q: speedup(s, q, c))
    return p, speedup(s, p, c)


def best_p(s: float, c: float, pmax: int = PMAX_DEFAULT) -> tuple[int, float]:
    """p* = the smallest p in [1, pmax] maximizing S(p), and S(p*); equal to the brute force.

    The continuous optimum is sqrt((1 - s)/c). Exact T is convex, so only the integers whose
    exact T lies within a few ulps of the minimum can win; they form one interval, found by
    solving a quadratic, and that (usually tiny) interval is scanned with the exact formula.
    """
    q = 1.0 - s
    if q <= 0.0:
        return 1, speedup(s, 1, c)
    if c == 0.0:
        return _best_p_no_tax(s, pmax)
    if c >= q:
        # c(p-1) >= q(1 - 1/p) for every p >= 2: T(p) >= T(1), also as computed (fl is monotone).
        return 1, speedup(s, 1, c)
    ratio = q / c
    if ratio < 1e300:
        # Fast path: the exact optimum is lo or lo + 1 (lo = floor(sqrt(q/c))); when both outer
        # neighbours are worse by more than the rounding slack, only those two can win.
        lo = int(ratio**0.5)
        if 2 <= lo and lo + 1 <= pmax and c > _FAST_SLACK * (lo + 1) * (s + q / lo + c * lo):
            a = 1.0 / (s + (1.0 - s) / lo + c * (lo - 1))
            b = 1.0 / (s + (1.0 - s) / (lo + 1) + c * lo)
            return (lo, a) if a >= b else (lo + 1, b)
    p0 = math.sqrt(ratio) if ratio < 1e300 else math.inf
    if p0 >= pmax:
        centre = pmax
    else:
        lo = max(1, min(pmax, math.floor(p0)))
        hi = max(1, min(pmax, lo + 1))
        centre = lo if parallel_time(s, c, lo) <= parallel_time(s, c, hi) else hi
    first, last = _near_optimal_interval(s, q, c, centre, pmax)
    if last - first > _SCAN_LIMIT:
        return _best_over_runs(s, c, first, last)
    best, best_speedup = first, speedup(s, first, c)
    for p in range(first + 1, last + 1):
        value = speedup(s, p, c)
        if value > best_speedup:
            best, best_speedup = p, value
    return best, best_speedup


def _best_over_runs(s: float, c: float, first: int, last: int) -> tuple[int, float]:
    """The scan of a wide near-optimal interval (s within ulps of 1, or a tiny c), in bounded time.

    As computed, T(p) = fl(A(p) + B(p)) with A(p) = fl(s + fl((1 - s)/p)) non-increasing and
    B(p) = fl(c (p - 1)) non-decreasing (rounding is monotone). Within a run of equal A, T is
    non-decreasing, so the run's first p is its best (and the smallest on a tie). Only run starts
    are visited, each run's end found by bisection: a flat interval has a handful of runs.
    """
    q = 1.0 - s
    best, best_speedup = first, speedup(s, first, c)
    p = first
    while p <= last:
        value = speedup(s, p, c)
        if value > best_speedup:
            best, best_speedup = p, value
        a = s + q / p
        lo, hi = p, last
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if s + q / mid == a:
                lo = mid
            else:
                hi = mid - 1
        p = lo + 1
    return best, best_speedup


def _best_p_no_tax(s: float, pmax: int) -> tuple[int, float]:
    """c = 0: computed S(p) never decreases in p, so p* is the first p reaching S(pmax)."""
    top = speedup(s, pmax, 0.0)
    lo, hi = 1, pmax
    while lo < hi:
        mid = (lo + hi) // 2
        if speedup(s, mid, 0.0) >= top:
            hi = mid
        else:
            lo = mid + 1
    return lo, top


def _near_optimal_interval(s: float, q: float, c: float, centre: int, pmax: int) -> tuple[int, int]:
    """Integers p in [1, pmax] with q/p + c p <= q/centre + c centre + slack, widened by 2."""
    m = q / centre + c * centre
    slack = _SLACK * (s + m)
    root_qc = math.sqrt(q * c)
    # b - 2 sqrt(qc) written as a square to avoid cancellation near the optimum.
    gap = (math.sqrt(q / centre) - math.sqrt(c * centre)) ** 2 + slack
    b = m + slack
    root_disc = math.sqrt(gap) * math.sqrt(b + 2.0 * root_qc)  # sqrt(b^2 - 4qc), without overflow
    upper = (b + root_disc) / (2.0 * c)  # may overflow to inf for tiny c: clamped below
    lower = 2.0 * q / (b + root_disc)  # the other root, q / (c upper), finite for any c
    first = max(1, min(centre, math.floor(lower * (1 - 1e-12)) - 2))
    last = min(pmax, max(centre, math.ceil(min(upper * (1 + 1e-12), 4.0 * pmax)) + 2))
    return first, last


def amdahl_ceiling(s: float) -> float | None:
    """1/s: the speedup bound with c = 0 and p to infinity; None means infinite (s = 0) or
    beyond the float range (s below 1/1.8e308, a subnormal s), so no face ever prints 'inf'."""
    if s == 0:
        return None
    value = 1.0 / s
    return value if math.isfinite(value) else None


def verdict_for(p_star: int, best_speedup: float) -> str:
    """The seed's rule: distribute only when S(p*) > MIN_SPEEDUP and p* > 1."""
    return DISTRIBUTE if (best_speedup > MIN_SPEEDUP and p_star > 1) else STAY


def karp_flatt(measured_speedup: float, p: int) -> float:
    """Experimentally determined serial fraction e = (1/S - 1/p) / (1 - 1/p); p >= 2."""
    if p < 2:
        raise ValueError("Karp-Flatt needs p >= 2")
    return (1.0 / measured_speedup - 1.0 / p) / (1.0 - 1.0 / p)


def validate_scaling(s: Any, c: Any, pmax: Any = PMAX_DEFAULT) -> tuple[float, float, int]:
    """Check (s, c, pmax) from the user; raise ValidationError naming the first bad field."""
    s_value = as_float("s", s, S_RANGE)
    if not 0.0 <= s_value <= 1.0:
        raise ValidationError("s", S_RANGE, s)
    s_value += 0.0  # -0.0 -> 0.0
    c_value = as_float("c", c, C_RANGE)
    if not 0.0 <= c_value <= C_MAX:
        raise ValidationError("c", C_RANGE, c)
    c_value = abs(c_value)  # -0.0 -> 0.0
    pmax_value = as_int("pmax", pmax, PMAX_RANGE)
    if not 1 <= pmax_value <= PMAX_LIMIT:
        raise ValidationError("pmax", PMAX_RANGE, pmax)
    return s_value, c_value, pmax_value


@dataclass(frozen=True)
class LinkResult:
    """p*, S(p*) and the verdict for one communication cost."""

    c: float
    p_star: int
    speedup: float
    efficiency: float
    verdict: str


@dataclass(frozen=True)
class Justification:
    """The justification test for (s, c, pmax) on a fast link and on the geo link (c' = GEO_FACTOR * c)."""

    s: float
    c: float
    pmax: int
    fast: LinkResult
    geo: LinkResult

    @property
    def p_star(self) -> int:
        return self.fast.p_star

    @property
    def speedup(self) -> float:
        return self.fast.speedup

    @property
    def verdict(self) -> str:
        return self.fast.verdict

    @property
    def amdahl_ceiling(self) -> float | None:
        return amdahl_ceiling(self.s)

    @cached_property
    def knee(self) -> Knee:
        """The right number of machines on the fast link: the smallest p with S >= 90 % of S(p*)."""
        return knee(self.s, self.c, self.pmax)

    @cached_property
    def geo_knee(self) -> Knee:
        """The knee on the geo link (c' = GEO_FACTOR * c)."""
        return knee(self.s, self.geo.c, self.pmax)

    @property
    def continuous_optimum(self) -> float | None:
        """sqrt((1 - s)/c), for display only (None when c = 0: no finite peak)."""
        return None if self.c == 0 else math.sqrt((1.0 - self.s) / self.c)

    def to_json(self) -> dict[str, Any]:
        """The `verdict --json` object (SPEC keys)."""
        return {
            "s": self.s,
            "c": self.c,
            "pmax": self.pmax,
            "p_star": self.fast.p_star,
            "speedup": self.fast.speedup,
            "efficiency": self.fast.efficiency,
            "amdahl_ceiling": self.amdahl_ceiling,
            "verdict": self.fast.verdict,
            "geo": {
                "c": self.geo.c,
                "p_star": self.geo.p_star,
                "speedup": self.geo.speedup,
                "verdict": self.geo.verdict,
                "knee": self.geo_knee.to_json(),
            },
            "knee": self.knee.to_json(),
        }


def link_result(s: float, c: float, pmax: int) -> LinkResult:
    p_star, best = best_p(s, c, pmax)
    return LinkResult(c=c, p_star=p_star, speedup=best, efficiency=best / p_star,
                      verdict=verdict_for(p_star, best))


def justify(s: Any, c: Any, pmax: Any = PMAX_DEFAULT) -> Justification:
    """Validate the inputs and run the justification test on both links."""
    s_value, c_value, pmax_value = validate_scaling(s, c, pmax)
    return Justification(
        s=s_value,
        c=c_value,
        pmax=pmax_value,
        fast=link_result(s_value, c_value, pmax_value),
        geo=link_result(s_value, GEO_FACTOR * c_value, pmax_value),
    )


KNEE_FRACTION = 0.9  # "the right number of machines": the smallest p within 10 % of the best speedup


@dataclass(frozen=True)
class Knee:
    """The smallest p with S(p) >= KNEE_FRACTION * S(p*), its speedup and efficiency."""

    p: int
    speedup: float
    efficiency: float

    def to_json(self) -> dict[str, Any]:
        return {"p": self.p, "speedup": self.speedup, "efficiency": self.efficiency}


def knee(s: float, c: float, pmax: int = PMAX_DEFAULT) -> Knee:
    """The knee of the curve, in O(log p*): S rises on [1, p*] (T is convex), so bisect there."""
    p_star, best = best_p(s, c, pmax)
    target = KNEE_FRACTION * best
    lo, hi = 1, p_star  # S(hi) >= target always; find the first such p
    while lo < hi:
        mid = (lo + hi) // 2
        if speedup(s, mid, c) >= target:
            hi = mid
        else:
            lo = mid + 1
    value = speedup(s, lo, c)
    return Knee(p=lo, speedup=value, efficiency=value / lo)


@dataclass(frozen=True)
class CurvePoint:
    p: int
    speedup: float
    efficiency: float


def curve_at(s: float, c: float, ps: list[int]) -> list[CurvePoint]:
    """S(p) and E(p) at the given worker counts (the seed's expression, as `speedup`)."""
    return [CurvePoint(p, value, value / p) for p in ps for value in (speedup(s, p, c),)]
