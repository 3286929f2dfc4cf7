"""Without a terminal the dashboard exits 2 at once with one line (issue 15 item 5).

Before: `capstone-tui ex.toml </dev/null | head -c 100` never exited and, once the pipe
closed, spun at 100 % CPU. Each case runs the real binary as a subprocess, with a real pty
(`pty.openpty`) on the side that is a terminal.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

from capstone_tui.tui.terminal_check import NEEDS_TERMINAL, has_terminal

BIN = str(Path(sys.executable).with_name("capstone-tui"))
EXAMPLE = str(Path(__file__).resolve().parents[1] / "examples" / "dedupe-4tb-crawl.toml")
LINE = f"capstone-tui: {NEEDS_TERMINAL}\n"
WITHIN_S = 1.0  # the promise; the test allows interpreter start-up noise on a shared machine
SLACK_S = 2.0


def env_without_driver() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}


def run(stdin, stdout, args=(EXAMPLE,)) -> tuple[int, str, float]:
    start = time.monotonic()
    proc = subprocess.run([BIN, *args], stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, text=True,
                          timeout=30, env=env_without_driver())
    return proc.returncode, proc.stderr, time.monotonic() - start


def test_no_terminal_at_all():
    code, err, wall = run(subprocess.DEVNULL, subprocess.PIPE)
    assert (code, err) == (2, LINE)
    assert wall < WITHIN_S + SLACK_S, wall


@pytest.mark.parametrize("tty_side", ["stdin", "stdout"])
def test_half_a_terminal_is_not_enough(tty_side: str):
    leader, follower = pty.openpty()
    try:
        if tty_side == "stdin":
            code, err, _ = run(follower, subprocess.PIPE)
        else:
            code, err, _ = run(subprocess.DEVNULL, follower)
    finally:
        os.close(leader)
        os.close(follower)
    assert (code, err) == (2, LINE)


def test_the_pipe_into_head_of_the_issue_finishes():
    start = time.monotonic()
    done = subprocess.run(["sh", "-c", f"'{BIN}' '{EXAMPLE}' </dev/null | head -c 100; echo \"rc=$?\""],
                          capture_output=True, text=True, timeout=30, env=env_without_driver())
    assert time.monotonic() - start < WITHIN_S + SLACK_S
    assert done.stderr == LINE and done.stdout == "rc=0\n"  # head got EOF: nothing was drawn


def test_help_and_headless_commands_need_no_terminal():
    code, err, _ = run(subprocess.DEVNULL, subprocess.PIPE, args=("--help",))
    assert code == 0 and err == ""
    code, err, _ = run(subprocess.DEVNULL, subprocess.PIPE, args=("assess", EXAMPLE, "--machine", "dgx-h100"))
    assert code == 0, err


def test_has_terminal_rules():
    leader, follower = pty.openpty()
    try:
        with open(follower, closefd=False) as tty_in, open(follower, "w", closefd=False) as tty_out, \
                open(os.devnull) as null:
            assert has_terminal({}, tty_in, tty_out)
            assert not has_terminal({}, null, tty_out)
            # textual-serve runs the dashboard over pipes with its web driver: let it through
            assert has_terminal({"TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver"}, null, null)
    finally:
        os.close(leader)
        os.close(follower)
