"""Interaction that never gets in the way (issue 11 item 5, issue 15 item 4), under Pilot:
resize lays out at once, dialogs open focused, Esc on the inputs screen cancels and says so,
any text can be typed into the inputs screen, the c keys stay in their stated range, the key
bar keeps ?, q and e at 80 columns, the sizer pane looks a Hub id up online on request only.
The same at 80x24 in a real terminal: tests/test_interaction_tmux.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static
from textual.widgets._footer import FooterKey

from capstone_tui.core.dashboard_state import C_KEY_MAX
from capstone_tui.tui.panes.sizer import ONLINE_KEY
from capstone_tui.tui.screens.help import HelpScreen
from capstone_tui.tui.screens.inputs import InputsScreen
from support.app_factory import make_app
from support.hubstub import HubStub


async def test_resize_lays_out_at_once(tmp_path: Path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        assert not app.screen.has_class("-narrow")
        await pilot.resize_terminal(80, 24)  # pauses until the App has handled the Resize
        assert app.screen.has_class("-narrow")  # was one resize behind (read self.size)
        await pilot.pause()
        assert app.query_one("#curve").region.height >= 10  # one pane, not a 2-row chart in a grid
        await pilot.resize_terminal(120, 40)
        assert not app.screen.has_class("-narrow")


async def test_dialogs_open_focused_on_their_first_field(tmp_path: Path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("i")
        assert isinstance(app.screen, InputsScreen)
        assert isinstance(app.focused, Input) and app.focused.id == "f-name"
        await pilot.press("escape")
        await pilot.press("ctrl+o")
        assert isinstance(app.focused, Input) and app.focused.id == "path"
        await pilot.press("escape")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen) and app.focused is not None
        await pilot.press("escape")
        assert len(app.screen_stack) == 1


async def test_open_dialog_takes_enter_at_once(tmp_path: Path):
    cand = tmp_path / "other.toml"
    cand.write_text('name = "Typed at once"\n[scaling]\ns = 0.2\nc = 0.01\n')
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+o")
        app.focused.value = str(cand)  # typed into the focused field, no Tab first
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.model.candidate.name == "Typed at once"


async def test_escape_on_inputs_cancels_and_says_so(tmp_path: Path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        before = app.model.candidate
        await pilot.press("i")
        field = app.screen.query_one("#f-scaling--s", Input)
        field.focus()
        field.value = "0.3"  # valid: applied live
        await pilot.pause()
        assert app.model.candidate.scaling.s == pytest.approx(0.3)
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.screen_stack) == 1
        assert app.model.candidate == before
        assert app.model.message.startswith("inputs cancelled") and "applied" not in app.model.message


async def test_inputs_take_any_text(tmp_path: Path):
    # issue 15: typing `[x=` raised MarkupError (the error line quoted the text as markup)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("i")
        app.screen.query_one("#f-scaling--s", Input).focus()
        await pilot.press("ctrl+u", "left_square_bracket", "x", "equals_sign")  # clear, then `[x=`
        await pilot.pause()
        assert app.is_running
        status = str(app.screen.query_one("#status", Static).render())
        assert "[x=" in status and "scaling.s" in status
        await pilot.press("escape")
        for text in ("[bold]", "[/]", "[link=x]y", "\x1b[31m", "[@click=app.quit]q[/]"):
            await pilot.press("i")
            app.screen.query_one("#f-name", Input).value = text
            await pilot.pause()
            await pilot.press("escape")
        assert app.is_running and len(app.screen_stack) == 1


async def test_c_keys_stay_in_their_stated_range(tmp_path: Path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*["C"] * 30)
        assert app.model.candidate.scaling.c == C_KEY_MAX  # was 2e7 after 30 presses
        assert f"[0, {C_KEY_MAX:g}]" in app.model.message
        await pilot.pause()
        assert f"[0, {C_KEY_MAX:g}]" in str(app.query_one("#verdict").render())  # the status says it
        await pilot.press("c")
        assert app.model.candidate.scaling.c == 0.2


def _bar(app) -> dict[str, tuple[int, int]]:
    return {k.key: (k.region.x, k.region.right) for k in app.query(FooterKey) if k.region.width}


async def _bar_with(app, pilot, *keys: str, timeout: float = 5.0) -> dict[str, tuple[int, int]]:
    """The key bar once it shows `keys` (the Footer composes its keys a few frames after a resize:
    on a loaded machine 0.3 s was not always enough)."""
    bar = _bar(app)
    for _ in range(int(timeout / 0.1)):
        if all(key in bar for key in keys):
            break
        await pilot.pause(0.1)
        bar = _bar(app)
    await pilot.pause(0.2)  # and laid out
    return _bar(app)


async def test_key_bar_keeps_help_quit_export_at_80_columns(tmp_path: Path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        bar = await _bar_with(app, pilot, "ctrl+p", "question_mark", "q", "e")
        palette_left = bar["ctrl+p"][0]
        for key in ("question_mark", "q", "e"):
            assert key in bar and bar[key][1] <= palette_left, (key, bar)
        await pilot.resize_terminal(160, 40)
        await pilot.pause(0.3)
        bar = await _bar_with(app, pilot, "s", "q")
        assert bar["s"][0] < bar["q"][0]  # wide: the key table's order


async def test_sizer_looks_up_online_on_request_only(tmp_path: Path, empty_hf_home: Path,
                                                     monkeypatch: pytest.MonkeyPatch):
    meta = {"dataset_info": [{"config_name": "default", "splits": [{"name": "train", "num_bytes": 2_000_000,
                                                                    "num_examples": 1000}],
                              "dataset_size": 2_000_000}]}
    with HubStub({}, {"acme/remote": meta}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        app = make_app(tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("4")
            sizer_input = app.query_one("#sizer-input", Input)
            sizer_input.focus()
            sizer_input.value = "acme/remote"  # an org/name Hub id
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            status = str(app.query_one("#sizer-status", Static).render())
            assert "offline and not cached" in status and ONLINE_KEY in status
            assert hub.requests == []  # offline stays the default
            await pilot.press(ONLINE_KEY)
            await app.workers.wait_for_complete()
            await pilot.pause()
            status = str(app.query_one("#sizer-status", Static).render())
            assert "sized acme/remote" in status and "(hub)" in status
            assert hub.requests
            await pilot.press("u")  # focus moved to the "use" button
            assert app.model.measured_data is not None and app.model.measured_data.bytes == 2_000_000


async def test_dashboard_online_flag_makes_enter_ask_the_hub(tmp_path: Path, empty_hf_home: Path,
                                                           monkeypatch: pytest.MonkeyPatch):
    meta = {"dataset_info": [{"config_name": "a", "splits": [{"name": "train", "num_bytes": 10, "num_examples": 2}],
                              "dataset_size": 10}]}
    with HubStub({}, {"acme/remote": meta}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        app = make_app(tmp_path)
        app.sizer_online = True  # what `capstone-tui --online` sets (tui/launch.py)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("4")
            sizer_input = app.query_one("#sizer-input", Input)
            assert "Enter sizes online" in str(app.query_one("#sizer-status", Static).render())
            sizer_input.focus()
            sizer_input.value = "acme/remote"
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "sized acme/remote" in str(app.query_one("#sizer-status", Static).render())
            assert hub.requests
