"""Fit s and c (and the USL) from measured runs, and what the fit means for the decision.

Methods (reference/fitting.md, section 4), all on time per unit of work y(p) (wall time, or
1/throughput):
- "linear3" (default): y(p) = a + b/p + d (p - 1) by non-negative least squares; the single-worker
  time a + b is fitted, so no trusted p = 1 row is needed. s = a/(a+b), c = d/(a+b).
- "linear2": y(p)/y(1) - 1/p = s (1 - 1/p) + c (p - 1) by NNLS, normalized by the measured p = 1
  median (needs a p = 1 row).
- "gunther": "linear2" with row weights p (Gunther's quadratic transform, R usl <= 1.8).
- "usl": the R package usl's nonlinear least squares on throughput (core/fitting/usl.py).
The USL view (sigma, kappa, gamma) is always fitted too. p* and the verdict come from
core.scaling. Uncertainty: a seeded residual bootstrap of the chosen method.
numpy/scipy are imported inside the functions that use them (about 0.2 s together).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from capstone_tui.core.errors import ValidationError
from capstone_tui.core.fitting.warnings import data_warnings, fit_warnings
from capstone_tui.core.fitting.runs import AGGREGATES, TIME, Runs
from capstone_tui.core.fitting.solvers import Solved
from capstone_tui.core.scaling import DISTRIBUTE, PMAX_DEFAULT, best_p, karp_flatt, speedup, verdict_for
from capstone_tui.core.fitting.usl import USLFit, fit_usl

METHODS: dict[str, str] = {
    "linear3": "NNLS on time: t(p) = a + b/p + d(p-1), single-worker time fitted",
    "linear2": "NNLS on time normalized by the measured p = 1 median",
    "gunther": "NNLS on time normalized by p = 1, rows weighted by p (Gunther's transform)",
    "usl": "nonlinear least squares on throughput, sigma and kappa in [0, 1] (R package usl)",
}
METHOD_ACCEPTED = "must be one of " + ", ".join(METHODS)
KF_MEASURED = "measured speedup: median time at p = 1 over median time at p"
KF_NO_BASELINE = ("no p = 1 row: speedup against the single-worker time fitted by linear3, "
                  "over the median time at p")
JSON_ROWS_MAX = 10_000
JSON_ROWS_RULE = (f"data.rows and points list every row up to {JSON_ROWS_MAX:,} rows; beyond, data.rows "
                  "is left empty (rows_total counts them) and points holds the median speedup per p")
BOOTSTRAP_REPLICATES = 300
BOOTSTRAP_DRAWS_MAX = 20_000_000  # residual draws in all: beyond 66,666 rows, fewer replicates
BOOTSTRAP_REPLICATES_MIN = 40
BOOTSTRAP_SEED = 20261125
BAND_LEVEL = 0.95


@dataclass(frozen=True)
class BootstrapSummary:
    """Percentile intervals for p* and S(p*), and P(S(p*) > MIN_SPEEDUP with p* > 1)."""

    p_star: tuple[int, int]
    speedup: tuple[float, float]
    prob_distribute: float
    replicates: int
    seed: int


@dataclass(frozen=True)
class FitResult:
    """s and c fitted from runs, the USL view, Karp-Flatt, p*, verdict, warnings, uncertainty."""

    s: float
    c: float
    method: str
    p_star: int
    speedup: float
    verdict: str
    usl: USLFit
    karp_flatt: tuple[tuple[int, float], ...]
    warnings: tuple[str, ...]
    points: tuple[tuple[int, float], ...]
    max_p_measured: int
    pmax: int
    kind: str
    t1: float  # fitted single-worker time per unit of work (seconds for time data)
    se_s: float | None
    se_c: float | None
    bootstrap: BootstrapSummary
    runs: Runs
    aggregate: str = "all"
    samples: tuple[tuple[float, float], ...] = field(default=(), repr=False, compare=False)
    karp_flatt_fitted: tuple[tuple[int, float], ...] = ()  # e against the method's fitted t1
    karp_flatt_how: str = ""

    @property
    def efficiency(self) -> float:
        return self.speedup / self.p_star

    def band(self, ps: Sequence[int]) -> tuple[list[float], list[float]]:
        """The bootstrap percentile band (95 %) of S(p) at each p: (lows, highs)."""
        if not self.samples:
            values = [speedup(self.s, p, self.c) for p in ps]
            return values, list(values)
        import numpy as np  # ~0.1 s on first import

        sc = np.asarray(self.samples)
        p = np.asarray(ps, dtype=float)[None, :]
        curves = 1.0 / (sc[:, :1] + (1.0 - sc[:, :1]) / p + sc[:, 1:] * (p - 1.0))
        tail = 100 * (1 - BAND_LEVEL) / 2
        low, high = np.percentile(curves, [tail, 100 - tail], axis=0)
        return [float(v) for v in low], [float(v) for v in high]

    def _points_json(self) -> list[dict[str, float]]:
        """Measured speedups: one per row up to JSON_ROWS_MAX rows, else the median per p."""
        if len(self.points) <= JSON_ROWS_MAX:
            return [{"p": p, "speedup": s} for p, s in self.points]
        groups: dict[int, list[float]] = {}
        for p, value in self.points:
            groups.setdefault(p, []).append(value)
        return [{"p": p, "speedup": statistics.median(groups[p])} for p in sorted(groups)]

    def to_json(self) -> dict[str, Any]:
        """The `fit --json` object: the SPEC keys first, then the detail."""
        b = self.bootstrap
        return {
            "s": self.s,
            "c": self.c,
            "method": self.method,
            "p_star": self.p_star,
            "speedup": self.speedup,
            "verdict": self.verdict,
            "usl": {"sigma": self.usl.sigma, "kappa": self.usl.kappa, "gamma": self.usl.gamma,
                    "peak": self.usl.peak, "se_sigma": self.usl.se_sigma,
                    "se_kappa": self.usl.se_kappa, "se_gamma": self.usl.se_gamma,
                    "gamma_unit": "work per second" if self.kind == TIME else "throughput units"},
            "karp_flatt": [{"p": p, "e": e, "line": self.s + self.c * p,
                            "e_fitted": dict(self.karp_flatt_fitted).get(p), "how": self.karp_flatt_how}
                           for p, e in self.karp_flatt],
            "warnings": list(self.warnings),
            "loss": METHODS[self.method],
            "aggregate": self.aggregate,
            "se": {"s": self.se_s, "c": self.se_c},
            "efficiency": self.efficiency,
            "pmax": self.pmax,
            "max_p_measured": self.max_p_measured,
            "extrapolated": self.p_star > self.max_p_measured,
            "t1": {"value": self.t1, "unit": "s" if self.kind == TIME else "1/throughput",
                   "how": "fitted" if self.method in ("linear3", "usl") else "measured (p = 1 median)"},
            "bootstrap": {"p_star": list(b.p_star), "speedup": list(b.speedup),
                          "prob_speedup_above_1_05": b.prob_distribute,
                          "level": BAND_LEVEL, "replicates": b.replicates, "seed": b.seed},
            "points": self._points_json(),
            "data": {"kind": self.runs.kind, "source": self.runs.source,
                     "rows": ([[p, v] for p, v in self.runs.rows]
                              if len(self.runs.rows) <= JSON_ROWS_MAX else []),
                     "rows_total": len(self.runs.rows), "rows_rule": JSON_ROWS_RULE},
        }


def fit_runs(runs: Runs, method: str = "linear3", pmax: int = PMAX_DEFAULT,
             aggregate: str = "all") -> FitResult:
    """Fit the runs with `method`; raise ValidationError for unusable data or method.

    `aggregate` = "all" fits every repeat as a row; "min" (best repeat) or "median" fit one
    row per p. `runs` is kept whole in the result for the record.
    """
    if method not in METHODS:
        raise ValidationError("method", METHOD_ACCEPTED, method)
    if aggregate not in AGGREGATES:
        raise ValidationError("aggregate", "must be one of " + ", ".join(AGGREGATES), aggregate)
    measured, runs = runs, runs.aggregated(aggregate)
    if len(runs.ps) < 3:
        raise ValidationError(f"{runs.source}: p", "needs at least 3 distinct worker counts p "
                              "(the fit has 3 parameters)", len(runs.ps))
    if method in ("linear2", "gunther") and 1 not in runs.ps:
        raise ValidationError("method", f"'{method}' needs a p = 1 row; use linear3 or usl", method)
    import numpy as np  # ~0.1 s on first import

    try:
        with np.errstate(all="ignore"):  # extreme data: overflow is caught as a bad result below
            result = _fit(runs, method, pmax)
    except ValidationError:
        raise
    except (ValueError, ArithmeticError) as err:  # numerical breakdown on extreme data
        raise ValidationError(runs.source, "could not be fitted: the values span too wide a "
                              "range or are degenerate", detail=type(err).__name__) from None
    if not (0.0 <= result.s <= 1.0 and math.isfinite(result.c) and result.c >= 0.0):
        raise ValidationError(runs.source, "could not be fitted: the fit is not finite")
    return replace(result, runs=measured, aggregate=aggregate)


def _fit(runs: Runs, method: str, pmax: int) -> FitResult:
    from capstone_tui.core.fitting.solvers import solve_linear2, solve_linear3, solve_usl

    rows = runs.as_time()
    ps = [p for p, _ in rows]
    # Work in units of the median value: s and c do not depend on the unit, and the solvers
    # stay well scaled whatever the data's magnitude.
    scale = statistics.median(y for _, y in rows)
    ys = [y / scale for _, y in rows]
    lin3 = solve_linear3(ps, ys)
    if method == "linear3":
        solved = lin3
    elif method == "usl":
        solved = solve_usl(ps, ys, start=(lin3.s, lin3.c, 1.0 / lin3.t1))
    else:
        solved = solve_linear2(ps, ys, weighted=(method == "gunther"))
    usl_n = fit_usl(ps, [1.0 / y for y in ys], start=(lin3.s, lin3.c, 1.0 / lin3.t1))
    usl = replace(usl_n, gamma=usl_n.gamma / scale, sse=usl_n.sse / scale**2,
                  se_gamma=None if usl_n.se_gamma is None else usl_n.se_gamma / scale)
    s, c = solved.s, solved.c
    if not (math.isfinite(s) and math.isfinite(c)):
        raise ValidationError(runs.source, "could not be fitted: the fit is not finite")
    p_star, best = best_p(s, c, pmax)
    samples, summary = _bootstrap(solved, pmax)
    medians = _medians(ps, ys)
    # Karp-Flatt from the measured speedup median(p = 1) / median(p), whatever the method; with
    # no p = 1 row, against linear3's fitted single-worker time. The method's own t1 gives the
    # fitted column beside it.
    base = medians.get(1, lin3.t1)
    kf = tuple((p, karp_flatt(base / m, p)) for p, m in medians.items() if p > 1)
    kf_fitted = tuple((p, karp_flatt(solved.t1 / m, p)) for p, m in medians.items() if p > 1)
    kf_how = (KF_MEASURED if 1 in medians else KF_NO_BASELINE)
    warnings = data_warnings(runs, medians) + fit_warnings(
        s=s, c=c, method=method, p_star=p_star, max_p=runs.max_p,
        rows=len(rows), n_params=solved.n_params, pmax=pmax,
        efficiency={p: solved.t1 / m / p for p, m in medians.items() if p > 1})
    return FitResult(
        s=s, c=c, method=method, p_star=p_star, speedup=best, verdict=verdict_for(p_star, best),
        usl=usl, karp_flatt=kf, karp_flatt_fitted=kf_fitted, karp_flatt_how=kf_how, warnings=warnings,
        points=tuple((p, solved.t1 / y) for p, y in zip(ps, ys)), max_p_measured=runs.max_p,
        pmax=pmax, kind=runs.kind, t1=solved.t1 * scale, se_s=solved.se[0], se_c=solved.se[1],
        bootstrap=summary, runs=runs, samples=samples)


def _medians(ps: Sequence[int], ys: Sequence[float]) -> dict[int, float]:
    """The median y at each distinct p, p ascending: one grouping pass and one sort per group."""
    groups: dict[int, list[float]] = {}
    for p, y in zip(ps, ys):
        groups.setdefault(p, []).append(y)
    return {p: statistics.median(groups[p]) for p in sorted(groups)}


def bootstrap_replicates(rows: int) -> int:
    """BOOTSTRAP_REPLICATES, fewer for very many rows so the draws stay within BOOTSTRAP_DRAWS_MAX."""
    return max(BOOTSTRAP_REPLICATES_MIN, min(BOOTSTRAP_REPLICATES, BOOTSTRAP_DRAWS_MAX // max(1, rows)))


def _bootstrap(solved: Solved, pmax: int) -> tuple[tuple[tuple[float, float], ...], BootstrapSummary]:
    """Residual bootstrap with a fixed design and a fixed seed (deterministic)."""
    import numpy as np  # ~0.1 s on first import

    rng = np.random.default_rng(BOOTSTRAP_SEED)
    resid = np.asarray(solved.observed) - np.asarray(solved.fitted)
    n = len(resid)
    resid = resid * math.sqrt(n / max(1, n - solved.n_params))
    samples: list[tuple[float, float]] = []
    stars: list[int] = []
    bests: list[float] = []
    for _ in range(bootstrap_replicates(n)):
        y_star = solved.fitted + rng.choice(resid, size=n, replace=True)
        s, c = solved.refit(y_star)
        if not (math.isfinite(s) and math.isfinite(c)):
            continue
        s, c = min(max(s, 0.0), 1.0), max(c, 0.0)
        p_star, best = best_p(s, c, pmax)
        samples.append((s, c))
        stars.append(p_star)
        bests.append(best)
    if not samples:
        p_star, best = best_p(solved.s, solved.c, pmax)
        samples, stars, bests = [(solved.s, solved.c)], [p_star], [best]
    tail = 100 * (1 - BAND_LEVEL) / 2
    p_lo, p_hi = np.percentile(stars, [tail, 100 - tail], method="nearest")
    s_lo, s_hi = np.percentile(bests, [tail, 100 - tail])
    prob = sum(1 for p, b in zip(stars, bests) if verdict_for(p, b) == DISTRIBUTE)
    summary = BootstrapSummary(p_star=(int(p_lo), int(p_hi)), speedup=(float(s_lo), float(s_hi)),
                               prob_distribute=prob / len(stars), replicates=len(samples),
                               seed=BOOTSTRAP_SEED)
    return tuple(samples), summary
