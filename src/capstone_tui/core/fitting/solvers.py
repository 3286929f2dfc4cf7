"""The fitting methods' solvers: point estimate, standard errors, and a bootstrap refit.

Each solver works on time per unit of work y(p) and returns `Solved`: (s, c), the single-worker
time t1 that normalizes them, their standard errors, the fitted and observed values in the
method's own fit space, and `refit(y_star)` that re-solves on bootstrap data in that space.

Rows are grouped by p before solving: every model here predicts one value per p, so a least-
squares fit on all N rows has the same minimizer as the fit on the P group means weighted by
sqrt(rows in the group); the residual sum of squares adds the within-group part. The work is
O(N log N) for the grouping and O(P) per solve, so a million rows fit in seconds.
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


@dataclass(frozen=True)
class Groups:
    """Rows grouped by p: the distinct p, each row's group, and the rows per group."""

    p: Any  # distinct p, ascending (float array)
    index: Any  # each row's group (int array)
    counts: Any  # rows per group (float array)

    @property
    def root(self) -> Any:
        import numpy as np

        return np.sqrt(self.counts)

    def means(self, values: Any) -> Any:
        """Per-group means of row values: one O(N) pass."""
        import numpy as np

        return np.bincount(self.index, weights=values, minlength=len(self.p)) / self.counts

    def within(self, values: Any, means: Any) -> float:
        """Sum of squared deviations of rows from their group mean."""
        import numpy as np

        return float(np.sum((values - means[self.index]) ** 2))


def group_rows(p: Any) -> Groups:
    """Group the rows by p (np.unique: O(N log N))."""
    import numpy as np

    uniq, index, counts = np.unique(np.asarray(p, dtype=float), return_inverse=True, return_counts=True)
    return Groups(uniq, index.ravel(), counts.astype(float))


def solve_linear3(ps: Sequence[int], ys: Sequence[float]) -> Solved:
    """y(p) = a + b/p + d (p - 1), a, b, d >= 0; t1 = a + b, s = a/t1, c = d/t1."""
    import numpy as np  # ~0.1 s on first import
    from scipy.optimize import nnls  # ~0.15 s on first import

    y = np.asarray(ys, dtype=float)
    g = group_rows(ps)
    a_mat = np.column_stack([np.ones_like(g.p), 1.0 / g.p, g.p - 1.0])  # one row per distinct p
    wa = a_mat * g.root[:, None]

    def to_sc(theta: Any) -> tuple[float, float, float]:
        t1 = float(theta[0] + theta[1])
        if t1 <= 0:
            return math.nan, math.nan, t1
        return float(theta[0] / t1), float(theta[2] / t1), t1

    means = g.means(y)
    theta, _ = nnls(wa, means * g.root)
    s, c, t1 = to_sc(theta)
    if not t1 > 0:
        raise ValidationError("runs", "the fit found no single-worker time (a + b = 0); "
                              "times must fall with p somewhere")
    fitted = (a_mat @ theta)[g.index]
    cov = _cov(wa, float(np.sum(g.counts * (means - a_mat @ theta) ** 2)) + g.within(y, means), len(y))
    se: tuple[float | None, float | None] = (None, None)
    if cov is not None:
        a, b, d = theta
        grad_s = np.array([b / t1**2, -a / t1**2, 0.0])  # delta method for s = a/(a+b)
        grad_c = np.array([-d / t1**2, -d / t1**2, 1.0 / t1])  # and for c = d/(a+b)
        se = (_se(float(grad_s @ cov @ grad_s)), _se(float(grad_c @ cov @ grad_c)))

    def refit(y_star: Any) -> tuple[float, float]:
        s_b, c_b, _ = to_sc(nnls(wa, g.means(y_star) * g.root)[0])
        return s_b, c_b

    return Solved(s, c, t1, se, fitted, y, 3, refit)


def solve_linear2(ps: Sequence[int], ys: Sequence[float], weighted: bool) -> Solved:
    """y/y(1) - 1/p = s (1 - 1/p) + c (p - 1), NNLS, rows weighted by p when `weighted`."""
    import numpy as np  # ~0.1 s on first import
    from scipy.optimize import nnls  # ~0.15 s on first import

    p = np.asarray(ps, dtype=float)
    y = np.asarray(ys, dtype=float)
    t1 = float(np.median(y[p == 1]))
    g = group_rows(p)
    w = g.p if weighted else np.ones_like(g.p)  # row weight: a function of p alone
    a_mat = np.column_stack([1.0 - 1.0 / g.p, g.p - 1.0])
    target = y / t1 - 1.0 / p
    wa = a_mat * (w * g.root)[:, None]

    def solve(t: Any) -> tuple[float, float]:
        theta = nnls(wa, g.means(t) * w * g.root)[0]
        return min(float(theta[0]), 1.0), float(theta[1])

    s, c = solve(target)
    fit_g = a_mat @ np.array([s, c])
    means = g.means(target)
    rss = float(np.sum(w**2 * g.counts * (means - fit_g) ** 2)
                + np.sum((w[g.index] * (target - means[g.index])) ** 2))
    cov = _cov(wa, rss, int(np.sum(p > 1)))
    se = (None, None) if cov is None else (_se(float(cov[0, 0])), _se(float(cov[1, 1])))
    return Solved(s, c, t1, se, fit_g[g.index], target, 2, solve)


def solve_usl(ps: Sequence[int], ys: Sequence[float], start: tuple[float, float, float]) -> Solved:
    """The R package usl's fit on throughput 1/y; t1 = 1/gamma; refits start at the estimate."""
    import numpy as np  # ~0.1 s on first import
    from scipy.optimize import least_squares  # ~0.15 s on first import

    from capstone_tui.core.fitting.usl import _jacobian, fit_usl, usl_throughput

    x = 1.0 / np.asarray(ys, dtype=float)
    g = group_rows(ps)
    fit = fit_usl(ps, x, start=start)
    theta0 = np.array([fit.sigma, fit.kappa, fit.gamma])
    fitted = usl_throughput(g.p, fit.sigma, fit.kappa, fit.gamma)[g.index]  # type: ignore[index]
    n, root = g.p, g.root

    def refit(x_star: Any) -> tuple[float, float]:
        target = g.means(x_star)
        result = least_squares(lambda th: (usl_throughput(n, *th) - target) * root, theta0,
                               jac=lambda th: _jacobian(n, th) * root[:, None],
                               bounds=([0.0, 0.0, 0.0], [1.0, 1.0, np.inf]), method="trf",
                               xtol=1e-10, ftol=1e-10, max_nfev=200)
        return float(result.x[0]), float(result.x[1])

    return Solved(fit.sigma, fit.kappa, 1.0 / fit.gamma, (fit.se_sigma, fit.se_kappa),
                  fitted, x, 3, refit)
