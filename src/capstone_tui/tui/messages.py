"""Past-tense messages that travel up to the App, which turns each into a new state.

The one way widgets and workers report: a worker that succeeds posts one of these; a worker
that fails raises, and the App's single worker-error handler shows the one-line message.
Nothing calls `notify` from a thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.message import Message

from capstone_tui.core.candidate import Candidate, MeasuredData

if TYPE_CHECKING:
    from capstone_tui.session import OpenedCandidate


@dataclass
class DatasetSized(Message):
    """The sizer pane's "use": feed this size into the data ceiling."""

    measured: MeasuredData


@dataclass
class InventoryRead(Message):
    """A fresh live reading (core.inventory.Inventory) and the machines it defines."""

    inventory: Any
    machines: tuple[Any, ...]

    def can_replace(self, message: Message) -> bool:  # bursts coalesce: only the newest counts
        return isinstance(message, InventoryRead)


@dataclass
class CandidateEdited(Message):
    """The inputs screen produced a new, validated candidate."""

    candidate: Candidate
    note: str = "inputs applied"  # the status line's word on it ("inputs cancelled: ...")


@dataclass
class RunsFitted(Message):
    """A runs CSV was loaded (or a probe finished) and fitted (core.fitting.FitResult)."""

    fit: Any
    source: str


@dataclass
class CandidateLoaded(Message):
    """ctrl+o (or start-up sizing) opened a candidate file through the session layer."""

    opened: OpenedCandidate


@dataclass
class DataSized(Message):
    """The candidate's own `data.path` / `data.dataset` was sized in the background (or could
    not be: `measured` None and `note` says why)."""

    measured: MeasuredData | None
    note: str | None


@dataclass
class CandidateSaved(Message):
    """ctrl+s wrote the candidate; `text` is what was written (comments and order kept)."""

    path: Path
    text: str


@dataclass
class SaveRefused(Message):
    """ctrl+s found the file already there: the App asks before replacing it."""

    path: Path


@dataclass
class ExportFinished(Message):
    """`e` wrote a verdict snapshot: the files, .json first."""

    paths: tuple[Path, ...]


@dataclass
class LookupFinished(Message):
    """A lookup worker (the sizer's dataset or model tab) finished run number `run`: its result
    (a DatasetSize, a probes ModelRead), or the error's line."""

    run: int
    outcome: Any


@dataclass
class QueueRead(Message):
    """Time to solution on the Slurm reference (the `when` JSON) for `candidate`."""

    candidate: Any
    queue: dict[str, Any]


@dataclass
class ModelChosen(Message):
    """The model lookup's "use": `[model] from = source` with the shape read (core ModelShape),
    `where` it was found ("local folder", "hf cache", "hub")."""

    source: str
    shape: Any
    where: str
