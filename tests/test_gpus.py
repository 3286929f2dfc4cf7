"""The GPU probe through the real nvidia-ml-py against the fake libnvidia-ml.so.1
(tests/support/fake_nvml.py): every fault state by name, CUDA_VISIBLE_DEVICES, a hanging
driver, a missing library and the wrong `pynvml` package. NVML state is per process, so
each case runs the real CLI in a subprocess."""

from __future__ import annotations

import ctypes.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from capstone_tui.core.inventory.report import GPU_STATES
from capstone_tui.core.inventory.parsers import visible_indices

GIB = 2**30
FAKE_UUID = "GPU-0000fa4e-0000-4000-8000-{:012d}"  # what the fake library answers


def run_cli(env_extra: dict[str, str], *args: str, timeout: float = 30) -> tuple[dict, float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKE_NVML", "CUDA_VISIBLE"))}
    env.update(env_extra)
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "inventory", "--json", "--no-slurm", *args],
                          capture_output=True, text=True, env=env, timeout=timeout)
    wall = time.monotonic() - start
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout)["gpus"], wall, done.stderr


def fake_env(lib: Path, **kw: str) -> dict[str, str]:
    return {"LD_LIBRARY_PATH": str(lib), **{f"FAKE_NVML_{k.upper()}": v for k, v in kw.items()}}


def test_ok_reads_every_field(fake_nvml):
    gpus, _, _ = run_cli(fake_env(fake_nvml))
    assert gpus["state"] == "ok"
    assert gpus["driver_version"] == "999.99-fake"
    assert [d["index"] for d in gpus["devices"]] == [0, 1]
    d = gpus["devices"][1]
    assert d["name"] == "NVIDIA H100 80GB HBM3"
    assert d["uuid"] == FAKE_UUID.format(1)
    assert d["memory_total_bytes"] == 80 * GIB and d["memory_used_bytes"] == 20 * GIB
    assert (d["utilization_pct"], d["temperature_c"]) == (37, 41)
    assert d["power_draw_w"] == pytest.approx(123.456) and d["power_limit_w"] == 700.0
    assert (d["pcie_gen"], d["pcie_width"]) == (5, 16)
    # NVLink and MIG answer NOT_SUPPORTED by default: dropped, not errors
    assert d["nvlink_links"] is None and d["mig_mode"] is None and d["error"] is None
    assert {"nvlink", "mig"} <= set(gpus["unsupported_metrics"])


def test_memory_v2_splits_the_driver_reservation_out_of_used(fake_nvml):
    # A real H200 (driver 580.159.04) read through v1 says 615 MiB "used" where nvidia-smi says
    # 0 MiB used and 616 MiB reserved: v2 is read first, v1 only where v2 is not supported.
    gpus, _, _ = run_cli(fake_env(fake_nvml, mem_v2="1", gpus="1"))
    (d,) = gpus["devices"]
    assert d["memory_total_bytes"] == 80 * GIB
    assert d["memory_reserved_bytes"] == 512 * 2**20
    assert d["memory_used_bytes"] == 20 * GIB - 512 * 2**20
    assert "memory_v2" not in gpus["unsupported_metrics"]
    gpus, _, _ = run_cli(fake_env(fake_nvml, gpus="1"))  # v1 fallback: no reservation figure
    (d,) = gpus["devices"]
    assert d["memory_reserved_bytes"] is None and d["memory_used_bytes"] == 20 * GIB
    assert "memory_v2" in gpus["unsupported_metrics"]


def test_nvlink_and_mig_when_supported(fake_nvml):
    gpus, _, _ = run_cli(fake_env(fake_nvml, nvlinks="6", mig="1", gpus="1"))
    (d,) = gpus["devices"]
    assert d["nvlink_links"] == 6 and d["mig_mode"] == "enabled"


@pytest.mark.parametrize(("mode", "state", "words"), [
    ("driver_not_loaded", "driver_not_loaded", "not loaded"),
    ("mismatch", "mismatch", "mismatch"),
    ("no_devices", "no_devices", "0 devices"),
    ("gpu_lost", "gpu_lost", "lost"),
    ("no_permission", "no_permission", "permission"),
    ("unknown", "error", "unknown"),
])
def test_each_fault_mode_has_its_named_state(fake_nvml, mode, state, words):
    gpus, _, _ = run_cli(fake_env(fake_nvml, mode=mode))
    assert gpus["state"] == state
    assert words in gpus["message"].lower()
    assert gpus["advice"]  # every fault says what to do


def test_mismatch_advice_says_reboot_or_reload(fake_nvml):
    gpus, _, _ = run_cli(fake_env(fake_nvml, mode="mismatch"))
    assert "reboot" in gpus["advice"] and "reload" in gpus["advice"]


@pytest.mark.parametrize(("visible", "indices"), [
    ("1", [1]),
    ("1,0", [1, 0]),
    ("GPU-0000fa4e-0000-4000-8000-000000000001", [1]),
    ("0,7,1", [0]),  # CUDA stops at the first invalid entry
])
def test_cuda_visible_devices_is_honoured(fake_nvml, visible, indices):
    gpus, _, _ = run_cli({**fake_env(fake_nvml), "CUDA_VISIBLE_DEVICES": visible})
    assert [d["index"] for d in gpus["devices"]] == indices
    assert gpus["cuda_visible_devices"] == visible


def test_cuda_visible_devices_empty_hides_all(fake_nvml):
    gpus, _, _ = run_cli({**fake_env(fake_nvml), "CUDA_VISIBLE_DEVICES": ""})
    assert gpus["state"] == "no_devices" and gpus["devices"] == []


def test_a_hanging_driver_shows_waiting_within_the_timeout(fake_nvml):
    gpus, wall, _ = run_cli(fake_env(fake_nvml, delay_ms="5000"), "--timeout", "1")
    assert gpus["state"] == "waiting"
    assert wall < 4.0  # 1 s timeout + interpreter start; the 5 s+ driver call is abandoned


def test_no_library(tmp_path):
    if ctypes.util.find_library("nvidia-ml"):
        pytest.skip("a real NVIDIA library is installed system-wide")
    gpus, _, _ = run_cli({"LD_LIBRARY_PATH": str(tmp_path)})
    assert gpus["state"] == "no_library"
    assert gpus["message"].startswith(GPU_STATES["no_library"][0])


@pytest.mark.parametrize("module_text", [
    "def nvmlInit():\n    pass\n",  # an old, unrelated `pynvml` package
    "raise ImportError('broken install')\n",
])
def test_wrong_pynvml_package(tmp_path, fake_nvml, module_text):
    (tmp_path / "pynvml.py").write_text(module_text)
    env = {**fake_env(fake_nvml), "PYTHONPATH": str(tmp_path)}
    gpus, _, _ = run_cli(env)
    assert gpus["state"] == "bindings_broken"
    assert "nvidia-ml-py" in gpus["advice"]


def _python(code: str, env_extra: dict[str, str]) -> tuple[str, float]:
    env = {**os.environ, **env_extra}
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip(), time.monotonic() - start


def test_this_node_machine_uses_the_gpus(fake_nvml):
    out, _ = _python("from capstone_tui.probes.host import this_node_machine as t; m = t(); "
                     "print(m.accelerators, m.accelerator_total_bytes, m.accelerator_bytes)", fake_env(fake_nvml))
    count, total, usable = out.split()
    assert int(count) == 2 and float(total) == 80 * GIB
    assert 0 < float(usable) < 80 * GIB  # a usable fraction, less the CUDA context


def test_this_node_machine_returns_quickly_when_nvml_hangs(fake_nvml):
    code = ("import time; from capstone_tui.probes.host import this_node_machine as t; s = time.monotonic(); "
            "m = t(); print(m.accelerators, time.monotonic() - s)")
    out, _ = _python(code, fake_env(fake_nvml, delay_ms="10000"))
    count, took = out.split()
    assert int(count) == 0 and float(took) < 2.5  # the probe gives NVML 1.5 s


def test_importing_does_not_load_nvml():
    code = ("import sys, capstone_tui, capstone_tui.probes.gpus, capstone_tui.probes.inventory, "
            "capstone_tui.commands.inventory, capstone_tui.core.inventory.report; print('pynvml' in sys.modules)")
    out, _ = _python(code, {})
    assert out == "False"


def test_visible_indices_rules():
    uuids = [FAKE_UUID.format(i) for i in range(3)]
    assert visible_indices(None, uuids) == (0, 1, 2)
    assert visible_indices("", uuids) == ()
    assert visible_indices("2, 0", uuids) == (2, 0)
    assert visible_indices("GPU-0000fa4e", uuids) == ()  # ambiguous prefix ends the list
    assert visible_indices("1,1", uuids) == (1,)
    assert visible_indices("-1", uuids) == ()
