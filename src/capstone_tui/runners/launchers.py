"""Launchers that run the user's command with p workers and time it (wall seconds).

- `local`: p processes started here, `{p}` and `{rank}` substituted in the argv, and
  PROBE_RANK / PROBE_SIZE in their environment.
- `srun`: `srun -n {p} --overcommit` on the Slurm cluster (ranks read SLURM_PROCID).
- `mpirun`: `mpirun -np {p} --oversubscribe` where Open MPI is installed.
- `sbatch`: one batch job for the largest p, each launch an `srun` step inside it
  (runners/sbatch.py), so queue time never enters T(p).
- `dask`: rank r's command runs on worker r of one LocalCluster on 127.0.0.1 (or of an
  existing scheduler), the first p workers at p. Cluster start-up is timed apart.
Every run gets a fresh, empty folder in PROBE_SYNC_DIR for the ranks to meet in. Commands are
argv lists; a shell is used only when the user asks (`shell=True`: `/bin/sh -c`).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

from capstone_tui.core.errors import ValidationError

LAUNCHERS = ("local", "srun", "dask", "mpirun", "sbatch")
KILL_GRACE_S = 2.0
STDERR_TAIL = 400


class ProbeRunError(RuntimeError):
    """The user's command failed or timed out (not a bug of ours: reported in one line)."""


@dataclass(frozen=True)
class CommandSpec:
    """The argv template ({p}, {rank} placeholders) and how to run it."""

    argv: tuple[str, ...]
    shell: bool = False
    timeout_s: float = 600.0
    sync_root: str | None = None
    extra_env: tuple[tuple[str, str], ...] = field(default=())

    def for_rank(self, p: int, rank: int | None) -> list[str]:
        """The argv of one rank (or of the whole launch when rank is None)."""
        args = [a.replace("{p}", str(p)) for a in self.argv]
        if rank is not None:
            args = [a.replace("{rank}", str(rank)) for a in args]
        return ["/bin/sh", "-c", " ".join(args)] if self.shell else args


class Launcher(Protocol):
    name: str
    startup_s: dict[int, float]

    def run(self, spec: CommandSpec, p: int) -> float: ...

    def close(self) -> None: ...


def _sync_env(spec: CommandSpec, sync: str, p: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(spec.extra_env)
    env.update(PROBE_SYNC_DIR=sync, PROBE_SIZE=str(p))
    return env


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """TERM the process group, then KILL it if it is still there after a grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(timeout=KILL_GRACE_S)
            return
        except subprocess.TimeoutExpired:
            continue


def _tail(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return " ".join(text.split())[-STDERR_TAIL:]


def _run_processes(commands: Sequence[tuple[list[str], dict[str, str]]], sync: str,
                   timeout_s: float, what: str) -> float:
    """Start every command at once, wait for all, return the wall seconds; kill all on error."""
    procs: list[tuple[subprocess.Popen[bytes], str]] = []
    t0 = time.perf_counter()
    try:
        for i, (argv, env) in enumerate(commands):
            err_path = os.path.join(sync, f".stderr{i}")
            with open(err_path, "wb") as err:
                try:
                    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=err,
                                            start_new_session=True)
                except OSError as exc:
                    raise ProbeRunError(f"{what}: cannot start {argv[0]!r}: {exc.strerror}") from None
            procs.append((proc, err_path))
        deadline = t0 + timeout_s
        for proc, err_path in procs:
            try:
                rc = proc.wait(timeout=max(0.0, deadline - time.perf_counter()))
            except subprocess.TimeoutExpired:
                raise ProbeRunError(f"{what}: still running after the {timeout_s:g} s timeout") from None
            if rc != 0:
                raise ProbeRunError(f"{what}: exit status {rc}: {_tail(err_path)}")
        return time.perf_counter() - t0
    finally:
        for proc, _ in procs:
            if proc.poll() is None:
                _kill_group(proc)


class _Fresh:
    """A fresh sync folder per run, removed afterwards."""

    def __init__(self, spec: CommandSpec) -> None:
        self.path = tempfile.mkdtemp(prefix="capstone-probe-", dir=spec.sync_root)

    def __enter__(self) -> str:
        return self.path

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


class LocalLauncher:
    """p processes on this node, one per rank."""

    name = "local"

    def __init__(self) -> None:
        self.startup_s: dict[int, float] = {}

    def run(self, spec: CommandSpec, p: int) -> float:
        with _Fresh(spec) as sync:
            base = _sync_env(spec, sync, p)
            commands = [(spec.for_rank(p, r), dict(base, PROBE_RANK=str(r))) for r in range(p)]
            return _run_processes(commands, sync, spec.timeout_s, f"local p={p}")

    def close(self) -> None:
        pass


class CommandLauncher:
    """A launcher program that starts the ranks itself (srun, mpirun)."""

    def __init__(self, name: str, prefix: Sequence[str]) -> None:
        self.name = name
        self.prefix = tuple(prefix)
        self.startup_s: dict[int, float] = {}

    def check(self, spec: CommandSpec) -> None:
        """The launcher starts the ranks itself, so no per-rank {rank} substitution exists."""
        if any("{rank}" in a for a in spec.argv):
            raise ValidationError("command", f"may not use {{rank}} with --launcher {self.name} "
                                  "(read the rank from the launcher's environment, e.g. SLURM_PROCID)")

    def run(self, spec: CommandSpec, p: int) -> float:
        self.check(spec)
        with _Fresh(spec) as sync:
            argv = [a.replace("{p}", str(p)) for a in self.prefix] + spec.for_rank(p, None)
            return _run_processes([(argv, _sync_env(spec, sync, p))], sync, spec.timeout_s,
                                  f"{self.name} p={p}")

    def close(self) -> None:
        pass


def srun_launcher(extra: Sequence[str] = ()) -> CommandLauncher:
    if shutil.which("srun") is None:
        raise ValidationError("launcher", "srun needs Slurm's 'srun' on PATH", "srun")
    return CommandLauncher("srun", ["srun", "--quiet", "-n", "{p}", "--overcommit",
                                    "--kill-on-bad-exit=1", *extra])


def mpirun_launcher(extra: Sequence[str] = ()) -> CommandLauncher:
    if shutil.which("mpirun") is None:
        raise ValidationError("launcher", "mpirun needs Open MPI's 'mpirun' on PATH "
                              "(apt-get install openmpi-bin)", "mpirun")
    root = ["--allow-run-as-root"] if os.geteuid() == 0 else []
    return CommandLauncher("mpirun", ["mpirun", *root, "--oversubscribe", "-np", "{p}", *extra])


# Rank processes started by Dask worker threads of this process (LocalCluster), so that an
# interrupted probe can stop them; workers of an external scheduler clean up on their own.
_RANK_PROCESSES: dict[int, subprocess.Popen[bytes]] = {}


def run_rank_command(argv: list[str], env: dict[str, str], timeout_s: float) -> tuple[int, str]:
    """Run one rank's command on a Dask worker; (exit status, stderr tail)."""
    full = dict(os.environ)
    full.update(env)
    try:
        proc = subprocess.Popen(argv, env=full, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        return 127, f"cannot start {argv[0]!r}: {exc.strerror}"
    _RANK_PROCESSES[proc.pid] = proc
    try:
        _, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return 124, f"still running after the {timeout_s:g} s timeout"
    finally:
        _RANK_PROCESSES.pop(proc.pid, None)
    return proc.returncode, " ".join(err.decode("utf-8", "replace").split())[-STDERR_TAIL:]


def _stop_rank_processes() -> None:
    for proc in list(_RANK_PROCESSES.values()):
        if proc.poll() is None:
            _kill_group(proc)


class DaskLauncher:
    """Each rank's command runs on its own Dask worker (one thread per worker).

    One LocalCluster with as many workers as the largest p is started once (its start-up is
    timed apart); a run at p uses the first p workers, so every p sees the same idle cluster.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, max_workers: int = 1) -> None:
        from dask.distributed import Client, LocalCluster  # ~0.5 s import (engines.md)

        self._client_cls, self._cluster_cls = Client, LocalCluster
        self.scheduler = scheduler
        self.max_workers = max_workers
        self.startup_s: dict[int, float] = {}
        self._client: Any = None
        self._cluster: Any = None
        self._workers: list[str] = []

    def _ensure(self, p: int) -> None:
        if self._client is None:
            t0 = time.perf_counter()
            if self.scheduler:
                self._client = self._client_cls(self.scheduler, timeout="10s")
            else:
                # Worker threads in this process (in-process transport, no sockets): each rank
                # is a subprocess anyway, so worker processes would only add CPU noise.
                self._cluster = self._cluster_cls(n_workers=self.max_workers, threads_per_worker=1,
                                                  processes=False, dashboard_address=None)
                self._client = self._client_cls(self._cluster)
                self._client.wait_for_workers(self.max_workers, timeout=120)
            self._workers = sorted(self._client.scheduler_info()["workers"])
            self.startup_s[len(self._workers)] = time.perf_counter() - t0
        if len(self._workers) < p:
            raise ValidationError("workers", f"must be at most the cluster's {len(self._workers)} "
                                  "Dask workers", p)

    def run(self, spec: CommandSpec, p: int) -> float:
        self._ensure(p)
        with _Fresh(spec) as sync:
            base = dict(spec.extra_env, PROBE_SYNC_DIR=sync, PROBE_SIZE=str(p))
            t0 = time.perf_counter()
            futures = [self._client.submit(run_rank_command, spec.for_rank(p, r),
                                           dict(base, PROBE_RANK=str(r)), spec.timeout_s,
                                           workers=[self._workers[r]], allow_other_workers=False,
                                           pure=False)
                       for r in range(p)]
            try:
                results = self._client.gather(futures)
            except BaseException:
                # Cancelled gathers leave "exception never retrieved" tasks that asyncio would
                # log with a traceback; the interruption itself is reported by the probe.
                logging.getLogger("asyncio").setLevel(logging.CRITICAL)
                self._client.cancel(futures)
                _stop_rank_processes()
                raise
            elapsed = time.perf_counter() - t0
        for rank, (rc, err) in enumerate(results):
            if rc != 0:
                raise ProbeRunError(f"dask p={p} rank {rank}: exit status {rc}: {err}")
        return elapsed

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None


def make_launcher(name: str, scheduler: str | None = None, extra: Sequence[str] = (),
                  max_workers: int = 1) -> Launcher:
    """The launcher called `name`; ValidationError when unknown or not installed."""
    if name == "local":
        return LocalLauncher()
    if name == "srun":
        return srun_launcher(extra)
    if name == "mpirun":
        return mpirun_launcher(extra)
    if name == "sbatch":  # one batch job, each p an srun step inside it (runners/sbatch.py)
        from capstone_tui.runners.sbatch import SbatchLauncher

        return SbatchLauncher(extra)
    if name == "dask":
        try:
            return DaskLauncher(scheduler, max_workers)
        except ImportError:
            raise ValidationError("launcher", "dask needs 'dask[distributed]' installed "
                                  "(pip install 'dask[distributed]')", name) from None
    raise ValidationError("launcher", "must be one of " + ", ".join(LAUNCHERS), name)
