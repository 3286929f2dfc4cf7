"""The command palette made safe to hammer, and the palette's own commands made to work.

Textual 8.2.8 (pinned) has two ways a fast typist crashes the palette, both reproduced in
tests/test_palette.py:

- PageUp/PageDown before the command list has been laid out (ctrl+p then PageDown at once):
  `OptionList._move_page` indexes `_index_to_line[highlighted]`, which is still empty while
  the list has no size, and raises `KeyError: 0`.
- Enter twice after choosing a command: the second Enter reaches `_select_or_command` again
  while the first `dismiss` is still popping the palette, so the palette dismisses a second
  time and pops the dashboard itself (`ScreenStackError`), running the command twice.
- A search still running when the palette is taken down (found by tests/test_monkey.py):
  the gather worker queries widgets that are gone (`NoMatches`), and the worker's error
  ends the App.

Upstream: the same `KeyError` from `OptionList.action_page_down` is reported downstream in
kagan-sh/kagan-legacy#31 (a Select overlay); Textualize/textual#2575 ("Screen.dismiss should
error if not the top-most screen") is the closest Textual issue for the double dismiss. No
Textual issue for either palette crash was found in the issue search (done for this fix), so
both are guarded here; drop the guards when a Textual bump fixes them (tests/test_palette.py
keeps the reproductions).

`SafeCommandPalette` runs one chosen command and closes at most once (Enters and clicks after
the choice are dropped before any handler sees them) and ignores page moves until the list has a size. `PaletteGuards` is a
mixin for the App: it drops keys still queued while the App shuts down (no screen left to
take them), opens that palette (also for the theme search) and replaces Textual's
"Screenshot" command, which saves into ~/Downloads (absent on most cluster accounts, so it
failed), with one that writes into the export folder like `e` does.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.await_complete import AwaitComplete
from textual.command import CommandList, CommandPalette
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, LoadingIndicator, OptionList

from capstone_tui.core.defaults import EXPORT_DIR_DEFAULT
from capstone_tui.core.safe_text import safe_text

PALETTE_ID = "--command-palette"
_CLOSING_MESSAGES = (Input.Submitted, Button.Pressed, OptionList.OptionSelected)


class SafeCommandPalette(CommandPalette):
    """Textual's palette, closed at most once, with page moves guarded."""

    _closed_once = False  # dismiss has run
    _chosen = False  # a command was selected: it runs once, later Enters are stale

    async def _on_message(self, message: Message) -> None:
        # Checked when handled, not when posted: Enters queued before the choice are stale too.
        if isinstance(message, _CLOSING_MESSAGES):
            if self._chosen or self._closed_once:
                return
            if isinstance(message, OptionList.OptionSelected):
                self._chosen = True
        await super()._on_message(message)

    def dismiss(self, result: Any = None) -> AwaitComplete:
        if self._closed_once or not self.is_attached or self.app.screen is not self:
            return AwaitComplete()  # nothing left to close
        self._closed_once = True
        return super().dismiss(result)

    def _parts_present(self) -> bool:
        return bool(self.query(CommandList)) and bool(self.query(LoadingIndicator)) and bool(self.query("#--input"))

    @work(exclusive=True, group=CommandPalette._GATHER_COMMANDS_GROUP)
    async def _gather_commands(self, search_value: str) -> None:
        # The search runs while the palette may be taken down (a command chosen, Escape, a
        # resize): its widgets are then gone and Textual's worker raised NoMatches, which ends
        # the App. A search whose palette is gone just stops.
        try:
            await CommandPalette._gather_commands.__wrapped__(self, search_value)  # type: ignore[attr-defined]
        except NoMatches:
            if self._parts_present():
                raise

    def _watch__list_visible(self) -> None:
        if self._parts_present():
            super()._watch__list_visible()

    async def _watch__show_busy(self) -> None:
        if self._parts_present():
            await super()._watch__show_busy()

    def _action_command_list(self, action: str) -> None:
        if action in ("page_up", "page_down"):
            command_list = self.query_one(CommandList)
            if not command_list.option_count or not command_list.scrollable_content_region:
                return  # not laid out yet: Textual would index an empty line table
        super()._action_command_list(action)


class PaletteGuards(App[Any]):
    """Mixin for the dashboard App: the safe palette and a Screenshot command that works.

    The App using it provides `export_dir` (a Path) and `model` (with `candidate.name`).
    """

    async def _check_bindings(self, key: str, priority: bool = False) -> bool:
        if not self._screen_stack:  # shutting down: keys still queued have no screen to go to
            return True  # (Textual would raise ScreenStackError "No screens on stack")
        return await super()._check_bindings(key, priority)

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(SafeCommandPalette(id=PALETTE_ID))

    def search_themes(self) -> None:
        from textual.theme import ThemeProvider

        self.push_screen(SafeCommandPalette(providers=[ThemeProvider], placeholder="Search for themes…"))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title == "Screenshot":
                yield SystemCommand("Screenshot", "Save an SVG of the screen into the export folder",
                                    lambda: self.set_timer(0.1, self.save_screen_svg))
            else:
                yield command

    def save_screen_svg(self) -> None:
        """Take the screen as SVG here; a thread worker writes it (the disk never blocks a frame)."""
        svg = self.export_screenshot()
        if self.is_web:  # served: the browser downloads it
            self.deliver_text_svg(svg)
            return
        self._write_screen_svg(Path(getattr(self, "export_dir", EXPORT_DIR_DEFAULT)), svg)

    @work(thread=True, group="export", exit_on_error=False, name="Screenshot failed")
    def _write_screen_svg(self, export_dir: Path, svg: str) -> None:
        """Into the export folder, atomic and never overwriting; the toast says where (or why not)."""
        from capstone_tui.probes.export import ExportError, write_snapshot

        base = "screenshot-" + datetime.now().strftime("%Y%m%d-%H%M%S")
        try:
            paths = write_snapshot(export_dir, base, {".svg": svg})
        except ExportError as err:
            self.call_from_thread(self.notify, safe_text(f"Screenshot failed: {err}"), severity="error",
                                  timeout=10, markup=False)
            return
        self.call_from_thread(self.notify, safe_text(f"Screenshot saved: {paths[0]}"), timeout=8, markup=False)

    def deliver_text_svg(self, svg: str) -> None:
        import io

        name = "screenshot-" + datetime.now().strftime("%Y%m%d-%H%M%S") + ".svg"
        self.deliver_text(io.StringIO(svg), save_filename=name, open_method="browser",
                          mime_type="image/svg+xml", name="screenshot")
