"""The runs CSV reader: good files parse, bad ones name the line and the column (exit 2)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from capstone_tui.core.errors import ValidationError
from capstone_tui.core.fitting.runs import parse_runs_csv


def test_time_rows_with_repeats_comments_and_extra_columns():
    text = ("# measured on node a\n"
            "p, time ,launcher\n"
            "1,2.0,local\n"
            "\n"
            "1,2.2,local\n"
            "4,0.9,local\n"
            "# a note\n"
            "8,1.0,local\n")
    runs = parse_runs_csv(text, source="r.csv")
    assert runs.kind == "time"
    assert runs.rows == ((1, 2.0), (1, 2.2), (4, 0.9), (8, 1.0))
    assert runs.ps == (1, 4, 8) and runs.max_p == 8
    assert runs.values_at(1) == (2.0, 2.2)


def test_throughput_rows_become_time_per_unit_of_work():
    runs = parse_runs_csv("P,Throughput\r\n1,10\r\n2,16\r\n", source="x.csv")
    assert runs.kind == "throughput"
    assert runs.as_time() == ((1, 0.1), (2, 1 / 16))


def test_byte_order_mark_and_integral_float_p_are_accepted():
    runs = parse_runs_csv("\ufeffp,time\n1.0,1\n2,0.6\n")
    assert runs.rows == ((1, 1.0), (2, 0.6))


@pytest.mark.parametrize("stat, expected", [("min", ((1, 2.0), (2, 1.1))),
                                            ("median", ((1, 2.1), (2, 1.2))),
                                            ("all", ((1, 2.0), (1, 2.2), (2, 1.3), (2, 1.1)))])
def test_aggregating_repeats(stat, expected):
    runs = parse_runs_csv("p,time\n1,2.0\n1,2.2\n2,1.3\n2,1.1\n")
    got = runs.aggregated(stat).rows
    assert [p for p, _ in got] == [p for p, _ in expected]
    assert [v for _, v in got] == pytest.approx([v for _, v in expected])


def test_best_throughput_repeat_is_the_maximum():
    runs = parse_runs_csv("p,throughput\n1,10\n1,12\n")
    assert runs.aggregated("min").rows == ((1, 12.0),)


@pytest.mark.parametrize("text, where", [
    ("p,time\n1,2\n0,1\n", "line 3, column 'p'"),
    ("p,time\n1.5,2\n", "line 2, column 'p'"),
    ("p,time\nx,2\n", "line 2, column 'p'"),
    ("p,time\n2,-1\n", "line 2, column 'time'"),
    ("p,time\n2,0\n", "line 2, column 'time'"),
    ("p,time\n2,nan\n", "line 2, column 'time'"),
    ("p,time\n2,inf\n", "line 2, column 'time'"),
    ("p,throughput\n\n2,fast\n", "line 3, column 'throughput'"),
    ("p,time\n2,1,3\n", "line 2"),
    ("p,time\n2\n", "line 2"),
])
def test_bad_values_name_the_line_and_the_column(text, where):
    with pytest.raises(ValidationError) as info:
        parse_runs_csv(text, source="runs.csv")
    assert f"runs.csv {where}" in info.value.message
    assert "\n" not in info.value.message


@pytest.mark.parametrize("text", ["workers,time\n1,2\n", "p,seconds\n1,2\n", "p,time,throughput\n1,2,3\n",
                                  "p,p,time\n1,1,2\n"])
def test_bad_headers_say_what_is_accepted(text):
    with pytest.raises(ValidationError) as info:
        parse_runs_csv(text, source="runs.csv")
    assert "runs.csv line 1 (header)" in info.value.message


@pytest.mark.parametrize("text", ["", "# only a comment\n\n", "p,time\n"])
def test_empty_files_are_rejected(text):
    with pytest.raises(ValidationError):
        parse_runs_csv(text)


def test_cli_reports_a_bad_cell_on_one_line_and_exits_2(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text("p,time\n1,2\n2,1.2\n4,abc\n")
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "fit", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "line 4, column 'time'" in done.stderr and "(got 'abc')" in done.stderr


@pytest.mark.parametrize("args, needle", [(["missing.csv"], "missing.csv: No such file or directory"),
                                          (["--pmax", "0"], "pmax"),
                                          (["--method", "magic"], "invalid choice")])
def test_cli_bad_arguments_exit_2(tmp_path, args, needle):
    good = tmp_path / "g.csv"
    good.write_text("p,time\n1,1\n2,0.6\n4,0.4\n8,0.35\n")
    argv = args if args[0] == "missing.csv" else [str(good), *args]
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "fit", *argv], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and needle in done.stderr and "Traceback" not in done.stderr


def test_too_few_distinct_p_is_bad_input(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("p,time\n1,1\n1,1.1\n2,0.6\n")
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "fit", str(path), "--json"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "at least 3 distinct worker counts" in done.stderr
    assert done.stdout == ""
