"""Colour themes: TOML files shipped in the package, plus a user folder that adds to them.

The built-in themes live in `capstone_tui/themes/*.toml` and are read with
`importlib.resources`, so they load the same from a checkout, an editable install, a wheel, a
pipx or a `uv tool` environment. Users add themes in `$XDG_CONFIG_HOME/capstone-tui/themes/`
(default `~/.config/capstone-tui/themes/`, or `$CAPSTONE_THEMES_DIR`); a user file whose theme
name is a built-in's replaces that one theme, every other built-in stays.

Each file holds the keyword arguments of `textual.theme.Theme` (the name defaults to the file
stem), with capstone-tui's own `$variables` (verdict and plot-series colours) in
`[variables]`. Textual's `ansi-dark`/`ansi-light` are unregistered: textual-plotext draws
black on black with them. Plot colours are RGB taken from the active theme, because named
plotext colours ignore the theme. With `NO_COLOR` set or `TERM=dumb` every colour is stripped
from what reaches the terminal (`colourless`).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import fields
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Iterable

from rich.segment import Segment
from rich.style import Style
from textual.app import App
from textual.color import Color, ColorParseError
from textual.filter import LineFilter
from textual.theme import BUILTIN_THEMES, Theme

from capstone_tui.core.errors import ValidationError

THEMES_ENV = "CAPSTONE_THEMES_DIR"
USER_THEMES_SUBDIR = ("capstone-tui", "themes")  # under $XDG_CONFIG_HOME
DEFAULT_THEME = "capstone-dark"
LOW_COLOR_THEME = "capstone-16"
UNREGISTERED = ("ansi-dark", "ansi-light")

# Defaults for our `$variables`, for themes that do not set them (Textual's built-ins); every
# built-in theme sets all of them. `variable_defaults_for` prefers the theme's own colours.
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


def builtin_themes_dir() -> Traversable:
    """The package's own themes folder (a resource: a real folder or inside a zip)."""
    return resources.files("capstone_tui").joinpath("themes")


def default_user_themes_dir() -> Path:
    """$XDG_CONFIG_HOME/capstone-tui/themes, XDG's default ~/.config when unset or relative."""
    config = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(config) if config and Path(config).is_absolute() else Path.home() / ".config"
    return base.joinpath(*USER_THEMES_SUBDIR)


def user_themes_dir() -> Path:
    """Where the user's own themes are: $CAPSTONE_THEMES_DIR, else the XDG folder."""
    override = os.environ.get(THEMES_ENV)
    return Path(override) if override else default_user_themes_dir()


def themes_dir() -> Path:
    """The user themes folder (`load_themes(themes_dir())` = built-ins plus the user's)."""
    return user_themes_dir()


def no_color() -> bool:
    """NO_COLOR (https://no-color.org): set to a non-empty value means no colour."""
    return bool(os.environ.get("NO_COLOR"))


def colourless() -> bool:
    """No colour on screen: NO_COLOR is set, or TERM says the terminal is dumb."""
    return no_color() or os.environ.get("TERM", "").strip().lower() in ("dumb", "unknown")


class StripColour(LineFilter):
    """Drop every foreground and background colour; keep bold, reverse, underline, links, meta.

    Textual's own NO_COLOR handling turns colours grey (Monochrome) or into the terminal's
    default colours, and ignores TERM=dumb (it then renders truecolor); this filter leaves
    no colour in any SGR sequence at all.
    """

    def __init__(self) -> None:
        super().__init__()
        self._cache: dict[Style, Style] = {}

    def _plain(self, style: Style) -> Style:
        plain = self._cache.get(style)
        if plain is None:
            plain = style.without_color
            if style._meta:  # mouse targets and click actions travel in the style's meta
                plain = plain + Style.from_meta(style.meta)
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[style] = plain
        return plain

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [Segment(text, None if style is None else self._plain(style), control)
                for text, style, control in segments]


def _field(path: Path | Traversable) -> str:
    return f"theme file {path}" if isinstance(path, Path) else f"theme file {path.name}"


def _stem(path: Path | Traversable) -> str:
    return path.name.rsplit(".", 1)[0]


def _colour(path: Path | Traversable, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(_field(path), f"{key} must be a colour string like \"#RRGGBB\"", value)
    try:
        Color.parse(value)
    except ColorParseError:
        raise ValidationError(_field(path), f"{key} must be a colour (#RRGGBB, rgb(), a name)", value) from None
    return value


def theme_from_dict(raw: dict[str, Any], path: Path | Traversable) -> Theme:
    """A Theme from one parsed file; every key, type and colour checked."""
    for key in raw:
        if key not in _ACCEPTED:
            raise ValidationError(_field(path), "unknown key " + repr(key) + "; accepted: " + ", ".join(_ACCEPTED))
    if "primary" not in raw:
        raise ValidationError(_field(path), "must set primary (a colour)")
    args: dict[str, Any] = {"name": raw.get("name", _stem(path))}
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


def load_theme(path: Path | Traversable) -> Theme:
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


def _load_folder(folder: Path | Traversable) -> dict[str, Theme]:
    """Every `*.toml` theme in one folder, by name, in file-name order; names must be distinct."""
    themes: dict[str, Theme] = {}
    files = sorted((p for p in folder.iterdir() if p.name.endswith(".toml") and p.is_file()),
                   key=lambda p: p.name)
    for path in files:
        theme = load_theme(path)
        if theme.name in themes or theme.name in UNREGISTERED:
            raise ValidationError(_field(path), "must use a theme name no other file uses", theme.name)
        themes[theme.name] = theme
    return themes


def builtin_themes() -> dict[str, Theme]:
    """The themes shipped in the package, by name."""
    return _load_folder(builtin_themes_dir())


def load_themes(directory: Path | None = None) -> dict[str, Theme]:
    """The built-in themes, then the user's from `directory` (default `user_themes_dir()`).

    A user theme adds to the built-ins (or replaces the one built-in of the same name). The XDG
    default folder may be absent; a folder named explicitly (argument or $CAPSTONE_THEMES_DIR)
    must exist.
    """
    themes = builtin_themes()
    folder = user_themes_dir() if directory is None else Path(directory)
    if not folder.is_dir():
        if folder == default_user_themes_dir() and not folder.exists():
            return themes
        raise ValidationError("themes folder", "must be a folder of *.toml themes", str(folder))
    for name, theme in _load_folder(folder).items():
        themes.pop(name, None)  # the user's version of a built-in goes last, like any user theme
        themes[name] = theme
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
    """Register our themes and drop Textual's ANSI ones (call in App.__init__, before paint).

    Under NO_COLOR or TERM=dumb also install `StripColour` as the app's last line filter.
    """
    for theme in themes.values():
        app.register_theme(theme)
    for name in UNREGISTERED:
        app.unregister_theme(name)
    if colourless() and not any(isinstance(f, StripColour) for f in app._filters):
        # App._filters is the list App.get_line_filters reads (Textual pinned at 8.2.8).
        app._filters.append(StripColour())


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
