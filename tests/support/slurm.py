"""A real single-node Slurm for the tests (fixture `slurm_cluster`), started through
scripts/slurm_local.sh on 127.0.0.1 with two fake GPUs (GRES gpu:fake:2).

The cluster is reused when it is already up and left running afterwards (stop it with
`scripts/slurm_local.sh stop`). Where it cannot start, the tests that need it fail under
CI=true and are skipped elsewhere (no root, no apt, not Debian).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "slurm_local.sh"
STATE_DIR = os.environ.get("SLURM_LOCAL_DIR", "/tmp/capstone-slurm")
CONF = os.path.join(STATE_DIR, "slurm.conf")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"local Slurm could not start under CI: {reason}")
    pytest.skip(f"local Slurm not available: {reason}")


def slurm_env(conf: str = CONF) -> dict[str, str]:
    """The environment a client needs to reach the local cluster."""
    return {**os.environ, "SLURM_CONF": conf}


def _status_ok() -> bool:
    try:
        done = subprocess.run(["bash", str(SCRIPT), "status"], capture_output=True, text=True, timeout=15,
                              env={**os.environ, "SLURM_LOCAL_DIR": STATE_DIR})
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and "|" in done.stdout


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[dict[str, str]]:
    """An env dict with SLURM_CONF pointing at a running single-node cluster."""
    if not _status_ok():
        if os.geteuid() != 0:
            _unavailable("the start script needs root")
        try:
            done = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=240,
                                  env={**os.environ, "SLURM_LOCAL_DIR": STATE_DIR})
        except (OSError, subprocess.TimeoutExpired) as err:
            _unavailable(f"{SCRIPT.name} start: {err}")
        else:
            if done.returncode != 0:
                _unavailable(f"{SCRIPT.name} start exited {done.returncode}: {done.stderr[-800:]}")
    yield slurm_env()
