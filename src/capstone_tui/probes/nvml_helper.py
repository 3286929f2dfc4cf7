"""The parent's side of the NVML helper process (`probes.nvml_child`): start it, ask it for a
reading with a deadline, and turn its death or silence into a named state.

- One long-lived child, started at the first reading (a reading every 2 s costs one pipe round
  trip, not an interpreter start).
- The child died (a segfault or abort inside libnvidia-ml, a garbled answer): state "crashed"
  ("NVML crashed", with the signal), and the child is restarted only after a back-off
  (10 s, doubling to 5 min) so a library that always crashes costs nothing at idle.
- No answer within the caller's deadline: state "waiting" ("NVML not answering"); the reading
  goes on and the next call picks it up. A child silent for `HANG_KILL_S` is killed and, after
  the back-off, replaced.
- At most one reading is in flight: a hung driver never piles up threads or children.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from capstone_tui.core.inventory.report import GpuReport, gpu_report
from capstone_tui.probes.nvml_child import REQUEST

HANG_KILL_S = 30.0  # a reading silent this long: the child is stopped and later replaced
BACKOFF_FIRST_S, BACKOFF_MAX_S = 10.0, 300.0


def _signal_name(returncode: int | None) -> str:
    if returncode is None:
        return "no exit status"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with status {returncode}"


class Helper:
    """One child process and its restart policy; `read()` blocks (call it from a thread)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.failure: GpuReport | None = None  # the last crash, shown until the retry
        self.retry_at = 0.0
        self.backoff = BACKOFF_FIRST_S
        self.killed_for_hang = False

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[2])  # so the child finds capstone_tui
        env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), package_root) if p)
        self.killed_for_hang = False
        return subprocess.Popen(
            [sys.executable, "-m", "capstone_tui.probes.nvml_child"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, start_new_session=True, close_fds=True)

    def start(self) -> GpuReport | None:
        """The child running (started if needed), or why not: a recent crash, or no process."""
        if self.proc is None:
            if self.failure is not None and time.monotonic() < self.retry_at:
                return self.failure
            try:
                self.proc = self._spawn()
            except OSError as err:
                return self._failed("crashed", f"cannot start the NVML helper ({err.strerror or err})")
        return None

    def read(self) -> GpuReport:
        not_started = self.start()
        if not_started is not None:
            return not_started
        proc = self.proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(REQUEST)
            proc.stdin.flush()
            line = proc.stdout.readline()
        except (OSError, ValueError):
            line = b""
        if line:
            from capstone_tui.probes.nvml_child import decode_report

            try:
                report = decode_report(line)
            except (ValueError, KeyError, TypeError):
                self._stop()
                return self._failed("crashed", "the NVML helper answered garbage")
            self.failure, self.backoff = None, BACKOFF_FIRST_S
            return report
        try:
            code = proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            self._stop()
            code = proc.returncode
        self.proc = None
        if self.killed_for_hang:
            return self._failed("waiting", f"a driver call hung for over {HANG_KILL_S:g} s; the helper was stopped")
        return self._failed("crashed", f"the NVML helper {_signal_name(code)} inside the NVIDIA library")

    def _failed(self, state: str, detail: str) -> GpuReport:
        self.retry_at = time.monotonic() + self.backoff
        detail = f"{detail}; retrying in {self.backoff:g} s"
        self.backoff = min(BACKOFF_MAX_S, self.backoff * 2)
        self.failure = gpu_report(state, detail, visible=os.environ.get("CUDA_VISIBLE_DEVICES"))
        return self.failure

    def kill_hung(self) -> None:
        """Stop a child whose reading has hung (the blocked read then sees EOF)."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            self.killed_for_hang = True
            proc.kill()

    def _stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()  # the child's cue to exit
        except OSError:
            pass
        try:
            proc.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            proc.kill()  # hung in the driver: never wait for it at exit

    def close(self) -> None:
        self._stop()


@dataclass
class _Flight:
    done: threading.Event = field(default_factory=threading.Event)
    result: GpuReport | None = None
    started: float = field(default_factory=time.monotonic)


_helper = Helper()
_flight_lock = threading.Lock()
_flight: _Flight | None = None
atexit.register(_helper.close)


def _fly(flight: _Flight) -> None:
    try:
        flight.result = _helper.read()
    except BaseException as err:  # noqa: BLE001 - the thread must always report
        flight.result = gpu_report("error", f"{type(err).__name__}: {err}")
    finally:
        flight.done.set()


def start_early() -> None:
    """Start the child now, so that its interpreter starts while the dashboard is still importing
    and laying out (the first reading then costs a pipe round trip, not a process start)."""
    with _flight_lock:
        if _flight is None:  # a reading in flight starts (or has started) the child itself
            _helper.start()


def read_within(timeout_s: float) -> GpuReport:
    """A reading from the helper, or "waiting" (not answering) when none came within timeout_s."""
    global _flight
    with _flight_lock:
        if _flight is None:
            _flight = _Flight()
            threading.Thread(target=_fly, args=(_flight,), name="capstone-nvml", daemon=True).start()
        flight = _flight
    if flight.done.wait(max(0.0, timeout_s)):
        with _flight_lock:
            if _flight is flight:
                _flight = None
        assert flight.result is not None
        return flight.result
    waited = time.monotonic() - flight.started
    if waited > HANG_KILL_S:
        _helper.kill_hung()
    return gpu_report("waiting", f"still waiting after {waited:.1f} s",
                      visible=os.environ.get("CUDA_VISIBLE_DEVICES"))
