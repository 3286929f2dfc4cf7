"""The export's time plot alone (`<slug>-<timestamp>-time.svg`), written when the candidate gives
[scaling] t1_s: decoded from the SVG file through its axis mapping (core/chart/time_svg.py), the
run-time curve sits at t1/S(p); with a queue answer the finish marks sit at wait + run at exactly
the worker counts Slurm answered for, p* and the fastest-to-finish count are marked, and the
caption says when Slurm was asked; the Markdown links the chart; the JSON names it; a candidate
name with `<script>` and control characters stays text. The `when` answers are made by the real
core (`plan` + `combine` on a partition the test describes), the export by the session function
both faces call (the dashboard's key e under Pilot writes the same file), and once end to end by
`capstone-tui export` on the real local Slurm.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from capstone_tui.core.assessment import assess
from capstone_tui.core.candidate import Candidate, DataInputs, ScalingInputs
from capstone_tui.core.chart.svg import HEIGHT, LEFT, RIGHT, TOP, WIDTH
from capstone_tui.core.presets import preset
from capstone_tui.core.scaling import best_p, speedup
from capstone_tui.core.snapshot import CURVE_SUFFIX, TIME_SUFFIX, snapshot_basename
from capstone_tui.core.time_to_solution import NodeShape, Partition, StartAnswer, combine, plan
from capstone_tui.session import export_snapshot
from test_when_slurm import candidate, clean_queue  # noqa: F401  (fixtures: the real local Slurm)

NS = "{http://www.w3.org/2000/svg}"
CREATED = datetime(2026, 11, 30, 20, 0, 5, tzinfo=timezone.utc)
UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
ASKED = datetime(2026, 11, 30, 21, 4, 17)  # Slurm's clock (local, no zone) when it was asked


def when_answer(cand: Candidate, waits: dict[int, float], partition: Partition) -> dict:
    """The `when` JSON as core makes it: the plan's sizes, Slurm's starts at ASKED + wait; sizes
    without a wait get no answer (left out)."""
    the_plan = plan(cand, partition)
    answers = tuple(StartAnswer(s.p, (ASKED + timedelta(seconds=waits[s.p])).isoformat(timespec="seconds"),
                                waits[s.p]) for s in the_plan.shapes if s.p in waits)
    return combine(cand, partition, the_plan, answers, "sbatch --test-only (test)").to_json()


GPU_PARTITION = Partition("gpu", (NodeShape(4, 64, 512_000, 8),))  # 32 one-GPU workers


def export(tmp_path: Path, cand: Candidate, queue: dict | None = None) -> dict[str, Path]:
    paths = export_snapshot(tmp_path, cand, assess(cand, preset("dgx-h100")), created=CREATED, queue=queue)
    base = snapshot_basename(cand.name, CREATED)
    return {p.name[len(base):] if p.name.startswith(base) else p.name: p for p in paths}


class Decoded:
    """The chart read back from the SVG file: axes from the tick labels, the marks by class."""

    def __init__(self, svg: str, pmax: int) -> None:
        self.root = ET.fromstring(svg)
        self.texts = [t for t in self.root.iter(f"{NS}text")]
        ys = [(t.text or "").split() for t in self.texts if t.get("class") == "y-tick"]
        self.unit = {u for _, u in ys}.pop()
        assert len({u for _, u in ys}) == 1  # one unit on every tick
        ticks = [(float(v), float(t.get("y")) - 4) for (v, _), t in
                 zip(ys, [t for t in self.texts if t.get("class") == "y-tick"])]
        (v0, y0), (v1, y1) = ticks[0], ticks[-1]
        assert v0 == 0 and v1 > 0
        self.y_zero, self.px_per_unit = y0, (y0 - y1) / v1
        for v, y in ticks:  # every label on the pixel row of its value
            assert y == pytest.approx(self.y_zero - v * self.px_per_unit, abs=0.06)
        self.log = any("(log scale)" in (t.text or "") for t in self.texts)
        self.hi = max(2, pmax)
        self.xticks = [(int(t.text), float(t.get("x"))) for t in self.texts if t.get("class") == "x-tick"]

    def x_of(self, p: float) -> float:
        """The documented x mapping: LEFT + plot width x t(p)."""
        t = math.log(p) / math.log(self.hi) if self.log else (p - 1) / (self.hi - 1)
        return LEFT + (WIDTH - LEFT - RIGHT) * t

    def seconds_at(self, y: float) -> float:
        return (self.y_zero - y) / self.px_per_unit * UNITS[self.unit]

    def y_of(self, seconds: float) -> float:
        return self.y_zero - seconds / UNITS[self.unit] * self.px_per_unit

    def marks(self, cls: str, tag: str = "circle") -> dict[int, ET.Element]:
        return {int(e.get("data-p")): e for e in self.root.iter(f"{NS}{tag}") if e.get("class") == cls}

    def run_points(self) -> list[tuple[float, float]]:
        (line,) = [e for e in self.root.iter(f"{NS}polyline") if e.get("class") == "run"]
        return [tuple(map(float, xy.split(","))) for xy in line.get("points").split()]

    def run_y_at(self, x: float) -> float:
        pts = self.run_points()
        for (xa, ya), (xb, yb) in zip(pts, pts[1:]):
            if xa - 0.05 <= x <= xb + 0.05:
                return ya if xb == xa else ya + (yb - ya) * (min(max(x, xa), xb) - xa) / (xb - xa)
        raise AssertionError(f"no run-time point near x = {x}")

    def caption(self) -> str:
        (cap,) = [t.text for t in self.texts if t.get("class") == "caption"]
        return cap


@pytest.mark.parametrize(("s", "c", "pmax", "t1"), [
    (0.1, 0.01, 64, 3600.0),  # linear p axis, hours
    (0.05, 0.002, 4096, 90.0),  # log p axis, seconds
    (0.02, 0.0001, 4096, 3 * 86400.0),  # log axis, days
    (0.3, 0.0, 8, 600.0),  # c = 0: no rise, minutes
])
def test_run_time_curve_decodes_to_t1_over_s(tmp_path: Path, s: float, c: float, pmax: int, t1: float) -> None:
    cand = Candidate(name="run only", scaling=ScalingInputs(s=s, c=c, pmax=pmax, t1_s=t1), machine="dgx-h100")
    files = export(tmp_path, cand)
    assert list(files) == [".json", ".md", CURVE_SUFFIX, TIME_SUFFIX]
    chart = Decoded(files[TIME_SUFFIX].read_text(encoding="utf-8"), pmax)
    root = chart.root
    assert (root.get("width"), root.get("height")) == (str(WIDTH), str(HEIGHT))
    assert chart.log == (pmax > 256)
    p_star = best_p(s, c, pmax)[0]
    checked = 0
    for p in sorted({1, 2, p_star, pmax} | {p for p, _ in chart.xticks}):
        run = t1 / speedup(s, p, c)
        if chart.y_of(run) < TOP:  # above the top of the plot: slower than one worker
            continue
        x = chart.x_of(p)
        assert abs(chart.run_y_at(x) - chart.y_of(run)) <= 0.5, (p, run)
        checked += 1
    assert checked >= 4
    for p, x in chart.xticks:  # worker ticks on the pixel column of their value
        assert x == pytest.approx(chart.x_of(p), abs=0.06)
    star = chart.marks("p-star")
    assert list(star) == [p_star]
    assert float(star[p_star].get("cy")) == pytest.approx(chart.y_of(t1 / speedup(s, p_star, c)), abs=0.5)
    assert chart.marks("finish") == {} and chart.marks("wait", "rect") == {}  # no queue: no wait drawn
    assert chart.caption().startswith("no queue answer: run time only")
    top = max(float(t.text.split()[0]) for t in chart.texts if t.get("class") == "y-tick")
    assert top * UNITS[chart.unit] >= t1 and top < 1000  # one worker's time fits; a unit that reads well


def test_finish_marks_only_at_the_answered_worker_counts(tmp_path: Path) -> None:
    s, c, t1 = 0.1, 0.004, 7200.0
    cand = Candidate(name="queued", scaling=ScalingInputs(s=s, c=c, pmax=64, t1_s=t1), machine="slurm:gpu")
    waits = {1: 0.0, 2: 5400.0, 4: 0.0, 16: 3 * 3600.0}  # 8 and 32 (and p* 15) get no answer
    queue = when_answer(cand, waits, GPU_PARTITION)
    assert sorted(o["p"] for o in queue["options"]) == sorted(waits) and queue["left_out"]
    files = export(tmp_path, cand, queue)
    assert list(files) == [".json", ".md", CURVE_SUFFIX, TIME_SUFFIX]
    chart = Decoded(files[TIME_SUFFIX].read_text(encoding="utf-8"), 64)
    finish, wait = chart.marks("finish"), chart.marks("wait", "rect")
    assert set(finish) == set(wait) == set(waits)  # exactly the answered counts, never interpolated
    for o in queue["options"]:
        assert o["finish_s"] == pytest.approx(o["wait_s"] + t1 / speedup(s, o["p"], c))
        mark = finish[o["p"]]
        assert float(mark.get("cx")) == pytest.approx(chart.x_of(o["p"]), abs=0.06)
        assert abs(chart.seconds_at(float(mark.get("cy"))) - o["finish_s"]) <= 0.5 / chart.px_per_unit * UNITS[chart.unit]
        bar = wait[o["p"]]  # from the run time up to the finish
        y_top, y_bottom = float(bar.get("y")), float(bar.get("y")) + float(bar.get("height"))
        assert abs(y_top - chart.y_of(o["finish_s"])) <= 0.5 and abs(y_bottom - chart.y_of(o["run_s"])) <= 0.5
    fastest = min(queue["options"], key=lambda o: (o["finish_s"], o["p"]))
    assert queue["fastest"]["p"] == fastest["p"] == 4 and list(chart.marks("fastest")) == [4]
    assert list(chart.marks("p-star")) == [best_p(s, c, 64)[0]]
    assert chart.caption() == "wait: Slurm sbatch --test-only at 21:04 on partition gpu, known at p = 1, 2, 4, 16 only"
    legend = " ".join(t.text or "" for t in chart.texts)
    assert "fastest to finish: p = 4" in legend and f"p* = {best_p(s, c, 64)[0]}" in legend
    base = snapshot_basename(cand.name, CREATED)
    md = files[".md"].read_text(encoding="utf-8")
    assert re.search(rf"!\[[^\]\n]+\]\({re.escape(base + TIME_SUFFIX)}\)", md)  # the chart, as an image
    assert "Slurm sbatch --test-only at 21:04" in md
    doc = json.loads(files[".json"].read_text(encoding="utf-8"))
    assert doc["charts"] == {"curve": f"{base}{CURVE_SUFFIX}", "time": f"{base}{TIME_SUFFIX}"}
    assert doc["time_to_solution"] == queue  # the chart drew the answer the snapshot carries


def test_a_moved_export_links_its_own_time_chart(tmp_path: Path) -> None:
    cand = Candidate(name="twice", scaling=ScalingInputs(s=0.1, c=0.01, pmax=32, t1_s=60.0), machine="dgx-h100")
    export(tmp_path, cand)
    second = export(tmp_path, cand)
    base = snapshot_basename(cand.name, CREATED) + "-2"
    assert "-2" + TIME_SUFFIX in second and (tmp_path / f"{base}{TIME_SUFFIX}").is_file()
    md = (tmp_path / f"{base}.md").read_text(encoding="utf-8")
    assert f"]({base}{TIME_SUFFIX})" in md and md.count(TIME_SUFFIX) == 1
    assert json.loads((tmp_path / f"{base}.json").read_text())["charts"]["time"] == f"{base}{TIME_SUFFIX}"


def test_without_t1_no_time_chart_is_written(tmp_path: Path) -> None:
    cand = Candidate(name="no t1", scaling=ScalingInputs(s=0.05, c=0.002, pmax=64), machine="slurm:gpu")
    files = export(tmp_path, cand)
    assert list(files) == [".json", ".md", CURVE_SUFFIX]
    assert not list(tmp_path.glob(f"*{TIME_SUFFIX}"))
    md = files[".md"].read_text(encoding="utf-8")
    assert TIME_SUFFIX not in md and "### Time to finish" not in md
    assert json.loads(files[".json"].read_text())["charts"] == {"curve": files[CURVE_SUFFIX].name}


def test_candidate_text_is_escaped(tmp_path: Path) -> None:
    name = "<script>alert(1)</script> \x1b]0;owned\x07 & \u202eco"
    cand = Candidate(name=name, scaling=ScalingInputs(s=0.1, c=0.01, pmax=16, t1_s=100.0),
                     data=DataInputs(bytes=1e9), machine="slurm:gpu")
    queue = when_answer(cand, {1: 30.0, 2: 0.0}, GPU_PARTITION)
    files = export(tmp_path, cand, queue)
    raw = files[TIME_SUFFIX].read_text(encoding="utf-8")
    assert not any(ord(ch) < 0x20 and ch != "\n" for ch in raw) and "\u202e" not in raw
    assert "<script" not in raw and "&lt;script&gt;" in raw
    root = ET.fromstring(raw)  # well-formed
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    title = next(t.text for t in root.iter(f"{NS}text") if "time to finish" in (t.text or ""))
    assert title.startswith("<script>alert(1)</script> \\x1b]0;owned\\x07 & \\u202eco")
    md = files[".md"].read_text(encoding="utf-8")
    assert "<script" not in md and "\x1b" not in md


@pytest.mark.slurm
def test_export_command_draws_the_real_slurm_answer(clean_queue, candidate, tmp_path):  # noqa: F811
    cand = candidate('[scaling]\ns = 0.1\nc = 0.01\nt1_s = 3600\n[machine]\nreference = "slurm:debug"\n')
    out = tmp_path / "verdicts"
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "export", str(cand), "--out", str(out)],
                          capture_output=True, text=True, timeout=60, env=clean_queue)
    assert done.returncode == 0, done.stderr
    paths = [Path(line) for line in done.stdout.split()]
    svgs = [p.name for p in paths if p.suffix == ".svg"]
    assert len(svgs) == 2 and svgs[0].endswith(CURVE_SUFFIX) and svgs[1].endswith(TIME_SUFFIX)
    doc = json.loads(next(p for p in paths if p.suffix == ".json").read_text())
    queue = doc["time_to_solution"]
    chart = Decoded(next(p for p in paths if p.name.endswith(TIME_SUFFIX)).read_text(), 4096)
    finish = chart.marks("finish")
    assert sorted(finish) == sorted(o["p"] for o in queue["options"]) == [1, 2]  # the node holds two
    for o in queue["options"]:
        assert abs(float(finish[o["p"]].get("cy")) - chart.y_of(o["wait_s"] + o["run_s"])) <= 0.5
    assert list(chart.marks("fastest")) == [queue["fastest"]["p"]]
    assert chart.caption().startswith("wait: Slurm sbatch --test-only at ")
    assert "known at p = 1, 2 only" in chart.caption()


def test_a_queue_that_did_not_answer_is_said_in_the_caption(tmp_path: Path) -> None:
    cand = Candidate(name="silent", scaling=ScalingInputs(s=0.1, c=0.01, pmax=16, t1_s=600.0), machine="slurm:gpu")
    queue = {"partition": "gpu", "state": "not_answering", "message": "Slurm did not answer within 5 s"}
    files = export(tmp_path, cand, queue)
    chart = Decoded(files[TIME_SUFFIX].read_text(encoding="utf-8"), 16)
    assert chart.marks("finish") == {} and chart.marks("fastest") == {}
    assert chart.caption() == "no queue answer: run time only (not_answering: Slurm did not answer within 5 s)"
    assert "no queue answer: run time only" in files[".md"].read_text(encoding="utf-8")


async def test_dashboard_export_writes_the_same_time_chart(tmp_path: Path) -> None:
    """Key e: the same session function, with the queue answer on screen (no Slurm call)."""
    from dataclasses import replace

    from capstone_tui.core.snapshot import build_snapshot, snapshot_files
    from support.app_factory import make_app

    cand = Candidate(name="on screen", scaling=ScalingInputs(s=0.1, c=0.004, pmax=64, t1_s=7200.0),
                     machine="slurm:gpu")
    queue = when_answer(cand, {1: 0.0, 2: 5400.0, 4: 0.0}, GPU_PARTITION)
    app = make_app(tmp_path, cand)
    async with app.run_test(size=(120, 40)) as pilot:
        app.model = replace(app.model, queue=(app.model.candidate, queue))
        await pilot.pause()
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
    written = sorted((tmp_path / "verdicts").iterdir())
    (time_file,) = [p for p in written if p.name.endswith(TIME_SUFFIX)]
    chart = Decoded(time_file.read_text(encoding="utf-8"), 64)
    assert sorted(chart.marks("finish")) == [1, 2, 4] and list(chart.marks("fastest")) == [queue["fastest"]["p"]]
    snap = build_snapshot(cand, assess(cand, preset("dgx-h100")).to_json(), created=CREATED, tool_version="t",
                          extras={"time_to_solution": queue})
    assert time_file.read_text(encoding="utf-8") == snapshot_files(snap)[TIME_SUFFIX]  # as the command writes it
