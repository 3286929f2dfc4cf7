"""Run the real dashboard in a real pseudo-terminal and list the colour codes it writes.

`run_in_pty` returns every byte the program wrote (start, a few keys, quit); `colour_codes`
returns each SGR sequence (`ESC [ ... m`) whose parameters set a foreground or background
colour: 30-39, 40-49, 90-97, 100-107, including 38/48 extended colours and the 39/49 resets.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

SGR = re.compile(rb"\x1b\[([0-9;:]*)m")
CSI = re.compile(rb"\x1b\[[0-9;:?<>=]*[ -/]*[@-~]")
COLOUR_PARAMS = {*range(30, 50), *range(90, 98), *range(100, 108)}
# Variables that choose colour; run_in_pty starts from an environment without them.
COLOUR_ENV = ("NO_COLOR", "TERM", "COLORTERM", "FORCE_COLOR", "TEXTUAL_COLOR_SYSTEM")


def colour_codes(output: bytes) -> list[str]:
    """The parameters of every SGR sequence in `output` that sets a colour."""
    found = []
    for match in SGR.finditer(output):
        params = match.group(1).decode()
        first = [p.split(":")[0] for p in params.split(";")]
        if any(p.isdigit() and int(p) in COLOUR_PARAMS for p in first):
            found.append(params)
    return found


def screen_text(output: bytes) -> bytes:
    """`output` without its control sequences (good enough to find a word that was drawn)."""
    return CSI.sub(b"", output)


def _read(fd: int, into: bytearray, timeout: float) -> bool:
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return False
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        return False
    into.extend(chunk)
    return bool(chunk)


def _settle(fd: int, into: bytearray, quiet: float, deadline: float) -> None:
    last = time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - last < quiet:
        if _read(fd, into, 0.05):
            last = time.monotonic()


def run_in_pty(argv: list[str], env: dict[str, str], *, keys: bytes, cwd: Path, marker: bytes = b"p*",
               width: int = 100, height: int = 30, timeout: float = 60.0) -> bytes:
    """Start `argv` at width x height, wait for `marker` on screen, press `keys`, quit with q."""
    base = {k: v for k, v in os.environ.items() if k not in COLOUR_ENV}
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, close_fds=True,
                            env={**base, "COLUMNS": str(width), "LINES": str(height), **env},
                            start_new_session=True)
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while marker not in screen_text(bytes(out)):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise AssertionError(f"{marker!r} never drawn; output tail: {bytes(out[-2000:])!r}")
            _read(master, out, 0.1)
        _settle(master, out, 0.5, deadline)
        for key in keys:
            os.write(master, bytes([key]))
            _settle(master, out, 0.3, deadline)
        os.write(master, b"q")
        while proc.poll() is None and time.monotonic() < deadline:
            _read(master, out, 0.05)
        while _read(master, out, 0.05):
            pass
        assert proc.poll() == 0, f"exit {proc.poll()}; output tail: {bytes(out[-2000:])!r}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return bytes(out)
