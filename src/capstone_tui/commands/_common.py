"""Small helpers the subcommands share: JSON output."""

from __future__ import annotations

import sys
from typing import Any

from capstone_tui.core.jsontext import dumps_json


def emit_json(obj: Any) -> None:
    sys.stdout.write(dumps_json(obj) + "\n")
