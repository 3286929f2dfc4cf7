"""Which worker counts a printed curve shows: every p up to a bound, a stated sample beyond it.

`curve --json`, the curve table and the chart hold at most about `CURVE_ROWS_MAX` points, so
their memory and time stay bounded for any pmax (up to 10,000,000). The rule:

- pmax <= CURVE_ROWS_MAX: every p = 1..pmax;
- otherwise: every p = 1..CURVE_DENSE, then CURVE_ROWS_MAX - CURVE_DENSE points spaced evenly in
  log p up to pmax (rounded to whole p, duplicates dropped), plus the marked p (p*, geo p*, the
  knees) and pmax itself, all in ascending order.

S(p) is unimodal in p, so the sample keeps the curve's shape, and the marked points are exact.
"""

from __future__ import annotations

import math
from typing import Iterable

CURVE_ROWS_MAX = 4096
CURVE_DENSE = 1024
SAMPLE_RULE = (f"every p up to {CURVE_ROWS_MAX}; beyond, every p up to {CURVE_DENSE}, then "
               f"{CURVE_ROWS_MAX - CURVE_DENSE} points evenly spaced in log p up to pmax, plus p*, "
               "geo p*, the knees and pmax")


def curve_ps(pmax: int, marks: Iterable[int] = ()) -> list[int]:
    """The worker counts to show for 1..pmax, ascending (every p when pmax <= CURVE_ROWS_MAX)."""
    if pmax <= CURVE_ROWS_MAX:
        return list(range(1, pmax + 1))
    chosen = set(range(1, CURVE_DENSE + 1))
    steps = CURVE_ROWS_MAX - CURVE_DENSE
    lo, hi = math.log(CURVE_DENSE), math.log(pmax)
    for i in range(1, steps + 1):
        chosen.add(min(pmax, max(1, round(math.exp(lo + (hi - lo) * i / steps)))))
    chosen.update(p for p in marks if 1 <= p <= pmax)
    chosen.add(pmax)
    return sorted(chosen)


def is_sampled(pmax: int) -> bool:
    return pmax > CURVE_ROWS_MAX
