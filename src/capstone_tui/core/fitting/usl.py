"""The Universal Scalability Law fitted the way the R package `usl` fits it.

    X(N) = gamma N / (1 + sigma (N - 1) + kappa N (N - 1))

by nonlinear least squares on throughput X with sigma, kappa in [0, 1] and gamma >= 0 (R
package usl >= 2.0, method "nlxb"; github.com/smoeding/usl, R/usl.R). Standard errors come from
the analytic Jacobian with SSE / (n - 3), as in the package's R/gradient.R.

Normalized by gamma this is the project's model: sigma = s, kappa = c (reference/fitting.md).
numpy and scipy are imported inside the functions that use them (about 0.2 s together).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence


@dataclass(frozen=True)
class USLFit:
    """sigma (contention), kappa (coherency), gamma (single-worker throughput), their SEs."""

    sigma: float
    kappa: float
    gamma: float
    se_sigma: float | None
    se_kappa: float | None
    se_gamma: float | None
    sse: float

    @property
    def peak(self) -> float | None:
        """sqrt((1 - sigma)/kappa): the continuous load of peak throughput (None if kappa = 0)."""
        if self.kappa <= 0 or self.sigma >= 1:
            return None
        return math.sqrt((1.0 - self.sigma) / self.kappa)

    def throughput(self, n: float) -> float:
        return self.gamma * n / (1.0 + self.sigma * (n - 1.0) + self.kappa * n * (n - 1.0))


def usl_throughput(n: object, sigma: float, kappa: float, gamma: float) -> object:
    """X(N) on a number or a numpy array."""
    return gamma * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0))  # type: ignore[operator]


def fit_usl(loads: Sequence[float] | Any, throughputs: Sequence[float] | Any,
            start: tuple[float, float, float] | None = None) -> USLFit:
    """Fit (sigma, kappa, gamma) to throughput rows; tries R's start values and `start`.

    Rows are grouped by load first (core.fitting.solvers.group_rows): the least-squares fit on the
    group means weighted by sqrt(rows) has the same minimizer, and the SSE adds the within-group
    part, so the work per iteration is O(distinct loads).
    """
    import numpy as np  # ~0.1 s on first import
    from scipy.optimize import least_squares  # ~0.15 s on first import

    from capstone_tui.core.fitting.solvers import group_rows

    rows_x = np.asarray(throughputs, dtype=float)
    g = group_rows(loads)
    n, x, root = g.p, g.means(rows_x), g.root
    within = g.within(rows_x, x)
    starts = [(0.01, 1e-4, float(np.max(rows_x / np.asarray(loads, dtype=float))))]  # R's start values
    if start is not None:
        starts.insert(0, (min(max(start[0], 0.0), 1.0), min(max(start[1], 0.0), 1.0),
                          max(start[2], 1e-12)))
    best = None
    for theta0 in starts:
        result = least_squares(
            lambda th: (usl_throughput(n, th[0], th[1], th[2]) - x) * root,
            np.asarray(theta0), jac=lambda th: _jacobian(n, th) * root[:, None],
            bounds=([0.0, 0.0, 0.0], [1.0, 1.0, np.inf]), method="trf",
            xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=2000)
        if best is None or result.cost < best.cost:
            best = result
    assert best is not None
    # Parameters the solver left on a bound (active_mask != 0) are set exactly to it.
    theta = [(0.0 if best.x[i] < 0.5 else 1.0) if best.active_mask[i] else float(best.x[i])
             for i in range(2)] + [float(best.x[2])]
    sigma, kappa, gamma = theta
    sse = float(2.0 * best.cost) + within
    ses = _standard_errors(_jacobian(n, np.asarray(theta)) * root[:, None], sse, len(rows_x))
    return USLFit(sigma, kappa, gamma, ses[0], ses[1], ses[2], sse)


def _jacobian(n: object, theta: object) -> object:
    """dX/d(sigma, kappa, gamma), columns in that order."""
    import numpy as np

    sigma, kappa, gamma = theta  # type: ignore[misc]
    den = 1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0)  # type: ignore[operator]
    num = gamma * n  # type: ignore[operator]
    return np.column_stack([-num * (n - 1.0) / den**2,  # type: ignore[operator]
                            -num * n * (n - 1.0) / den**2,  # type: ignore[operator]
                            n / den])  # type: ignore[operator]


def _standard_errors(jac: object, sse: float, rows: int) -> tuple[float | None, ...]:
    """sqrt(diag((J'J)^-1) SSE/(n - 3)); None where undefined (n <= 3 or singular J'J)."""
    import numpy as np

    if rows <= 3:
        return (None, None, None)
    try:
        cov = np.linalg.inv(jac.T @ jac) * sse / (rows - 3)  # type: ignore[attr-defined]
    except np.linalg.LinAlgError:
        return (None, None, None)
    return tuple(float(math.sqrt(v)) if v >= 0 and math.isfinite(v) else None
                 for v in np.diag(cov))
