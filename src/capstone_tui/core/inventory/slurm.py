"""Pure parsers for Slurm's text formats: `sinfo -N -o`, `sinfo -O GresUsed`, and
`scontrol show node`, grouped into node types. CRLF-tolerant; GRES and state spellings
follow those seen on real clusters (reference/engines.md section 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from capstone_tui.core.inventory.report import NodeType
from capstone_tui.core.inventory.parsers import lines
from capstone_tui.core.units import MIB, TIB




def split_gres(text: str) -> list[str]:
    """Split a GRES list on commas outside parentheses, dropping '(...)' annotations."""
    items, depth, cur = [], 0, ""
    for ch in text.strip():
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            items.append(cur)
            cur = ""
        elif depth == 0:
            cur += ch
    items.append(cur)
    return [i.strip() for i in items if i.strip() and i.strip() not in ("(null)", "N/A")]


def parse_gres_gpus(text: str) -> tuple[str | None, int]:
    """GPUs in a GRES string: (type, count); several types are summed and named 'a+b'."""
    types: list[str] = []
    total = 0
    for item in split_gres(text):
        parts = item.split(":")
        if parts[0] != "gpu":
            continue  # shard, mps, nvme ... are not GPUs
        if len(parts) >= 3:
            gtype, count = parts[1], parts[2]
        elif len(parts) == 2:
            gtype, count = (None, parts[1]) if parts[1].isdigit() else (parts[1], "1")
        else:
            gtype, count = None, "1"
        try:
            total += int(count)
        except ValueError:
            continue
        if gtype and gtype not in types:
            types.append(gtype)
    return ("+".join(types) if types else None), total


def node_state(raw: str) -> str:
    """sinfo/scontrol state -> lower-case words: 'idle', 'down*' -> 'down (not responding)'."""
    text = raw.strip().lower()
    flags = {"*": "not responding", "~": "powered off", "#": "powering up", "%": "powering down",
             "$": "maintenance", "@": "pending reboot", "^": "rebooting", "-": "planned", "!": "power down pending"}
    suffix = ""
    if text and text[-1] in flags:
        suffix = f" ({flags[text[-1]]})"
        text = text[:-1]
    return "+".join(w for w in text.split("+") if w) + suffix


@dataclass(frozen=True)
class NodeRow:
    name: str
    cpus: int
    memory_mib: int
    gres: str
    partition: str
    state: str
    default: bool = False


SINFO_FORMAT = "%N|%c|%m|%G|%P|%T"

# What one node can plausibly have; beyond these a number is a misconfiguration or garbage,
# flagged and left out rather than shown as a fact. Memory: the largest single machines
# sold have 32-48 TiB; Slurm's unset RealMemory is 1 MiB.
CPUS_RANGE = (1, 65_536)
MEMORY_MIB_RANGE = (64, 128 * TIB // MIB)  # 64 MiB .. 128 TiB
GPUS_RANGE = (0, 256)


def implausible(row: NodeRow) -> str | None:
    """Why a node's numbers cannot be true (naming the node and the accepted range), or None."""
    name = " ".join(row.name.split())[:40]
    if not CPUS_RANGE[0] <= row.cpus <= CPUS_RANGE[1]:
        return f"{name} reports {row.cpus} CPUs (accepted {CPUS_RANGE[0]}..{CPUS_RANGE[1]})"
    if not MEMORY_MIB_RANGE[0] <= row.memory_mib <= MEMORY_MIB_RANGE[1]:
        return (f"{name} reports {row.memory_mib} MiB of memory "
                f"(accepted {MEMORY_MIB_RANGE[0]} MiB..128 TiB; 1 means RealMemory is not set)")
    gpus = parse_gres_gpus(row.gres)[1]
    if not GPUS_RANGE[0] <= gpus <= GPUS_RANGE[1]:
        return f"{name} reports {gpus} GPUs (accepted {GPUS_RANGE[0]}..{GPUS_RANGE[1]})"
    return None


def plausible_rows(rows: list[NodeRow]) -> tuple[list[NodeRow], list[str]]:
    """(the rows whose numbers can be true, one problem per node left out)."""
    kept: list[NodeRow] = []
    problems: dict[str, str] = {}
    for row in rows:
        problem = implausible(row)
        if problem is None:
            kept.append(row)
        else:
            problems.setdefault(row.name, problem)
    return kept, list(problems.values())


def parse_sinfo_nodes(text: str) -> list[NodeRow]:
    """Rows of `sinfo -N -h -o '%N|%c|%m|%G|%P|%T'` (one per node and partition)."""
    rows: list[NodeRow] = []
    for line in lines(text):
        parts = line.split("|")
        if len(parts) < 6 or not parts[0]:
            continue
        try:
            cpus = int(parts[1].rstrip("+"))
            memory = int(parts[2].rstrip("+"))
        except ValueError:
            continue
        partition = parts[4].strip()
        rows.append(NodeRow(parts[0].strip(), cpus, memory, parts[3].strip(), partition.rstrip("*"),
                            node_state(parts[5]), partition.endswith("*")))
    return rows


def parse_scontrol_nodes(text: str) -> list[dict[str, str]]:
    """`scontrol show node` (multi-line or -o) -> one {key: value} per node.

    Values may contain spaces (OS=, Reason=): a value runs to the next ' Key='.
    """
    records: list[dict[str, str]] = []
    blob = "\n".join(lines(text))
    for chunk in re.split(r"\n\s*\n|\n(?=NodeName=)", blob):
        flat = " ".join(chunk.split())
        if not flat.startswith("NodeName="):
            continue
        keys = list(re.finditer(r"(?:^| )([A-Za-z][\w/.:]*)=", flat))
        rec: dict[str, str] = {}
        for i, m in enumerate(keys):
            end = keys[i + 1].start() if i + 1 < len(keys) else len(flat)
            rec[m.group(1)] = flat[m.end():end].strip()
        records.append(rec)
    return records


def rows_from_scontrol(records: list[dict[str, str]]) -> list[NodeRow]:
    """NodeRows (one per node and partition) from parsed `scontrol show node` records."""
    rows: list[NodeRow] = []
    for rec in records:
        try:
            cpus = int(rec.get("CPUTot") or rec.get("CPUEfctv") or "0")
            memory = int(rec.get("RealMemory", "0"))
        except ValueError:
            continue
        for part in (rec.get("Partitions") or "").split(","):
            if part.strip():
                rows.append(NodeRow(rec["NodeName"], cpus, memory, rec.get("Gres", ""), part.strip(),
                                    node_state(rec.get("State", "unknown"))))
    return rows


def parse_gres_used(text: str) -> dict[str, int]:
    """`sinfo -N -h -O 'NodeHost:|,GresUsed:|'` -> {node: GPUs in use}."""
    used: dict[str, int] = {}
    for line in lines(text):
        parts = line.split("|")
        if len(parts) >= 2 and parts[0]:
            used[parts[0]] = parse_gres_gpus(parts[1])[1]
    return used


def group_node_types(rows: list[NodeRow], used: dict[str, int] | None = None) -> tuple[NodeType, ...]:
    """Group nodes by (partition, CPUs, memory, GPU type and count) into node types."""
    used = used or {}
    groups: dict[tuple[str, int, int, str | None, int], list[NodeRow]] = {}
    for row in rows:
        gtype, gcount = parse_gres_gpus(row.gres)
        groups.setdefault((row.partition, row.cpus, row.memory_mib, gtype, gcount), []).append(row)
    types = []
    for (partition, cpus, memory, gtype, gcount), members in groups.items():
        names = tuple(dict.fromkeys(r.name for r in members))
        states = tuple(dict.fromkeys(r.state for r in members))
        types.append(NodeType(partition=partition, count=len(names), cpus=cpus, memory_mib=memory,
                              gpu_type=gtype, gpus_per_node=gcount,
                              gpus_used=sum(used.get(n, 0) for n in names), states=states,
                              nodes=names, default=any(r.default for r in members)))
    return tuple(sorted(types, key=lambda t: (not t.default, t.partition, -t.memory_mib)))
