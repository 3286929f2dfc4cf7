"""A dataset's size as the sizer found it: rows and bytes per split and config, each figure
with how it is known, and the pure comparison of a size with a reference machine.

How-labels (reference/dataset_sizing.md, section 7): `exact:card`, `exact:cache`,
`exact:parquet-footer`, `exact:arrow-ipc`, `exact:stat`, `exact:parsed`,
`est:parquet-uncompressed`, `est:sample(<method>, <bytes probed>)`, `unknown`.
`num_bytes` is always the in-memory (Arrow) size; file bytes on disk are kept apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from capstone_tui.core.candidate import MeasuredData
from capstone_tui.core.ceilings import data_tier
from capstone_tui.core.machine import Machine
from capstone_tui.core.units import binary_bytes

UNKNOWN = "unknown"



def is_exact(how: str) -> bool:
    """True for labels of figures read exactly (metadata, headers, file stats, full parse)."""
    return how.startswith("exact:")


def combine_how(labels: list[str] | tuple[str, ...]) -> str:
    """One label for several figures: the shared one, else the weakest (unknown > est > exact)."""
    distinct = list(dict.fromkeys(labels))
    if not distinct:
        return UNKNOWN
    if len(distinct) == 1:
        return distinct[0]
    for prefix in (UNKNOWN, "est:"):
        weak = [label for label in distinct if label.startswith(prefix)]
        if weak:
            return weak[0]
    return distinct[0]


@dataclass(frozen=True)
class SplitSize:
    """One split: row count and in-memory bytes, each with its how-label; file bytes on disk."""

    split: str
    num_examples: int | None
    num_bytes: float | None
    examples_how: str = UNKNOWN
    bytes_how: str = UNKNOWN
    file_bytes: int | None = None  # bytes of the split's files on disk (exact:stat), when local
    files: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"split": self.split, "num_examples": self.num_examples, "num_bytes": self.num_bytes}


@dataclass(frozen=True)
class ConfigSize:
    """One config: its splits, download and in-memory totals, and how they are known."""

    config: str
    splits: tuple[SplitSize, ...]
    download_size: float | None
    dataset_size: float | None
    download_how: str = UNKNOWN
    dataset_how: str = UNKNOWN

    @property
    def how(self) -> str:
        """One line: every distinct label of this config's figures, rows / bytes / download."""
        rows = combine_how([s.examples_how for s in self.splits])
        size = self.dataset_how
        download = self.download_how if self.download_size is not None else None
        known = {label for label in (rows, size, download) if label is not None}
        if len(known) == 1:
            return known.pop()
        parts = [f"rows {rows}", f"bytes {size}"]
        if download is not None:
            parts.append(f"download {download}")
        return "; ".join(parts)

    @property
    def num_examples(self) -> int | None:
        counts = [s.num_examples for s in self.splits]
        return None if not counts or any(c is None for c in counts) else sum(c for c in counts if c is not None)

    def to_json(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "splits": [s.to_json() for s in self.splits],
            "download_size": self.download_size,
            "dataset_size": self.dataset_size,
            "how": self.how,
        }


@dataclass(frozen=True)
class DatasetSize:
    """Everything the sizer found about one dataset (a hub name or a local path)."""

    name: str
    configs: tuple[ConfigSize, ...]
    warnings: tuple[str, ...] = ()
    source: str = ""  # where it was read: "local folder", "prepared cache", "hub cache card", "hub"
    elapsed_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """Exactly the SPEC `size --json` keys."""
        return {
            "name": self.name,
            "configs": [c.to_json() for c in self.configs],
            "warnings": list(self.warnings),
        }

    def config_named(self, config: str | None = None) -> ConfigSize | None:
        """The named config, or the first one (`default` when present) when none is named."""
        if not self.configs:
            return None
        if config is None:
            for candidate in self.configs:
                if candidate.config == "default":
                    return candidate
            return self.configs[0]
        for candidate in self.configs:
            if candidate.config == config:
                return candidate
        return None

    def measured(self, config: str | None = None) -> MeasuredData | None:
        """The chosen config's total in-memory (Arrow) bytes with its how-label, if known."""
        chosen = self.config_named(config)
        if chosen is None or chosen.dataset_size is None:
            return None
        label = self.name if len(self.configs) == 1 else f"{self.name} [{chosen.config}]"
        return MeasuredData(bytes=float(chosen.dataset_size), how=chosen.dataset_how, label=label)


def total_split_bytes(splits: tuple[SplitSize, ...] | list[SplitSize]) -> tuple[float | None, str]:
    """Sum of split in-memory bytes and the combined label (None if any split is unknown)."""
    if not splits or any(s.num_bytes is None for s in splits):
        return None, UNKNOWN
    return float(sum(s.num_bytes for s in splits if s.num_bytes is not None)), combine_how(
        [s.bytes_how for s in splits]
    )


def fit_tier(num_bytes: float, machine: Machine) -> str:
    """Where data of this in-memory size lives on the machine: RAM, local disk, or neither
    (the data ceiling's own tiers, core.ceilings.data_tier, so both always say the same)."""
    return data_tier(num_bytes, machine.memory_bytes, machine.disk_bytes)


def fit_line(num_bytes: float, how: str, machine: Machine) -> str:
    """One sentence: the size, how known, against the machine's usable memory and disk."""
    disk = binary_bytes(machine.disk_bytes) if machine.disk_bytes is not None else "? (unknown)"
    approx = "" if is_exact(how) else "≈"
    return (
        f"{approx}{binary_bytes(num_bytes)} in memory [{how}] vs {machine.id}: usable memory "
        f"{binary_bytes(machine.memory_bytes)}, local disk {disk} -> {fit_tier(num_bytes, machine)}"
    )


def show_rows(value: int | None, how: str) -> str:
    """Rows as shown to a user: exact plainly, estimates with '≈', unknown as '?'."""
    if value is None:
        return "? rows"
    return f"{'' if is_exact(how) else '≈'}{value:,} rows"


def show_bytes(value: float | None, how: str) -> str:
    """Bytes as shown to a user, binary units, '≈' for estimates and '?' when unknown."""
    if value is None:
        return "?"
    return f"{'' if is_exact(how) else '≈'}{binary_bytes(value)}"


def report_lines(size: DatasetSize) -> list[str]:
    """The readable report the CLI prints and the pane shows: per config and split, each figure
    with its label; in-memory (Arrow) bytes and bytes on disk kept apart."""
    lines = [f"{size.name}  ({size.source}, sized in {size.elapsed_s * 1000:.0f} ms)"]
    for config in size.configs:
        lines.append(f"config {config.config}")
        for s in config.splits:
            disk = f"  on disk {binary_bytes(s.file_bytes)} [exact:stat]" if s.file_bytes is not None else ""
            lines.append(
                f"  {s.split:<12} {show_rows(s.num_examples, s.examples_how)} [{s.examples_how}]  "
                f"in memory {show_bytes(s.num_bytes, s.bytes_how)} [{s.bytes_how}]{disk}"
            )
        lines.append(
            f"  total        in memory {show_bytes(config.dataset_size, config.dataset_how)} "
            f"[{config.dataset_how}]  download {show_bytes(config.download_size, config.download_how)} "
            f"[{config.download_how}]"
        )
    lines.extend(f"warning: {w}" for w in size.warnings)
    return lines
