"""Fuzz every subcommand's flags: exit 0 or 2 (1 only for a named environment failure), one
line on stderr on 2, valid JSON on stdout for `--json` on 0, never a traceback.

Most cases call `capstone_tui.cli.main(argv)` in-process (fast); a few run the real
`python -m capstone_tui` in a subprocess so the process-level exit code and stderr are
checked too. argv[0] is always a subcommand: the dashboard is never started. `probe` and
`serve` only ever get at least one invalid flag, so no workload or server is started.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capstone_tui.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
JSON_COMMANDS = {"verdict", "curve", "fit", "assess", "size", "inventory"}

junk = st.sampled_from(["", " ", "nan", "NaN", "inf", "-inf", "-1", "0", "-0", "1e400", "1e-400", "abc", "0.5",
                        "1", "2", "4096", "10000001", "1_0", "0x1f", "１", "--", "-", "1,2", "'", "\x7f", "0.05"])
number = st.one_of(junk, st.floats(allow_nan=True, allow_infinity=True).map(repr), st.floats(0, 1).map(repr),
                   st.integers(-10, 5000).map(str), st.text(alphabet="-.e0123456789nai", max_size=6))
small_pmax = st.one_of(st.sampled_from(["", "0", "-1", "nan", "1.5", "x", "1", "64", "4096", "10000001", "1e3"]),
                       st.integers(-5, 3000).map(str))
stray = st.sampled_from(["--bogus", "-x", "--json=1", "--help", "extra", "--s", "--c"])
CSV_TEXTS = ["p,time\n1,10\n2,5.6\n4,3.4\n8,2.5\n", "p,throughput\n1,955\n2,1878\n4,3548\n8,6531\n",
             "p,time\n1,1\n", "p,time\n1,nan\n", "time\n1\n", "", "p,time\n1,1e-300\n2,1e300\n4,1\n", "\x00\xff"]
TOML_TEXTS = ["", "[scaling]\ns = 2\n", "bogus = 1\n", "name = \n", "[model]\nparams = 7e9\n",
              "[data]\nbytes = 4e12\n[machine]\nreference = \"dgx-h100\"\n", "[machine]\nreference = \"nope\"\n",
              "[data]\npath = \"/nonexistent/dir\"\n"]
MACHINES = ["this-node", "dgx-h100", "slurm:gpu", "nope", "", "slurm:", "this-node ; echo"]


def _optional(flag: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.one_of(st.just([]), values.map(lambda v: [flag, v]))


def _mostly(flag: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """The flag with a value 4 times in 5 (required flags: mostly given, sometimes missing)."""
    given_ = values.map(lambda v: [flag, v])
    return st.one_of(st.just([]), given_, given_, given_, given_)


def _flags(*parts: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
    extra = st.lists(stray, max_size=1)
    return st.tuples(*parts, extra).map(lambda groups: [a for g in groups for a in g])


switch = lambda flag: st.sampled_from([[], [flag]])  # noqa: E731


@st.composite
def argvs(draw: st.DrawFn, root: Path) -> list[str]:
    """One argv for one subcommand, with files it names written under `root`."""
    command = draw(st.sampled_from(["verdict", "curve", "fit", "assess", "size", "export", "inventory",
                                    "probe", "serve"]))
    case = Path(tempfile.mkdtemp(prefix="case", dir=root))
    if command in ("verdict", "curve"):
        pmax = small_pmax if command == "curve" else number
        flags = [_mostly("--s", number), _mostly("--c", number), _optional("--pmax", pmax), switch("--json")]
        if command == "curve":
            flags.append(switch("--no-chart"))
        return [command, *draw(_flags(*flags))]
    if command == "fit":
        runs = case / "runs.csv"
        runs.write_text(draw(st.sampled_from(CSV_TEXTS[:2] * 3 + CSV_TEXTS)), encoding="utf-8")
        target = draw(st.sampled_from([str(runs)] * 4 + [str(case / "missing.csv"), str(case), "-"]))
        method = st.sampled_from(["linear3", "usl", "linear2", "gunther", "bogus", ""])
        return [command, target, *draw(_flags(_optional("--method", method), _optional("--pmax", number),
                                              switch("--json")))]
    if command in ("assess", "export"):
        toml = case / "cand.toml"
        toml.write_text(draw(st.sampled_from(TOML_TEXTS)), encoding="utf-8")
        examples = sorted(str(p) for p in EXAMPLES.glob("*.toml"))
        target = draw(st.sampled_from([str(toml), str(case / "missing.toml"), str(case), *examples]))
        flags = [_optional("--machine", st.sampled_from(MACHINES))]
        if command == "assess":
            flags.append(switch("--json"))
        else:
            blocker = case / "file"
            blocker.write_text("x")
            flags.append(st.sampled_from([["--out", str(case / "out")], ["--out", str(blocker / "sub")], []]))
        argv = [command, target, *draw(_flags(*flags))]
        if command == "export" and "--out" not in argv:
            argv += ["--out", str(case / "default-out")]
        return argv
    if command == "size":
        (case / "data.jsonl").write_text('{"a": 1}\n{"a": 2}\n')
        target = draw(st.sampled_from([str(case), str(case / "data.jsonl"), str(case / "missing"), "no-such/dataset",
                                       "", "org/" + "x" * 200]))
        return [command, target, *draw(_flags(_optional("--config", st.sampled_from(["default", "", "x"])),
                                              _optional("--deadline", number), switch("--json")))]
    if command == "inventory":  # Slurm is the slurm tests' business; --no-slurm keeps this fast
        return [command, "--no-slurm", *draw(_flags(_optional("--timeout", number), switch("--json")))]
    if command == "probe":
        bad = draw(st.sampled_from([
            ["--workers", draw(st.sampled_from(["0", "a", "1,1", "5000", "", ",", "-1", "1.5"])), "--", "true"],
            ["--repeats", draw(st.sampled_from(["0", "101", "x", "nan", ""])), "--", "true"],
            ["--workers", "1,2"],  # no command after --
            ["--timeout", draw(st.sampled_from(["0", "-1", "nan", "x"])), "--", "true"],
        ]))
        flags = draw(_flags(_optional("--launcher", st.sampled_from(["local", "bogus", ""])), switch("--json")))
        # A positional would start COMMAND (argparse REMAINDER) and run it: none before `bad`.
        return [command, *[f for f in flags if f not in ("--help", "extra")], *bad]
    bad_port = draw(st.sampled_from(["0", "-1", "65536", "99999", "x", "", "80.5", "nan"]))
    flags = draw(_flags(_optional("--host", st.sampled_from(["127.0.0.1", "0.0.0.0", "a b", "", "::1", "[::1]"])),
                        _optional("--theme", st.sampled_from(["capstone-dark", "nope"])),
                        _optional("--machine", st.sampled_from(MACHINES))))
    flags = [f for f in flags if f != "--help"]
    target = draw(st.sampled_from([[], [str(case / "missing.toml")], [str(EXAMPLES / "robot-swarm.toml")]]))
    return ["serve", *target, *flags, "--port", bad_port]


def _check(argv: list[str], code: int, out: str, err: str) -> None:
    shown = f"argv={argv!r} exit={code} stderr={err!r}"
    assert "Traceback" not in err and "Traceback" not in out, shown
    assert code in (0, 2), shown  # an unwritable export folder is bad input too (exit 2)
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and err.strip(), shown
        assert err.startswith("capstone-tui"), shown
    if argv[0] in ("probe", "serve"):
        assert code == 2 or "--help" in argv, shown  # always at least one bad flag
    if code == 0 and "--json" in argv and argv[0] in JSON_COMMANDS and "--help" not in argv:
        json.loads(out)


def _call(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse: --help (0) and usage errors (2)
        code = stop.code if isinstance(stop.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture()
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No network and no writes outside tmp_path: offline Hub, HF cache and cwd under tmp_path."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("CAPSTONE_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cli_flags_in_process(offline: Path, capsys: pytest.CaptureFixture[str]):
    seen: set[tuple[str, int]] = set()

    @settings(max_examples=600, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(st.data())
    def one(data: st.DataObject) -> None:
        argv = data.draw(argvs(offline))
        code, out, err = _call(argv, capsys)
        _check(argv, code, out, err)
        seen.add((argv[0], code))

    one()
    # The fuzz reached both outcomes on the commands that take user numbers.
    for command in ("verdict", "curve", "fit", "assess"):
        assert {(command, 0), (command, 2)} <= seen, sorted(seen)


def test_size_of_a_folder_with_a_fifo_answers_within_its_deadline(offline: Path):
    # A named pipe among the data files must not block the sizer past --deadline (it would
    # hang forever on open/read): the answer is a size or a one-line error, within seconds.
    folder = offline / "with-fifo"
    folder.mkdir()
    (folder / "a.jsonl").write_text('{"a": 1}\n')
    os.mkfifo(folder / "b.jsonl")
    try:
        proc = subprocess.run([sys.executable, "-m", "capstone_tui", "size", str(folder), "--deadline", "2"],
                              capture_output=True, text=True, cwd=offline, timeout=15, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail("`size` on a folder holding a FIFO was still running after 15 s (--deadline 2)")
    _check(["size", str(folder)], proc.returncode, proc.stdout, proc.stderr)


def test_cli_flags_in_a_real_process(offline: Path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(offline / "hf")}
    env.pop("CAPSTONE_DEBUG", None)

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(st.data())
    def one(data: st.DataObject) -> None:
        argv = data.draw(argvs(offline))
        proc = subprocess.run([sys.executable, "-m", "capstone_tui", *argv], capture_output=True, text=True,
                              env=env, cwd=offline, timeout=60, stdin=subprocess.DEVNULL)
        _check(argv, proc.returncode, proc.stdout, proc.stderr)

    one()
