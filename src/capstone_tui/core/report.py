"""Plain-text renderings of the justification test shared by the CLI commands."""

from __future__ import annotations

from capstone_tui.core.scaling import Justification, LinkResult


def ceiling_text(value: float | None) -> str:
    return "infinite (s = 0)" if value is None else f"{value:.2f}x"


def link_line(label: str, link: LinkResult) -> str:
    return (
        f"{label:<22} c = {link.c:<10.6g} p* = {link.p_star:<7d} S(p*) = {link.speedup:7.2f}x  "
        f"E(p*) = {100 * link.efficiency:5.1f} %  -> {link.verdict}"
    )


def justification_text(j: Justification) -> str:
    """A short human table: both links, the Amdahl ceiling, and what the verdict means."""
    lines = [
        f"Justification test for s = {j.s:g} (serial fraction), c = {j.c:g} per worker, p in 1..{j.pmax}",
        link_line("datacenter link", j.fast),
        link_line("geo link (c' = 4c)", j.geo),
        f"Amdahl ceiling 1/s (c = 0, p -> inf): {ceiling_text(j.amdahl_ceiling)}",
    ]
    if j.continuous_optimum is not None:
        lines.append(f"continuous optimum sqrt((1 - s)/c) = {j.continuous_optimum:.2f} workers")
    lines.append(
        "rule: distribute only when S(p*) > 1.05 and p* > 1 (all figures exact arithmetic, "
        "T(1) normalized to 1)"
    )
    return "\n".join(lines) + "\n"
