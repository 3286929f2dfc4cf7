"""Pure parsers for Slurm's queue-side text: `scontrol show partition` (MaxTime,
TRESBillingWeights, nodes), `sbatch --test-only` answers, per-partition capacity from
`sinfo -N -O` (node states, GPUs free / in use) and `squeue --me`.

Linear in the input and allocation-light: a 10,000-node `sinfo` parses in a few tens of
milliseconds (bench/bench_sinfo.py). CRLF-tolerant; unknown fields are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from capstone_tui.core.inventory.slurm import parse_gres_gpus, parse_scontrol_nodes

UNLIMITED = ("UNLIMITED", "INFINITE", "NONE", "N/A", "")

# sinfo -N -O fields, each followed by '|' (width 0 = as wide as needed)
CAPACITY_FORMAT = "NodeHost:0|,Partition:0|,StateLong:0|,Gres:0|,GresUsed:0|"
SQUEUE_FORMAT = "%i|%j|%T|%M|%S|%P"


def slurm_duration_s(text: str) -> float | None:
    """Slurm's time spellings ([D-]HH:MM:SS, MM:SS, M, D-HH) in seconds; None when unlimited."""
    text = text.strip()
    if text.upper() in UNLIMITED:
        return None
    days = 0
    if "-" in text:
        head, text = text.split("-", 1)
        days = int(head)
        parts = [int(x) for x in text.split(":")]
        parts += [0] * (3 - len(parts))  # D-HH, D-HH:MM, D-HH:MM:SS
        h, m, s = parts[:3]
    else:
        parts = [int(x) for x in text.split(":")]
        if len(parts) == 1:
            h, m, s = 0, parts[0], 0  # plain minutes
        elif len(parts) == 2:
            h, m, s = 0, parts[0], parts[1]
        else:
            h, m, s = parts[:3]
    return float(((days * 24 + h) * 60 + m) * 60 + s)


def parse_partitions(text: str) -> dict[str, dict[str, str]]:
    """`scontrol show partition` records keyed by PartitionName."""
    records = parse_scontrol_nodes(text.replace("PartitionName=", "NodeName=", -1))
    out: dict[str, dict[str, str]] = {}
    for rec in records:
        name = rec.pop("NodeName", "")
        if name:
            out[name] = rec
    return out


def parse_billing_weights(text: str) -> tuple[tuple[str, float], ...]:
    """TRESBillingWeights `CPU=1.0,Mem=0.25G,GRES/gpu=2.0` -> (('cpu', 1.0), ('gpu', 2.0),
    ('mem_gb', 0.25)). Memory weights are per MB unless suffixed (K, M, G, T; slurm.conf(5));
    GPU weights of typed GPUs (GRES/gpu:a100) are summed; other TRES are ignored."""
    per_gb = {"K": 1024.0 * 1024.0, "M": 1024.0, "G": 1.0, "T": 1 / 1024}
    out: dict[str, float] = {}
    for item in text.split(","):
        key, _, value = item.strip().partition("=")
        key, value = key.strip().lower(), value.strip()
        if not key or not value:
            continue
        scale = 1.0
        if key == "mem":
            unit = value[-1].upper()
            scale = per_gb.get(unit, 1024.0)
            if unit in per_gb:
                value = value[:-1]
        name = "gpu" if key.split(":")[0] == "gres/gpu" else {"cpu": "cpu", "mem": "mem_gb"}.get(key)
        try:
            weight = float(value) * scale
        except ValueError:
            continue
        if name:
            out[name] = max(out.get(name, 0.0), weight)
    return tuple(sorted(out.items()))


_TEST_ONLY = re.compile(r"Job \d+ to start at (\S+) using (\d+) processors on nodes (\S+)")


@dataclass(frozen=True)
class TestOnlyAnswer:
    """What `sbatch --test-only` said: a start time (local, ISO) or Slurm's refusal."""

    start: str | None
    processors: int = 0
    nodelist: str = ""
    refused: str | None = None


def parse_test_only(text: str) -> TestOnlyAnswer:
    """`sbatch: Job 7 to start at 2026-11-30T20:12:29 using 1 processors on nodes vm ...`."""
    match = _TEST_ONLY.search(text)
    if match:
        return TestOnlyAnswer(match.group(1), int(match.group(2)), match.group(3))
    lines = [ln.strip() for ln in text.replace("\r", "").splitlines() if ln.strip()]
    reason = lines[-1] if lines else "no answer"
    for prefix in ("sbatch: error: ", "allocation failure: ", "sbatch: "):
        if reason.startswith(prefix):
            reason = reason[len(prefix):]
    return TestOnlyAnswer(None, refused=" ".join(reason.split())[:200])


@dataclass(frozen=True)
class PartitionCapacity:
    """One partition now: nodes by state and GPUs free / in use (usable nodes only)."""

    name: str
    idle: int = 0
    mixed: int = 0
    allocated: int = 0
    down: int = 0
    other: int = 0
    gpus_total: int = 0
    gpus_used: int = 0
    default: bool = False

    @property
    def nodes(self) -> int:
        return self.idle + self.mixed + self.allocated + self.down + self.other

    @property
    def gpus_free(self) -> int:
        return max(0, self.gpus_total - self.gpus_used)


_DOWN = ("down", "drain", "fail", "maint", "reboot", "inval", "unknown", "future", "power")


def _state_class(state: str) -> str:
    s = state.strip().lower().rstrip("*~#%$@^-!")
    head = s.split("+")[0]
    if any(word in s for word in _DOWN):
        return "down"
    if head.startswith("idle"):
        return "idle"
    if head.startswith("mix"):
        return "mixed"
    if head.startswith(("alloc", "complet")):
        return "allocated"
    return "other"


def parse_capacity(text: str) -> tuple[PartitionCapacity, ...]:
    """`sinfo -N -h -O CAPACITY_FORMAT` -> one PartitionCapacity per partition, sinfo's order.

    Down, drained and failing nodes count as down and their GPUs are not free."""
    counts: dict[str, list[int]] = {}
    defaults: set[str] = set()
    gres_cache: dict[str, int] = {}

    def gpus(gres: str) -> int:
        hit = gres_cache.get(gres)
        if hit is None:
            hit = gres_cache[gres] = parse_gres_gpus(gres)[1]
        return hit

    index = {"idle": 0, "mixed": 1, "allocated": 2, "down": 3, "other": 4}
    state_cache: dict[str, int] = {}
    for line in text.split("\n"):
        fields = line.split("|")
        if len(fields) < 5:
            continue
        part = fields[1].strip()
        if part.endswith("*"):
            part = part[:-1]
            defaults.add(part)
        if not part:
            continue
        row = counts.get(part)
        if row is None:
            row = counts[part] = [0, 0, 0, 0, 0, 0, 0]
        raw = fields[2]
        slot = state_cache.get(raw)
        if slot is None:
            slot = state_cache[raw] = index[_state_class(raw)]
        row[slot] += 1
        if slot != 3:
            row[5] += gpus(fields[3].strip())
            row[6] += gpus(fields[4].strip())
    return tuple(PartitionCapacity(name, idle=row[0], mixed=row[1], allocated=row[2], down=row[3], other=row[4],
                                   gpus_total=row[5], gpus_used=min(row[5], row[6]), default=name in defaults)
                 for name, row in counts.items())


@dataclass(frozen=True)
class QueuedJob:
    """One of the user's jobs (`squeue --me`): expected start for pending ones."""

    job_id: str
    name: str
    state: str
    elapsed: str
    start: str | None
    partition: str


def parse_squeue(text: str) -> tuple[QueuedJob, ...]:
    """`squeue --me -h -o SQUEUE_FORMAT` rows."""
    out: list[QueuedJob] = []
    for line in text.replace("\r", "").split("\n"):
        fields = line.split("|")
        if len(fields) < 6 or not fields[0].strip():
            continue
        start = fields[4].strip()
        out.append(QueuedJob(fields[0].strip(), fields[1].strip(), fields[2].strip().lower(),
                             fields[3].strip(), None if start in ("N/A", "", "None") else start,
                             fields[5].strip()))
    return tuple(out)
