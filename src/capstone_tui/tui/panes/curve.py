"""The speedup-curve pane: S(p) (or E(p)) for c and the geo link (c' = GEO_FACTOR * c), p*, 1/s, measured runs;
or (key t) finish time against p: run time t1/S(p), and Slurm's queue wait where Slurm was asked.

The chart is built in core (core/chart/speedup_chart.py and time_chart.py, drawn by canvas.py on
the exact axes of ticks.py): round y ticks on the rows of their values, whole-number worker ticks,
every braille dot on the row of its value. This pane only picks colours, keeps the fit's band
across keys, and redraws a frame after the verdict bar (tui/after_frame.py). A cursor (Left/Right,
Home/End, a click) reads S and E at any p on one line below (in the time plot: wait, run, finish
and cost); a cursor move only overlays one column on the cached chart, it never redraws the curves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from capstone_tui.core.chart.canvas import BOTH, RUN_AND_WAIT, Chart, with_cursor
from capstone_tui.core.chart.speedup_chart import BAND_MAX_P, build_chart, ceiling_drawn, plot_range
from capstone_tui.core.chart.time_chart import build_time_chart, time_legend
from capstone_tui.core.chart.time_plot import TimeView, time_readout, time_view
from capstone_tui.core.dashboard_state import DashboardState
from capstone_tui.core.safe_text import safe_text
from capstone_tui.core.scaling import GEO_FACTOR
from capstone_tui.core.verdict_text import cursor_readout
from capstone_tui.tui.after_frame import after_frame
from capstone_tui.tui.themes import plot_rgb

if TYPE_CHECKING:
    from capstone_tui.core.fitting.fit import FitResult

LINEAR_HINT_FACTOR = 16  # on a linear axis this much wider than the peak, suggest the log axis
_STYLE_VARIABLES = {"S": "curve-fast", "geo": "curve-geo", "fit": "curve-fit", "band": "curve-fit",
                    "ceiling": "verdict-bad", "marker": "marker", "cursor": "accent",
                    "run": "curve-fast", "wait": "curve-geo"}


class ChartView(Widget):
    """The chart itself: built once per (model view, size, theme); the cursor is an overlay."""

    DEFAULT_CSS = "ChartView { height: 1fr; }"

    def __init__(self, pane: SpeedupPane, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pane = pane
        self._key: tuple[Any, ...] | None = None
        self.chart: Chart | None = None
        self.builds = 0  # how many times the curves were rasterized (tests and benchmarks read it)
        # the fit's bootstrap band for (fit, pmax): it does not move with s or c, and at pmax 4096
        # it costs about 60 ms, which a key that tunes s must not pay again
        self._band: tuple[FitResult, int, tuple[list[float], list[float]]] | None = None

    def render(self) -> Text:
        pane = self.pane
        model = pane.drawn  # the state the pane last redrew for: a layout pass in between keeps it
        if model is None:
            return Text("")
        key = (pane.view_key(model), self.size.width, self.size.height, self.app.theme)
        if key != self._key or self.chart is None:
            self.chart = self._build(model)
            self._key = key
            self.builds += 1
        if self.chart is None:
            return Text("(too small for a chart)")
        lines = with_cursor(self.chart, pane.cursor_at(model))
        text = Text(no_wrap=True, overflow="crop", end="")
        styles = pane.styles_for_theme()
        for i, line in enumerate(lines):
            if i:
                text.append("\n")
            run: list[str] = []
            run_key: str | None = None
            for ch, style_key in line:
                if style_key != run_key and run:
                    text.append("".join(run), styles.get(run_key or ""))
                    run = []
                run.append(ch)
                run_key = style_key
            if run:
                text.append("".join(run), styles.get(run_key or ""))
        return text

    def _build(self, model: DashboardState) -> Chart | None:
        """The chart the state asks for: the time plot (key t) or the speedup / efficiency chart."""
        width, height, hi = self.size.width, self.size.height, plot_range(model)
        if model.show_time:
            return build_time_chart(time_view_of(model), hi, model.log_p, width, height, model.justification.p_star)
        band = None
        fit = model.fit
        if fit is not None and not model.show_efficiency and hi <= BAND_MAX_P:
            if self._band is None or self._band[0] is not fit or self._band[1] != hi:
                self._band = (fit, hi, fit.band(list(range(1, hi + 1))))
            band = self._band[2]
        return build_chart(model, width, height, band)

    def on_click(self, event: events.Click) -> None:
        chart = self.chart
        if chart is None or event.x < chart.gutter:
            return
        self.pane.set_cursor(chart.x.p_of_column(event.x - chart.gutter))


class SpeedupPane(Widget):
    """S(p) for the current s and c, p* marked, the Amdahl ceiling, the geo link, the fit."""

    DEFAULT_CSS = "SpeedupPane #curve-readout { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }"
    model: reactive[DashboardState | None] = reactive(None, always_update=True, repaint=False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[Any, ...] | None = None
        self.drawn: DashboardState | None = None  # what the chart shows: set after the verdict paints
        self._styles: dict[str, Style] = {}
        self.cursor_p: int | None = None  # None: the cursor sits on p*

    def compose(self) -> ComposeResult:
        yield ChartView(self, id="speedup-plot")
        yield Static("", id="curve-readout")
        yield Static("", id="curve-legend")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._retheme())

    def _retheme(self) -> None:
        self._styles.clear()
        self._shown = None
        self.drawn = self.model
        self._update_text()
        self.query_one(ChartView).refresh()

    def styles_for_theme(self) -> dict[str, Style]:
        if not self._styles:
            rgb = {key: plot_rgb(self.app, var) for key, var in _STYLE_VARIABLES.items()}
            fast, geo = rgb["S"], rgb["geo"]
            rgb[BOTH] = tuple((a + b) // 2 for a, b in zip(fast, geo))  # type: ignore[assignment]
            rgb[RUN_AND_WAIT] = rgb[BOTH]
            self._styles = {key: Style(color=f"rgb({r},{g},{b})") for key, (r, g, b) in rgb.items()}
            self._styles["marker"] += Style(bold=True)
            self._styles["cursor"] += Style(bold=True)
            self._styles["band"] += Style(dim=True)
        return self._styles

    # --- the model --------------------------------------------------------------------------

    def view_key(self, model: DashboardState) -> tuple[Any, ...]:
        sc = model.candidate.scaling
        queue = (sc.t1_s, model.candidate.machine, id(model.queue_now)) if model.show_time else None
        return (sc.s, sc.c, sc.pmax, model.show_geo, model.log_p, model.show_efficiency, id(model.fit),
                model.show_time, queue)

    def watch_model(self, model: DashboardState | None) -> None:
        if model is None or not self.is_mounted:
            return
        key = self.view_key(model)
        if key == self._shown:
            return
        self._shown = key
        lines = 2 if model.show_time else 1  # the time plot says more: two lines each
        for part in ("#curve-readout", "#curve-legend"):
            widget = self.query_one(part)
            if widget.styles.height is None or widget.styles.height.value != lines:  # a layout only on a change
                widget.styles.height = lines
                widget.styles.text_wrap = "wrap" if model.show_time else "nowrap"
        if self.cursor_p is not None:
            self.cursor_p = min(self.cursor_p, plot_range(model))
        after_frame(self, self._redraw)  # the verdict bar paints first; the chart follows

    def _redraw(self) -> None:
        self.drawn = self.model
        self._update_text()
        self.query_one(ChartView).refresh()

    # --- the cursor -------------------------------------------------------------------------

    def cursor_at(self, model: DashboardState) -> int:
        p = model.justification.p_star if self.cursor_p is None else self.cursor_p
        return max(1, min(plot_range(model), p))

    def set_cursor(self, p: int) -> None:
        model = self.model
        if model is None:
            return
        self.cursor_p = max(1, min(plot_range(model), int(p)))
        self._update_readout(model)
        self.query_one(ChartView).refresh()

    def move_cursor(self, where: str) -> None:
        """'left' / 'right': one chart column; 'home': p = 1; 'end': p = p*."""
        model = self.model
        if model is None:
            return
        if where == "home":
            self.set_cursor(1)
            return
        if where == "end":  # back on p*, and following it as s and c change
            self.cursor_p = None
            self._update_readout(model)
            self.query_one(ChartView).refresh()
            return
        now = self.cursor_at(model)
        step = 1 if where == "right" else -1
        chart = self.query_one(ChartView).chart
        target = now + step
        if chart is not None:
            column = chart.x.column_of(now) + step
            target = chart.x.p_of_column(column)
            if (target - now) * step <= 0:
                target = now + step
        self.set_cursor(target)

    # --- words --------------------------------------------------------------------------------

    def _update_text(self) -> None:
        model = self.model
        if model is None:
            return
        self._update_readout(model)
        styles = self.styles_for_theme()
        text = Text(no_wrap=True, overflow="ellipsis")
        for label, key in self._legend(model):
            text.append(("  " if text else "") + label, style=styles.get(key))
        self.query_one("#curve-legend", Static).update(text, layout=False)

    def _update_readout(self, model: DashboardState) -> None:
        if model.show_time:
            readout = time_readout(time_view_of(model), self.cursor_at(model))
        else:
            readout = cursor_readout(model.justification, self.cursor_at(model), show_geo=model.show_geo)
        # the time readout quotes Slurm's words: plain text, control characters made visible
        self.query_one("#curve-readout", Static).update(Text(safe_text(readout)), layout=False)

    def _legend(self, model: DashboardState) -> list[tuple[str, str]]:
        j = model.justification
        if model.show_time:
            return time_legend(time_view_of(model), plot_range(model), j.p_star)
        name = "E(p) %" if model.show_efficiency else "S(p)"
        out = [(f"━ {name} c={j.c:g}", "S")]
        if model.show_geo:
            out += [(f"━ geo c'={GEO_FACTOR:g}c={j.geo.c:g}", "geo"), ("⣿ both", BOTH)]
        k = j.knee
        out.append((f"┊ p*={j.p_star} (best p: S={j.speedup:.2f}x E={100 * j.fast.efficiency:.0f}%)", "marker"))
        out.append((f"knee p={k.p} (S={k.speedup:.2f}x E={100 * k.efficiency:.0f}%)", "marker"))
        ceiling = j.amdahl_ceiling
        if not model.show_efficiency:
            cap = "1/s=inf" if ceiling is None else f"1/s={ceiling:.3g}x"
            where = "" if ceiling_drawn(model) else ", above the chart"
            out.append((f"─ {cap} (Amdahl ceiling{where})", "ceiling"))
        if model.fit is not None and not model.show_efficiency:
            out += [(f"━ fit ({model.fit.method}) ⠒ band", "fit"), ("× measured", "fit")]
        if not model.log_p and plot_range(model) > LINEAR_HINT_FACTOR * max(j.p_star, j.geo.p_star, 4):
            out.append(("(l: log axis, p/P: range)", "label"))
        return out


def time_view_of(model: DashboardState) -> TimeView:
    """The time plot's facts for this state: the queue answer only if it is for this candidate."""
    return time_view(model.candidate, model.queue_now)
