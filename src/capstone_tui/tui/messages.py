"""Past-tense messages that travel up to the App, which turns each into a new model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from capstone_tui.core.candidate import Candidate, MeasuredData


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


@dataclass
class RunsFitted(Message):
    """A runs CSV was loaded (or a probe finished) and fitted (core.fitting.FitResult)."""

    fit: Any
    source: str
