"""Time to solution as text: the one-line summary ("fastest to finish: p=8 (starts now, ...)
vs p*=64 (starts in about 9.0 h, ...)") and the verdict snapshot's Markdown section, both
from the `when` JSON so a saved snapshot renders the same way."""

from __future__ import annotations

from typing import Any

from capstone_tui.core.time_to_solution import TimeToSolution, duration_text, short_cost_unit


def summary_line(result: TimeToSolution | dict[str, Any]) -> str:
    """'fastest to finish: p=8 (starts now, finishes in 1.2 h, cost 9.6) vs p*=64 (starts in
    about 9.0 h, ...)', from a result or its JSON (as kept in a verdict snapshot)."""
    doc = result.to_json() if isinstance(result, TimeToSolution) else result
    fastest, options = doc.get("fastest"), doc.get("options") or []
    unit = short_cost_unit(doc.get("cost_unit") or "")
    if not fastest:
        return f"fastest to finish: none of the sizes can run on partition {doc.get('partition')}"
    text = f"fastest to finish: p={fastest['p']} ({_option_text(fastest, unit)})"
    star = next((o for o in options if o["p"] == doc.get("p_star")), None)
    if star is not None and star["p"] != fastest["p"]:
        text += f" vs p*={star['p']} ({_option_text(star, unit)})"
    elif star is None and doc.get("p_star") != fastest["p"]:
        text += f"; p*={doc.get('p_star')} cannot run on {doc.get('partition')}"
    return text


def _option_text(o: dict[str, Any], unit: str) -> str:
    starts = "starts now" if o["wait_s"] < 60 else f"starts in about {duration_text(o['wait_s'])}"
    return f"{starts}, finishes in {duration_text(o['finish_s'])}, cost {o['cost']:.3g} {unit}".rstrip()


def queue_markdown(doc: Any) -> list[str]:
    """The snapshot's "Time to solution" section from its `time_to_solution` JSON (or [])."""
    if not isinstance(doc, dict):
        return []
    lines = [f"### Time to solution on Slurm partition {doc.get('partition', '?')}", ""]
    if "options" not in doc:
        return lines + [f"Not known: {doc.get('message', 'Slurm did not answer')}.", ""]
    lines += [summary_line(doc) + ".", "",
              f"| p | nodes | GPUs | starts (Slurm) | wait | run | finish | GPU-hours | cost ({short_cost_unit(doc.get('cost_unit') or '')}) |",
              "|---:|---:|---:|---|---:|---:|---:|---:|---:|"]
    for o in doc["options"]:
        lines.append(f"| {o['p']} | {o['nodes']} | {o['gpus']} | {o['start']} | {duration_text(o['wait_s'])} | "
                     f"{duration_text(o['run_s'])} | {duration_text(o['finish_s'])} | {o['gpu_hours']:.3g} | "
                     f"{o['cost']:.4g} |")
    lines.append("")
    lines += [f"- left out p={x['p']}: {x['why']}" for x in doc.get("left_out", [])]
    lines += [f"- cost: {doc.get('cost_unit')}", f"- how known: {doc.get('source')} (asked when exported)", ""]
    return lines
