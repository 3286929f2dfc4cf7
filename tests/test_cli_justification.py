"""`verdict` and `curve`: SPEC keys, agreement with the seed's brute force, exit codes, one-line errors."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from test_scaling import seed_best_p, seed_speedup


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "capstone_tui", *args], capture_output=True, text=True, env=env)


def test_verdict_json_agrees_with_brute_force():
    rng = random.Random(3)
    for _ in range(6):
        s, c, pmax = round(rng.random(), 3), round(rng.random() * 0.01, 5), rng.randint(1, 3000)
        out = cli("verdict", "--s", str(s), "--c", str(c), "--pmax", str(pmax), "--json")
        assert out.returncode == 0, out.stderr
        data = json.loads(out.stdout)
        p, sp = seed_best_p(s, c, pmax)
        assert (data["p_star"], data["speedup"]) == (p, sp)
        assert data["efficiency"] == pytest.approx(sp / p)
        assert data["verdict"] == ("distribute" if sp > 1.05 and p > 1 else "stay single-machine")
        gp, gsp = seed_best_p(s, 4 * c, pmax)
        assert (data["geo"]["p_star"], data["geo"]["speedup"]) == (gp, gsp)


def test_verdict_human_output_names_both_links():
    out = cli("verdict", "--s", "0.05", "--c", "0.002")
    assert out.returncode == 0
    assert "p* = 22" in out.stdout and "7.40x" in out.stdout
    assert "geo link" in out.stdout and "p* = 11" in out.stdout
    assert "20.00x" in out.stdout  # Amdahl ceiling 1/s


def test_verdict_s_zero_has_null_ceiling():
    data = json.loads(cli("verdict", "--s", "0", "--c", "0.001", "--json").stdout)
    assert data["amdahl_ceiling"] is None


@pytest.mark.parametrize("args,field", [
    (["--s", "1.5", "--c", "0.1"], "s:"), (["--s", "abc", "--c", "0.1"], "s:"),
    (["--s", "0.1", "--c", "-1"], "c:"), (["--s", "0.1", "--c", "nan"], "c:"),
    (["--s", "0.1", "--c", "inf"], "c:"), (["--s", "0.1", "--c", "0.1", "--pmax", "0"], "pmax:"),
    (["--s", "0.1", "--c", "0.1", "--pmax", "1.5"], "pmax:"), (["--s", "0.1"], "--c"),
    (["--s", "0.1", "--c", "0.1", "--bogus"], "--bogus"),
])
@pytest.mark.parametrize("command", ["verdict", "curve"])
def test_bad_input_exits_2_with_one_line(command, args, field):
    out = cli(command, *args)
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and field in lines[0]
    assert "Traceback" not in out.stderr


def test_curve_json_rows_and_markers():
    data = json.loads(cli("curve", "--s", "0.1", "--c", "0.002", "--json").stdout)
    assert data["pmax"] == 64 and len(data["points"]) == 64
    assert [pt["p"] for pt in data["points"]] == list(range(1, 65))
    for pt in data["points"]:
        assert pt["speedup"] == seed_speedup(0.1, pt["p"], 0.002)
        assert pt["geo_speedup"] == seed_speedup(0.1, pt["p"], 0.008)
    assert data["p_star"] == seed_best_p(0.1, 0.002, 64)[0] == 21
    assert data["geo"]["p_star"] == seed_best_p(0.1, 0.008, 64)[0]


def test_curve_table_and_chart():
    out = cli("curve", "--s", "0.1", "--c", "0.002", "--pmax", "30")
    assert out.returncode == 0
    assert "<- p*" in out.stdout and "<- p*(geo)" in out.stdout
    assert "workers p" in out.stdout  # the plotext chart
    assert "\x1b[" not in out.stdout  # no colour codes when stdout is not a terminal


def test_unknown_command_argument_is_a_candidate_path():
    out = cli("no-such-file.toml")
    assert out.returncode == 2
    assert "no-such-file.toml" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_dashboard_flags_are_validated_before_the_screen_opens(tmp_path):
    bad = tmp_path / "runs.csv"
    bad.write_text("p,time\n1,abc\n")
    for args, field in ((["--runs", str(bad)], "runs.csv"), (["--runs", str(tmp_path / "none.csv")], "--runs"),
                        (["--theme", "nope"], "--theme"), (["--refresh", "0.01"], "--refresh")):
        out = cli(*args)
        assert out.returncode == 2, out
        assert len(out.stderr.strip().splitlines()) == 1 and field in out.stderr
