"""The tool's defaults, each defined once: every face (CLI help, dashboard, serve) reads them here.

The numbers of the method itself live beside their formulas: the 1.05 threshold and the geo
factor in `core/scaling.py` (MIN_SPEEDUP, GEO_FACTOR), the RAM reserve in `core/machine.py`
(RAM_RESERVE), the dtype table in `core/memory.py`, unit sizes in `core/units.py`.
"""

from __future__ import annotations

EXPORT_DIR_DEFAULT = "capstone-verdicts"  # where `e` and `export` write snapshots
REFRESH_DEFAULT_S = 2.0  # inventory refresh interval of the dashboard, seconds
REFRESH_RANGE_S = (0.2, 3600.0)  # accepted --refresh values, seconds
NARROW_WIDTH = 100  # terminal columns below which the dashboard shows one pane at a time
