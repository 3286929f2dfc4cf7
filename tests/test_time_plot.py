"""The time plot (key t): finish time against p, decoded from the real widget's rendered cells.

Run time t1/S(p) is a curve at every p, each dot within half a row of its value, on the same
round ticks as the speedup chart; Slurm's queue wait is drawn only at the worker counts Slurm
was asked about (a held node on the real local Slurm gives a visible ~20 min wait), stacked on
the run time; the cursor reads wait, run, finish and cost; without a queue answer the plot says
plainly why, and without t1_s which input to give.
"""

from __future__ import annotations

import math
import subprocess
import time
from pathlib import Path

import pytest
from textual.geometry import Region

from capstone_tui.core.candidate import Candidate, DataInputs, ScalingInputs
from capstone_tui.core.scaling import speedup
from capstone_tui.core.time_to_solution import duration_text
from capstone_tui.tui.themes import plot_rgb
from support.app_factory import make_app
from test_chart_exact import BRAILLE, _DOTS, cells, decode, is_round, value_range

UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
JOB_NAME = "capstone-test-timeplot"


def text_of(app, selector: str) -> str:
    return str(app.query_one(selector).render())


async def read_plot(app, pilot, probed: dict[int, tuple[float, float]], s: float, c: float, t1: float) -> dict:
    """Decode the time plot; check every dot against run(p) (curve or bar) or [run, finish] (wait).

    `probed` is {p: (run_s, finish_s)}: wait dots may only be in those columns."""
    await pilot.pause()
    plot = app.query_one("#speedup-plot")
    lines = [cells(strip) for strip in plot.render_lines(Region(0, 0, plot.size.width, plot.size.height))]
    raw = ["".join(ch for ch, _ in line) for line in lines]
    rows = next(i for i, t in enumerate(raw) if "└" in t)
    gutter = raw[rows].index("└") + 1
    units = {"".join(ch for ch in t[:gutter - 1] if ch.isalpha()) for t in raw[:rows]} - {""}
    assert len(units) <= 1, units  # one unit on every tick label: 10h, 20h, ...
    unit = units.pop() if units else ""
    per = UNITS[unit] if unit else 1.0  # no unit: run time in units of t1
    numbers = [[(" " if i < gutter - 1 and ch.isalpha() else ch, rgb) for i, (ch, rgb) in enumerate(line)]
               for line in lines]
    text, rows, gutter, yticks, xticks = decode(numbers)
    legend = text_of(app, "#curve-legend")
    tick_rows = sorted(yticks, reverse=True)
    assert yticks[rows - 1] == 0.0 and len(yticks) >= 2, text
    per_row = yticks[tick_rows[1]] / (tick_rows[0] - tick_rows[1])
    assert is_round(yticks[tick_rows[1]]), text
    for r, v in yticks.items():  # every tick on the row of its value
        assert v == pytest.approx((rows - 1 - r) * per_row, abs=1e-9)
    assert all(isinstance(p, int) for p in xticks.values()) and len(xticks) >= 2
    chart = app.query_one("#speedup-plot").chart
    run_rgb, wait_rgb = plot_rgb(app, "curve-fast"), plot_rgb(app, "curve-geo")

    def run(p: float) -> float:
        return t1 / speedup(s, p, c) / per  # type: ignore[arg-type]

    bar_cols = {chart.x.column_of(p): (r / per, f / per) for p, (r, f) in probed.items()}
    half = per_row / 2
    seen = {"run": 0, "wait": 0}
    for r in range(rows):
        for col, (ch, rgb) in enumerate(lines[r][gutter:]):
            code = ord(ch) - BRAILLE
            if not 0 < code < 256:
                continue
            kinds = ["run"] if rgb == run_rgb else ["wait"] if rgb == wait_rgb else ["run", "wait"]
            lo, hi = max(1.0, chart.x.p_at(col * 2 - 1.5)), min(float(chart.x.hi), chart.x.p_at(col * 2 + 2.5))
            for bit, (_, dy) in _DOTS.items():
                if not code & bit:
                    continue
                value = (rows - 1 - r - 0.5 + (3 - dy + 0.5) / 4) * per_row
                vmin, vmax = value_range(run, lo, hi, s, c)
                ok_run = vmin - half <= value <= vmax + half or (
                    col in bar_cols and -half <= value <= bar_cols[col][0] + half)
                ok_wait = col in bar_cols and bar_cols[col][0] - half <= value <= bar_cols[col][1] + half
                ok = any(ok_run if k == "run" else ok_wait for k in kinds)
                assert ok, (r, col, ch, value, kinds, text)
                for k in kinds:
                    seen[k] += rgb in (run_rgb, wait_rgb)
    assert seen["run"] > 20, text
    return {"text": text, "legend": legend, "seen": seen, "unit": unit}


def cand(machine: str = "dgx-h100", t1: float | None = 3600.0, name: str = "time plot", pmax: int = 64) -> Candidate:
    return Candidate(name=name, scaling=ScalingInputs(s=0.1, c=0.01, pmax=pmax, t1_s=t1),
                     data=DataInputs(bytes=4e12), machine=machine)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_without_a_queue_the_plot_is_run_time_and_says_why(tmp_path: Path, size) -> None:
    app = make_app(tmp_path, candidate=cand())
    async with app.run_test(size=size) as pilot:
        await pilot.press("3", "t")
        assert app.model.show_time
        got = await read_plot(app, pilot, {}, 0.1, 0.01, 3600.0)
        assert got["seen"]["wait"] == 0  # no queue answer: no wait is drawn anywhere
        assert got["unit"] == "min"
        assert got["legend"].startswith("queue unknown: reference dgx-h100 is not a Slurm partition"), got["legend"]
        await pilot.press("home")
        assert text_of(app, "#curve-readout").startswith("p=1  run 60.0 min  wait unknown"), text_of(app, "#curve-readout")
        await pilot.press("right", "right")
        p = app.query_one("#curve").cursor_at(app.model)
        assert p > 1
        assert text_of(app, "#curve-readout").startswith(f"p={p}  run {duration_text(3600 / speedup(0.1, p, 0.01))}")
        await pilot.press("t")  # back to the speedup chart
        assert not app.model.show_time and text_of(app, "#curve-readout").startswith(f"p={p}  S=")


async def test_without_t1_it_names_the_input_to_give(tmp_path: Path) -> None:
    app = make_app(tmp_path, candidate=cand(t1=None))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "t", "home")
        await pilot.pause()
        legend = text_of(app, "#curve-legend")
        assert legend.startswith("queue unknown: no t1_s") and "press i and give scaling.t1_s" in legend, legend
        assert "run = 1 x t1" in text_of(app, "#curve-readout")
        got = await read_plot(app, pilot, {}, 0.1, 0.01, 1.0)  # T(p) = 1/S(p), in units of t1
        assert got["seen"]["wait"] == 0 and got["unit"] == ""


async def test_slurm_reference_not_answered_yet_says_so(tmp_path: Path) -> None:
    app = make_app(tmp_path, candidate=cand(machine="slurm:debug"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "t")
        await pilot.pause()
        assert text_of(app, "#curve-legend").startswith("queue unknown: waiting for Slurm's answer for partition debug")


@pytest.mark.slurm
async def test_a_stopped_controller_is_named_on_the_plot(slurm_cluster, monkeypatch, tmp_path: Path) -> None:
    from test_slurm import _conf_with_port, _free_port

    monkeypatch.setenv("SLURM_CONF", _conf_with_port(slurm_cluster, _free_port(), tmp_path))
    app = make_app(tmp_path, candidate=cand(machine="slurm:debug", name=f"stopped {time.time()}"))
    async with app.run_test(size=(120, 40)) as pilot:
        start = time.monotonic()
        app.read_inventory()
        await app.workers.wait_for_complete()
        assert time.monotonic() - start < 30
        await pilot.press("3", "t", "home")
        await pilot.pause()
        legend = text_of(app, "#curve-legend")
        assert legend.startswith("queue unknown (not_answering): Slurm: controller not answering"), legend
        got = await read_plot(app, pilot, {}, 0.1, 0.01, 3600.0)
        assert got["seen"]["wait"] == 0
        assert text_of(app, "#curve-readout").startswith("p=1  run 60.0 min  wait unknown (queue unknown (not_answering)")


@pytest.fixture
def held_node(slurm_cluster, monkeypatch):
    """The node held by a 20-minute sleep job; cancelled afterwards, and checked gone."""
    monkeypatch.setenv("SLURM_CONF", slurm_cluster["SLURM_CONF"])
    job = subprocess.run(["sbatch", "--parsable", "--exclusive", "-p", "debug", "-t", "20", "-J", JOB_NAME,
                          "-o", "/dev/null", "--wrap", "sleep 1200"], capture_output=True, text=True, timeout=15)
    assert job.returncode == 0, job.stderr

    def queued() -> list[str]:
        out = subprocess.run(["squeue", "-h", "-n", JOB_NAME, "-o", "%T"], capture_output=True, text=True,
                             timeout=15).stdout
        return out.split()

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "RUNNING" not in queued():
        time.sleep(0.3)
    assert "RUNNING" in queued()
    yield
    subprocess.run(["scancel", "-n", JOB_NAME], capture_output=True, timeout=15)
    deadline = time.monotonic() + 30
    while queued() and time.monotonic() < deadline:
        time.sleep(0.3)
    assert queued() == []


@pytest.mark.slurm
async def test_real_slurm_wait_is_stacked_at_the_probed_sizes_only(held_node, tmp_path: Path) -> None:
    candidate = cand(machine="slurm:debug", name=f"time plot {time.time()}", pmax=16)
    app = make_app(tmp_path, candidate=candidate)
    async with app.run_test(size=(120, 40)) as pilot:
        app.read_inventory()  # the refresh worker: inventory, then the queue for a Slurm reference
        await app.workers.wait_for_complete()
        await pilot.press("3", "t", "home")
        queue = app.model.queue_now
        assert queue is not None and [o["p"] for o in queue["options"]] == [1, 2], queue
        probed = {o["p"]: (o["run_s"], o["finish_s"]) for o in queue["options"]}
        assert all(1140 <= o["wait_s"] <= 1205 for o in queue["options"]), queue
        got = await read_plot(app, pilot, probed, 0.1, 0.01, 3600.0)
        assert got["seen"]["wait"] > 8, got["text"]  # ~20 min of wait on a minutes axis: rows of it
        assert "⣿ queue wait stacked (top = finish): Slurm (debug) at p=1,2 only; left out p=4" in got["legend"], \
            got["legend"]
        assert got["unit"] == "min"
        one = queue["options"][0]
        readout = text_of(app, "#curve-readout")
        assert readout.startswith(f"p=1  wait {duration_text(one['wait_s'])} + run 60.0 min = finish "
                                  f"{duration_text(one['finish_s'])}  cost {one['cost']:.3g} billing units"), readout
        await pilot.press("right", "right", "right", "right")
        p = app.query_one("#curve").cursor_at(app.model)
        assert p > 2
        readout = text_of(app, "#curve-readout")
        run_p = 3600 / speedup(0.1, p, 0.01)
        rate = one["cost"] / (one["run_s"] / 3600)  # billing units per worker-hour, the same at every p
        assert readout == (f"p={p}  run {duration_text(run_p)}  cost {rate * p * run_p / 3600:.3g} billing units  "
                           "wait: not asked at this p (Slurm answered for p=1,2)"), readout
        assert math.isclose(rate, 1.0, rel_tol=1e-9)  # no TRESBillingWeights: one unit per CPU-hour
