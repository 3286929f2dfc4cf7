"""The dashboard App: one frozen Model in one reactive, panes bound to it, workers for I/O.

Keys and messages build a new Model (pure functions in core/model.py) and assign it once;
`data_bind` fans it out to every pane, so no pane ever sees a torn state.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Container
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerState

from capstone_tui import __version__
from capstone_tui.core.candidate import Candidate, dump_candidate
from capstone_tui.core.machine import Machine
from capstone_tui.core.model import Model, next_machine, toggled, tuned
from capstone_tui.tui.keys import KEYS
from capstone_tui.tui.messages import CandidateEdited, DatasetSized, InventoryRead, RunsFitted
from capstone_tui.tui.panes.curve import SpeedupPane
from capstone_tui.tui.panes.inventory import InventoryPane
from capstone_tui.tui.panes.sizer import SizerPane
from capstone_tui.tui.panes.tree import TreePane
from capstone_tui.tui.panes.verdict import VerdictBar
from capstone_tui.tui.themes import register_themes, variable_defaults_for

NARROW_WIDTH = 100  # below this, one pane at a time
SLURM_MAX_AGE_S = 10.0  # ask slurmctld at most this often; the host and GPUs every refresh


class CapstoneApp(App[int]):
    """capstone-tui: does this problem need more than one machine, and does it pay?"""

    CSS_PATH = "app.tcss"
    AUTO_FOCUS = None  # keys go to the dashboard until a pane is chosen (1-4, tab, a click)
    PANES = {"inventory": "1 This node", "tree": "2 Ceilings (Figure 41.1.1)", "curve": "3 Speedup curve",
             "sizer": "4 Dataset sizer"}
    TITLE = "capstone-tui"
    BINDINGS = KEYS
    model: reactive[Model] = reactive(Model, init=False, always_update=False, repaint=False)

    def __init__(
        self,
        model: Model,
        *,
        themes: dict[str, Any],
        theme: str | None = None,
        export_dir: Path = Path("capstone-verdicts"),
        candidate_path: Path | None = None,
        refresh_s: float | None = 2.0,
        live_inventory: bool = True,
    ) -> None:
        super().__init__()
        register_themes(self, themes)  # before the first paint
        if theme:
            self.theme = theme
        self.set_reactive(CapstoneApp.model, model)
        self.export_dir = export_dir
        self.candidate_path = candidate_path
        self.refresh_s = refresh_s
        self.live_inventory = live_inventory
        self.refresh_paused = False
        self._preset_machines: tuple[Machine, ...] = model.machines

    # --- layout -------------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return variable_defaults_for(self.current_theme)

    def compose(self) -> ComposeResult:
        yield Header()
        with Container(id="panes"):
            yield InventoryPane(id="inventory").data_bind(CapstoneApp.model)
            yield TreePane(id="tree").data_bind(CapstoneApp.model)
            yield SpeedupPane(id="curve").data_bind(CapstoneApp.model)
            yield SizerPane(id="sizer").data_bind(CapstoneApp.model)
        yield VerdictBar(id="verdict").data_bind(CapstoneApp.model)
        yield Footer()

    def on_mount(self) -> None:
        self._retitle()
        for name, title in self.PANES.items():
            pane = self.query_one(f"#{name}")
            pane.border_title = title
            pane.border_subtitle = "keys 1-4: panes"
        self.query_one("#curve").add_class("-shown")
        if self.live_inventory:
            self.read_inventory()
            if self.refresh_s:
                self.set_interval(self.refresh_s, self._tick_inventory, name="inventory-refresh")

    def on_resize(self) -> None:
        self.screen.set_class(self.size.width < NARROW_WIDTH, "-narrow")

    def watch_model(self, model: Model) -> None:
        self._retitle()

    def _retitle(self) -> None:
        machine = self.model.machine
        where = machine.label if machine else f"{self.model.candidate.machine} (not read yet)"
        self.sub_title = f"{self.model.candidate.name} | reference: {where}"

    # --- keys ---------------------------------------------------------------------------

    def action_tune(self, knob: str, up: bool) -> None:
        self.model = tuned(self.model, knob, up)

    def action_toggle(self, flag: str) -> None:
        self.model = toggled(self.model, flag)

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
        from capstone_tui.core.model import with_scaling_input

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

    def action_open_candidate(self) -> None:
        from capstone_tui.tui.screens.files import OpenScreen

        self.push_screen(OpenScreen(str(self.candidate_path or "")), self._opened)

    def action_save_candidate(self) -> None:
        from capstone_tui.tui.screens.files import SaveScreen

        self.push_screen(SaveScreen(str(self.candidate_path or "candidate.toml")), self._save_to)

    def action_export(self) -> None:
        svg = self.export_screenshot(title=f"capstone-tui: {self.model.candidate.name}")
        self.export_snapshot(self.model, svg)

    # --- messages up --------------------------------------------------------------------

    @on(DatasetSized)
    def _dataset_sized(self, event: DatasetSized) -> None:
        self.model = replace(self.model, measured_data=event.measured,
                             message=f"data ceiling now uses {event.measured.label}")

    @on(InventoryRead)
    def _inventory_read(self, event: InventoryRead) -> None:
        machines = tuple(event.machines) + self._preset_machines
        self.model = replace(self.model, inventory=event.inventory, machines=machines)

    @on(CandidateEdited)
    def _candidate_edited(self, event: CandidateEdited) -> None:
        self.model = replace(self.model, candidate=event.candidate, message="inputs applied")

    @on(RunsFitted)
    def _runs_fitted(self, event: RunsFitted) -> None:
        self.model = replace(self.model, fit=event.fit, message=f"fitted {event.source}: press f to use s and c")

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = " ".join(str(event.worker.error).split()) or type(event.worker.error).__name__
            self.notify(f"{event.worker.name}: {error}", severity="error", timeout=8)

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

    @work(thread=True, group="export", exit_on_error=False, name="export")
    def export_snapshot(self, model: Model, svg: str) -> None:
        from capstone_tui.core.snapshot import build_snapshot, snapshot_basename, snapshot_files
        from capstone_tui.probes.export import ExportError, write_snapshot

        created = datetime.now(timezone.utc).astimezone()
        extras = {"fit": model.fit.to_json()} if model.fit is not None else None
        snapshot = build_snapshot(model.candidate, model.assessment.to_json(), created=created,
                                  tool_version=__version__, extras=extras)
        source = str(self.candidate_path) if self.candidate_path else None
        files = {**snapshot_files(snapshot, candidate_file=source), ".svg": svg}
        try:
            paths = write_snapshot(self.export_dir, snapshot_basename(model.candidate.name, created), files)
        except ExportError as err:
            self.call_from_thread(self.notify, f"Export failed: {err}", severity="error", timeout=10)
            return
        names = ", ".join(p.name for p in paths)
        self.call_from_thread(self.notify, f"Exported to {paths[0].parent}/: {names}", timeout=8)
        if self.is_web:  # served by textual-serve: also hand the snapshot to the browser
            json_path = next(p for p in paths if p.suffix == ".json")
            self.call_from_thread(self.deliver_text, json_path, save_filename=json_path.name,
                                  mime_type="application/json")

    def _opened(self, path: str | None) -> None:
        if path:
            self.load_candidate(Path(path))

    @work(thread=True, group="files", exit_on_error=False, name="open candidate")
    def load_candidate(self, path: Path) -> None:
        from capstone_tui.core.candidate import parse_candidate
        from capstone_tui.core.errors import ValidationError

        try:
            if path.suffix.lower() == ".csv":
                from capstone_tui.core.fitting import fit_runs
                from capstone_tui.core.runs import parse_runs_csv

                fit = fit_runs(parse_runs_csv(path.read_text(encoding="utf-8"), source=str(path)))
                self.post_message(RunsFitted(fit, path.name))
                return
            candidate = parse_candidate(path.read_text(encoding="utf-8"), source=str(path))
        except (OSError, UnicodeDecodeError) as err:
            self.call_from_thread(self.notify, f"Cannot read {path}: {err}", severity="error")
            return
        except ValidationError as err:
            self.call_from_thread(self.notify, err.message, severity="error", timeout=10)
            return
        self.candidate_path = path
        self.post_message(CandidateEdited(candidate))

    def _save_to(self, path: str | None) -> None:
        if path:
            self.save_candidate(Path(path), self.model.candidate)

    @work(thread=True, group="files", exit_on_error=False, name="save candidate")
    def save_candidate(self, path: Path, candidate: Candidate) -> None:
        try:
            path.write_text(dump_candidate(candidate), encoding="utf-8")
        except OSError as err:
            self.call_from_thread(self.notify, f"Cannot save {path}: {err}", severity="error")
            return
        self.candidate_path = path
        self.call_from_thread(self.notify, f"Saved {path}")

    # --- command palette ----------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in KEYS:
            if binding.id in ("quit", "help"):
                continue
            yield SystemCommand(binding.tooltip or binding.description, f"key: {binding.key_display or binding.key}",
                                lambda action=binding.action: self.run_action(action))
