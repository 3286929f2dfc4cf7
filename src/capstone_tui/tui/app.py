"""The dashboard App: one frozen DashboardState in one reactive, panes bound to it, workers for I/O.

Keys and messages build a new state (pure functions in core/dashboard_state.py) and assign it once;
`data_bind` fans it out to every pane, so no pane ever sees a torn state. The file workers
(open, save, export, sizing) live in tui/file_workers.py and call only `capstone_tui.session`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Container
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header
from textual.worker import Worker, WorkerState

from capstone_tui.core.candidate import Candidate
from capstone_tui.core.defaults import EXPORT_DIR_DEFAULT, NARROW_WIDTH, REFRESH_DEFAULT_S
from capstone_tui.core.machine import Machine
from capstone_tui.core.dashboard_state import DashboardState, next_machine, toggled, tuned
from capstone_tui.core.safe_text import safe_text
from capstone_tui.probes.confine import FileAccess
from capstone_tui.session import QueueCache
from capstone_tui.tui.file_workers import FileWorkers
from capstone_tui.tui.keys import KEYS
from capstone_tui.tui.messages import (
    CandidateEdited, DatasetSized, InventoryRead, ModelChosen, QueueRead, RunsFitted)
from capstone_tui.tui.keybar import KeyBar
from capstone_tui.tui.palette import PaletteGuards
from capstone_tui.tui.panes.curve import SpeedupPane
from capstone_tui.tui.panes.inventory import InventoryPane
from capstone_tui.tui.panes.sizer import SizerPane
from capstone_tui.tui.panes.tree import TreePane
from capstone_tui.tui.panes.verdict import VerdictBar
from capstone_tui.tui.themes import register_themes, variable_defaults_for

SLURM_MAX_AGE_S = 10.0  # ask slurmctld at most this often; the host and GPUs every refresh


class CapstoneApp(FileWorkers, PaletteGuards, App[int]):
    """capstone-tui: does this problem need more than one machine, and does it pay?"""

    CSS_PATH = "app.tcss"
    AUTO_FOCUS = None  # keys go to the dashboard until a pane is chosen (1-4, tab, a click)
    PANES = {"inventory": "1 This node", "tree": "2 Ceilings (Figure 41.1.1)", "curve": "3 Speedup curve",
             "sizer": "4 Sizer: datasets, models"}
    TITLE = "capstone-tui"
    BINDINGS = KEYS
    model: reactive[DashboardState] = reactive(DashboardState, init=False, always_update=False, repaint=False)
    file_access = FileAccess()  # a served session sets it off, or to one folder (probes/confine.py)
    sizer_online = False  # --online: the sizer pane asks the Hub on Enter (ctrl+l asks once)

    def __init__(
        self,
        model: DashboardState,
        *,
        themes: dict[str, Any],
        theme: str | None = None,
        export_dir: Path = Path(EXPORT_DIR_DEFAULT),
        candidate_path: Path | None = None,
        candidate_text: str | None = None,
        refresh_s: float | None = REFRESH_DEFAULT_S,
        live_inventory: bool = True,
    ) -> None:
        super().__init__()
        register_themes(self, themes)  # before the first paint
        if theme:
            self.theme = theme
        self.set_reactive(CapstoneApp.model, model)
        self.export_dir = export_dir
        self.candidate_path = candidate_path
        self.candidate_text = candidate_text
        self.refresh_s = refresh_s
        self.live_inventory = live_inventory
        self.refresh_paused = False
        self._preset_machines: tuple[Machine, ...] = model.machines
        self.queue_cache = QueueCache()  # this App's own: when it last asked Slurm about the queue

    # --- layout -------------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return variable_defaults_for(self.current_theme)

    def compose(self) -> ComposeResult:
        yield Header()
        with Container(id="panes"):  # titled here, not on mount: no second styling pass at startup
            for pane in (InventoryPane(id="inventory"), TreePane(id="tree"), SpeedupPane(id="curve", classes="-shown"),
                         SizerPane(id="sizer")):
                pane.border_title = self.PANES[pane.id or ""]
                pane.border_subtitle = "keys 1-4: panes"
                yield pane.data_bind(CapstoneApp.model)
        yield VerdictBar(id="verdict").data_bind(CapstoneApp.model)
        yield KeyBar()  # Textual's Footer; ?, q and e first when narrow

    def on_mount(self) -> None:
        from capstone_tui.tui.terminal_check import exit_cleanly_on_signals

        exit_cleanly_on_signals(self)  # SIGTERM/SIGHUP: leave through App.exit, terminal restored
        self._retitle()
        if len(self.compare_paths) > 1:  # several candidate files given: offer them side by side
            self.call_after_refresh(self.action_compare)
        from capstone_tui.session import needs_sizing

        if self.candidate_path is not None and needs_sizing(self.model.candidate):
            self.size_data(self.model.candidate, self.candidate_path.parent)  # as `assess` sizes it
        if self.live_inventory:
            self.read_inventory()
            if self.refresh_s:
                self.set_interval(self.refresh_s, self._tick_inventory, name="inventory-refresh")

    def on_resize(self, event: events.Resize) -> None:
        # the event's size: self.size is still the old one while this handler runs
        self.screen.set_class(event.size.width < NARROW_WIDTH, "-narrow")

    def watch_model(self, model: DashboardState) -> None:
        self._retitle()

    def _retitle(self) -> None:
        machine = self.model.machine
        where = machine.label if machine else f"{self.model.candidate.machine} (not read yet)"
        self.sub_title = safe_text(f"{self.model.candidate.name} | reference: {where}")

    # --- keys ---------------------------------------------------------------------------

    def action_tune(self, knob: str, up: bool) -> None:
        before = self.model.message
        self.model = tuned(self.model, knob, up)
        if self.model.message and self.model.message != before:  # a bound reached: said once, also as a toast
            self.notify(safe_text(self.model.message), timeout=5, markup=False)

    def action_toggle(self, flag: str) -> None:
        self.model = toggled(self.model, flag)

    compare_paths: tuple[str, ...] = ()  # candidate files given together: the compare view (launch sets it)

    def action_compare(self) -> None:
        """Candidates side by side: those given on the command line, else the one open now."""
        from capstone_tui.tui.screens.compare import CompareScreen

        paths = self.compare_paths or ((str(self.candidate_path),) if self.candidate_path else ())
        if not paths:
            self.notify("Compare needs candidate files: capstone-tui a.toml b.toml (or capstone-tui compare).")
            return
        self.push_screen(CompareScreen(paths=paths))

    def action_cursor(self, where: str) -> None:
        """Move the speedup chart's cursor: 'left', 'right', 'home' (p = 1) or 'end' (p = p*)."""
        self.query_one(SpeedupPane).move_cursor(where)

    def action_next_machine(self) -> None:
        self.model = next_machine(self.model)

    def action_show_pane(self, pane: str) -> None:
        """Narrow terminals show one pane at a time; wide ones just move the focus there."""
        for name in self.PANES:
            self.query_one(f"#{name}").set_class(name == pane, "-shown")
        target = self.query_one(f"#{pane}")
        focusable = [w for w in target.query("*") if w.focusable]
        if focusable:
            focusable[0].focus()
        else:
            self.set_focus(None)

    def action_help(self) -> None:
        from capstone_tui.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(KEYS))

    def action_edit_inputs(self) -> None:
        from capstone_tui.tui.screens.inputs import InputsScreen

        self.push_screen(InputsScreen(self.model.candidate), self._inputs_done)

    def _inputs_done(self, candidate: Candidate | None) -> None:
        if candidate is not None:
            self.post_message(CandidateEdited(candidate))

    def action_apply_fit(self) -> None:
        fit = self.model.fit
        if fit is None:
            self.notify("No fitted runs yet: run 'capstone-tui fit RUNS.csv' or load a CSV (ctrl+o).")
            return
        from capstone_tui.core.dashboard_state import with_scaling_input

        self.model = with_scaling_input(self.model, s=fit.s, c=fit.c)

    def action_karp_flatt(self) -> None:
        if self.model.fit is None:
            self.notify("No fitted runs yet: load a runs CSV (ctrl+o) to see the Karp-Flatt table.")
            return
        from capstone_tui.tui.screens.karp_flatt import KarpFlattScreen

        self.push_screen(KarpFlattScreen(self.model.fit))

    def action_pause_refresh(self) -> None:
        self.refresh_paused = not self.refresh_paused
        self.notify("Inventory refresh paused." if self.refresh_paused else "Inventory refresh resumed.")

    # ctrl+o, ctrl+s and e: FileWorkers (tui/file_workers.py)

    # --- messages up --------------------------------------------------------------------

    @on(DatasetSized)
    def _dataset_sized(self, event: DatasetSized) -> None:
        self.model = replace(self.model, measured_data=event.measured,
                             message=f"data ceiling now uses {event.measured.label}")

    @on(ModelChosen)
    def _model_chosen(self, event: ModelChosen) -> None:
        from capstone_tui.core.dashboard_state import with_model_from

        self.model = with_model_from(self.model, event.source, event.shape, event.where)

    @on(InventoryRead)
    def _inventory_read(self, event: InventoryRead) -> None:
        machines = tuple(event.machines) + self._preset_machines
        self.model = replace(self.model, inventory=event.inventory, machines=machines)

    @on(QueueRead)
    def _queue_read(self, event: QueueRead) -> None:
        self.model = replace(self.model, queue=(event.candidate, event.queue))

    @on(CandidateEdited)
    def _candidate_edited(self, event: CandidateEdited) -> None:
        self.model = replace(self.model, candidate=event.candidate, message=event.note)

    @on(RunsFitted)
    def _runs_fitted(self, event: RunsFitted) -> None:
        self.model = replace(self.model, fit=event.fit, message=f"fitted {event.source}: press f to use s and c")

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker is reported: its name and the error's one line."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = " ".join(str(event.worker.error).split()) or type(event.worker.error).__name__
            self.notify(safe_text(f"{event.worker.name}: {error}"), severity="error", timeout=8, markup=False)

    # --- workers: all I/O ---------------------------------------------------------------

    def _tick_inventory(self) -> None:
        if self.refresh_paused:
            return
        busy = [w for w in self.workers if w.group == "inventory" and w.state == WorkerState.RUNNING]
        if not busy:  # a hung probe is left alone; the next tick after it returns reads again
            self.read_inventory()

    @work(thread=True, group="inventory", exit_on_error=False, name="inventory")
    def read_inventory(self) -> None:
        from capstone_tui.probes.inventory import read_inventory

        inventory = read_inventory(slurm_max_age_s=SLURM_MAX_AGE_S)
        self.post_message(InventoryRead(inventory, tuple(inventory.machines())))
        from capstone_tui.session import queue_if_due  # a Slurm reference with t1_s: when would it finish?

        candidate = self.model.candidate
        queue = queue_if_due(candidate, SLURM_MAX_AGE_S, self.queue_cache)
        if queue is not None:
            self.post_message(QueueRead(candidate, queue))

    # --- command palette ----------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in KEYS:
            if binding.id in ("quit", "help"):
                continue
            yield SystemCommand(binding.tooltip or binding.description, f"key: {binding.key_display or binding.key}",
                                lambda action=binding.action: self.run_action(action))
