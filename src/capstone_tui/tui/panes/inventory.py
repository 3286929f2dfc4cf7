"""The inventory pane: this node's cores, memory, cgroup, disks, network, GPUs and the
Slurm cluster, compactly (about 58 x 12), "▸" on the figures that feed the ceilings.

It only renders `model.inventory` (a `core.inventory.Inventory`, None until the first
reading). The App's refresh worker calls `probes.inventory.read_inventory` in a thread.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from capstone_tui.core.inventory.text import MARK, inventory_lines
from capstone_tui.core.dashboard_state import DashboardState

WAITING = "Inventory: waiting for the first reading…"


def pane_lines(model: DashboardState | None) -> list[str]:
    """The lines the pane shows for a model (pure, so tests can read them)."""
    inv = None if model is None else model.inventory
    if inv is None:
        return [WAITING]
    return inventory_lines(inv, compact=True)


class InventoryPane(VerticalScroll):
    """Renders the latest reading, one line widget per figure line: a new reading repaints
    (and sends to the terminal) only the lines whose text changed."""

    DEFAULT_CSS = """
    InventoryPane {
        height: auto;
    }
    InventoryPane > Static {
        height: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    model: reactive[DashboardState | None] = reactive(None, always_update=True, repaint=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._shown: tuple[str, ...] = (WAITING,)

    @property
    def shown_lines(self) -> tuple[str, ...]:
        """What the pane currently displays, one string per line."""
        return self._shown

    def compose(self) -> ComposeResult:
        yield Static(WAITING)

    def watch_model(self, model: DashboardState | None) -> None:
        lines = tuple(pane_lines(model))
        if lines == self._shown or not self.is_mounted:
            return  # nothing changed: no repaint, no terminal traffic
        widgets = list(self.query_children(Static))
        if len(widgets) != len(lines):  # the shape changed: rebuild (rare: faults, Slurm)
            self.remove_children()
            self.mount_all(Static(_styled(line)) for line in lines)
        else:
            for widget, old, new in zip(widgets, self._shown, lines):
                if old != new:
                    widget.update(_styled(new), layout=False)
        self._shown = lines


def _styled(line: str) -> Text:
    bad = line.startswith("GPU: ") or "not answering" in line or "not configured" in line
    style = "italic" if bad else ""
    text = Text()
    if MARK in line and not bad:
        head, _, tail = line.partition(MARK)
        text.append(head, style=style)
        text.append(MARK, style="bold")
        text.append(tail, style=style)
    else:
        text.append(line, style=style)
    return text
