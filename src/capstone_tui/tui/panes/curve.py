"""The speedup-curve pane: S(p) (or E(p)) for c and the 4c geo link, p*, 1/s, measured runs.

It replots only when what the plot shows changed (s, c, pmax, toggles, fit, theme, size);
every other model change (an inventory reading, a sized dataset) costs nothing here.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static
from textual_plotext import PlotextPlot

from capstone_tui.core.model import Model
from capstone_tui.core.scaling import speedup
from capstone_tui.tui.themes import plot_rgb

LOG_SAMPLES = 240  # points drawn on a log axis: plenty for a terminal, cheap for 10^7 workers


def sample_ps(pmax: int, log_p: bool) -> list[int]:
    """Worker counts to draw: every p on a linear axis, log-spaced integers on a log axis."""
    if not log_p or pmax <= LOG_SAMPLES:
        return list(range(1, pmax + 1))
    step = math.log(pmax) / (LOG_SAMPLES - 1)
    return sorted({max(1, min(pmax, round(math.exp(i * step)))) for i in range(LOG_SAMPLES)})


class _NoPlot:
    """Accepts any plotext call and draws nothing (to collect the legend without a figure)."""

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


_NO_PLOT = _NoPlot()


class CachedPlot(PlotextPlot):
    """PlotextPlot that rebuilds its text only when the data, size or theme changed.

    The figure is drawn afresh (by `draw`) before every build: plotext transforms the stored
    data in place on a log axis, so building one figure twice would take the log twice.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._cache_key: tuple[Any, ...] | None = None
        self._cached: Text | None = None
        self.version = 0
        self.draw: Callable[[Any], None] | None = None

    def invalidate(self, draw: Callable[[Any], None]) -> None:
        self.draw = draw
        self.version += 1
        self.refresh()

    def render(self) -> Text:
        key = (self.version, self.size.width, self.size.height, self.app.theme)
        if key != self._cache_key or self._cached is None:
            if self.draw is not None:
                self.plt.clear_data()
                self.plt.clear_figure()
                self.draw(self.plt)
            self._cached = super().render()  # type: ignore[assignment]
            self._cache_key = key
        return self._cached


class SpeedupPane(Widget):
    """S(p) for the current s and c, p* marked, the Amdahl ceiling, the geo link, the fit."""

    model: reactive[Model | None] = reactive(None, always_update=True, repaint=False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[Any, ...] | None = None
        self._colours: dict[str, tuple[int, int, int]] = {}  # for the current theme

    def _rgb(self, variable: str) -> tuple[int, int, int]:
        if variable not in self._colours:
            self._colours[variable] = plot_rgb(self.app, variable)
        return self._colours[variable]

    def compose(self) -> ComposeResult:
        yield CachedPlot(id="speedup-plot")
        yield Static("", id="curve-legend")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._retheme())

    def _retheme(self) -> None:
        self._colours.clear()
        self._replot(force=True)

    def watch_model(self, model: Model | None) -> None:
        # after the next refresh: the verdict text reaches the screen first, the plot follows
        self.call_after_refresh(self._replot)

    def _replot(self, force: bool = False) -> None:
        model = self.model
        if model is None or not self.is_mounted:
            return
        sc = model.candidate.scaling
        key = (sc.s, sc.c, sc.pmax, model.show_geo, model.log_p, model.show_efficiency,
               id(model.fit), model.plot_pmax)
        if key == self._shown and not force:
            return
        self._shown = key
        plot = self.query_one(CachedPlot)
        legend: list[tuple[str, tuple[int, int, int]]] = []
        self._draw(_NO_PLOT, model, legend)  # the legend now; the figure at each build
        text = Text()
        for label, (r, g, b) in legend:
            text.append(("  " if text else "") + label, style=f"rgb({r},{g},{b})")
        self.query_one("#curve-legend", Static).update(text, layout=False)
        plot.invalidate(lambda plt: self._draw(plt, model, []))

    def _draw(self, plt: Any, model: Model, legend: list[tuple[str, tuple[int, int, int]]]) -> None:
        """Plot the model on a cleared figure; add the legend entries (shown below the plot)."""
        j = model.justification
        s, pmax, eff = j.s, model.plot_pmax, model.show_efficiency
        ps = sample_ps(pmax, model.log_p)

        def series(c: float) -> list[float]:
            return [speedup(s, p, c) / (p if eff else 1) for p in ps]

        name = "E(p)" if eff else "S(p)"
        fast = series(j.c)
        plt.plot(ps, fast, color=self._rgb("curve-fast"), marker="braille")
        legend.append((f"━ {name} c={j.c:g}", self._rgb("curve-fast")))
        top = max(fast)
        if model.show_geo:
            plt.plot(ps, series(j.geo.c), color=self._rgb("curve-geo"), marker="braille")
            legend.append((f"━ geo c'=4c={j.geo.c:g}", self._rgb("curve-geo")))
        fit = model.fit
        if fit is not None and not eff:
            legend += self._draw_fit(plt, fit, pmax)
            top = max([top] + [pt[1] for pt in fit.points if pt[0] <= pmax])
        if j.p_star <= pmax:
            y = j.speedup / (j.p_star if eff else 1)
            plt.scatter([j.p_star], [y], marker="●", color=self._rgb("marker"))
            legend.append((f"● p*={j.p_star}", self._rgb("marker")))
        ceiling = j.amdahl_ceiling
        cap = "1/s=inf" if ceiling is None else f"1/s={ceiling:.3g}x"
        if not eff and ceiling is not None and ceiling <= top * 1.6:
            plt.hline(ceiling, color=self._rgb("verdict-bad"))
            top = max(top, ceiling)
            legend.append((f"─ {cap}", self._rgb("verdict-bad")))
        elif not eff:
            legend.append((f"{cap} (above the chart)", self._rgb("verdict-bad")))
        if model.log_p:
            plt.xscale("log")  # plotext derives log ticks itself; an xlim here would overflow
        else:
            plt.xlim(1, max(2, pmax))
        plt.ylim(0, top * 1.08 if top > 0 else 1)
        plt.xlabel("workers p" + (" (log)" if model.log_p else ""))
        plt.title(f"{name}: p*={j.p_star} S(p*)={j.speedup:.2f}x E(p*)={100 * j.fast.efficiency:.0f}%")

    def _draw_fit(self, plt: Any, fit: Any, pmax: int) -> list[tuple[str, tuple[int, int, int]]]:
        ps = list(range(1, pmax + 1))
        lower, upper = fit.band(ps)
        colour = self._rgb("curve-fit")
        plt.plot(ps, lower, color=colour, marker="dot")
        plt.plot(ps, upper, color=colour, marker="dot")
        plt.plot(ps, [speedup(fit.s, p, fit.c) for p in ps], color=colour, marker="braille")
        legend = [(f"━ fit ({fit.method}) ┈ band", colour)]
        shown = [pt for pt in fit.points if pt[0] <= pmax]
        if shown:
            plt.scatter([pt[0] for pt in shown], [pt[1] for pt in shown], marker="x", color=colour)
            legend.append(("x measured", colour))
        return legend
