"""The command palette under Pilot: the two key sequences that crashed Textual 8.2.8's palette
(issue 15 item 4) stay reproduced here and survive, and every palette command runs through
the palette itself (type its name, Enter) with an effect a user could see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import events
from textual.command import CommandInput, CommandList, CommandPalette

from support.app_factory import make_app


def send(app: Any, key: str, char: str | None = None) -> None:
    """One key straight into the driver, as a terminal sends it: no idle wait between keys."""
    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


async def test_ctrl_p_then_page_keys_at_once_do_not_crash(tmp_path: Path):
    # Textual 8.2.8: KeyError: 0 in OptionList._move_page when PageDown beats the first layout
    for keys in (["ctrl+p", "pagedown"], ["ctrl+p", "pageup"], ["ctrl+p", "pagedown", "pageup", "pagedown"]):
        app = make_app(tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            for key in keys:
                send(app, key)
            await pilot.pause(0.5)
            assert app.is_running and app.return_code is None, keys
            assert isinstance(app.screen, CommandPalette)
            await pilot.press("pagedown", "pagedown", "pageup")  # laid out now: paging works
            listing = app.screen.query_one(CommandList)
            assert listing.highlighted is not None
            await pilot.press("escape")
            assert len(app.screen_stack) == 1


async def test_enter_twice_runs_the_command_once_and_keeps_the_dashboard(tmp_path: Path):
    # Textual 8.2.8: the second Enter dismissed again and popped the dashboard (ScreenStackError)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pmax = app.model.candidate.scaling.pmax
        await pilot.press("ctrl+p")
        app.screen.query_one(CommandInput).value = "Double pmax"
        await pilot.pause(0.6)
        for key in ("enter", "enter", "enter"):
            send(app, key, "\r")
        await pilot.pause(0.5)
        assert app.is_running and app.return_code is None
        assert len(app.screen_stack) == 1
        assert app.model.candidate.scaling.pmax == 2 * pmax  # once, not twice


async def test_escape_burst_in_the_palette(tmp_path: Path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        send(app, "ctrl+p")
        for _ in range(6):
            send(app, "escape", "\x1b")
        for _ in range(50):  # until every queued key has been handled
            await pilot.pause(0.1)
            if len(app.screen_stack) == 1 and app._driver is not None and not app._message_queue.qsize():
                break
        assert app.is_running and len(app.screen_stack) == 1


def _observable(app: Any) -> tuple:
    """What a user could notice after a command: model, screens, focus, panes, files, toasts."""
    shown = tuple(sorted(w.id for w in app.query(".-shown") if w.id))
    exports = tuple(sorted(p.name for p in (app.export_dir.glob("*") if app.export_dir.exists() else ())))
    help_panel = bool(app.screen.query("HelpPanel"))
    return (app.model, tuple(type(s).__name__ for s in app.screen_stack), shown, exports,
            tuple(n.message for n in app._notifications), help_panel, app.theme, app.export_screenshot(simplify=True))


async def _run_from_palette(app: Any, pilot: Any, title: str) -> None:
    await pilot.press("ctrl+p")
    app.screen.query_one(CommandInput).value = title
    for _ in range(40):
        await pilot.pause(0.05)
        listing = app.screen.query_one(CommandList)
        options = [getattr(o, "hit", None) for o in listing._options]
        match = [i for i, hit in enumerate(options) if hit is not None and hit.text == title]
        if match:
            break
    assert match, f"palette does not list {title!r}"
    listing.highlighted = match[0]
    await pilot.press("enter")
    await pilot.pause(0.3)


async def test_every_palette_command_works(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Screenshot" in titles and "Quit" in titles and len(titles) > 15
        titles.remove("Quit")
        for title in titles:
            app.clear_notifications()  # an older toast expiring must not pass for the command's effect
            await pilot.pause()
            before = _observable(app)
            await _run_from_palette(app, pilot, title)
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
            assert app.is_running and app.return_code is None, title
            assert _observable(app) != before, f"palette command {title!r} had no visible effect"
            while len(app.screen_stack) > 1:  # close what the command opened
                await pilot.press("escape")
            if app.screen.query("HelpPanel"):
                app.action_hide_help_panel()
            await pilot.pause()
        svgs = list((tmp_path / "verdicts").glob("screenshot-*.svg"))
        assert len(svgs) == 1 and svgs[0].read_text().startswith("<svg")
        await _run_from_palette(app, pilot, "Quit")
        await pilot.pause(0.3)
        assert not app.is_running  # the palette's Quit ended the app, not the test's exit
    assert app.return_code == 0
