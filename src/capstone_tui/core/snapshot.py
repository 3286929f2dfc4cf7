"""A verdict snapshot: the JSON document a student cites, its file names, and the set of files one
export writes (the Markdown summary is core/snapshot_markdown.py; the charts core/chart/).

The snapshot holds only the candidate's inputs and the assessment computed from them (plus
optional extras such as a fit), never anything read from the environment, so it carries no
tokens and can be re-checked with `capstone-tui assess`. Writing it to disk is
`probes/export.py`'s job; everything here is pure.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from capstone_tui.core.candidate import Candidate, candidate_to_dict
from capstone_tui.core.report import CURVE_SUFFIX, TIME_SUFFIX, basename_of, time_chart_view
from capstone_tui.core.scaling import best_p
from capstone_tui.core.snapshot_markdown import snapshot_markdown

SCHEMA_VERSION = 1
CHARTS_KEY = "charts"  # in the JSON file: the chart files written beside it, by kind ("curve", "time")
BASE_KEYS = ("schema_version", "created", "tool_version", "candidate", "assessment")
SLUG_MAX = 60
SLUG_FALLBACK = "candidate"
TIMESTAMP_FORMAT = "%Y%m%d-%H%M%S"


def build_snapshot(candidate: Candidate, assessment_json: dict[str, Any], *, created: datetime,
                   tool_version: str, extras: dict[str, Any] | None = None) -> dict[str, Any]:
    """The snapshot document: SPEC keys first, then any extras (e.g. `fit`)."""
    if created.tzinfo is None or created.utcoffset() is None:
        raise ValueError("snapshot time must carry a timezone")
    snapshot: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "created": created.isoformat(timespec="seconds"),
        "tool_version": tool_version,
        "candidate": candidate_to_dict(candidate),
        "assessment": assessment_json,
    }
    for key, value in (extras or {}).items():
        if key in BASE_KEYS:
            raise ValueError(f"snapshot extra {key!r} would replace a schema key")
        snapshot[key] = value
    return snapshot


def slugify(name: str) -> str:
    """'Dedupe a 4 TB crawl!' -> 'dedupe-a-4-tb-crawl': ASCII, lowercase, safe as a file name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    slug = slug[:SLUG_MAX].rstrip("-")
    return slug or SLUG_FALLBACK


def snapshot_basename(name: str, created: datetime) -> str:
    """`<slug>-<YYYYmmdd-HHMMSS>`, in the timezone `created` carries."""
    return f"{slugify(name)}-{created.strftime(TIMESTAMP_FORMAT)}"


# --- Markdown ---------------------------------------------------------------------------------


def snapshot_files(snapshot: dict[str, Any], candidate_file: str | None = None,
                   basename: str | None = None, log_p: bool | None = None) -> dict[str, str]:
    """The text files of one export, by suffix: the JSON snapshot, its Markdown summary, the
    chart alone (`<basename>-curve.svg`) and, with [scaling] t1_s, the time plot alone
    (`<basename>-time.svg`, from the queue answer the snapshot carries); the Markdown links both
    and the JSON names them under `charts`. `log_p`: the p axis the charts use (None: log when
    pmax is wide, as the dashboard opens; the dashboard passes the axis it shows)."""
    from capstone_tui.core.chart.svg import curve_svg
    from capstone_tui.core.chart.time_svg import time_svg
    from capstone_tui.core.jsontext import dumps_json

    charts: dict[str, str] = {}
    md = snapshot_markdown(snapshot, candidate_file=candidate_file, basename=basename)
    j = (snapshot.get("assessment") or {}).get("justification") or {}
    if all(isinstance(j.get(k), (int, float)) for k in ("s", "c", "pmax")):
        name = str((snapshot.get("candidate") or {}).get("name", ""))
        charts[CURVE_SUFFIX] = curve_svg(float(j["s"]), float(j["c"]), int(j["pmax"]),
                                         title=f"{name}: speedup S(p)", log=log_p)
        view = time_chart_view(snapshot)
        if view is not None:
            p_star = j["p_star"] if isinstance(j.get("p_star"), int) else best_p(view.s, view.c, int(j["pmax"]))[0]
            charts[TIME_SUFFIX] = time_svg(view, int(j["pmax"]), p_star, title=f"{name}: time to finish", log=log_p)
    base = basename or basename_of(snapshot)
    doc = snapshot
    if charts and base and CHARTS_KEY not in snapshot:
        kinds = {CURVE_SUFFIX: "curve", TIME_SUFFIX: "time"}
        doc = {**snapshot, CHARTS_KEY: {kinds[suffix]: f"{base}{suffix}" for suffix in charts}}
    return {".json": dumps_json(doc) + "\n", ".md": md, **charts}
