"""The sizer pane in a tiny App (Pilot): type a generated folder, Enter, wait for the worker,
read the labels, press `u` and check the App got `DatasetSized` and the data ceiling moved;
Esc cancels; a missing dataset is shown inline."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from textual.app import App, ComposeResult
from textual.reactive import reactive
from textual.widgets import Input, Static

from capstone_tui.core.machine import Machine
from capstone_tui.core.dashboard_state import DashboardState
from capstone_tui.tui.messages import DatasetSized
from capstone_tui.tui.panes.sizer import SizerPane
from support.sizer_data import Generated

MIB = 2**20


def _model() -> DashboardState:
    # A deliberately small reference machine: 8 MiB usable RAM, 1 GiB disk.
    machine = Machine(id="this-node", label="tiny", source="preset", memory_total_bytes=8 * MIB / 0.9,
                      memory_bytes=8 * MIB, disk_bytes=1024 * MIB)
    return DashboardState(machines=(machine,))


class TinyApp(App[None]):
    model: reactive[DashboardState] = reactive(_model, always_update=True)

    def __init__(self) -> None:
        super().__init__()
        self.sized: list[DatasetSized] = []

    def compose(self) -> ComposeResult:
        yield SizerPane(id="sizer").data_bind(TinyApp.model)

    def on_dataset_sized(self, message: DatasetSized) -> None:
        self.sized.append(message)
        self.model = replace(self.model, measured_data=message.measured)


def _text(app: App, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def _size(pilot, path: str) -> None:
    pilot.app.query_one("#sizer-input", Input).focus()
    pilot.app.query_one("#sizer-input", Input).value = path
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_size_then_use_updates_the_data_ceiling(sizer_data: Generated, empty_hf_home: Path) -> None:
    app = TinyApp()
    async with app.run_test(size=(120, 30)) as pilot:
        data = next(c for c in app.model.assessment.ceilings if c.name == "data")
        assert not data.assessed  # no data yet
        await _size(pilot, str(sizer_data.parquet))
        result = _text(app, "#sizer-result")
        assert "200,000 rows [exact:parquet-footer]" in result
        assert "[est:parquet-uncompressed]" in result and "≈" in result
        assert "must stream from local disk" in result
        assert "sized" in _text(app, "#sizer-status")
        await pilot.press("u")
        await pilot.pause()
        assert len(app.sized) == 1
        measured = app.sized[0].measured
        assert measured.how == "est:parquet-uncompressed"
        assert measured.bytes == app.query_one(SizerPane).result.configs[0].dataset_size
        data = next(c for c in app.model.assessment.ceilings if c.name == "data")
        assert data.assessed and data.cleared and data.quantity == measured.bytes


async def test_missing_dataset_is_inline_and_cannot_be_used(empty_hf_home: Path) -> None:
    app = TinyApp()
    async with app.run_test(size=(120, 30)) as pilot:
        await _size(pilot, "acme/nowhere-cached")
        assert "offline and not cached" in _text(app, "#sizer-status")
        await pilot.press("u")  # focus is in the Input: `u` is typed, not "use"
        assert app.query_one("#sizer-input", Input).value == "acme/nowhere-cachedu"
        app.query_one(SizerPane).action_use()
        await pilot.pause()
        assert app.sized == []


async def test_escape_cancels_and_ignores_the_result(tmp_path: Path, empty_hf_home: Path) -> None:
    # A named pipe as the data file: the worker blocks reading it until the test writes,
    # so Esc deterministically lands while sizing is under way.
    folder = tmp_path / "slow"
    folder.mkdir()
    fifo = folder / "train.jsonl"
    os.mkfifo(fifo)
    app = TinyApp()
    async with app.run_test(size=(120, 30)) as pilot:
        pane = app.query_one(SizerPane)
        pane.query_one("#sizer-input", Input).value = str(folder)
        pane.query_one("#sizer-input", Input).focus()
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert pane.sizing and "sizing" in _text(app, "#sizer-status")
        await pilot.press("escape")
        assert "cancelled" in _text(app, "#sizer-status") and not pane.sizing
        with open(fifo, "w") as writer:  # let the blocked worker finish; its result must be ignored
            writer.write('{"text": "late"}\n')
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "cancelled" in _text(app, "#sizer-status")
        assert pane.result is None and app.sized == []


async def test_use_in_the_real_dashboard_relabels_the_data_ceiling(sizer_data: Generated, empty_hf_home: Path,
                                                                   tmp_path: Path) -> None:
    from textual.widgets import Tree

    from support.app_factory import make_app

    app = make_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        def data_label() -> str:
            tree = app.query_one("#ceiling-tree", Tree)
            return str(next(n.label for n in tree.root.children if n.data == "data"))

        before = data_label()
        assert app.model.measured_data is None
        await _size(pilot, str(sizer_data.saved))
        await pilot.press("u")
        await pilot.pause()
        assert app.model.measured_data is not None
        assert app.model.measured_data.how == "exact:arrow-ipc"
        data = next(c for c in app.model.assessment.ceilings if c.name == "data")
        assert data.assessed and data.quantity == app.model.measured_data.bytes
        assert data_label() != before
