"""Start and stop a real `capstone-tui serve` process on loopback for the serve tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import secrets
import time
from pathlib import Path

import pytest

# what the tests write into --token-file: random per run (some tests bind 0.0.0.0 for a moment)
TOKEN = secrets.token_urlsafe(24)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def token_file(folder: Path, token: str = TOKEN) -> Path:
    path = folder / "serve.token"
    path.write_text(token + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def start_serve(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(cwd / "hf")}
    return subprocess.Popen([sys.executable, "-m", "capstone_tui", "serve", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def stop(proc: subprocess.Popen[bytes]) -> tuple[str, str]:
    """End the server and the dashboards it started (its own process group)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=10)
    return out.decode(errors="replace"), err.decode(errors="replace")


def wait_listening(proc: subprocess.Popen[bytes], port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, err = stop(proc)
            pytest.fail(f"serve exited with {proc.returncode}: {err or out}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"serve did not listen on 127.0.0.1:{port} within {timeout} s")
