"""Start the dashboard from parsed CLI arguments (candidate, machine, theme, export dir)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capstone_tui.core.defaults import REFRESH_RANGE_S
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.dashboard_state import DashboardState
from capstone_tui.core.presets import load_presets
from capstone_tui.probes.confine import FileAccess
from capstone_tui.session import OpenedCandidate, open_candidate, open_runs

if TYPE_CHECKING:
    from capstone_tui.tui.app import CapstoneApp

REFRESH_ACCEPTED = f"must be a number of seconds in [{REFRESH_RANGE_S[0]:g}, {REFRESH_RANGE_S[1]:g}]"


def initial_state(args: argparse.Namespace) -> tuple[DashboardState, OpenedCandidate]:
    """The first state, opened as `assess` opens it: a bad candidate, an unknown --machine or a bad
    --runs file is the same one-line ValidationError (exit 2). Live machines (this-node, Slurm)
    are left to the inventory worker; a named dataset is sized by a worker once the App runs."""
    opened = open_candidate(args.candidate or None, machine=args.machine, live=False, size=False)
    runs = getattr(args, "runs", None)
    fit = open_runs(runs, field="--runs") if runs else None
    from capstone_tui.core.chart.ticks import LINEAR_AXIS_MAX_P  # p = 1..pmax is drawn: log when wide

    log_p = opened.candidate.scaling.pmax > LINEAR_AXIS_MAX_P
    notes = opened.model_notes  # what `[model] from` filled: the tree's model question and the status line
    return DashboardState(candidate=opened.candidate, machines=load_presets(), fit=fit, log_p=log_p,
                          model_shape=opened.model_shape, model_notes=notes,
                          message="; ".join(notes) or None), opened


def file_access(args: argparse.Namespace) -> FileAccess:
    """Where ctrl+o / ctrl+s may reach: anywhere locally; off or one folder when served."""
    if getattr(args, "no_files", False) or getattr(args, "files_root", None):
        return FileAccess.served(getattr(args, "files_root", None))
    return FileAccess()


def prepare(args: argparse.Namespace) -> tuple[DashboardState, OpenedCandidate]:
    """Check every input before anything is drawn (no Textual import): a bad candidate, --machine,
    --runs or --refresh is the same one-line ValidationError as from `assess` (exit 2)."""
    if args.refresh is not None and not REFRESH_RANGE_S[0] <= args.refresh <= REFRESH_RANGE_S[1]:
        raise ValidationError("--refresh", REFRESH_ACCEPTED, args.refresh)
    prepared = initial_state(args)
    if args.theme:
        chosen_theme(args)  # loads the theme files (and Textual, ~0.3 s) only when one is named
    return prepared


def chosen_theme(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """The themes and the one to use; an unknown --theme is a ValidationError listing the names."""
    from capstone_tui.tui.themes import check_theme_name, load_themes, no_color, selectable_themes, themes_dir

    themes = load_themes(themes_dir())
    theme = check_theme_name(args.theme, selectable_themes(themes)) if args.theme else None
    if args.low_color or no_color():
        theme = theme or "capstone-16"
    return themes, theme or "capstone-dark"


def build_app(args: argparse.Namespace,
              prepared: tuple[DashboardState, OpenedCandidate] | None = None) -> CapstoneApp:
    """The App for these arguments, not yet running (the tests drive it with Pilot)."""
    state, opened = prepared or prepare(args)
    themes, theme = chosen_theme(args)  # Textual from here on
    from capstone_tui.tui.app import CapstoneApp

    app = CapstoneApp(state, themes=themes, theme=theme,
                      export_dir=Path(args.export_dir), candidate_path=opened.path, candidate_text=opened.text,
                      refresh_s=args.refresh)
    app.file_access = file_access(args)
    more = tuple(getattr(args, "more", None) or ())
    app.compare_paths = (args.candidate, *more) if more else ()  # `v`: the compare view
    app.sizer_online = bool(getattr(args, "online", False))  # the sizer pane reads it: Enter asks the Hub
    return app


def launch(args: argparse.Namespace, prepared: tuple[DashboardState, OpenedCandidate] | None = None) -> int:
    from capstone_tui.probes.nvml_helper import start_early

    start_early()  # the GPU helper's interpreter starts while Textual imports and lays out
    app = build_app(args, prepared)
    app.run()
    return app.return_code or 0
