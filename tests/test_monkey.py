"""A monkey drives the real dashboard under Pilot: 2,000 random keys and 100 random terminal
sizes (40x12 to 250x80). Every model the App ever holds is checked (a watcher on the App's
`model` reactive): scaling inputs valid and p* equal to `core.scaling.best_p`. After every
burst of keys the App is still running; nothing raises.

Keys go in bursts of 1 to 24 through the headless driver, exactly as `Pilot.press` sends them
(`driver.send_message(events.Key)`) but without its ~50 ms idle wait after each key, which
would make 2,000 keys take minutes; one key in ten goes through `Pilot.press` itself.
The seed is random per run (set CAPSTONE_MONKEY_SEED to replay one); it is printed with the
last steps on any failure.
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

from capstone_tui.core.model import Model
from capstone_tui.core.scaling import PMAX_LIMIT, best_p
from capstone_tui.tui.keys import KEYS
from support.app_factory import make_app

KEY_PRESSES = 2000
RESIZES = 100
TIME_LIMIT_S = 120  # measured 50-65 s on a 16-core dev box; the bound catches hangs and slowdowns
QUITTERS = {"q", "ctrl+q", "ctrl+c", "ctrl+p"}  # ctrl+p: the palette could run its "Quit" command
APP_KEYS = [b.key for b in KEYS if b.key not in QUITTERS]
# key name -> the character a terminal sends with it (None: no character)
NAMED = {"escape": "\x1b", "tab": "\t", "shift+tab": None, "up": None, "down": None, "left": None, "right": None,
         "enter": "\r", "backspace": "\x08", "home": None, "end": None, "pageup": None, "pagedown": None,
         "space": " ", "delete": "\x7f", "full_stop": ".", "comma": ",", "minus": "-", "plus": "+", "slash": "/",
         "underscore": "_", "colon": ":", "equals_sign": "=", "question_mark": "?", "ctrl+o": None, "ctrl+s": None}
PRINTABLE = [ch for ch in string.ascii_letters + string.digits if ch not in QUITTERS]
SPECIAL = [k for k in NAMED if k not in APP_KEYS and len(k) > 1 and k not in ("ctrl+o", "ctrl+s")]
MIN_SIZE, MAX_SIZE = (40, 12), (250, 80)


def _random_key(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return rng.choice(APP_KEYS)
    if roll < 0.6:  # screens opened mid-burst get closed mid-burst too
        return "escape"
    if roll < 0.85:
        return rng.choice(PRINTABLE)
    return rng.choice(SPECIAL)


def model_problem(model: Model) -> str | None:
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


@pytest.fixture()
def seed() -> int:
    value = int(os.environ.get("CAPSTONE_MONKEY_SEED") or random.SystemRandom().randrange(2**32))
    print(f"monkey seed: CAPSTONE_MONKEY_SEED={value}")
    return value


class Monkey:
    """The random driver and what it saw."""

    def __init__(self, app: Any, seed: int) -> None:
        self.app = app
        self.seed = seed
        self.rng = random.Random(seed)
        self.history: list[str] = []
        self.problems: list[str] = []
        self.models_checked = 0
        self.screens_seen: set[str] = set()

    def on_model(self, model: Model) -> None:
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
        m = self.app.model
        try:
            screen = type(self.app.screen).__name__
        except Exception:  # the App has stopped: no screen left
            screen = "none"
        return (f"seed={self.seed} scaling={m.candidate.scaling} log_p={m.log_p} geo={m.show_geo} "
                f"efficiency={m.show_efficiency} size={self.app.size} screen={screen}; "
                f"last steps: {' '.join(self.history[-40:])}")

    async def run(self, pilot: Any) -> None:
        app, rng = self.app, self.rng
        resize_after = set(rng.sample(range(KEY_PRESSES), RESIZES))
        started = time.monotonic()
        sent = 0
        while sent < KEY_PRESSES:
            burst = [_random_key(rng) for _ in range(min(rng.randint(1, 24), KEY_PRESSES - sent))]
            if rng.random() < 0.1:
                self.history += burst
                await pilot.press(*burst)
            else:
                for key in burst:
                    self.history.append(key)
                    self.send(key)
                await pilot.pause()
            resize_due = any(step in resize_after for step in range(sent, sent + len(burst)))
            sent += len(burst)
            if isinstance(app.screen, ModalScreen):
                self.screens_seen.add(type(app.screen).__name__)
                if rng.random() < 0.6:  # close opened screens more often than not
                    self.history.append("escape")
                    await pilot.press("escape")
            if resize_due:
                size = (rng.randint(MIN_SIZE[0], MAX_SIZE[0]), rng.randint(MIN_SIZE[1], MAX_SIZE[1]))
                self.history.append(f"resize{size}")
                await pilot.resize_terminal(*size)  # pauses until the App has handled it
                for _ in range(20):  # keys still queued ahead of the resize may delay it
                    if tuple(app.size) == size:
                        break
                    await pilot.pause(0.05)
                assert tuple(app.size) == size, f"size {app.size} != {size}: {self.where()}"
            assert app.is_running and app.return_code is None, f"app stopped: {self.where()}"
            assert not self.problems, f"{self.problems[:3]}: {self.where()}"
            assert time.monotonic() - started < TIME_LIMIT_S, f"too slow after {sent} keys: {self.where()}"


async def test_monkey_keys_and_resizes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int):
    monkeypatch.chdir(tmp_path)  # the save prompt may write a typed path: keep it in tmp_path
    app = make_app(tmp_path)
    monkey = Monkey(app, seed)
    first = app.model.candidate.scaling
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            app.watch(app, "model", monkey.on_model, init=True)
            # A hang (an await that never returns) fails here instead of stalling CI.
            await asyncio.wait_for(monkey.run(pilot), TIME_LIMIT_S + 10)
            for _ in range(len(app.screen_stack)):
                await pilot.press("escape")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert len(app.screen_stack) == 1, f"escape left {app.screen_stack}: {monkey.where()}"
            assert app.is_running and not monkey.problems, monkey.where()
            last = app.model.candidate.scaling
    except BaseException:
        print(f"monkey failed: {monkey.where()}")
        raise
    # The monkey really reached the knobs and the screens, so the checks above mean something.
    assert monkey.models_checked > 50, monkey.where()
    assert (last.s, last.c, last.pmax) != (first.s, first.c, first.pmax), monkey.where()
    assert {"HelpScreen", "InputsScreen"} <= monkey.screens_seen, monkey.where()
