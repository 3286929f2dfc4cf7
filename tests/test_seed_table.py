"""Golden test: `capstone-tui table` reproduces the seed's Output 41.1.1 character for character."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_6586a0d723a2cf02.txt"
SEED_FALLBACK = Path("/work/shared/seeds/000_6586a0d723a2cf02.txt")


def seed_output() -> str:
    path = SEED if SEED.exists() else SEED_FALLBACK
    text = path.read_text(encoding="utf-8")
    start = text.index("Justification test: only distribute if best achievable S(p) > 1\n serial s")
    end = text.index("Output 41.1.1: Real output.")
    return text[start:end]


def test_golden_output_41_1_1():
    out = subprocess.run([sys.executable, "-m", "capstone_tui", "table"], capture_output=True, text=True, check=True)
    golden = seed_output()
    assert golden.count("\n") == 14  # five rows, three ceilings, two healthy lines, blank lines
    assert out.stdout == golden
    assert out.stderr == ""
