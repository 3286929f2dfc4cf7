"""Plain-language warnings about measured runs and about a fit (data hygiene, bounds, reach)."""

from __future__ import annotations

from capstone_tui.core.fitting.runs import Runs

MIN_DISTINCT_P = 4  # three parameters need a fourth point to leave a residual


def data_warnings(runs: Runs, medians: dict[int, float]) -> tuple[str, ...]:
    """Warnings on the data alone: too few p, times that fall again after rising."""
    out: list[str] = []
    if len(runs.ps) < MIN_DISTINCT_P:
        out.append(f"only {len(runs.ps)} distinct p measured: measure at least {MIN_DISTINCT_P} "
                   "(the fit has 3 parameters, so noise goes straight into s and c)")
    ps = sorted(medians)
    rising_at = None
    for prev, cur in zip(ps, ps[1:]):
        if medians[cur] > medians[prev] and rising_at is None:
            rising_at = cur
        elif medians[cur] < medians[prev] and rising_at is not None:
            what = "times" if runs.kind == "time" else "1/throughput"
            out.append(f"non-monotone {what}: they rise at p = {rising_at} and fall again at "
                       f"p = {cur} (the model allows one fall then one rise): noise or a bad run")
            break
    return tuple(out)


def fit_warnings(*, s: float, c: float, method: str, p_star: int, max_p: int, rows: int,
                 n_params: int, pmax: int, efficiency: dict[int, float]) -> tuple[str, ...]:
    """Warnings on the fit: superlinear points, bounds hit, extrapolation, no residual."""
    out: list[str] = []
    superlinear = [p for p, e in sorted(efficiency.items()) if e > 1.0]
    if superlinear:
        out.append("efficiency above 1 at p = " + ", ".join(map(str, superlinear))
                   + " (superlinear speedup or a bad baseline): the model cannot express it")
    if s <= 0.0:
        out.append("s is at its bound 0 (no measurable serial part); its standard error is not valid")
    if s >= 1.0:
        out.append("s is at its bound 1 (nothing ran faster with more workers)")
    if c <= 0.0:
        out.append(f"c is at its bound 0 (no measurable per-worker cost), so p* runs to pmax = {pmax}")
    if p_star > max_p:
        out.append(f"p* = {p_star} is past the largest measured p = {max_p}: an extrapolation")
    if rows <= n_params:
        out.append(f"{rows} rows for {n_params} parameters ({method}): an exact fit, "
                   "no residual to estimate uncertainty")
    return tuple(out)
