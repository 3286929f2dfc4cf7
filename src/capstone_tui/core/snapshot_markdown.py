"""The Markdown summary of a verdict snapshot: the section a student pastes into a report
(inputs, machine, ceilings, the justification test, the charts, the queue, how each figure is
known, and how to re-check it). Pure: it renders whatever keys the snapshot has.
"""

from __future__ import annotations

import math
import shlex
from typing import Any

from capstone_tui.core.report import CURVE_SUFFIX, TIME_SUFFIX, curve_section, time_section
from capstone_tui.core.safe_text import safe_text
from capstone_tui.core.scaling import GEO_FACTOR, MIN_SPEEDUP
from capstone_tui.core.time_to_solution_text import queue_markdown
from capstone_tui.core.units import both_bytes, percent
from capstone_tui.core.verdict_text import BYTES_CONVENTION

_AXES = {"data": "data", "model": "model", "throughput": "inference", "coordination": "intelligence"}
_MODEL_PARTS = ("weights", "grads", "optimizer", "activations", "kv_cache", "overhead")
CANDIDATE_PLACEHOLDER = "candidate.toml"


def snapshot_markdown(snapshot: dict[str, Any], candidate_file: str | None = None,
                      basename: str | None = None) -> str:
    """A report section a student can paste: inputs, machine, ceilings, test, decision, how known.

    `basename`: the name the export's files carry, so the chart link names the chart written
    beside it (unset: the snapshot's own `<slug>-<timestamp>`).

    Renders whatever keys are present, so a partial assessment still gives a readable page.
    """
    candidate = snapshot.get("candidate") or {}
    assessment = snapshot.get("assessment") or {}
    name = candidate.get("name", "Untitled candidate")
    lines = [f"## Verdict snapshot: {_cell(name)}", ""]
    lines.append(
        f"Created {snapshot.get('created', '?')} by capstone-tui {snapshot.get('tool_version', '?')}"
        f" (snapshot schema {snapshot.get('schema_version', '?')})."
    )
    lines.append("")
    lines += _decision_section(assessment)
    lines += _candidate_section(candidate)
    lines += _machine_section(assessment.get("machine"))
    lines += _ceilings_section(assessment.get("ceilings"), assessment.get("route"))
    lines += _justification_section(assessment.get("justification"))
    lines += curve_section(snapshot, CURVE_SUFFIX, basename)
    lines += time_section(snapshot, TIME_SUFFIX, basename)  # with [scaling] t1_s
    lines += queue_markdown(snapshot.get("time_to_solution"))  # with a Slurm partition as reference
    lines += _how_known_section(snapshot)
    lines += _recheck_section(snapshot, candidate_file)
    return safe_text("\n".join(lines).rstrip("\n"), multiline=True) + "\n"


def _cell(value: Any) -> str:
    """One Markdown table cell: no newlines, pipes escaped, HTML shown as text (`<script>` too)."""
    text = " ".join(str(value).split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|")


def _num(value: Any, digits: int = 4, exact: bool = False) -> str:
    """A number for a reader; `exact` keeps every digit a user typed."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, (int, float)):
        return _cell(value)
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return "infinite" if value > 0 else "n/a"
    short = f"{value:.{digits}g}"
    return repr(value) if exact and float(short) != value else short


def _times(value: Any) -> str:
    return "n/a" if not isinstance(value, (int, float)) else f"{value:.2f}x"


def _quantity(value: Any, unit: str | None) -> str:
    """A ceiling quantity or limit with its unit; bytes in both decimal and binary."""
    if value is None:
        return "not known"
    if unit in ("bytes", "B") and isinstance(value, (int, float)):
        return both_bytes(value)
    return f"{_num(value)} {unit}" if unit else _num(value)


def _yes_no(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else "n/a"


def _decision_section(assessment: dict[str, Any]) -> list[str]:
    decision = assessment.get("decision")
    if decision is None:
        j = assessment.get("justification") or {}
        if "verdict" not in j:
            return []
        return [f"**Justification test: {j['verdict']}** (the full assessment was not available).", ""]
    reason = assessment.get("reason")
    return [f"**Decision: {decision}.** {_cell(reason) if reason else ''}".rstrip(), ""]


def _candidate_section(candidate: dict[str, Any]) -> list[str]:
    rows = [(key, value) for key, value in _flatten(candidate) if key != "name"]
    if not rows:
        return []
    lines = ["### Candidate inputs", "", "| input | value |", "| --- | --- |"]
    lines += [f"| `{key}` | {_num(value, 6, exact=True)} |" for key, value in rows]
    return lines + [""]


def _flatten(doc: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in doc.items():
        if isinstance(value, dict):
            out += _flatten(value, f"{prefix}{key}.")
        else:
            out.append((f"{prefix}{key}", value))
    return out


def _machine_section(machine: dict[str, Any] | None) -> list[str]:
    if not machine:
        return []
    title = f"`{_cell(machine.get('id', '?'))}`"
    if machine.get("label"):
        title += f" ({_cell(machine['label'])})"
    how = machine.get("source", "?")
    if machine.get("confidence"):
        how += f", {machine['confidence']}"
    lines = ["### Reference machine", "", f"{title}, from {_cell(how)}.", "",
             "| figure | value | how it is derived |", "| --- | --- | --- |"]
    reserve = machine.get("ram_reserve")
    total = machine.get("memory_total_bytes")
    mem_how = "usable memory"
    if total is not None and reserve is not None:
        mem_how = f"{both_bytes(total)} total less a {percent(reserve)} reserve for the OS (capped by a cgroup limit where one applies)"
    lines.append(f"| usable memory | {_quantity(machine.get('memory_bytes'), 'bytes')} | {_cell(mem_how)} |")
    lines.append(f"| local disk for the data | {_quantity(machine.get('disk_bytes'), 'bytes')} | "
                 f"{'free space (measured)' if machine.get('source') == 'live inventory' else 'as listed'} |")
    accel = machine.get("accelerator_bytes")
    if accel is not None or machine.get("accelerators"):
        frac = machine.get("accelerator_usable_fraction")
        ctx = machine.get("accelerator_context_bytes")
        accel_total = machine.get("accelerator_total_bytes")
        accel_how = "usable memory of one accelerator"
        if frac is not None and accel_total is not None:
            accel_how = f"{percent(frac)} of {both_bytes(accel_total)}"
            if ctx is not None:
                accel_how += f" less {both_bytes(ctx)} CUDA context"
        label = f"one accelerator ({machine.get('accelerators', '?')} x {machine.get('accelerator_name') or '?'})"
        lines.append(f"| {_cell(label)} | {_quantity(accel, 'bytes')} | {_cell(accel_how)} |")
    if machine.get("cpus") is not None:
        lines.append(f"| CPUs | {machine['cpus']} | as reported |")
    for note in machine.get("notes") or ():
        lines.append(f"| note | {_cell(note)} | |")
    sources = machine.get("sources") or ()
    lines.append("")
    if sources:
        lines += ["Sources: " + "; ".join(_cell(s) for s in sources), ""]
    return lines


def _ceilings_section(ceilings: Any, route: Any) -> list[str]:
    if not ceilings:
        return []
    lines = ["### The four ceilings (in tree order)", "",
             "| ceiling | assessed | cleared | quantity | limit |", "| --- | --- | --- | --- | --- |"]
    extra: list[str] = []
    for ceiling in ceilings:
        unit = ceiling.get("unit")
        assessed = ceiling.get("assessed")
        cleared = "not assessed" if assessed is False else _yes_no(ceiling.get("cleared"))
        lines.append(
            f"| {_cell(ceiling.get('name', '?'))} | {_yes_no(assessed)} | {cleared} | "
            f"{_quantity(ceiling.get('quantity'), unit)} | {_quantity(ceiling.get('limit'), unit)} |"
        )
        extra += _ceiling_detail(ceiling)
    lines.append("")
    if extra:
        lines += extra + [""]
    if isinstance(route, dict):
        if route.get("ceiling"):
            axis = route.get("axis") or _AXES.get(route["ceiling"], "?")
            text = f" ({_cell(route['text'])})" if route.get("text") else ""
            lines += [f"Route: the {route['ceiling']} ceiling is the first cleared; "
                      f"distribution axis: **{axis}**{text}.", ""]
        else:
            lines += ["Route: no ceiling is cleared: **keep it on one machine**.", ""]
    return lines


def _ceiling_detail(ceiling: dict[str, Any]) -> list[str]:
    """One bullet per ceiling: its explanation, the model's memory terms, the replicas."""
    detail = ceiling.get("detail")
    if not isinstance(detail, dict) or not detail:
        return []
    name = ceiling.get("name", "?")
    parts: list[str] = []
    if detail.get("explanation"):
        parts.append(_cell(detail["explanation"]))
    elif detail.get("reason"):
        parts.append(f"not assessed: {_cell(detail['reason'])}")
    if name == "model":
        terms = [f"{part.replace('_', ' ')} {both_bytes(detail[part + '_bytes'])}"
                 for part in _MODEL_PARTS if detail.get(part + "_bytes") is not None]
        if terms:
            parts.append("terms: " + ", ".join(terms))
        parts += [_cell(note) for note in detail.get("notes") or ()]
    if name == "throughput" and detail.get("replicas") is not None and not detail.get("explanation"):
        parts.append(f"replicas needed: {detail['replicas']}")
    if not parts:
        parts = [f"{k.replace('_', ' ')}: {_num(v) if isinstance(v, (int, float)) else _cell(v)}"
                 for k, v in detail.items() if not isinstance(v, (dict, list))]
    return [f"- {name}: " + "; ".join(parts)] if parts else []


def _justification_section(j: Any) -> list[str]:
    if not isinstance(j, dict) or "s" not in j:
        return []
    ceiling = j.get("amdahl_ceiling")
    ceiling_text = "infinite (s = 0)" if ceiling is None else _times(ceiling)
    lines = [
        "### Justification test",
        "",
        f"T(p) = s + (1 - s)/p + c (p - 1) with s = {_num(j.get('s'))}, c = {_num(j.get('c'))}, "
        f"p in 1..{j.get('pmax', '?')}; distribute only when S(p*) > {MIN_SPEEDUP:g} and p* > 1.",
        "",
        "| link | c per worker | p* | S(p*) | E(p*) | Amdahl ceiling 1/s | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| datacenter (c) | {_num(j.get('c'))} | {j.get('p_star', '?')} | {_times(j.get('speedup'))} | "
        f"{percent(j.get('efficiency'), 1) if j.get('efficiency') is not None else 'n/a'} | {ceiling_text} | "
        f"{j.get('verdict', '?')} |",
    ]
    geo = j.get("geo")
    if isinstance(geo, dict):
        geo_eff = geo.get("efficiency")
        if geo_eff is None and isinstance(geo.get("speedup"), (int, float)) and geo.get("p_star"):
            geo_eff = geo["speedup"] / geo["p_star"]
        lines.append(
            f"| geo-distributed ({GEO_FACTOR:g}c) | {_num(geo.get('c'))} | {geo.get('p_star', '?')} | "
            f"{_times(geo.get('speedup'))} | {percent(geo_eff, 1) if geo_eff is not None else 'n/a'} | "
            f"{ceiling_text} | {geo.get('verdict', '?')} |"
        )
    return lines + [""]


def _how_known_section(snapshot: dict[str, Any]) -> list[str]:
    fit = snapshot.get("fit")
    if isinstance(fit, dict) and "s" in fit:
        sc = (f"s and c: measured, fitted from timed runs ({_cell(fit.get('method', 'fit'))}: "
              f"s = {_num(fit.get('s'))}, c = {_num(fit.get('c'))}).")
    else:
        sc = "s and c: assumed (given in the candidate file, not measured here)."
    machine = (snapshot.get("assessment") or {}).get("machine") or {}
    machine_how = {
        "live inventory": "measured on this node when the snapshot was taken",
        "slurm sinfo": "as Slurm reports the node type (sinfo)",
        "preset": "a shipped preset, from published specifications (sources above)",
    }.get(machine.get("source", ""), "as its source says")
    lines = [
        "### How each number is known",
        "",
        f"- {sc}",
        "- p*, S(p*), E(p*) and 1/s: computed from s and c in double precision (no sampling).",
        f"- Reference machine figures: {machine_how}; usable fractions are assumptions stated above.",
    ]
    for ceiling in (snapshot.get("assessment") or {}).get("ceilings") or ():
        detail = ceiling.get("detail") if isinstance(ceiling, dict) else None
        how = detail.get("how") if isinstance(detail, dict) else None
        if how:
            lines.append(f"- {ceiling.get('name', '?')} quantity: {_cell(how)}.")
    lines.append("- Bytes in the tables and terms are shown decimal (GB = 10^9 B) with binary (GiB = 2^30 B) in "
                 f"brackets; the ceilings' sentences, as on the dashboard and in `assess`: {BYTES_CONVENTION}.")
    return lines + [""]


def _recheck_section(snapshot: dict[str, Any], candidate_file: str | None) -> list[str]:
    machine = ((snapshot.get("assessment") or {}).get("machine") or {}).get("id") \
        or ((snapshot.get("candidate") or {}).get("machine") or {}).get("reference") or "this-node"
    path = candidate_file or CANDIDATE_PLACEHOLDER
    command = f"capstone-tui assess {shlex.quote(path)} --machine {shlex.quote(machine)} --json"
    lines = ["### Re-check it", "", "```sh", command, "```", ""]
    candidate = snapshot.get("candidate")
    if isinstance(candidate, dict):
        lines += [f"with `{path}` holding exactly these inputs:", "",
                  "```toml", _toml(candidate).rstrip("\n"), "```", ""]
    return lines


def _toml(doc: dict[str, Any]) -> str:
    import tomli_w  # small, pure Python; only needed to write the candidate back as TOML

    # `<` and `>` as TOML escapes: the block reads back to the same values, and no HTML tag
    # (a candidate named `<script>`) reaches a Markdown renderer; they only occur inside strings.
    return tomli_w.dumps(doc).replace("<", "\\u003C").replace(">", "\\u003E")
