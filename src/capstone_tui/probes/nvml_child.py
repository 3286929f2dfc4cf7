"""The NVML helper process: the GPU library runs here, never in the dashboard's process.

A driver library that segfaults, aborts or hangs takes only this child down; the parent
(`probes.gpus.read_gpus_within`) sees the pipe close or the deadline pass and reports the named
state "NVML crashed" or "NVML not answering", and the dashboard's terminal is never left in the
alternate screen.

Protocol: one long-lived child per parent (a Python interpreter costs ~60 ms and ~12 MB to start,
too much every 2 s); the parent writes `read\\n`, the child answers one JSON line (a
`core.inventory.GpuReport`); EOF on stdin ends the child. NVML is initialised once per child and
kept, exactly as the in-process probe did.

Run as `python -m capstone_tui.probes.nvml_child`.
"""

from __future__ import annotations

import json
import signal
import sys
from dataclasses import asdict
from typing import Any

from capstone_tui.core.inventory.report import GpuDevice, GpuReport

REQUEST = b"read\n"


def encode_report(report: GpuReport) -> bytes:
    """One JSON line for the pipe."""
    return json.dumps(asdict(report), separators=(",", ":")).encode("utf-8") + b"\n"


def decode_report(line: bytes) -> GpuReport:
    """The report a child sent; raises ValueError (or KeyError/TypeError) on a garbled line."""
    raw: dict[str, Any] = json.loads(line.decode("utf-8"))
    devices = tuple(GpuDevice(**d) for d in raw.pop("devices", ()))
    unsupported = tuple(raw.pop("unsupported", ()))
    return GpuReport(devices=devices, unsupported=unsupported, **raw)


def serve(stdin: Any = None, stdout: Any = None) -> int:
    """Answer each request line with one reading until stdin closes."""
    from capstone_tui.probes.gpus import read_gpus

    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    for line in iter(stdin.readline, b""):
        if line.strip() != REQUEST.strip():
            continue
        stdout.write(encode_report(read_gpus()))
        stdout.flush()
    return 0


def main() -> int:
    # The parent handles the terminal's ctrl+c; this child ends when its stdin closes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return serve()
    except (BrokenPipeError, KeyboardInterrupt):
        return 0


if __name__ == "__main__":
    sys.exit(main())
