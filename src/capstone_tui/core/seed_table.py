"""The seed's Output 41.1.1, produced by our own arithmetic with the seed's formatting.

Rows, the three Amdahl-ceiling lines and the two "healthy capstone" lines are those of the
seed's Code 41.1.1; `capstone-tui table` prints this text, and a golden test compares it with
the seed character for character.
"""

from __future__ import annotations

from capstone_tui.core.scaling import best_p, verdict_for

SEED_ROWS = ((0.02, 0.001), (0.10, 0.002), (0.40, 0.002), (0.90, 0.02), (0.97, 0.05))
SEED_CEILINGS = (0.02, 0.10, 0.40)
SEED_HEALTHY = (0.05, 0.002)


def seed_table() -> str:
    lines = ["Justification test: only distribute if best achievable S(p) > 1"]
    lines.append(f"{'serial s':>9} {'comm c':>8} {'p*':>6} {'S(p*)':>8} {'verdict':>22}")
    for s, c in SEED_ROWS:
        p, sp = best_p(s, c)
        lines.append(f"{s:>9.2f} {c:>8.4f} {p:>6d} {sp:>8.2f} {verdict_for(p, sp):>22}")
    lines.append("")
    for s in SEED_CEILINGS:
        lines.append(f"Amdahl ceiling at s={s:.2f}: max speedup -> {1.0 / s:6.1f}x")
    lines.append("")
    s, c = SEED_HEALTHY
    p, sp = best_p(s, c)
    lines.append(f"With s={s}, comm c={c}/worker: optimal p* = {p}, S(p*) = {sp:.2f}x")
    lines.append(f"  (adding workers past p*={p} makes the job SLOWER, not faster)")
    return "\n".join(lines) + "\n"
