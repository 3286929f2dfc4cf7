"""Two exports of one candidate in the same second: the second set moves to `<base>-2` and its
Markdown links the chart written beside it (`<base>-2-curve.svg`), not the first export's chart."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from capstone_tui.core.snapshot import CURVE_SUFFIX, snapshot_basename
from capstone_tui.probes.export import write_snapshot
from capstone_tui.session import assess_opened, export_snapshot, open_candidate

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "dedupe-4tb-crawl.toml"
CREATED = datetime(2026, 11, 30, 20, 0, 5, tzinfo=timezone.utc)
LINK = re.compile(r"\]\(([^)]*-curve\.svg)\)")


def test_a_moved_export_links_its_own_chart(tmp_path: Path) -> None:
    opened = open_candidate(str(EXAMPLE))
    result = assess_opened(opened)
    first = export_snapshot(tmp_path, opened.candidate, result, created=CREATED)
    second = export_snapshot(tmp_path, opened.candidate, result, created=CREATED)
    base = snapshot_basename(opened.candidate.name, CREATED)
    assert [p.name for p in first] == [f"{base}.json", f"{base}.md", f"{base}{CURVE_SUFFIX}"]
    assert [p.name for p in second] == [f"{base}-2.json", f"{base}-2.md", f"{base}-2{CURVE_SUFFIX}"]
    for paths in (first, second):
        md = next(p for p in paths if p.suffix == ".md")
        links = LINK.findall(md.read_text(encoding="utf-8"))
        assert links == [paths[2].name]  # exactly one chart link, to the chart of this set
        assert (tmp_path / links[0]).is_file()
    # the two Markdown files differ only in the link
    one, two = (next(p for p in ps if p.suffix == ".md").read_text(encoding="utf-8") for ps in (first, second))
    assert one != two and one.replace(f"{base}{CURVE_SUFFIX}", f"{base}-2{CURVE_SUFFIX}") == two


def test_files_given_as_a_function_get_the_basename_used(tmp_path: Path) -> None:
    (tmp_path / "snap.md").write_text("taken\n")
    seen: list[str] = []

    def files(base: str) -> dict[str, str]:
        seen.append(base)
        return {".md": f"see {base}.svg\n", ".svg": "<svg/>"}

    paths = write_snapshot(tmp_path, "snap", files)
    assert [p.name for p in paths] == ["snap-2.md", "snap-2.svg"]
    assert paths[0].read_text() == "see snap-2.svg\n"
    assert (tmp_path / "snap.md").read_text() == "taken\n" and seen == ["snap", "snap-2"]
