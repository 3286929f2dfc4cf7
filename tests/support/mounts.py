"""Small real filesystems for tests: a tmpfs of a given size, optionally read-only.

Mounting needs root (or CAP_SYS_ADMIN). Where it is not permitted the test is skipped, except
under CI=true, where it fails: CI must exercise the full-disk and read-only paths for real.
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest


def _cannot_mount(why: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but a tmpfs cannot be mounted: {why}")
    pytest.skip(f"cannot mount a tmpfs here: {why}")


@contextmanager
def tmpfs(path: Path, size: str = "64k", readonly: bool = False) -> Iterator[Path]:
    """Mount a fresh tmpfs of `size` at `path` (created), yield it, always unmount."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size},mode=0755" + (",ro" if readonly else "")
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                              capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as err:
        _cannot_mount(str(err))
    if done.returncode != 0:
        _cannot_mount(done.stderr.strip() or f"mount exited {done.returncode}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=20)


def fill(path: Path, chunk: int = 4096) -> int:
    """Write a filler file in `path` until the filesystem is full; return the bytes written."""
    written = 0
    with open(path / "filler.bin", "wb", buffering=0) as fh:
        while True:
            try:
                n = fh.write(b"\0" * chunk)
            except OSError:
                if chunk == 1:
                    return written
                chunk = max(1, chunk // 8)
                continue
            written += n or 0
