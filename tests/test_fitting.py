"""Fitting s and c: exact and noisy synthetic data with known s and c, warnings, uncertainty."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capstone_tui.core.errors import ValidationError
from capstone_tui.core.fitting.fit import FitResult, fit_runs
from capstone_tui.core.fitting.runs import Runs
from capstone_tui.core.scaling import best_p, speedup, verdict_for

PS = (1, 2, 3, 4, 6, 8, 12, 16)


def model_time(s: float, c: float, p: int, t1: float = 5.0) -> float:
    """Wall time of a run under the model, written out independently of core.scaling."""
    return t1 * (s + (1.0 - s) / p + c * (p - 1))


def exact_runs(s: float, c: float, ps=PS, t1: float = 5.0, kind: str = "time") -> Runs:
    if kind == "time":
        rows = tuple((p, model_time(s, c, p, t1)) for p in ps)
    else:
        rows = tuple((p, 100.0 / model_time(s, c, p, t1)) for p in ps)
    return Runs(kind=kind, rows=rows, source="synthetic")


def noisy_runs(s: float, c: float, seed: int, noise: float = 0.02, repeats: int = 3) -> Runs:
    rng = random.Random(seed)
    rows = tuple((p, model_time(s, c, p) * (1.0 + rng.gauss(0.0, noise)))
                 for p in PS for _ in range(repeats))
    return Runs(kind="time", rows=rows, source="noisy")


@pytest.mark.parametrize("method", ["linear3", "linear2", "gunther", "usl"])
@pytest.mark.parametrize("s, c", [(0.2, 0.03), (0.05, 0.002), (0.5, 0.0001)])
def test_exact_data_gives_exact_s_and_c(method, s, c):
    fit = fit_runs(exact_runs(s, c), method=method)
    assert fit.s == pytest.approx(s, rel=1e-6, abs=1e-9)
    assert fit.c == pytest.approx(c, rel=1e-5, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.01, 0.9), st.floats(1e-4, 0.05), st.floats(0.01, 1e4))
def test_linear3_recovers_any_model_whatever_the_time_unit(s, c, t1):
    fit = fit_runs(exact_runs(s, c, t1=t1))
    assert fit.s == pytest.approx(s, rel=1e-6, abs=1e-9)
    assert fit.c == pytest.approx(c, rel=1e-5, abs=1e-10)
    assert fit.t1 == pytest.approx(t1, rel=1e-6)


def test_throughput_data_gives_the_same_fit_as_time_data():
    by_time = fit_runs(exact_runs(0.1, 0.004))
    by_rate = fit_runs(exact_runs(0.1, 0.004, kind="throughput"))
    assert by_rate.s == pytest.approx(by_time.s, rel=1e-7)
    assert by_rate.c == pytest.approx(by_time.c, rel=1e-6)
    assert by_rate.usl.gamma == pytest.approx(100.0 / 5.0, rel=1e-6)  # gamma: throughput at p = 1


@pytest.mark.parametrize("seed", range(5))
def test_noisy_data_recovers_s_and_c_within_tolerance(seed):
    """2 % multiplicative noise, 3 repeats at 8 p: |ds| <= 0.03 and |dc| <= 0.003 (s=0.2, c=0.03)."""
    fit = fit_runs(noisy_runs(0.2, 0.03, seed))
    assert abs(fit.s - 0.2) <= 0.03
    assert abs(fit.c - 0.03) <= 0.003
    assert fit.se_s is not None and 0 < fit.se_s < 0.05
    lo, hi = fit.bootstrap.p_star
    assert lo <= fit.p_star <= hi


def test_no_p1_row_linear3_still_fits_and_linear2_refuses():
    runs = exact_runs(0.2, 0.03, ps=(2, 3, 4, 6, 8))
    fit = fit_runs(runs)
    assert fit.s == pytest.approx(0.2, rel=1e-6) and fit.c == pytest.approx(0.03, rel=1e-5)
    with pytest.raises(ValidationError, match="needs a p = 1 row"):
        fit_runs(runs, method="linear2")


def test_p_star_speedup_and_verdict_come_from_core_scaling():
    fit = fit_runs(exact_runs(0.05, 0.002))
    assert (fit.p_star, fit.speedup) == best_p(fit.s, fit.c, 4096)
    assert fit.verdict == verdict_for(fit.p_star, fit.speedup) == "distribute"
    # sqrt(0.95 / 0.002) = 21.8; T(21) = 0.135238, T(22) = 0.135182, T(23) = 0.135304
    assert fit.p_star == 22


def test_karp_flatt_of_exact_data_lies_on_the_fitted_line():
    fit = fit_runs(exact_runs(0.2, 0.03))
    assert [p for p, _ in fit.karp_flatt] == [p for p in PS if p > 1]
    for p, e in fit.karp_flatt:
        assert e == pytest.approx(0.2 + 0.03 * p, rel=1e-6)


def test_points_are_measured_speedups_normalized_to_the_fitted_t1():
    fit = fit_runs(exact_runs(0.2, 0.03))
    for p, s in fit.points:
        assert s == pytest.approx(1.0 / (0.2 + 0.8 / p + 0.03 * (p - 1)), rel=1e-6)


def test_superlinear_data_is_flagged_and_bounded():
    runs = Runs("time", ((1, 10.0), (2, 4.5), (4, 2.2), (8, 1.1)), "super")
    fit = fit_runs(runs)
    assert fit.s >= 0 and fit.c >= 0
    text = " ".join(fit.warnings)
    assert "efficiency above 1 at p = 2, 4, 8" in text
    assert "s is at its bound 0" in text


def test_few_points_extrapolation_and_bound_warnings():
    fit = fit_runs(exact_runs(0.01, 0.0001, ps=(1, 2, 4)))
    text = " ".join(fit.warnings)
    assert "only 3 distinct p" in text
    assert "an extrapolation" in text and f"p* = {fit.p_star}" in text
    assert "exact fit" in text  # 3 rows for 3 parameters


def test_amdahl_data_puts_c_at_its_bound():
    fit = fit_runs(exact_runs(0.1, 0.0))
    assert fit.c == pytest.approx(0.0, abs=1e-12)
    assert any("c is at its bound 0" in w for w in fit.warnings)


def test_non_monotone_times_are_flagged():
    runs = Runs("time", ((1, 10.0), (2, 6.0), (3, 7.0), (4, 4.0), (8, 5.0)), "bumpy")
    assert any("non-monotone times" in w for w in fit_runs(runs).warnings)
    assert not any("non-monotone" in w for w in fit_runs(exact_runs(0.2, 0.03)).warnings)


def test_fewer_than_three_distinct_p_is_a_validation_error():
    with pytest.raises(ValidationError, match="at least 3 distinct"):
        fit_runs(Runs("time", ((1, 2.0), (2, 1.2), (2, 1.3)), "r"))
    with pytest.raises(ValidationError, match="method"):
        fit_runs(exact_runs(0.2, 0.03), method="magic")


def test_bootstrap_is_deterministic_fast_and_brackets_the_estimate():
    runs = noisy_runs(0.2, 0.03, seed=7, repeats=5)  # 40 rows
    fit_runs(runs)  # warm the lazy imports
    t0 = time.perf_counter()
    first = fit_runs(runs)
    elapsed = time.perf_counter() - t0
    assert elapsed < 0.5, elapsed
    second = fit_runs(runs)
    assert first.bootstrap == second.bootstrap and first.samples == second.samples
    lo, hi = first.bootstrap.speedup
    assert lo <= first.speedup <= hi
    assert first.bootstrap.prob_distribute == 1.0  # S(p*) ~ 2 >> 1.05
    ps = [1, 2, 4, 8, 16]
    lows, highs = first.band(ps)
    assert lows[0] == pytest.approx(1.0) and highs[0] == pytest.approx(1.0)
    for p, low, high in zip(ps, lows, highs):
        assert low <= speedup(first.s, p, first.c) * 1.0000001 and high >= speedup(first.s, p, first.c) * 0.9999999


def test_probability_of_distributing_is_low_when_nothing_scales():
    rng = random.Random(3)
    rows = tuple((p, 1.0 + 0.3 * (p - 1) + rng.gauss(0, 0.01)) for p in (1, 2, 3, 4, 6) for _ in range(3))
    fit = fit_runs(Runs("time", rows, "slow"))
    assert fit.verdict == "stay single-machine"
    assert fit.bootstrap.prob_distribute < 0.05


def test_to_json_puts_the_spec_keys_first():
    out = fit_runs(exact_runs(0.2, 0.03)).to_json()
    assert list(out)[:9] == ["s", "c", "method", "p_star", "speedup", "verdict", "usl", "karp_flatt", "warnings"]
    assert list(out["usl"])[:4] == ["sigma", "kappa", "gamma", "peak"]
    json.dumps(out, allow_nan=False)


def test_importing_fitting_does_not_import_numpy_or_scipy():
    code = ("import sys, capstone_tui.core.fitting.fit, capstone_tui.core.fitting.usl, capstone_tui.commands.fit, "
            "capstone_tui.commands.probe, capstone_tui.runners.launchers; "
            "print(sorted(m for m in ('numpy', 'scipy', 'dask') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_fit_result_is_frozen():
    fit = fit_runs(exact_runs(0.2, 0.03))
    assert isinstance(fit, FitResult)
    with pytest.raises(AttributeError):
        fit.s = 0.5  # type: ignore[misc]


async def test_karp_flatt_screen_lists_every_p_and_closes_on_escape():
    from textual.app import App
    from textual.widgets import DataTable

    from capstone_tui.tui.screens.karp_flatt import KarpFlattScreen

    fit = fit_runs(exact_runs(0.2, 0.03))

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(KarpFlattScreen(fit))

    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, KarpFlattScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == len(PS) - 1
        first = table.get_row_at(0)
        assert first[0] == "2" and first[1] == f"{0.2 + 0.06:+.4f}"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, KarpFlattScreen)
