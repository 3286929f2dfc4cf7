"""The dashboard's file actions: open (ctrl+o), save (ctrl+s), export (`e`), and sizing the
candidate's own data, each a named thread worker calling one `session` function.

A worker that succeeds posts one past-tense message (`CandidateLoaded`, `RunsFitted`,
`DataSized`, `CandidateSaved`, `SaveRefused`, `ExportFinished`); one that fails raises, and the
App's one worker-error handler shows "<worker name>: <the error's line>" (so each worker is
named for how its failure reads: "Export failed", "Cannot open", ...). Saving never replaces a file without asking,
keeps the opened file's comments and key order, and writes atomically without following a
symlink; a file opened here is never quoted in an error (a served screen may be seen by others).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work

from capstone_tui.core.candidate import Candidate
from capstone_tui.core.safe_text import safe_text
from capstone_tui.probes.confine import OFF_TEXT as FILES_OFF
from capstone_tui.tui.messages import (
    CandidateLoaded, CandidateSaved, DataSized, ExportFinished, RunsFitted, SaveRefused)

if TYPE_CHECKING:
    from capstone_tui.core.dashboard_state import DashboardState

OPEN_FIELD = "ctrl+o"
SAVE_FIELD = "ctrl+s"
EXPORT_FIELD = "--export-dir"


class FileWorkers:
    """Mixed into the App (which holds `model`, `export_dir`, `candidate_path`, `file_access`)."""

    model: DashboardState
    export_dir: Path
    candidate_path: Path | None
    candidate_text: str | None = None  # the opened file's text: a save keeps its comments
    file_access: Any

    # --- keys -----------------------------------------------------------------------------

    def action_open_candidate(self) -> None:
        from capstone_tui.tui.screens.files import OpenScreen

        if not self.file_access.enabled:
            self.notify(f"Cannot open: {FILES_OFF}.", severity="warning", timeout=8)  # type: ignore[attr-defined]
            return
        self.push_screen(OpenScreen(self.file_access.shown(self.candidate_path)), self._opened)  # type: ignore[attr-defined]

    def action_save_candidate(self) -> None:
        """Save, or save as: the prompt holds the current file's path, ready to be changed."""
        from capstone_tui.tui.screens.files import SaveScreen

        if not self.file_access.enabled:
            self.notify(f"Cannot save: {FILES_OFF}.", severity="warning", timeout=8)  # type: ignore[attr-defined]
            return
        initial = self.file_access.shown(self.candidate_path) or "candidate.toml"
        self.push_screen(SaveScreen(initial), self._save_to)  # type: ignore[attr-defined]

    def action_export(self) -> None:
        svg = self.export_screenshot(title=safe_text(f"capstone-tui: {self.model.candidate.name}"))  # type: ignore[attr-defined]
        self.export_snapshot(self.model, svg)

    # The prompt's text goes to the worker as typed: the file policy's check (`lstat` on every
    # component when served) is I/O, so it runs there, never on the event loop; a refusal is the
    # worker's one-line error ("Cannot open: ...", App._worker_failed).

    def _opened(self, path: str | None) -> None:
        if path:
            self.load_candidate(path)

    def _save_to(self, path: str | None) -> None:
        if path:
            self.save_candidate(path, self.model.candidate, overwrite=False)

    def _replace_answered(self, path: Path, replace_it: bool | None) -> None:
        if replace_it:
            self.save_candidate(str(path), self.model.candidate, overwrite=True)
        else:
            self.notify(safe_text(f"Not saved: {path} was left as it was."), markup=False)  # type: ignore[attr-defined]

    # --- workers --------------------------------------------------------------------------

    @work(thread=True, group="files", exit_on_error=False, name="Cannot open")
    def load_candidate(self, text: str | Path) -> None:
        from capstone_tui.session import open_candidate, open_runs

        path = self.file_access.check(str(text))  # the session's file policy (confined when served)
        if path.suffix.lower() == ".csv":
            self.post_message(RunsFitted(open_runs(path, field=OPEN_FIELD, quote=False), path.name))  # type: ignore[attr-defined]
            return
        opened = open_candidate(path, live=False, quote=False, access=self.file_access.dataset)
        self.post_message(CandidateLoaded(opened))  # type: ignore[attr-defined]

    @work(thread=True, group="files", exit_on_error=False, name="Could not size the data")
    def size_data(self, candidate: Candidate, base: Path) -> None:
        from capstone_tui.session import size_candidate_data

        if candidate.data.path and candidate.data.bytes is None:  # a served session confines local paths
            given = Path(candidate.data.path).expanduser()
            self.file_access.dataset(str(given if given.is_absolute() else base / given))
        measured, note = size_candidate_data(candidate, base, access=self.file_access.dataset)
        self.post_message(DataSized(measured, note))  # type: ignore[attr-defined]

    @work(thread=True, group="files", exit_on_error=False, name="Cannot save")
    def save_candidate(self, text: str, candidate: Candidate, overwrite: bool) -> None:
        from capstone_tui.probes.files import FileExistsRefused
        from capstone_tui.session import save_candidate

        path = self.file_access.check(str(text))  # the session's file policy (confined when served)
        try:
            written, text = save_candidate(path, candidate, overwrite=overwrite, original_text=self.candidate_text,
                                           model_shape=self.model.model_shape)  # filled by `from`: left to it
        except FileExistsRefused:
            self.post_message(SaveRefused(path))  # type: ignore[attr-defined]
            return
        self.post_message(CandidateSaved(written, text))  # type: ignore[attr-defined]

    @work(thread=True, group="export", exit_on_error=False, name="Export failed")
    def export_snapshot(self, model: DashboardState, svg: str) -> None:
        from capstone_tui.session import export_snapshot

        source = str(self.candidate_path) if self.candidate_path else None
        paths = export_snapshot(self.export_dir, model.candidate, model.assessment, fit=model.fit,
                                candidate_file=source, svg=svg, field=EXPORT_FIELD,
                                queue=model.queue_now,  # the answer on screen: no second Slurm call
                                log_p=model.log_p)  # the charts on the p axis the screen shows
        self.post_message(ExportFinished(paths))  # type: ignore[attr-defined]

    # --- what the workers report (on_* names: Textual finds them on this mixin by MRO) -------

    def on_candidate_loaded(self, event: CandidateLoaded) -> None:
        opened = event.opened
        if opened.path is not None:  # each candidate opened joins the compare view (key v)
            earlier = self.compare_paths or ((str(self.candidate_path),) if self.candidate_path else ())
            if str(opened.path) not in earlier:
                self.compare_paths = (*earlier, str(opened.path))
        self.candidate_path, self.candidate_text = opened.path, opened.text
        words = "; ".join(n for n in (opened.sizer_note, *opened.model_notes) if n)  # what `from` filled
        self.model = replace(self.model, candidate=opened.candidate, measured_data=opened.measured,
                             model_shape=opened.model_shape, model_notes=opened.model_notes,
                             message=words or f"opened {opened.path}")

    def on_data_sized(self, event: DataSized) -> None:
        self.model = replace(self.model, measured_data=event.measured, message=event.note)

    def on_save_refused(self, event: SaveRefused) -> None:
        from capstone_tui.tui.screens.files import ReplaceScreen

        self.push_screen(ReplaceScreen(event.path),  # type: ignore[attr-defined]
                         lambda answer, path=event.path: self._replace_answered(path, answer))

    def on_candidate_saved(self, event: CandidateSaved) -> None:
        self.candidate_path, self.candidate_text = event.path, event.text
        self.notify(safe_text(f"Saved {event.path}"), markup=False)  # type: ignore[attr-defined]

    def on_export_finished(self, event: ExportFinished) -> None:
        paths = event.paths
        names = ", ".join(p.name for p in paths)
        self.notify(safe_text(f"Exported to {paths[0].parent}/: {names}"), timeout=8, markup=False)  # type: ignore[attr-defined]
        if self.is_web:  # type: ignore[attr-defined]  # served by textual-serve: hand the JSON to the browser
            json_path = next(p for p in paths if p.suffix == ".json")
            self.deliver_text(json_path, save_filename=json_path.name, mime_type="application/json")  # type: ignore[attr-defined]
