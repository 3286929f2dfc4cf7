"""The one way this program runs a Slurm client (sinfo, scontrol, squeue, sbatch, scancel), and
the one reading of why a call failed.

`run_slurm` gives every call a deadline (a monotonic time): a controller that is down retries
for many seconds, one that accepts connections and never answers blocks forever, so both
become `SlurmSilent` at the deadline, never a hang. Output is decoded as UTF-8 with
replacement (node names, reasons and job names are not always UTF-8) and is bounded: a client
that prints more than `OUTPUT_LIMIT_BYTES` on one stream is stopped (`SlurmOutputTooLarge`),
and one that cannot be started at all is `SlurmNotRunnable`. All three are `SlurmCallFailed`,
which carries a named state and a one-line message.

`slurm_failure` turns a client's non-zero exit and its stderr into a named state: "absent"
(Slurm installed, no configuration here), "not_answering" (no controller), or "error".
"""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from dataclasses import dataclass

OUTPUT_LIMIT_BYTES = 64 * 2**20  # per stream; `scontrol show node` on 10,000 nodes prints ~15 MB
SILENT_MESSAGE = "Slurm: controller not answering (timeout {timeout_s:g} s)"
NOT_CONFIGURED = "Slurm installed but not configured here (no slurm.conf)"
CONTROLLER_DOWN = "Slurm: controller not answering (slurmctld down?)"


class SlurmCallFailed(Exception):
    """A Slurm client gave no usable answer: `state` names why, `message` is one line."""

    def __init__(self, state: str, message: str) -> None:
        super().__init__(message)
        self.state = state
        self.message = message


class SlurmSilent(SlurmCallFailed):
    """The deadline passed before Slurm answered."""

    def __init__(self, message: str = "Slurm did not answer before the deadline") -> None:
        super().__init__("not_answering", message)


class SlurmOutputTooLarge(SlurmCallFailed):
    """A client printed more than the output bound; it was stopped."""


class SlurmNotRunnable(SlurmCallFailed):
    """The client could not be started (missing, not executable, no memory to fork)."""


@dataclass(frozen=True)
class Done:
    """A Slurm client that finished: its exit status and its decoded output."""

    returncode: int
    stdout: str
    stderr: str


def slurm_env(standard_time: bool = True) -> dict[str, str]:
    """The client's environment: this process's, with ISO times unless `standard_time` is False
    (a submitted job inherits the submitting environment, so `sbatch` keeps it as the user set it)."""
    env = dict(os.environ)
    if standard_time:
        env["SLURM_TIME_FORMAT"] = "standard"
    return env


def run_slurm(argv: list[str], deadline: float, cwd: str | None = None, *, standard_time: bool = True,
              limit_bytes: int = OUTPUT_LIMIT_BYTES) -> Done:
    """Run one Slurm client before the deadline (a `time.monotonic()` value).

    SlurmSilent when the deadline passes, SlurmOutputTooLarge past `limit_bytes` on a stream
    (the client is killed either way), SlurmNotRunnable when it cannot be started."""
    if deadline - time.monotonic() <= 0:
        raise SlurmSilent
    name = os.path.basename(argv[0])
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                cwd=cwd, env=slurm_env(standard_time))
    except OSError as error:
        raise SlurmNotRunnable("error", f"Slurm: cannot run {name} ({error.strerror or error})") from None
    with proc:
        assert proc.stdout is not None and proc.stderr is not None
        chunks: dict[int, bytearray] = {proc.stdout.fileno(): bytearray(), proc.stderr.fileno(): bytearray()}
        try:
            with selectors.DefaultSelector() as sel:
                for stream in (proc.stdout, proc.stderr):
                    sel.register(stream, selectors.EVENT_READ)
                while sel.get_map():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise SlurmSilent
                    for key, _ in sel.select(left):
                        data = os.read(key.fd, 65536)
                        if not data:
                            sel.unregister(key.fileobj)
                            continue
                        buf = chunks[key.fd]
                        buf += data
                        if len(buf) > limit_bytes:
                            raise SlurmOutputTooLarge(
                                "error", f"Slurm: {name} printed more than {limit_bytes / 2**20:g} MiB; stopped")
            returncode = proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            raise SlurmSilent from None
        except SlurmCallFailed:
            proc.kill()
            raise
        stdout, stderr = (bytes(chunks[s.fileno()]).decode("utf-8", "replace") for s in (proc.stdout, proc.stderr))
    return Done(returncode, stdout, stderr)


def one_line(text: str, limit: int = 160) -> str:
    """Whitespace collapsed, cut to `limit` characters: a client's stderr in a message."""
    return " ".join(text.split())[:limit]


def slurm_failure(stderr: str, returncode: int, what: str) -> tuple[str, str]:
    """(state, message) for a client `what` (e.g. "sinfo") that exited non-zero with this stderr.

    No configuration is checked first: without slurm.conf the clients also fail to find a
    controller, and "not configured here" is the truer reason."""
    if "fetch_config" in stderr or "configuration source" in stderr or "DNS SRV" in stderr:
        return "absent", NOT_CONFIGURED
    if "controller" in stderr or "Connection refused" in stderr or "timed out" in stderr.lower():
        return "not_answering", CONTROLLER_DOWN
    return "error", f"Slurm: {what} failed: {one_line(stderr) or f'exit status {returncode}'}"
