"""A GPU library that segfaults never takes capstone-tui down (issue 15 item 6).

The fake `libnvidia-ml.so.1` (tests/support/fake_nvml.py) dies of SIGSEGV in nvmlInit or in
every device call; the real nvidia-ml-py runs it inside the helper process
(`probes.nvml_child`), so `inventory` exits 0 naming "NVML crashed", and the dashboard keeps
running and gives the terminal back (no alternate screen, no mouse reporting) when it quits,
as it does on SIGTERM and SIGHUP (tui/terminal_check.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.tmux import TmuxApp

BIN = str(Path(sys.executable).with_name("capstone-tui"))


def clean_env(lib: Path, **fake: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKE_NVML", "CUDA_VISIBLE"))}
    env["LD_LIBRARY_PATH"] = str(lib)
    env.update({f"FAKE_NVML_{k.upper()}": v for k, v in fake.items()})
    return env


@pytest.mark.parametrize("mode", ["segfault", "segfault_device"])
def test_inventory_survives_a_segfaulting_library(fake_nvml: Path, mode: str):
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "inventory", "--json", "--no-slurm"],
                          capture_output=True, text=True, env=clean_env(fake_nvml, mode=mode), timeout=60)
    wall = time.monotonic() - start
    assert done.returncode == 0, done.stderr  # was 139 with NVML in the process
    assert "Traceback" not in done.stderr
    gpus = json.loads(done.stdout)["gpus"]
    assert gpus["state"] == "crashed"
    assert gpus["message"].startswith("NVML crashed") and "SIGSEGV" in gpus["message"]
    assert gpus["devices"] == [] and gpus["advice"]
    assert wall < 10


def test_inventory_text_names_the_crash(fake_nvml: Path):
    done = subprocess.run([BIN, "inventory", "--no-slurm"], capture_output=True, text=True,
                          env=clean_env(fake_nvml, mode="segfault"), timeout=60)
    assert done.returncode == 0, done.stderr
    assert "NVML crashed" in done.stdout


def _python(code: str, env: dict[str, str]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_one_long_lived_helper_serves_every_reading(fake_nvml: Path):
    # Idle cost: readings every 2 s must not start an interpreter each; one child answers all.
    code = ("from capstone_tui.probes import nvml_helper as h; import sys; pids = set(); "
            "[(h.read_within(10), pids.add(h._helper.proc.pid)) for _ in range(5)]; "
            "print(h.read_within(10).state, len(pids), 'pynvml' in sys.modules)")
    state, children, loaded_here = _python(code, clean_env(fake_nvml))
    assert state == "ok" and children == "1"
    assert loaded_here == "False"  # NVML never loads in the dashboard's own process


def test_a_crash_backs_off_instead_of_respawning(fake_nvml: Path):
    code = ("import time; from capstone_tui.probes import nvml_helper as h; "
            "a = h.read_within(10); t = time.monotonic(); b = h.read_within(10); "
            "print(a.state, b.state, h._helper.proc is None, round(time.monotonic() - t, 3))")
    first, second, no_child, took = _python(code, clean_env(fake_nvml, mode="segfault"))
    assert (first, second, no_child) == ("crashed", "crashed", "True")
    assert float(took) < 0.5  # the remembered state, not a new interpreter


def test_dashboard_keeps_running_and_restores_the_terminal(fake_nvml: Path, tmp_path: Path):
    # through `env`: a tmux server already running gives new sessions its own environment
    fake = [f"LD_LIBRARY_PATH={fake_nvml}", "FAKE_NVML_MODE=segfault"]
    app = TmuxApp(["env", *fake, BIN, "--machine", "student-laptop", "--refresh", "1"], width=120, height=40,
                  cwd=tmp_path)
    try:
        app.wait_for(lambda t: "NVML crashed" in t, timeout=30)
        time.sleep(2.5)  # two more refreshes against the crashed library
        screen = app.screen()
        assert "NVML crashed" in screen and "Speedup curve" in screen  # still drawing, state named
        app.press("q")
        assert app.exit_code() == 0
        flags = subprocess.run(["tmux", "display-message", "-p", "-t", app.name,
                                "#{alternate_on} #{mouse_any_flag} #{mouse_button_flag}"],
                               capture_output=True, text=True).stdout.split()
        assert flags == ["0", "0", "0"], flags
    finally:
        app.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_restores_the_terminal_too(tmp_path: Path, sig: signal.Signals):
    app = TmuxApp([BIN, "--machine", "student-laptop", "--refresh", "5"], cwd=tmp_path)
    try:
        app.wait_for(lambda t: "Speedup curve" in t, timeout=30)
        shell = subprocess.run(["tmux", "display-message", "-p", "-t", app.name, "#{pane_pid}"],
                               capture_output=True, text=True).stdout.strip()
        (dashboard,) = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()
        os.kill(int(dashboard), sig)
        assert app.exit_code() == 128 + sig  # left through App.exit, not killed mid-frame
        flags = subprocess.run(["tmux", "display-message", "-p", "-t", app.name,
                                "#{alternate_on} #{mouse_any_flag} #{cursor_flag}"],
                               capture_output=True, text=True).stdout.split()
        assert flags == ["0", "0", "1"], flags
    finally:
        app.close()
