"""Themes: the shipped TOML files load, validate and read well; bad files give one line; a user
folder adds themes; NO_COLOR and TERM=dumb give a screen without a single colour code.

Contrast thresholds are WCAG 2.1: 4.5:1 for text (SC 1.4.3, https://www.w3.org/TR/WCAG21/#contrast-minimum)
and 3:1 for graphical objects such as plot lines (SC 1.4.11, https://www.w3.org/TR/WCAG21/#non-text-contrast),
with relative luminance and contrast ratio as WCAG 2.1 defines them.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from rich.color import Color as RichColor
from rich.color import ColorSystem
from textual.app import App, ComposeResult
from textual.color import Color
from textual.widgets import Static
from textual_plotext import PlotextPlot

from capstone_tui.core.errors import ValidationError
from capstone_tui.tui.themes import (
    DEFAULT_THEME,
    LOW_COLOR_THEME,
    THEME_VARIABLE_DEFAULTS,
    StripColour,
    builtin_themes,
    builtin_themes_dir,
    check_theme_name,
    colourless,
    load_themes,
    no_color,
    plot_rgb,
    register_themes,
    selectable_themes,
    themes_dir,
    user_themes_dir,
    variable_defaults_for,
)
from support.colour_pty import colour_codes, run_in_pty, screen_text

SHIPPED = builtin_themes()
# The 16 colours Rich downgrades to on a 16-colour terminal (xterm/VGA values), listed here
# from the ANSI/VGA table rather than read from Rich, so the test checks Rich too.
ANSI16 = [(0, 0, 0), (170, 0, 0), (0, 170, 0), (170, 85, 0), (0, 0, 170), (170, 0, 170), (0, 170, 170),
          (170, 170, 170), (85, 85, 85), (255, 85, 85), (85, 255, 85), (255, 255, 85), (85, 85, 255),
          (255, 85, 255), (85, 255, 255), (255, 255, 255)]  # ANSI colour numbers 0..15, in order
COLOUR_KEYS = ("primary", "secondary", "accent", "foreground", "background", "surface", "panel",
               "success", "warning", "error")


def luminance(colour: str) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = Color.parse(colour).rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_shipped_themes_load_and_define_our_variables():
    assert {"capstone-dark", "capstone-light", "capstone-16"} <= set(SHIPPED)
    assert DEFAULT_THEME in SHIPPED and LOW_COLOR_THEME in SHIPPED
    assert any(not t.dark for t in SHIPPED.values())
    for theme in SHIPPED.values():
        assert set(THEME_VARIABLE_DEFAULTS) <= set(theme.variables), theme.name
        for key in COLOUR_KEYS:
            assert getattr(theme, key) is not None, (theme.name, key)
        assert not theme.ansi
        assert builtin_themes_dir().joinpath(f"{theme.name}.toml").is_file()


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_themes_are_readable(name):
    t = SHIPPED[name]
    for ground in (t.background, t.surface, t.panel):
        assert contrast(t.foreground, ground) >= 4.5, (name, ground)
    for key in ("verdict-good", "verdict-bad"):  # shown as text
        assert contrast(t.variables[key], t.background) >= 4.5, (name, key)
    for key in ("curve-fast", "curve-geo", "curve-fit", "marker"):  # plot lines on $surface
        assert contrast(t.variables[key], t.surface) >= 3.0, (name, key)
    assert contrast(t.primary, t.background) >= 3.0


def test_the_16_colour_theme_survives_a_16_colour_terminal():
    t = SHIPPED[LOW_COLOR_THEME]
    colours = [getattr(t, k) for k in COLOUR_KEYS] + [t.variables[k] for k in THEME_VARIABLE_DEFAULTS]
    for colour in colours:
        rgb = Color.parse(colour).rgb
        assert rgb in ANSI16, colour
        # Rich maps it to exactly the ANSI colour number chosen, which the terminal then draws.
        down = RichColor.from_rgb(*rgb).downgrade(ColorSystem.STANDARD)
        assert down.number == ANSI16.index(rgb), colour
    # The pairs that carry meaning stay distinct after the downgrade.
    good, bad = t.variables["verdict-good"], t.variables["verdict-bad"]
    assert RichColor.parse(good).downgrade(ColorSystem.STANDARD) != RichColor.parse(bad).downgrade(ColorSystem.STANDARD)
    assert t.variables["curve-fast"] != t.variables["curve-geo"] != t.variables["curve-fit"]


BAD_FILES = [
    ("broken.toml", 'name = "x"\nprimary = \n', "must be valid TOML"),
    ("unknown.toml", 'primary = "#112233"\nprimry2 = "#000000"\n', "unknown key 'primry2'"),
    ("colour.toml", 'primary = "not-a-colour"\n', "primary must be a colour"),
    ("var.toml", 'primary = "#112233"\n[variables]\ncurve-fast = "#12345"\n', "variables.curve-fast"),
    ("noprimary.toml", 'background = "#000000"\n', "must set primary"),
    ("ansi.toml", 'primary = "#112233"\nansi = true\n', "unknown key 'ansi'"),
    ("dark.toml", 'primary = "#112233"\ndark = "yes"\n', "dark must be true or false"),
    ("spread.toml", 'primary = "#112233"\nluminosity_spread = 7\n', "luminosity_spread"),
    ("number.toml", "primary = 12\n", "primary must be a colour"),
]


@pytest.mark.parametrize("filename, text, needle", BAD_FILES)
def test_a_bad_theme_file_is_one_line(tmp_path, filename, text, needle):
    (tmp_path / "good.toml").write_text('primary = "#336699"\n')
    (tmp_path / filename).write_text(text)
    with pytest.raises(ValidationError) as info:
        load_themes(tmp_path)
    message = info.value.message
    assert message.startswith(f"theme file {tmp_path / filename}: ") and needle in message
    assert "\n" not in message


def test_theme_folder_rules(tmp_path, monkeypatch):
    monkeypatch.delenv("CAPSTONE_THEMES_DIR", raising=False)
    with pytest.raises(ValidationError, match="themes folder"):
        load_themes(tmp_path / "missing")
    (tmp_path / "one.toml").write_text('primary = "#336699"\n')
    (tmp_path / "two.toml").write_text('name = "one"\nprimary = "#336699"\n')
    with pytest.raises(ValidationError, match="two.toml: must use a theme name"):
        load_themes(tmp_path)
    (tmp_path / "two.toml").unlink()
    monkeypatch.setenv("CAPSTONE_THEMES_DIR", str(tmp_path))
    assert themes_dir() == user_themes_dir() == tmp_path
    assert list(load_themes()) == [*SHIPPED, "one"]  # name = the file stem, after the built-ins
    monkeypatch.setenv("CAPSTONE_THEMES_DIR", str(tmp_path / "missing"))  # named, so it must exist
    with pytest.raises(ValidationError, match="themes folder"):
        load_themes()


def test_builtin_themes_are_package_resources():
    folder = resources.files("capstone_tui") / "themes"
    assert builtin_themes_dir() == folder
    files = sorted(p.name for p in folder.iterdir() if p.name.endswith(".toml"))
    assert files == sorted(f"{name}.toml" for name in SHIPPED) and len(files) >= 4
    assert not (Path(__file__).resolve().parents[1] / "themes").exists()  # one copy, in the package


def test_user_themes_folder_adds_to_the_builtins(tmp_path, monkeypatch):
    monkeypatch.delenv("CAPSTONE_THEMES_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    user = tmp_path / "config" / "capstone-tui" / "themes"
    assert user_themes_dir() == user
    assert list(load_themes()) == list(SHIPPED)  # the XDG folder may be absent
    user.mkdir(parents=True)
    (user / "mine.toml").write_text('primary = "#336699"\n')
    (user / "dark.toml").write_text('name = "capstone-dark"\nprimary = "#123456"\n')
    themes = load_themes()
    assert set(themes) == set(SHIPPED) | {"mine"}
    assert themes["capstone-dark"].primary == "#123456"  # a user file replaces that one built-in
    assert themes["capstone-light"].primary == SHIPPED["capstone-light"].primary
    assert load_themes(themes_dir()) == themes  # the call the launcher and `serve` make
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/path")  # XDG: relative values are ignored
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_themes_dir() == tmp_path / "home" / ".config" / "capstone-tui" / "themes"


def test_theme_names_offered_and_checked():
    names = selectable_themes(SHIPPED)
    assert names[: len(SHIPPED)] == tuple(SHIPPED) and "textual-dark" in names
    assert "ansi-dark" not in names and "ansi-light" not in names
    assert check_theme_name("capstone-light", names) == "capstone-light"
    with pytest.raises(ValidationError) as info:
        check_theme_name("ansi-dark", names)
    assert info.value.message.startswith("--theme: must be one of capstone-")


def test_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert no_color() is False and colourless() is False
    monkeypatch.setenv("NO_COLOR", "")
    assert no_color() is False  # no-color.org: only a non-empty value counts
    monkeypatch.setenv("NO_COLOR", "1")
    assert no_color() is True and colourless() is True
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert no_color() is False and colourless() is True


class ThemedApp(App[None]):
    """The smallest app that uses our themes the way the dashboard does."""

    CSS = """
    #good { color: $verdict-good; }
    #bad { color: $verdict-bad; background: $surface; }
    """

    def __init__(self, theme: str | None = None) -> None:
        super().__init__()
        register_themes(self, SHIPPED)
        self.theme = theme or DEFAULT_THEME

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return variable_defaults_for(self.current_theme)

    def compose(self) -> ComposeResult:
        yield Static("distribute", id="good")
        yield Static("stay", id="bad")
        yield PlotextPlot()


def _style_rgb(app: App[Any], selector: str) -> tuple[int, int, int]:
    return app.query_one(selector).styles.color.rgb


async def test_themes_in_a_running_app():
    app = ThemedApp()
    async with app.run_test(size=(80, 24)) as pilot:
        assert "ansi-dark" not in app.available_themes and "ansi-light" not in app.available_themes
        assert set(SHIPPED) <= set(app.available_themes)
        for name, theme in SHIPPED.items():
            app.theme = name
            await pilot.pause()
            assert _style_rgb(app, "#good") == Color.parse(theme.variables["verdict-good"]).rgb
            assert plot_rgb(app, "curve-geo") == Color.parse(theme.variables["curve-geo"]).rgb
            assert plot_rgb(app, "surface") == Color.parse(theme.surface).rgb
        # A built-in theme without our variables takes them from its own palette.
        app.theme = "nord"
        await pilot.pause()
        nord = app.current_theme
        assert plot_rgb(app, "curve-fast") == Color.parse(nord.primary).rgb
        assert _style_rgb(app, "#bad") == Color.parse(nord.error).rgb
        with pytest.raises(KeyError):
            plot_rgb(app, "no-such-variable")


async def test_starts_on_the_requested_theme_before_first_paint():
    app = ThemedApp(theme=LOW_COLOR_THEME)
    async with app.run_test(size=(60, 20)):
        assert app.theme == LOW_COLOR_THEME
        svg = app.export_screenshot()
    assert "#000000" in svg.lower() or "rgb(0,0,0)" in svg.replace(" ", "")
    assert "#55ff55" in svg.lower()  # verdict-good drawn in the theme's colour


def test_every_theme_file_in_the_repo_is_shipped():
    package = Path(__file__).resolve().parents[1] / "src" / "capstone_tui" / "themes"
    assert sorted(p.stem for p in package.glob("*.toml")) == sorted(SHIPPED)


async def test_colourless_app_strips_every_colour(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = ThemedApp()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert isinstance(app.get_line_filters()[-1], StripColour)
        widget = app.query_one("#good")
        strips = widget.render_lines(widget.region.reset_offset)
    styles = [seg.style for strip in strips for seg in strip if seg.style is not None]
    assert styles and all(style.color is None and style.bgcolor is None for style in styles)


# The real binary in a real pty: every SGR sequence it writes is checked for a colour parameter.
CANDIDATE = Path(__file__).resolve().parents[1] / "examples" / "dedupe-4tb-crawl.toml"


def _dashboard(tmp_path: Path) -> list[str]:
    return [sys.executable, "-m", "capstone_tui", str(CANDIDATE), "--export-dir", str(tmp_path / "out"),
            "--refresh", "60"]


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}, {"TERM": "dumb", "NO_COLOR": "1"}],
                         ids=["NO_COLOR", "TERM=dumb", "both"])
def test_dashboard_emits_no_colour_codes(tmp_path, env):
    out = run_in_pty(_dashboard(tmp_path), {"TERM": "xterm-256color", "COLORTERM": "truecolor", **env},
                     keys=b"SgS", cwd=tmp_path)
    assert b"p*" in screen_text(out) and len(out) > 5000  # it drew the dashboard, then redrew it
    assert colour_codes(out) == []


def test_the_pty_check_sees_colour_otherwise(tmp_path):
    out = run_in_pty(_dashboard(tmp_path), {"TERM": "xterm-256color", "COLORTERM": "truecolor"},
                     keys=b"S", cwd=tmp_path)
    assert any(code.startswith(("38;2;", "48;2;")) for code in colour_codes(out))
