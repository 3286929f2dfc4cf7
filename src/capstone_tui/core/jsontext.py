"""JSON text for every `--json` output and snapshot: valid JSON always (NaN/inf become null)."""

from __future__ import annotations

import json
import math
from typing import Any


def clean_json(value: Any) -> Any:
    """JSON has no NaN/inf: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    return value


def dumps_json(obj: Any) -> str:
    return json.dumps(clean_json(obj), indent=2, sort_keys=False, allow_nan=False)
