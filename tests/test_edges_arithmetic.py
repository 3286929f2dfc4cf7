"""Finite arithmetic at the edges of s, c and pmax, through the real CLI: an answer or exit 2 with
the field and its range, never exit 1, never "infx", "-0.0" or an "exact arithmetic" claim;
`curve` bounded for any pmax; candidate TOML nesting bounded."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from capstone_tui.core.chart.sample import CURVE_ROWS_MAX, curve_ps
from capstone_tui.core.scaling import C_MAX, best_p, best_p_bruteforce, justify


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "capstone_tui", *args], capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("s,c,pmax", [
    ("0.1", "4e307", "10000000"), ("0.1", "4.49e307", "4096"), ("5e-324", "0.002", "4096"),
    ("-0", "-0", "4096"), ("0", "5e-324", "10000000"), ("5e-324", "5e-324", "10000000"),
    ("1", "1e300", "1"), ("0.5", "1e-300", "10000000"), ("1e-300", "0", "10000000"),
])
def test_verdict_answers_at_the_edges(s: str, c: str, pmax: str) -> None:
    for extra in ((), ("--json",)):
        start = time.monotonic()
        out = cli("verdict", "--s", s, "--c", c, "--pmax", pmax, *extra)
        assert out.returncode == 0, out.stderr
        assert time.monotonic() - start < 20
        assert "infx" not in out.stdout and "-0.0" not in out.stdout and "= -0" not in out.stdout
        assert "exact arithmetic" not in out.stdout and " inf " not in out.stdout
        assert "nan" not in out.stdout.lower()
        if extra:
            data = json.loads(out.stdout)
            assert "Infinity" not in out.stdout and 1 <= data["p_star"] <= int(pmax)


def test_c_too_large_for_the_geo_link_is_exit_2_with_the_range() -> None:
    out = cli("verdict", "--s", "0.1", "--c", "5e307")
    assert out.returncode == 2 and out.stdout == ""
    line = out.stderr.strip()
    assert len(line.splitlines()) == 1 and "c:" in line and "4.494e+307" in line


def test_negative_zero_is_plain_zero() -> None:
    j = justify("-0", "-0", 16)
    assert str(j.s) == "0.0" and str(j.c) == "0.0"


@settings(max_examples=300, deadline=None)
@given(st.floats(0, 1), st.one_of(st.floats(0, C_MAX), st.floats(5e-324, 1e-250), st.floats(0.3, 10)),
       st.integers(1, 300))
def test_best_p_equals_the_brute_force_at_the_edges(s: float, c: float, pmax: int) -> None:
    got = best_p(s, c, pmax)
    event("p* = 1" if got[0] == 1 else "p* = pmax" if got[0] == pmax else "p* interior")  # all three occur
    assert got == best_p_bruteforce(s, c, pmax)


def test_best_p_is_bounded_for_tiny_and_huge_c() -> None:
    start = time.perf_counter()
    for s, c in ((0.0, 5e-324), (5e-324, 5e-324), (0.0, 1e-300), (0.1, C_MAX), (0.9, 1e-17)):
        p, value = best_p(s, c, 10_000_000)
        assert 1 <= p <= 10_000_000 and value > 0
    assert time.perf_counter() - start < 1.0


def test_curve_json_is_sampled_by_its_stated_rule_for_huge_pmax() -> None:
    start = time.monotonic()
    out = cli("curve", "--s", "0.01", "--c", "1e-9", "--pmax", "10000000", "--json")
    assert out.returncode == 0, out.stderr
    assert time.monotonic() - start < 30
    data = json.loads(out.stdout)
    ps = [pt["p"] for pt in data["points"]]
    assert data["sampled"] is True and data["points_shown"] == len(ps) <= CURVE_ROWS_MAX + 8
    assert ps == sorted(set(ps)) and ps[0] == 1 and ps[-1] == 10_000_000
    assert data["p_star"] in ps and data["geo"]["p_star"] in ps
    assert "log p" in data["sample_rule"]


def test_curve_sample_rule() -> None:
    assert curve_ps(64) == list(range(1, 65))
    assert curve_ps(CURVE_ROWS_MAX) == list(range(1, CURVE_ROWS_MAX + 1))
    big = curve_ps(10_000_000, [123_457, 9_999_999, 0, 20_000_000])
    assert len(big) <= CURVE_ROWS_MAX + 2 and 123_457 in big and 9_999_999 in big
    assert big[:1024] == list(range(1, 1025)) and big[-1] == 10_000_000


def test_curve_table_and_chart_for_huge_pmax_are_bounded() -> None:
    start = time.monotonic()
    out = cli("curve", "--s", "0.01", "--c", "1e-9", "--pmax", "10000000")
    assert out.returncode == 0, out.stderr
    assert time.monotonic() - start < 30
    assert len(out.stdout.splitlines()) < CURVE_ROWS_MAX + 200
    assert "sampled" in out.stdout or "of 10,000,000 rows" in out.stdout


@pytest.mark.parametrize("depth", [33, 5000, 200_000])
def test_deeply_nested_toml_is_exit_2_naming_the_bound(tmp_path, depth: int) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * depth + "]" * depth + "\n")
    out = cli("assess", str(path))
    assert out.returncode == 2, out.stderr
    assert "32 levels" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_brackets_inside_strings_and_comments_do_not_count(tmp_path) -> None:
    from capstone_tui.core.candidate import parse_candidate

    deep = "[" * 100
    text = (f'name = "{deep}"\n# {deep}\n[scaling]\ns = 0.1\n[data]\npath = \'\'\'{deep}\'\'\'\n')
    assert parse_candidate(text).name == deep
