"""Exports for a report: `<slug>-<timestamp>-curve.svg` (the chart alone, fixed size) beside the
snapshot, linked from the Markdown, whose table gives S(p), E(p) at p = 1, 2, 4, ..., pmax plus
p* and the knee of both links."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from capstone_tui.core.assessment import assess
from capstone_tui.core.candidate import Candidate, DataInputs, ScalingInputs
from capstone_tui.core.chart.svg import HEIGHT, WIDTH, curve_svg
from capstone_tui.core.presets import preset
from capstone_tui.core.scaling import best_p, knee, speedup
from capstone_tui.core.snapshot import CURVE_SUFFIX, build_snapshot, snapshot_basename, snapshot_files

CREATED = datetime(2026, 11, 30, 20, 0, 5, tzinfo=timezone.utc)


def files_for(s: float, c: float, pmax: int) -> dict[str, str]:
    cand = Candidate(name="Dedupe <4 TB> & co", scaling=ScalingInputs(s=s, c=c, pmax=pmax),
                     data=DataInputs(bytes=4e12), machine="dgx-h100")
    snap = build_snapshot(cand, assess(cand, preset("dgx-h100")).to_json(), created=CREATED, tool_version="t")
    return snapshot_files(snap)


def test_markdown_links_the_chart_and_tabulates_both_links() -> None:
    files = files_for(0.05, 0.002, 64)
    assert list(files) == [".json", ".md", CURVE_SUFFIX]
    md = files[".md"]
    base = snapshot_basename("Dedupe <4 TB> & co", CREATED)
    assert f"]({base}-curve.svg)" in md
    rows = {int(m.group(1)): line for line in md.splitlines()
            if (m := re.match(r"\| \**(\d+)\** \|", line))}
    marks = {best_p(0.05, 0.002, 64)[0]: "p*", best_p(0.05, 0.008, 64)[0]: "geo p*",
             knee(0.05, 0.002, 64).p: "knee", knee(0.05, 0.008, 64).p: "geo knee"}
    assert set(rows) == {1, 2, 4, 8, 16, 32, 64} | set(marks)
    for p, line in rows.items():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells[1] == f"{speedup(0.05, p, 0.002):.2f}x" and cells[2] == f"{100 * speedup(0.05, p, 0.002) / p:.1f} %"
        assert cells[3] == f"{speedup(0.05, p, 0.008):.2f}x" and cells[4] == f"{100 * speedup(0.05, p, 0.008) / p:.1f} %"
        if p in marks:
            assert marks[p] in cells[5]
    assert "knee (the smallest p with S(p) >= 0.9 S(p*)): p = 13, S = 6.80x, E = 52 %" in md


def test_the_chart_svg_is_the_chart_alone_at_a_fixed_size() -> None:
    for s, c, pmax in ((0.05, 0.002, 64), (0.05, 0.002, 4096), (0.0, 0.0, 10_000_000), (1.0, 0.5, 1)):
        svg = curve_svg(s, c, pmax, title="a <title> & more")
        root = ET.fromstring(svg)  # well-formed, the title escaped
        assert (root.get("width"), root.get("height")) == (str(WIDTH), str(HEIGHT))
        lines = root.findall("{http://www.w3.org/2000/svg}polyline")
        assert len(lines) == 2  # S(p) on both links
        for line in lines:
            points = [tuple(map(float, xy.split(","))) for xy in line.get("points").split()]
            assert all(0 <= x <= WIDTH and 0 <= y <= HEIGHT for x, y in points)
    svg = files_for(0.05, 0.002, 4096)[CURVE_SUFFIX]
    assert "p* = 22: S = 7.40x" in svg and "knee p = 13" in svg and "(log scale)" in svg
    texts = [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert {"1", "16", "256", "4096"} <= set(texts)  # whole-number (power-of-two) worker ticks


async def test_the_dashboard_exports_the_chart_on_the_axis_it_shows(tmp_path) -> None:
    """Key l switches the screen's p axis; key e then draws the exported charts on that axis, and
    the command path (no screen) keeps the default (log beyond LINEAR_AXIS_MAX_P)."""
    from support.app_factory import make_app

    cand = Candidate(name="axis", scaling=ScalingInputs(s=0.05, c=0.002, pmax=4096, t1_s=3600.0),
                     data=DataInputs(bytes=4e12), machine="dgx-h100")
    app = make_app(tmp_path, cand)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.model.log_p  # pmax 4096 opens on the log axis
        await pilot.press("l")
        assert not app.model.log_p
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
    written = sorted((tmp_path / "verdicts").iterdir())
    for suffix in (CURVE_SUFFIX, "-time.svg"):
        (chart,) = [p for p in written if p.name.endswith(suffix)]
        svg = chart.read_text(encoding="utf-8")
        texts = {t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")}
        assert "(log scale)" not in svg and "16" not in texts, suffix  # linear ticks, as on screen
        assert "4096" in texts or "4000" in texts, (suffix, sorted(t for t in texts if t and t.isdigit()))
    default = files_for(0.05, 0.002, 4096)[CURVE_SUFFIX]
    assert "(log scale)" in default
