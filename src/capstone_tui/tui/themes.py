"""Colour themes: TOML files in `themes/`, validated at load and registered before first paint.

Each file holds the keyword arguments of `textual.theme.Theme` (the name defaults to the file
stem), with capstone-tui's own `$variables` (verdict and plot-series colours) in
`[variables]`. Textual's `ansi-dark`/`ansi-light` are unregistered: textual-plotext draws
black on black with them. Plot colours are RGB taken from the active theme, because named
plotext colours ignore the theme.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any, Iterable

from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import BUILTIN_THEMES, Theme

from capstone_tui.core.errors import ValidationError

THEMES_ENV = "CAPSTONE_THEMES_DIR"
DEFAULT_THEME = "capstone-dark"
LOW_COLOR_THEME = "capstone-16"
UNREGISTERED = ("ansi-dark", "ansi-light")

# Defaults for our `$variables`, for themes that do not set them (Textual's built-ins); every
# theme in themes/ sets all of them. `variable_defaults_for` prefers the theme's own colours.
THEME_VARIABLE_DEFAULTS: dict[str, str] = {
    "verdict-good": "#4EBF71",  # textual-dark's $success
    "verdict-bad": "#BA3C5B",  # textual-dark's $error
    "curve-fast": "#0178D4",  # textual-dark's $primary
    "curve-geo": "#FFA62B",  # textual-dark's $warning
    "curve-fit": "#C792EA",
    "marker": "#E0E0E0",  # textual-dark's $foreground
}
# Which of a theme's own colours stands in for each of our variables it does not set.
_SEMANTIC = {"verdict-good": "success", "verdict-bad": "error", "curve-fast": "primary",
             "curve-geo": "warning", "curve-fit": "accent", "marker": "foreground"}

_STRING_KEYS = ("name", "primary", "secondary", "warning", "error", "success", "accent",
                "foreground", "background", "surface", "panel", "boost")
_FLOAT_KEYS = ("luminosity_spread", "text_alpha")
# `ansi = true` is left out on purpose: ANSI themes make the plot unreadable.
_ACCEPTED = (*_STRING_KEYS, "dark", *_FLOAT_KEYS, "variables")
assert set(_ACCEPTED) <= {f.name for f in fields(Theme)}


def themes_dir() -> Path:
    """$CAPSTONE_THEMES_DIR, else the repository's themes/, else a copy shipped in the package."""
    override = os.environ.get(THEMES_ENV)
    if override:
        return Path(override)
    repo = Path(__file__).resolve().parents[3] / "themes"
    packaged = Path(__file__).resolve().parents[1] / "themes"
    if not repo.is_dir() and packaged.is_dir():
        return packaged
    return repo


def no_color() -> bool:
    """NO_COLOR (https://no-color.org): set to a non-empty value means no colour."""
    return bool(os.environ.get("NO_COLOR"))


def _field(path: Path) -> str:
    return f"theme file {path.name}"


def _colour(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(_field(path), f"{key} must be a colour string like \"#RRGGBB\"", value)
    try:
        Color.parse(value)
    except ColorParseError:
        raise ValidationError(_field(path), f"{key} must be a colour (#RRGGBB, rgb(), a name)", value) from None
    return value


def theme_from_dict(raw: dict[str, Any], path: Path) -> Theme:
    """A Theme from one parsed file; every key, type and colour checked."""
    for key in raw:
        if key not in _ACCEPTED:
            raise ValidationError(_field(path), "unknown key " + repr(key) + "; accepted: " + ", ".join(_ACCEPTED))
    if "primary" not in raw:
        raise ValidationError(_field(path), "must set primary (a colour)")
    args: dict[str, Any] = {"name": raw.get("name", path.stem)}
    if not isinstance(args["name"], str) or not args["name"].strip():
        raise ValidationError(_field(path), "name must be a non-empty string", args["name"])
    for key in _STRING_KEYS[1:]:
        if key in raw:
            args[key] = _colour(path, key, raw[key])
    if "dark" in raw:
        if not isinstance(raw["dark"], bool):
            raise ValidationError(_field(path), "dark must be true or false", raw["dark"])
        args["dark"] = raw["dark"]
    for key in _FLOAT_KEYS:
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ValidationError(_field(path), f"{key} must be a number in [0, 1]", value)
            args[key] = float(value)
    variables = raw.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise ValidationError(_field(path), "[variables] must map names to strings", variables)
    for key in THEME_VARIABLE_DEFAULTS:
        if key in variables:
            _colour(path, f"variables.{key}", variables[key])
    args["variables"] = dict(variables)
    theme = Theme(**args)
    try:
        theme.to_color_system().generate()  # the check Textual would otherwise make on activation
    except Exception as err:  # Textual raises several types here; any of them is a bad file
        raise ValidationError(_field(path), "must define a valid Textual theme", detail=str(err)) from None
    return theme


def load_theme(path: Path) -> Theme:
    """One theme file, validated; any problem is a one-line ValidationError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ValidationError(_field(path), "must be a readable UTF-8 file", detail=str(err)) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ValidationError(_field(path), "must be valid TOML", detail=str(err)) from None
    return theme_from_dict(raw, path)


def load_themes(directory: Path | None = None) -> dict[str, Theme]:
    """Every `*.toml` theme in `directory` (default `themes_dir()`), by name, in file order."""
    folder = themes_dir() if directory is None else Path(directory)
    if not folder.is_dir():
        raise ValidationError("themes folder", "must be a folder of *.toml themes", str(folder))
    themes: dict[str, Theme] = {}
    for path in sorted(folder.glob("*.toml")):
        theme = load_theme(path)
        if theme.name in themes or theme.name in UNREGISTERED:
            raise ValidationError(_field(path), "must use a theme name no other file uses", theme.name)
        themes[theme.name] = theme
    return themes


def selectable_themes(themes: dict[str, Theme]) -> tuple[str, ...]:
    """Names `--theme` and the palette offer: ours first, then Textual's except the ANSI two."""
    builtin = [name for name in BUILTIN_THEMES if name not in UNREGISTERED and name not in themes]
    return (*themes, *builtin)


def check_theme_name(name: str, available: Iterable[str]) -> str:
    """`--theme NAME` validated against the selectable names."""
    names = tuple(available)
    if name not in names:
        raise ValidationError("--theme", "must be one of " + ", ".join(names), name)
    return name


def register_themes(app: App[Any], themes: dict[str, Theme]) -> None:
    """Register our themes and drop Textual's ANSI ones (call in App.__init__, before paint)."""
    for theme in themes.values():
        app.register_theme(theme)
    for name in UNREGISTERED:
        app.unregister_theme(name)


def variable_defaults_for(theme: Theme) -> dict[str, str]:
    """Our `$variables` for a theme that may not set them: its own semantic colours first."""
    out = dict(THEME_VARIABLE_DEFAULTS)
    for variable, attribute in _SEMANTIC.items():
        value = getattr(theme, attribute, None)
        if isinstance(value, str) and not value.startswith("ansi_"):
            out[variable] = value
    return out


def plot_rgb(app: App[Any], variable: str) -> tuple[int, int, int]:
    """An RGB tuple for textual-plotext from the active theme (`curve-fast`, `surface`, ...)."""
    theme = app.current_theme
    # The same merge Textual makes for CSS (App.get_css_variables), computed from the theme
    # now active so a plot redrawn on theme_changed_signal never sees the previous theme.
    table = {**app.get_theme_variable_defaults(), **theme.to_color_system().generate(), **theme.variables}
    value = table.get(variable) or variable_defaults_for(theme).get(variable)
    if value is None:
        raise KeyError(f"theme variable {variable!r} is not defined")
    return Color.parse(value).rgb
