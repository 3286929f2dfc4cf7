"""Run a terminal program in a real pseudo-terminal and time what reaches the screen.

Used by the TUI benchmarks to measure our dashboard and a bare Textual app side by side,
with the same terminal size, on the same machine, in the same run.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass, field

import psutil


@dataclass
class Session:
    proc: subprocess.Popen
    fd: int
    started: float
    buffer: bytearray = field(default_factory=bytearray)
    bytes_total: int = 0
    peak_rss: int = 0

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return b""
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:
            return b""
        self.buffer.extend(chunk)
        self.bytes_total += len(chunk)
        return chunk

    def sample_rss(self) -> None:
        try:
            proc = psutil.Process(self.proc.pid)
            rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
            self.peak_rss = max(self.peak_rss, rss)
        except psutil.Error:
            pass

    def tail(self, chars: int = 600) -> str:
        """The end of the output as text, control sequences removed (for error messages)."""
        text = re.sub(rb"\x1b\[[0-9;:?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)", b"", bytes(self.buffer))
        return text.decode("utf-8", "replace").strip()[-chars:]

    def wait_for(self, needle: bytes, timeout: float = 20.0) -> float:
        """Seconds from start until `needle` has appeared in the output."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.buffer:
                return time.monotonic() - self.started
            if self.proc.poll() is not None and not self.read(0.02):
                raise RuntimeError(f"exited {self.proc.returncode} before {needle!r} appeared: {self.tail()}")
            self.read(0.02)
            self.sample_rss()
        raise TimeoutError(f"{needle!r} never appeared; screen ends: {self.tail()}")

    def settle(self, quiet: float = 0.4, timeout: float = 20.0) -> float:
        """Seconds from start until the output has been quiet for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while time.monotonic() < deadline:
            if self.read(0.02):
                last = time.monotonic()
            elif time.monotonic() - last >= quiet:
                return last - self.started
        return time.monotonic() - self.started

    def key_to_text(self, key: bytes, needle: bytes, timeout: float = 10.0) -> float:
        """Seconds from writing `key` until `needle` appears in new output."""
        self.buffer.clear()
        t0 = time.monotonic()
        os.write(self.fd, key)
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            if needle in self.buffer:
                return time.monotonic() - t0
            self.read(0.005)
        raise TimeoutError(f"{needle!r} never appeared after key {key!r}")

    def key_to_texts(self, key: bytes, needles: tuple[bytes, ...], timeout: float = 10.0) -> tuple[float, ...]:
        """Seconds from writing `key` until each of `needles` appears in new output."""
        self.buffer.clear()
        t0 = time.monotonic()
        os.write(self.fd, key)
        seen: dict[bytes, float] = {}
        while time.monotonic() - t0 < timeout and len(seen) < len(needles):
            for needle in needles:
                if needle not in seen and needle in self.buffer:
                    seen[needle] = time.monotonic() - t0
            self.read(0.002)
        missing = [n for n in needles if n not in seen]
        if missing:
            raise TimeoutError(f"{missing!r} never appeared after key {key!r}")
        return tuple(seen[n] for n in needles)

    def key_to_quiet(self, key: bytes, needle: bytes, quiet: float = 0.3,
                     timeout: float = 10.0) -> tuple[float, float]:
        """Seconds from writing `key` until `needle` appears in new output, and until the last
        byte written before the output stayed quiet for `quiet` seconds (the final repaint).

        Nothing here depends on what the program draws besides `needle`: the second figure is
        when the screen stopped changing, whatever it shows.
        """
        self.buffer.clear()
        t0 = time.monotonic()
        os.write(self.fd, key)
        found: float | None = None
        last = t0
        while time.monotonic() - t0 < timeout:
            if self.read(0.002):
                last = time.monotonic()
            if found is None and needle in self.buffer:
                found = time.monotonic() - t0
            if found is not None and time.monotonic() - last >= quiet:
                return found, last - t0
        if found is None:
            raise TimeoutError(f"{needle!r} never appeared after key {key!r}")
        raise TimeoutError(f"output never went quiet for {quiet} s after key {key!r}")

    def idle(self, seconds: float) -> tuple[float, float]:
        """(CPU % of one core, bytes per second) over `seconds` of idling."""
        proc = psutil.Process(self.proc.pid)

        def cpu() -> float:
            times = proc.cpu_times()
            total = times.user + times.system
            for child in proc.children(recursive=True):
                try:
                    ct = child.cpu_times()
                    total += ct.user + ct.system
                except psutil.Error:
                    pass
            return total

        c0, b0, t0 = cpu(), self.bytes_total, time.monotonic()
        while time.monotonic() - t0 < seconds:
            self.read(0.05)
            self.sample_rss()
        elapsed = time.monotonic() - t0
        return 100.0 * (cpu() - c0) / elapsed, (self.bytes_total - b0) / elapsed

    def close(self) -> None:
        try:
            os.write(self.fd, b"q")
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
        os.close(self.fd)


def start(argv: list[str], width: int, height: int, env: dict[str, str] | None = None) -> Session:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
    full_env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(width), "LINES": str(height), **(env or {})}
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=full_env,
                            close_fds=True, start_new_session=True)
    os.close(slave)
    return Session(proc=proc, fd=master, started=t0)


PY = sys.executable
