"""Drive the real `capstone-tui` binary in a tmux session over a real pty."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest


class TmuxApp:
    """One detached tmux session running one command; keys in, screen text out."""

    def __init__(self, command: list[str], *, width: int = 80, height: int = 24, cwd: Path,
                 env: dict[str, str] | None = None, term: str = "xterm-256color") -> None:
        if shutil.which("tmux") is None:
            if os.environ.get("CI") == "true":
                pytest.fail("tmux is not installed (scripts/test.sh installs it)")
            pytest.skip("tmux is not installed")
        self.name = f"ctui-{uuid.uuid4().hex[:8]}"
        self.status = cwd / f"{self.name}.status"
        inner = " ".join(shlex.quote(part) for part in command)
        script = f"{inner}; echo $? > {shlex.quote(str(self.status))}; sleep 30"
        full_env = dict(os.environ, **(env or {}))
        full_env["TERM"] = term
        subprocess.run(["tmux", "-f", "/dev/null", "new-session", "-d", "-s", self.name, "-x", str(width),
                        "-y", str(height), "sh", "-c", script], check=True, cwd=cwd, env=full_env)
        subprocess.run(["tmux", "set-option", "-t", self.name, "status", "off"], check=False)

    def screen(self) -> str:
        out = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return out.stdout

    def press(self, *keys: str) -> None:
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)
            time.sleep(0.05)

    def wait_for(self, predicate, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"screen never matched; last screen:\n{text}")

    def exit_code(self, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.status.exists() and self.status.read_text().strip():
                return int(self.status.read_text().strip())
            time.sleep(0.1)
        raise AssertionError(f"the app did not exit; screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)
