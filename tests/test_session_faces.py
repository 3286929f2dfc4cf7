"""The two faces agree (issue 10 item 8): the dashboard's export (`e`, via Pilot on the App the
launcher builds) and `capstone-tui assess --json` give the same ceilings and decision for every
example candidate and for one whose `data.path` names a parquet folder; and bad candidate files
give exit 2 with the same one line from the dashboard (the real binary on a pty) and `assess`."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from capstone_tui.cli import _dashboard_parser
from capstone_tui.tui.launch import build_app

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BINARY = Path(sys.executable).with_name("capstone-tui")


def assess_json(candidate: Path, cwd: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "assess", str(candidate), "--json"],
                          capture_output=True, text=True, cwd=cwd, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def dashboard_export(candidate: Path, out: Path) -> dict:
    args = _dashboard_parser().parse_args([str(candidate), "--export-dir", str(out)])
    app = build_app(args)
    app.live_inventory = False  # presets only: the examples name preset machines
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()  # the start-up sizing of data.path, if any
        await pilot.pause()
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
    [snapshot] = sorted(out.glob("*.json"))
    return json.loads(snapshot.read_text())


def ceilings(assessment: dict) -> list[tuple]:
    return [(c["name"], c["assessed"], c["cleared"], c["quantity"]) for c in assessment["ceilings"]]


def parquet_candidate(folder: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    shards = folder / "shards"
    shards.mkdir()
    for i in range(2):
        table = pa.table({"id": list(range(i * 5000, (i + 1) * 5000)),
                          "text": [f"row {n} " + "x" * (n % 97) for n in range(5000)]})
        pq.write_table(table, shards / f"part-{i}.parquet")
    path = folder / "parquet.toml"
    path.write_text('name = "Parquet folder"\n\n[scaling]\ns = 0.05\nc = 0.002\n\n'
                    '[data]\npath = "shards"  # relative to this file\n\n[machine]\nreference = "student-laptop"\n')
    return path


CANDIDATES = sorted(p.name for p in EXAMPLES.glob("*.toml"))


@pytest.mark.parametrize("name", CANDIDATES + ["<parquet folder>"])
async def test_dashboard_export_agrees_with_assess(tmp_path: Path, name: str) -> None:
    candidate = parquet_candidate(tmp_path) if name == "<parquet folder>" else EXAMPLES / name
    cli = assess_json(candidate, tmp_path)
    dashboard = (await dashboard_export(candidate, tmp_path / "verdicts"))["assessment"]
    assert ceilings(dashboard) == ceilings(cli)
    assert dashboard["decision"] == cli["decision"]
    assert dashboard["route"] == cli["route"]
    if name == "<parquet folder>":  # the data ceiling really was sized by both faces
        data = cli["ceilings"][0]
        assert data["assessed"] and data["quantity"] > 0
        assert data["detail"]["how"].startswith("sizer: "), data["detail"]


# --- bad files: exit 2, one line, the same from both faces ----------------------------------------


def run_on_pty(argv: list[str], cwd: Path, timeout: float = 30.0) -> tuple[int, str]:
    """Run the binary with a terminal on stdin and stdout (the dashboard needs one) and stderr
    on a pipe; return its exit status and stderr."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=subprocess.PIPE, cwd=cwd,
                            env=dict(os.environ, TERM="xterm-256color"), close_fds=True)
    os.close(slave)
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    os.read(master, 65536)  # keep the pty drained
                except OSError:
                    break
        try:
            code = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError(f"{argv} did not exit within {timeout} s") from None
        return code, proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    finally:
        os.close(master)
        if proc.stderr:
            proc.stderr.close()


def bad_candidates(folder: Path) -> dict[str, str]:
    (folder / "latin1.toml").write_bytes('name = "Caf\xe9"\n'.encode("latin-1"))
    (folder / "empty.toml").write_bytes(b"")
    (folder / "binary.toml").write_bytes(bytes(range(256)) * 4)
    os.mkfifo(folder / "fifo.toml")
    return {"non-UTF-8": "latin1.toml", "empty": "empty.toml", "binary": "binary.toml", "fifo": "fifo.toml",
            "device": "/dev/zero"}


@pytest.mark.parametrize("kind", ["non-UTF-8", "empty", "binary", "fifo", "device", "unknown machine"])
def test_bad_input_is_exit_2_with_the_same_line_from_both_faces(tmp_path: Path, kind: str) -> None:
    if kind == "unknown machine":
        args = [str(EXAMPLES / "dedupe-4tb-crawl.toml"), "--machine", "cray-1"]
    else:
        args = [bad_candidates(tmp_path)[kind]]
    code, dashboard_err = run_on_pty([str(BINARY), *args], tmp_path)
    assessed = subprocess.run([str(BINARY), "assess", *args], capture_output=True, text=True, cwd=tmp_path,
                              timeout=30, stdin=subprocess.DEVNULL)
    assert code == 2 and assessed.returncode == 2, (dashboard_err, assessed.stderr)
    lines = dashboard_err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("capstone-tui: "), dashboard_err
    assert "Traceback" not in dashboard_err and "needs a terminal" not in dashboard_err
    assert dashboard_err.strip() == assessed.stderr.strip()
    if kind == "unknown machine":
        assert "cray-1" in lines[0] and "dgx-h100" in lines[0] and "this-node" in lines[0]
    else:
        assert lines[0].startswith("capstone-tui: CANDIDATE.toml: must be ")
