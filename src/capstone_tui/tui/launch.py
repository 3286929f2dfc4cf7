"""Start the dashboard from parsed CLI arguments (candidate, machine, theme, export dir)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from capstone_tui.core.candidate import Candidate, parse_candidate
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.model import Model
from capstone_tui.core.presets import load_presets


def read_candidate(path: str | None) -> Candidate:
    if not path:
        return Candidate()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise ValidationError("CANDIDATE.toml", "must be a readable candidate file", path,
                              detail=err.strerror or "") from None
    return parse_candidate(text, source=path)


def read_runs(path: str | None) -> object:
    """Fit a runs CSV given with --runs (numpy/scipy load only then: ~0.3 s)."""
    if not path:
        return None
    from capstone_tui.core.fitting import fit_runs
    from capstone_tui.core.runs import parse_runs_csv

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ValidationError("--runs", "must be a readable CSV file with p,time or p,throughput", path,
                              detail=str(getattr(err, "strerror", "") or err)) from None
    return fit_runs(parse_runs_csv(text, source=path))


def initial_model(args: argparse.Namespace) -> Model:
    candidate = read_candidate(args.candidate)
    if args.machine:
        candidate = replace(candidate, machine=args.machine)
    return Model(candidate=candidate, machines=load_presets(), fit=read_runs(getattr(args, "runs", None)))


def launch(args: argparse.Namespace) -> int:
    if args.refresh is not None and not 0.2 <= args.refresh <= 3600:
        raise ValidationError("--refresh", "must be a number of seconds in [0.2, 3600]", args.refresh)
    model = initial_model(args)
    from capstone_tui.tui.themes import (  # Textual from here on
        check_theme_name, load_themes, no_color, selectable_themes, themes_dir)

    themes = load_themes(themes_dir())
    theme = check_theme_name(args.theme, selectable_themes(themes)) if args.theme else None
    if args.low_color or no_color():
        theme = theme or "capstone-16"
    from capstone_tui.tui.app import CapstoneApp

    app = CapstoneApp(model, themes=themes, theme=theme or "capstone-dark",
                      export_dir=Path(args.export_dir), candidate_path=Path(args.candidate) if args.candidate else None,
                      refresh_s=args.refresh)
    app.run()
    return app.return_code or 0
