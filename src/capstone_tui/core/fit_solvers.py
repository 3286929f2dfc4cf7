"""The fitting methods' solvers: point estimate, standard errors, and a bootstrap refit.

Each solver works on time per unit of work y(p) and returns `Solved`: (s, c), the single-worker
time t1 that normalizes them, their standard errors, the fitted and observed values in the
method's own fit space, and `refit(y_star)` that re-solves on bootstrap data in that space.
numpy/scipy are imported inside the functions (about 0.2 s together on first use).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from capstone_tui.core.errors import ValidationError


@dataclass(frozen=True)
class Solved:
    """One method's estimate and how to refit it."""

    s: float
    c: float
    t1: float
    se: tuple[float | None, float | None]
    fitted: Any
    observed: Any
    n_params: int
    refit: Callable[[Any], tuple[float, float]]


def _cov(a: Any, rss: float, rows: int) -> Any:
    """(A'A)^-1 RSS/(n - k), or None where undefined."""
    import numpy as np

    k = a.shape[1]
    if rows <= k:
        return None
    try:
        return np.linalg.inv(a.T @ a) * rss / (rows - k)
    except np.linalg.LinAlgError:
        return None


def _se(var: float) -> float | None:
    return math.sqrt(var) if math.isfinite(var) and var >= 0 else None


def solve_linear3(ps: Sequence[int], ys: Sequence[float]) -> Solved:
    """y(p) = a + b/p + d (p - 1), a, b, d >= 0; t1 = a + b, s = a/t1, c = d/t1."""
    import numpy as np  # ~0.1 s on first import
    from scipy.optimize import nnls  # ~0.15 s on first import

    p = np.asarray(ps, dtype=float)
    y = np.asarray(ys, dtype=float)
    a_mat = np.column_stack([np.ones_like(p), 1.0 / p, p - 1.0])

    def to_sc(theta: Any) -> tuple[float, float, float]:
        t1 = float(theta[0] + theta[1])
        if t1 <= 0:
            return math.nan, math.nan, t1
        return float(theta[0] / t1), float(theta[2] / t1), t1

    theta, _ = nnls(a_mat, y)
    s, c, t1 = to_sc(theta)
    if not t1 > 0:
        raise ValidationError("runs", "the fit found no single-worker time (a + b = 0); "
                              "times must fall with p somewhere")
    fitted = a_mat @ theta
    cov = _cov(a_mat, float(np.sum((y - fitted) ** 2)), len(y))
    se: tuple[float | None, float | None] = (None, None)
    if cov is not None:
        a, b, d = theta
        grad_s = np.array([b / t1**2, -a / t1**2, 0.0])  # delta method for s = a/(a+b)
        grad_c = np.array([-d / t1**2, -d / t1**2, 1.0 / t1])  # and for c = d/(a+b)
        se = (_se(float(grad_s @ cov @ grad_s)), _se(float(grad_c @ cov @ grad_c)))

    def refit(y_star: Any) -> tuple[float, float]:
        s_b, c_b, _ = to_sc(nnls(a_mat, y_star)[0])
        return s_b, c_b

    return Solved(s, c, t1, se, fitted, y, 3, refit)


def solve_linear2(ps: Sequence[int], ys: Sequence[float], weighted: bool) -> Solved:
    """y/y(1) - 1/p = s (1 - 1/p) + c (p - 1), NNLS, rows weighted by p when `weighted`."""
    import numpy as np  # ~0.1 s on first import
    from scipy.optimize import nnls  # ~0.15 s on first import

    p = np.asarray(ps, dtype=float)
    y = np.asarray(ys, dtype=float)
    t1 = float(np.median(y[p == 1]))
    w = p if weighted else np.ones_like(p)
    a_mat = np.column_stack([1.0 - 1.0 / p, p - 1.0])
    target = y / t1 - 1.0 / p
    wa = a_mat * w[:, None]

    def solve(t: Any) -> tuple[float, float]:
        theta = nnls(wa, t * w)[0]
        return min(float(theta[0]), 1.0), float(theta[1])

    s, c = solve(target)
    fitted = a_mat @ np.array([s, c])
    cov = _cov(wa, float(np.sum(((target - fitted) * w) ** 2)), int(np.sum(p > 1)))
    se = (None, None) if cov is None else (_se(float(cov[0, 0])), _se(float(cov[1, 1])))
    return Solved(s, c, t1, se, fitted, target, 2, solve)


def solve_usl(ps: Sequence[int], ys: Sequence[float], start: tuple[float, float, float]) -> Solved:
    """The R package usl's fit on throughput 1/y; t1 = 1/gamma; refits start at the estimate."""
    import numpy as np  # ~0.1 s on first import
    from scipy.optimize import least_squares  # ~0.15 s on first import

    from capstone_tui.core.usl import _jacobian, fit_usl, usl_throughput

    n = np.asarray(ps, dtype=float)
    x = 1.0 / np.asarray(ys, dtype=float)
    fit = fit_usl(ps, list(x), start=start)
    theta0 = np.array([fit.sigma, fit.kappa, fit.gamma])
    fitted = usl_throughput(n, fit.sigma, fit.kappa, fit.gamma)

    def refit(x_star: Any) -> tuple[float, float]:
        result = least_squares(lambda th: usl_throughput(n, *th) - x_star, theta0,
                               jac=lambda th: _jacobian(n, th),
                               bounds=([0.0, 0.0, 0.0], [1.0, 1.0, np.inf]), method="trf",
                               xtol=1e-10, ftol=1e-10, max_nfev=200)
        return float(result.x[0]), float(result.x[1])

    return Solved(fit.sigma, fit.kappa, 1.0 / fit.gamma, (fit.se_sigma, fit.se_kappa),
                  fitted, x, 3, refit)
