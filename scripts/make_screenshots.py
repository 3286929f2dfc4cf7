"""Write screenshots/*.svg from the real dashboard (live inventory of this machine).

    .venv/bin/python scripts/make_screenshots.py

Each shot runs the App headless at a fixed size, waits for the first inventory reading,
presses the listed keys and saves an SVG of the screen.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import argparse

from capstone_tui.tui.app import CapstoneApp
from capstone_tui.tui.launch import initial_state  # the dashboard's own first state, as `capstone-tui X` opens it
from capstone_tui.tui.themes import builtin_themes  # the shipped themes only: no user folder

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"
SHOTS = [
    # (file, size, theme, candidate, keys)
    ("dashboard-120x40", (120, 40), "capstone-dark", "examples/dedupe-4tb-crawl.toml", []),
    ("dashboard-80x24", (80, 24), "capstone-dark", "examples/dedupe-4tb-crawl.toml", []),
    ("tuned-geo-log-light", (120, 40), "capstone-light", "examples/code-completion-exam.toml", ["S", "S", "C", "l"]),
    ("stay-single-machine-16-colour", (120, 40), "capstone-16", "examples/sentiment-classifier-8gb.toml", []),
    ("help", (100, 32), "capstone-dark", "examples/dedupe-4tb-crawl.toml", ["question_mark"]),
    ("cursor-70b-finetune", (120, 40), "capstone-dark", "examples/finetune-70b-full.toml",
     ["3", "left", "left", "left", "left", "left", "left"]),
    ("time-to-solution", (120, 40), "capstone-dark", "examples/dedupe-4tb-crawl.toml", ["t"]),
]


async def shoot(name: str, size: tuple[int, int], theme: str, candidate: str, keys: list[str]) -> Path:
    args = argparse.Namespace(candidate=str(ROOT / candidate), machine=None, runs=None)
    state, _ = initial_state(args)
    app = CapstoneApp(state, themes=builtin_themes(),
                      theme=theme, export_dir=OUT / "exports", refresh_s=None, live_inventory=True)
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await pilot.pause(0.3)
        path = OUT / f"{name}.svg"
        path.write_text(app.export_screenshot(title=f"capstone-tui: {name}"), encoding="utf-8")
    return path


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for shot in SHOTS:
        print(asyncio.run(shoot(*shot)))


if __name__ == "__main__":
    main()
