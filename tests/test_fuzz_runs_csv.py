"""Fuzz the runs CSV reader and the fit: any text gives Runs (and then a fit result) or a
one-line ValidationError; never another exception, never a non-finite s or c."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from capstone_tui.core.errors import ValidationError
from capstone_tui.core.fitting.fit import FitResult, fit_runs
from capstone_tui.core.fitting.runs import Runs, parse_runs_csv
from capstone_tui.core.scaling import best_p

FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

headers = st.lists(st.sampled_from(["p", "time", "throughput", "P", " Time", "raw_time", "note", "p", ""]),
                   min_size=1, max_size=4)
cells = st.one_of(
    st.integers(-3, 40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(1e-6, 1e6).map(repr),
    st.sampled_from(["", "nan", "inf", "-inf", "1e400", "1e-400", "0", "-0", "1.5", "2.0", "10000001",
                     "1_000", "0x10", '"3"', '"', "'", "\\", "\x00", "1,2", " 4 ", "NaN", "1e308"]),
    st.text(max_size=5),
)


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    header = draw(headers)
    lines = [",".join(header)]
    for _ in range(draw(st.integers(0, 12))):
        width = len(header) if draw(st.integers(0, 6)) else draw(st.integers(0, 6))
        lines.append(",".join(draw(cells) for _ in range(width)))
        if draw(st.integers(0, 8)) == 0:
            lines.append(draw(st.sampled_from(["", "# comment", "   ", "\t"])))
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines) + draw(st.sampled_from(["", "\n"]))


@st.composite
def plausible_runs(draw: st.DrawFn) -> str:
    """Mostly valid data (so the fit itself is fuzzed), with noise and odd shapes."""
    kind = draw(st.sampled_from(["time", "throughput"]))
    ps = draw(st.lists(st.integers(1, 512), min_size=1, max_size=10))
    values = st.one_of(st.floats(1e-9, 1e9), st.sampled_from([1.0, 1e-300, 1e300, 5e-324]))
    rows = [f"{p},{draw(values)!r}" for p in ps]
    return f"p,{kind}\n" + "\n".join(rows) + "\n"


def _check(text: str) -> None:
    try:
        runs = parse_runs_csv(text)
    except ValidationError as err:
        assert err.message and "\n" not in err.message and err.field
        return
    assert isinstance(runs, Runs) and runs.rows
    assert all(isinstance(p, int) and p >= 1 and math.isfinite(v) and v > 0 for p, v in runs.rows)
    for method in ("linear3", "usl"):
        try:
            fit = fit_runs(runs, method=method)
        except ValidationError as err:
            assert err.message and "\n" not in err.message
            continue
        assert isinstance(fit, FitResult)
        assert 0.0 <= fit.s <= 1.0 and math.isfinite(fit.c) and fit.c >= 0.0
        assert fit.p_star == best_p(fit.s, fit.c, fit.pmax)[0]


@FUZZ
@given(st.one_of(st.text(max_size=300), csv_texts()))
@example("p,time\n1,1\n2,nan\n")
@example("p,time,time\n1,1,1\n")
@example('p,time\n1,"1\n')
@example("\ufeffp,time\n1,1\n2,0.6\n4,0.4\n")
def test_runs_csv_parses_or_names_line_and_column(text: str):
    _check(text)


@FUZZ
@given(plausible_runs())
@example("p,time\n1,1.0\n1,1.0\n1,1.0\n")
@example("p,time\n1,1.0\n2,1.0\n4,1.0\n8,1.0\n")
@example("p,throughput\n1,1e-300\n2,1e300\n3,5e-324\n")
@example("p,time\n2,1\n3,1\n4,1e9\n")
def test_fit_of_any_valid_runs_is_a_result_or_a_validation_error(text: str):
    _check(text)
