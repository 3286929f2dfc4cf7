"""A monkey drives the real dashboard under Pilot: random keys, the command palette (ctrl+p,
then typing, PageUp/PageDown, Enter), bursts of Enter and of Escape, and random terminal sizes
(40x12 to 250x80). Every model the App ever holds is checked (a watcher on the App's `model`
reactive): scaling inputs valid and p* equal to `core.scaling.best_p`. After every burst the
App is still running; nothing raises (an exception inside the App fails `run_test`).

The palette may run its own "Quit": a clean exit (code 0) is allowed, counted, and the monkey
goes on in a fresh App with the same random stream. Any other stop is a failure.

Keys go in bursts of 1 to 24 through the headless driver, exactly as `Pilot.press` sends them
(`driver.send_message(events.Key)`) but without its ~50 ms idle wait after each key; one burst
in ten goes through `Pilot.press` itself.

Seeds are fixed and recorded here so a failure replays exactly; CAPSTONE_MONKEY_SEED adds one
more run with that seed. Against Textual's own palette (without the guards in tui/palette.py)
both seeds crash the App within 210 keys with issue 15's `KeyError: 0` (PageUp/PageDown), and
seed 15004 found the `NoMatches` crash of a search outliving its palette; the Enter-Enter
`ScreenStackError` has its own reproduction in tests/test_palette.py.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import string
import time
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.screen import ModalScreen

from capstone_tui.core.dashboard_state import DashboardState
from capstone_tui.core.scaling import PMAX_LIMIT, best_p
from capstone_tui.tui.keys import KEYS
from support.app_factory import make_app

SEEDS = [15004, 20261130]  # fixed; see the module docstring
KEY_PRESSES = 1000  # per seed
RESIZES = 50
TIME_LIMIT_S = 240  # per seed; ~60-90 s on a shared 2-core VM; the bound catches hangs
QUITTERS = {"q", "ctrl+q", "ctrl+c"}  # direct quits end the run; the palette's Quit is handled
APP_KEYS = [b.key for b in KEYS if b.key not in QUITTERS]
# key name -> the character a terminal sends with it (None: no character)
NAMED = {"escape": "\x1b", "tab": "\t", "shift+tab": None, "up": None, "down": None, "left": None, "right": None,
         "enter": "\r", "backspace": "\x08", "home": None, "end": None, "pageup": None, "pagedown": None,
         "space": " ", "delete": "\x7f", "full_stop": ".", "comma": ",", "minus": "-", "plus": "+", "slash": "/",
         "underscore": "_", "colon": ":", "equals_sign": "=", "question_mark": "?", "ctrl+o": None, "ctrl+s": None,
         "ctrl+p": None, "left_square_bracket": "[", "right_square_bracket": "]"}
PRINTABLE = [ch for ch in string.ascii_letters + string.digits if ch not in QUITTERS]
SPECIAL = [k for k in NAMED if k not in APP_KEYS and len(k) > 1 and k not in ("ctrl+o", "ctrl+s")]
MIN_SIZE, MAX_SIZE = (40, 12), (250, 80)


def _random_key(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        return rng.choice(APP_KEYS)
    if roll < 0.55:  # screens opened mid-burst get closed mid-burst too
        return "escape"
    if roll < 0.6:
        return "ctrl+p"
    if roll < 0.8:
        return rng.choice(PRINTABLE)
    return rng.choice(SPECIAL)


def _burst(rng: random.Random, left: int) -> list[str]:
    roll = rng.random()
    if roll < 0.08:  # the palette, then paging at once (issue 15: KeyError: 0)
        keys = ["ctrl+p", rng.choice(["pagedown", "pageup"])] + [rng.choice(PRINTABLE) for _ in range(rng.randint(0, 3))]
        keys += [rng.choice(["pagedown", "pageup", "down", "up"]) for _ in range(rng.randint(0, 4))]
    elif roll < 0.14:  # Enter bursts (issue 15: ScreenStackError)
        keys = ["enter"] * rng.randint(2, 12)
    elif roll < 0.2:  # Escape bursts
        keys = ["escape"] * rng.randint(2, 12)
    else:
        keys = [_random_key(rng) for _ in range(rng.randint(1, 24))]
    return keys[:left]


def model_problem(model: DashboardState) -> str | None:
    """What is wrong with a model the App holds, or None."""
    sc = model.candidate.scaling
    if not 0.0 <= sc.s <= 1.0:
        return f"s={sc.s} outside [0, 1]"
    if not (math.isfinite(sc.c) and sc.c >= 0.0):
        return f"c={sc.c} not finite >= 0"
    if not 1 <= sc.pmax <= min(PMAX_LIMIT, 10**7):
        return f"pmax={sc.pmax} outside [1, 1e7]"
    expected = best_p(sc.s, sc.c, sc.pmax)[0]
    if model.justification.p_star != expected:
        return f"p*={model.justification.p_star} != best_p={expected} for {sc}"
    return None


def _seeds() -> list[int]:
    extra = os.environ.get("CAPSTONE_MONKEY_SEED")
    return SEEDS + ([int(extra)] if extra else [])


class Monkey:
    """The random driver and what it saw, across the Apps it ran."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.app: Any = None
        self.history: list[str] = []
        self.problems: list[str] = []
        self.models_checked = 0
        self.screens_seen: set[str] = set()
        self.sent = 0
        self.quits = 0
        self.resize_after = set(self.rng.sample(range(KEY_PRESSES), RESIZES))
        self.started = time.monotonic()

    def on_model(self, model: DashboardState) -> None:
        self.models_checked += 1
        problem = model_problem(model)
        if problem:
            self.problems.append(f"after {' '.join(self.history[-8:])}: {problem}")

    def send(self, key: str) -> None:
        char = NAMED.get(key, key if len(key) == 1 else None)
        event = events.Key(key, char)
        event.set_sender(self.app)
        self.app._driver.send_message(event)

    def where(self) -> str:
        app = self.app
        m = app.model
        try:
            screen = type(app.screen).__name__
        except Exception:  # the App has stopped: no screen left
            screen = "none"
        return (f"seed={self.seed} sent={self.sent} quits={self.quits} scaling={m.candidate.scaling} "
                f"log_p={m.log_p} size={app.size} screen={screen}; last steps: {' '.join(self.history[-40:])}")

    def _stopped(self) -> bool:
        """True when the App ended cleanly (the palette's Quit); fails on any other stop."""
        app = self.app
        if app.is_running and app.return_code is None:
            return False
        assert app.return_code == 0, f"app stopped with {app.return_code}: {self.where()}"
        self.quits += 1
        self.history.append("<quit: fresh app>")
        return True

    async def run(self, pilot: Any) -> None:
        """Drive until every key is sent or the App quits cleanly."""
        app, rng = self.app, self.rng
        while self.sent < KEY_PRESSES:
            burst = _burst(rng, KEY_PRESSES - self.sent)
            if rng.random() < 0.1:
                self.history += burst
                await pilot.press(*burst)
            else:
                for key in burst:
                    self.history.append(key)
                    self.send(key)
                await pilot.pause()
            resize_due = any(step in self.resize_after for step in range(self.sent, self.sent + len(burst)))
            self.sent += len(burst)
            if self._stopped():
                return
            if isinstance(app.screen, ModalScreen):
                self.screens_seen.add(type(app.screen).__name__)
                if rng.random() < 0.6:  # close opened screens more often than not
                    self.history.append("escape")
                    await pilot.press("escape")
            if resize_due and not self._stopped():
                size = (rng.randint(MIN_SIZE[0], MAX_SIZE[0]), rng.randint(MIN_SIZE[1], MAX_SIZE[1]))
                self.history.append(f"resize{size}")
                await pilot.resize_terminal(*size)  # pauses until the App has handled it
                for _ in range(20):  # keys still queued ahead of the resize may delay it
                    if tuple(app.size) == size or self._stopped():
                        break
                    await pilot.pause(0.05)
                if self.app.is_running:
                    assert tuple(app.size) == size, f"size {app.size} != {size}: {self.where()}"
            if self._stopped():
                return
            assert not self.problems, f"{self.problems[:3]}: {self.where()}"
            assert time.monotonic() - self.started < TIME_LIMIT_S, f"too slow after {self.sent} keys: {self.where()}"


@pytest.mark.parametrize("seed", _seeds())
async def test_monkey_keys_palette_and_resizes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int):
    monkeypatch.chdir(tmp_path)  # the save prompt and Screenshot may write: keep it in tmp_path
    monkey = Monkey(seed)
    print(f"monkey seed: {seed}")
    first = None
    try:
        while monkey.sent < KEY_PRESSES:
            app = monkey.app = make_app(tmp_path)
            first = first or app.model.candidate.scaling
            async with app.run_test(size=(120, 40)) as pilot:
                app.watch(app, "model", monkey.on_model, init=True)
                app.screen_change_signal.subscribe(app, lambda screen: monkey.screens_seen.add(type(screen).__name__))
                # A hang (an await that never returns) fails here instead of stalling CI.
                await asyncio.wait_for(monkey.run(pilot), TIME_LIMIT_S + 10)
                if not app.is_running:
                    continue
                for _ in range(len(app.screen_stack)):
                    await pilot.press("escape")
                await app.workers.wait_for_complete()
                await pilot.pause()
                assert len(app.screen_stack) == 1, f"escape left {app.screen_stack}: {monkey.where()}"
                assert app.is_running and not monkey.problems, monkey.where()
    except BaseException:
        print(f"monkey failed: {monkey.where()}")
        raise
    # The monkey really reached the knobs, the palette and the screens, so the checks mean something.
    last = monkey.app.model.candidate.scaling
    assert monkey.models_checked > 20, monkey.where()
    assert (last.s, last.c, last.pmax) != (first.s, first.c, first.pmax), monkey.where()
    assert {"InputsScreen", "SafeCommandPalette"} <= monkey.screens_seen, monkey.where()
    assert len(monkey.screens_seen - {"Screen"}) >= 3, monkey.screens_seen
    assert "pagedown" in monkey.history and monkey.history.count("enter") > 20
