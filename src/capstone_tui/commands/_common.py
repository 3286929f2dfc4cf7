"""Small helpers the subcommands share: JSON output and one-line errors."""

from __future__ import annotations

import json
import math
import sys
from typing import Any


def _clean(value: Any) -> Any:
    """JSON has no NaN/inf: write them as null so `--json` output is always valid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def dumps_json(obj: Any) -> str:
    return json.dumps(_clean(obj), indent=2, sort_keys=False, allow_nan=False)


def emit_json(obj: Any) -> None:
    sys.stdout.write(dumps_json(obj) + "\n")
