"""The USL fit against published outputs of the R package usl and of Schwartz's book.

Data: tests/data/*.csv (sources in tests/data/README.md). Published coefficients:
- github.com/smoeding/usl tests/usl-nlxb.Rout.save (specsdm91, method "nlxb"):
  alpha 0.0277285 (SE 0.0091217), beta 0.0001044 (SE 0.0000199), gamma 89.9952330 (SE 14.2134894)
- github.com/smoeding/usl tests/limit-scalability.Rout.save: limit.scalability = gamma/alpha = 3245.589
- github.com/smoeding/usl tests/peak-scalability.Rout.save: signif(peak.scalability, 2) = 97
- github.com/smoeding/usl tests/confint.Rout.save (raytracer): alpha 0.0578, beta 0.0000,
  gamma 21.8488; confint alpha [0.033677, 0.081864], gamma [17.868380, 25.829306] (the package
  uses coef +- SE * qt(0.95, n - 1), so the interval midpoints are the coefficients)
- github.com/smoeding/usl README.md (old version, Gunther's transform): sigma 1.705e-02, kappa 7.892e-05
- github.com/codahale/usl4j ModelTest.java (Cisco data, values "from the book", Schwartz 2015):
  sigma 0.02671591, kappa 7.690945E-4, lambda 995.6486
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from capstone_tui.core.fitting.fit import fit_runs
from capstone_tui.core.fitting.runs import parse_runs_csv

DATA = Path(__file__).parent / "data"
REL = 1e-4  # SPEC: agree with the R package to 1e-4 relative


def _fit(name: str, method: str = "usl"):
    return fit_runs(parse_runs_csv((DATA / name).read_text(), source=name), method=method)


def _close(got: float, want: float, rel: float = REL) -> bool:
    return math.isclose(got, want, rel_tol=rel)


def test_specsdm91_matches_r_usl_nlxb_coefficients():
    usl = _fit("specsdm91.csv").usl
    assert _close(usl.sigma, 0.0277285)
    assert _close(usl.gamma, 89.9952330)
    # beta is printed with 4 significant digits (0.0001044): agree to that precision
    assert abs(usl.kappa - 0.0001044) <= 0.00000005
    # standard errors, printed with 5 / 3 / 9 significant digits
    assert _close(usl.se_sigma, 0.0091217, 1e-4)
    assert abs(usl.se_kappa - 0.0000199) <= 0.00000005
    assert _close(usl.se_gamma, 14.2134894, 1e-6)


def test_specsdm91_derived_values_match_r_usl():
    usl = _fit("specsdm91.csv").usl
    assert _close(usl.gamma / usl.sigma, 3245.589)  # limit.scalability, all.equal(..., 1e-4)
    assert round(usl.peak, -1) == 100 and f"{usl.peak:.2g}" == "97"  # signif(peak, 2)


def test_raytracer_matches_r_usl_with_kappa_at_its_bound():
    fit = _fit("raytracer.csv")
    usl = fit.usl
    assert _close(usl.sigma, (0.033677 + 0.081864) / 2, 2e-5)  # midpoint printed to 6 digits
    assert _close(usl.gamma, (17.868380 + 25.829306) / 2)
    assert usl.kappa == 0.0 and usl.peak is None  # R prints beta 0.0000
    assert any("c is at its bound 0" in w for w in fit.warnings)
    # R's interval half-width is SE * qt(0.95, 10) = SE * 1.812461
    assert _close(usl.se_sigma * 1.812461, (0.081864 - 0.033677) / 2, 1e-4)


def test_cisco_matches_the_book_values_quoted_by_usl4j():
    usl = _fit("cisco.csv").usl
    assert _close(usl.sigma, 0.02671591)
    assert _close(usl.kappa, 7.690945e-4)
    assert _close(usl.gamma, 995.6486)


def test_gunther_method_reproduces_the_old_r_usl_default():
    fit = _fit("specsdm91.csv", method="gunther")
    assert abs(fit.s - 1.705e-02) <= 0.0005e-02
    assert abs(fit.c - 7.892e-05) <= 0.0005e-05


def test_usl_method_sets_s_and_c_to_sigma_and_kappa():
    fit = _fit("specsdm91.csv")
    assert fit.s == fit.usl.sigma and fit.c == fit.usl.kappa
    assert fit.method == "usl"


@pytest.mark.parametrize("method", ["linear3", "usl"])
def test_fit_json_cli_reproduces_published_coefficients(method: str):
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "fit", str(DATA / "specsdm91.csv"),
                           "--json", "--method", method], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert list(out)[:9] == ["s", "c", "method", "p_star", "speedup", "verdict", "usl", "karp_flatt", "warnings"]
    assert _close(out["usl"]["sigma"], 0.0277285) and _close(out["usl"]["gamma"], 89.9952330)
    assert set(out["usl"]) >= {"sigma", "kappa", "gamma", "peak"}
    assert all(set(row) >= {"p", "e"} for row in out["karp_flatt"])
