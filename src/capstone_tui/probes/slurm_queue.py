"""Ask Slurm about the queue: a partition's shape and limits (`sinfo`, `scontrol show
partition`), when a job of a given shape would start (`sbatch --test-only`: nothing is ever
submitted), live capacity per partition (`sinfo -N -O`) and the user's jobs (`squeue --me`).

Every call shares one deadline and goes through `probes.slurm_run.run_slurm` (bounded,
decoded with replacement): a controller that is down or silent becomes the state
"not_answering" within it, never a hang; `slurm_run.slurm_failure` names other failures.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime

from capstone_tui.core.errors import ValidationError
from capstone_tui.core.inventory.report import ClusterReport
from capstone_tui.core.inventory.partitions import (
    CAPACITY_FORMAT,
    SQUEUE_FORMAT,
    PartitionCapacity,
    QueuedJob,
    parse_billing_weights,
    parse_capacity,
    parse_partitions,
    parse_squeue,
    parse_test_only,
    slurm_duration_s,
)
from capstone_tui.core.inventory.slurm import SINFO_FORMAT, parse_gres_gpus, parse_sinfo_nodes
from capstone_tui.core.time_to_solution import JobShape, NodeShape, Partition, StartAnswer
from capstone_tui.probes.slurm_run import (
    SILENT_MESSAGE,
    Done,
    SlurmCallFailed,
    SlurmSilent,
    run_slurm,
    slurm_failure,
)

UNUSABLE = ("down", "drain", "fail", "inval", "maint", "future")


@dataclass(frozen=True)
class QueueReading:
    """A partition ready for `when`, or the named state saying why not."""

    state: str  # "ok" | "absent" | "not_answering" | "error"
    message: str
    partition: Partition | None = None
    version: str | None = None


def _failed(done: Done, what: str) -> QueueReading:
    return QueueReading(*slurm_failure(done.stderr, done.returncode, what))


def read_partition(name: str | None, timeout_s: float = 5.0) -> QueueReading:
    """The partition's node shapes (usable nodes), MaxTime and billing weights.

    ValidationError("partition") when it does not exist (the list of names is the range)."""
    deadline = time.monotonic() + timeout_s
    scontrol, sinfo = shutil.which("scontrol"), shutil.which("sinfo")
    if scontrol is None or sinfo is None or shutil.which("sbatch") is None:
        return QueueReading("absent", "no Slurm here (scontrol / sinfo / sbatch not on PATH)")
    try:
        parts = run_slurm([scontrol, "show", "partition"], deadline)
        if parts.returncode != 0:
            return _failed(parts, "scontrol show partition")
        records = parse_partitions(parts.stdout)
        if name is None:
            name = next((n for n, r in records.items() if r.get("Default") == "YES"), None)
            if name is None:
                raise ValidationError("partition", "is required: this cluster has no default partition; "
                                      "one of " + ", ".join(records))
        if name not in records:
            raise ValidationError("partition", "must be one of " + (", ".join(records) or "(none listed)"), name)
        nodes = run_slurm([sinfo, "-N", "-h", "-p", name, "-o", SINFO_FORMAT], deadline)
        if nodes.returncode != 0:
            return _failed(nodes, "sinfo")
    except SlurmSilent:
        return QueueReading("not_answering", SILENT_MESSAGE.format(timeout_s=timeout_s))
    except SlurmCallFailed as err:
        return QueueReading(err.state, err.message)
    record = records[name]
    seen: set[str] = set()
    shapes: Counter[tuple[int, int, int]] = Counter()
    for row in parse_sinfo_nodes(nodes.stdout):
        if row.name in seen or any(word in row.state for word in UNUSABLE):
            continue
        seen.add(row.name)
        shapes[(row.cpus, row.memory_mib, parse_gres_gpus(row.gres)[1])] += 1
    billing_text = record.get("TRESBillingWeights", "")
    try:
        max_time = slurm_duration_s(record.get("MaxTime", "UNLIMITED"))
    except ValueError:
        max_time = None
    partition = Partition(name, tuple(NodeShape(n, c, m, g) for (c, m, g), n in sorted(shapes.items())),
                          max_time, parse_billing_weights(billing_text), billing_text)
    if not partition.shapes:
        return QueueReading("error", f"Slurm: partition {name} has no usable nodes (all down or drained)",
                            partition)
    return QueueReading("ok", f"partition {name}: {len(seen)} usable node(s)", partition)


def wait_seconds(start_iso: str, asked_at: float) -> float:
    """Seconds from the moment of asking to Slurm's start time (local ISO, no zone); >= 0."""
    try:
        start = datetime.fromisoformat(start_iso).timestamp()
    except ValueError:
        return 0.0
    return max(0.0, start - asked_at)


def ask_starts(shapes: tuple[JobShape, ...], partition: str, timeout_s: float = 10.0,
               cwd: str | None = None) -> tuple[tuple[StartAnswer, ...], bool]:
    """`sbatch --test-only` for each shape; (answers, whether every call answered in time)."""
    deadline = time.monotonic() + timeout_s
    sbatch = shutil.which("sbatch") or "sbatch"
    answers: list[StartAnswer] = []
    for shape in shapes:
        asked_at = time.time()
        try:
            done = run_slurm([sbatch, *shape.sbatch_args(partition)], deadline, cwd=cwd)
        except SlurmSilent:
            return tuple(answers), False
        except SlurmCallFailed as err:  # e.g. "cannot run sbatch (...)"
            answers.append(StartAnswer(shape.p, refused=err.message.removeprefix("Slurm: ")))
            continue
        answer = parse_test_only(done.stderr + "\n" + done.stdout)
        if answer.start is None:
            answers.append(StartAnswer(shape.p, refused=answer.refused))
        else:
            answers.append(StartAnswer(shape.p, answer.start, wait_seconds(answer.start, asked_at)))
    return tuple(answers), True


@dataclass(frozen=True)
class QueueSnapshot:
    """Live capacity per partition and the user's own jobs."""

    state: str  # "ok" | "absent" | "not_answering" | "error"
    message: str
    partitions: tuple[PartitionCapacity, ...] = ()
    jobs: tuple[QueuedJob, ...] = ()
    elapsed_s: float | None = None


def read_queue(timeout_s: float = 3.0) -> QueueSnapshot:
    """Partition capacity (`sinfo -N -O`) and `squeue --me`; never raises, never hangs."""
    start = time.monotonic()
    deadline = start + timeout_s
    sinfo, squeue = shutil.which("sinfo"), shutil.which("squeue")
    if sinfo is None:
        return QueueSnapshot("absent", "no Slurm here (sinfo not on PATH)")
    try:
        cap = run_slurm([sinfo, "-N", "-h", "-O", CAPACITY_FORMAT], deadline)
        if cap.returncode != 0:
            failed = _failed(cap, "sinfo")
            return QueueSnapshot(failed.state, failed.message, elapsed_s=time.monotonic() - start)
        jobs: tuple[QueuedJob, ...] = ()
        if squeue is not None:
            mine = run_slurm([squeue, "--me", "-h", "-o", SQUEUE_FORMAT], deadline)
            if mine.returncode == 0:
                jobs = parse_squeue(mine.stdout)
    except SlurmSilent:
        return QueueSnapshot("not_answering", SILENT_MESSAGE.format(timeout_s=timeout_s),
                             elapsed_s=time.monotonic() - start)
    except SlurmCallFailed as err:
        return QueueSnapshot(err.state, err.message, elapsed_s=time.monotonic() - start)
    partitions = parse_capacity(cap.stdout)
    return QueueSnapshot("ok", f"{len(partitions)} partition(s), {len(jobs)} job(s) of yours", partitions, jobs,
                         time.monotonic() - start)


def with_queue(report: ClusterReport, deadline: float) -> ClusterReport:
    """The cluster reading with live partition capacity and the user's jobs added, within what
    is left of the same deadline (a monotonic time); unchanged when Slurm did not answer."""
    left = deadline - time.monotonic()
    if report.state != "ok" or left <= 0.05:
        return report
    snap = read_queue(timeout_s=left)
    if snap.state != "ok":
        return report
    return replace(report, capacity=snap.partitions, my_jobs=snap.jobs)
