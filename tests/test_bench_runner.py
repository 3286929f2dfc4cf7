"""bench/run.py: finds every bench_*.py, runs each quick round, and fails loudly when one breaks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RUNNER = Path(__file__).resolve().parents[1] / "bench" / "run.py"


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(RUNNER), "--dir", str(folder), *args], capture_output=True,
                          text=True, timeout=120)


def test_every_bench_file_runs_and_a_broken_one_fails_the_run(tmp_path):
    (tmp_path / "bench_fine.py").write_text("import sys\nassert sys.argv[1:] == ['--quick']\nprint('| fine |')\n")
    (tmp_path / "bench_own_args.py").write_text(
        "import sys\nQUICK_ARGS = ['--rows', '10']\nassert sys.argv[1:] == QUICK_ARGS\nprint('own args')\n")
    (tmp_path / "bench_broken.py").write_text("raise TimeoutError(\"b'1/s = 16.7x' never appeared\")\n")
    (tmp_path / "bench_silent.py").write_text("pass\n")
    (tmp_path / "helper.py").write_text("raise SystemExit('not a benchmark: never run')\n")
    done = run(tmp_path, "--quick")
    assert done.returncode == 1, done.stdout + done.stderr
    rows = {line.split("|")[1].strip(): line for line in done.stdout.splitlines() if line.startswith("| bench_")}
    assert sorted(rows) == ["bench_broken.py", "bench_fine.py", "bench_own_args.py", "bench_silent.py"]
    assert rows["bench_fine.py"].endswith("| ok |") and rows["bench_own_args.py"].endswith("| ok |")
    assert "broke: exit 1: TimeoutError" in rows["bench_broken.py"]
    assert "broke: printed nothing" in rows["bench_silent.py"]
    assert "2 benchmark(s) broke: bench_broken.py, bench_silent.py" in done.stderr


def test_quick_budget_bounds_the_whole_run(tmp_path):
    (tmp_path / "bench_slow.py").write_text("import time\nprint('started', flush=True)\ntime.sleep(60)\n")
    (tmp_path / "bench_zlater.py").write_text("print('never reached')\n")
    done = run(tmp_path, "--quick", "--budget", "6")
    assert done.returncode == 1
    assert "broke: still running after" in done.stdout and "quick budget spent" in done.stdout


def test_all_passing_exits_zero_and_only_filters(tmp_path):
    (tmp_path / "bench_a.py").write_text("print('a')\n")
    (tmp_path / "bench_b.py").write_text("raise SystemExit(3)\n")
    done = run(tmp_path, "--quick", "--only", "a")
    assert done.returncode == 0 and "| bench_a.py |" in done.stdout and "bench_b" not in done.stdout
    assert run(tmp_path, "--only", "zzz").returncode == 2
