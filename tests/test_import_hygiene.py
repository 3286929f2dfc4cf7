"""Importing the package (and its CLI and core) must not pull in heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ["datasets", "pyarrow", "pynvml", "numpy", "scipy", "dask", "pandas", "huggingface_hub"]


def imported_after(code: str) -> set[str]:
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_package_import_is_light():
    mods = imported_after("import capstone_tui, capstone_tui.cli")
    assert not {m for m in mods if m.split(".")[0] in HEAVY}
    assert "textual" not in mods  # Textual only for the dashboard


def test_core_modules_are_light():
    code = "\n".join(f"import capstone_tui.core.{m}" for m in (
        "scaling", "candidate", "machine", "dashboard_state", "assessment", "ceilings", "memory", "serving",
        "presets", "snapshot", "units"))
    mods = imported_after(code)
    assert not {m for m in mods if m.split(".")[0] in HEAVY + ["textual"]}


def test_app_start_path_is_light():
    mods = imported_after("import capstone_tui.tui.app")
    assert not {m for m in mods if m.split(".")[0] in HEAVY}
