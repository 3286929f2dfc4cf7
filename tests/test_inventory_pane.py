"""The inventory pane renders a real reading compactly, marks the ceiling figures, says
"waiting" before the first reading, names a silent Slurm, and skips unchanged repaints."""

from __future__ import annotations

import os
import socket
from dataclasses import replace

from textual.app import App, ComposeResult
from textual.reactive import reactive
from textual.widgets import Static

from capstone_tui.core.inventory.report import ClusterReport, GpuDevice, gpu_report
from capstone_tui.core.inventory.text import MARK
from capstone_tui.core.dashboard_state import DashboardState
from capstone_tui.probes.inventory import read_inventory

from capstone_tui.tui.panes.inventory import WAITING, InventoryPane


class PaneApp(App[None]):
    model: reactive[DashboardState | None] = reactive(None)

    def compose(self) -> ComposeResult:
        yield InventoryPane(id="inventory").data_bind(PaneApp.model)


async def test_waiting_then_a_real_reading() -> None:
    app = PaneApp()
    async with app.run_test(size=(58, 16)) as pilot:
        pane = app.query_one(InventoryPane)
        assert pane.shown_lines == (WAITING,)
        app.model = DashboardState()  # a model without a reading yet
        await pilot.pause()
        assert pane.shown_lines == (WAITING,)

        inv = read_inventory(slurm=False, timeout_s=2.0)
        app.model = DashboardState(inventory=inv)
        await pilot.pause()
        lines = pane.shown_lines
        text = "\n".join(lines)
        assert lines[0].startswith(socket.gethostname())
        assert f"CPU {len(os.sched_getaffinity(0))} usable" in text
        ram = next(line for line in lines if line.startswith("RAM"))
        assert MARK in ram and "GiB" in ram  # usable memory feeds the data ceiling
        disk = next(line for line in lines if line.startswith("Disk"))
        assert MARK in disk and " GB" in disk
        assert any(line.startswith("GPU") or line.startswith(MARK + "GPU") for line in lines)
        assert len(lines) <= 12
        assert pane.size.height <= 12


async def test_gpu_devices_marked_and_slurm_silence_named() -> None:
    inv = read_inventory(slurm=False, timeout_s=2.0)
    gpu = GpuDevice(index=0, name="NVIDIA L4", memory_total_bytes=24 * 2**30, memory_used_bytes=2**30,
                    utilization_pct=12, temperature_c=40, power_draw_w=30.0, power_limit_w=72.0,
                    pcie_gen=4, pcie_width=16)
    inv = replace(inv, gpus=gpu_report("ok", devices=(gpu,)),
                  cluster=ClusterReport("not_answering", "Slurm: not answering (timeout 3 s)"))
    app = PaneApp()
    async with app.run_test(size=(58, 16)) as pilot:
        app.model = DashboardState(inventory=inv)
        await pilot.pause()
        lines = app.query_one(InventoryPane).shown_lines
        gpu_line = next(line for line in lines if "GPU0" in line)
        assert gpu_line.startswith(MARK) and "24.0 GiB" in gpu_line and "72 W" in gpu_line
        assert "Slurm: not answering (timeout 3 s)" in lines


async def test_unchanged_reading_is_not_repainted() -> None:
    inv = read_inventory(slurm=False, timeout_s=2.0)
    app = PaneApp()
    async with app.run_test(size=(58, 16)) as pilot:
        app.model = DashboardState(inventory=inv)
        await pilot.pause()
        pane = app.query_one(InventoryPane)
        updated: list[int] = []
        for index, line in enumerate(pane.query_children(Static)):  # observe, do not replace
            original = line.update
            line.update = (lambda original, index: lambda *a, **k: (updated.append(index), original(*a, **k)))(original, index)  # type: ignore[method-assign]
        app.model = DashboardState(inventory=inv)  # a new model, the same reading
        await pilot.pause()
        assert updated == []
        changed = replace(inv, elapsed_s=(inv.elapsed_s or 0) + 1.234)  # one figure changes
        app.model = DashboardState(inventory=changed)
        await pilot.pause()
        assert len(updated) == 1  # only the line that holds it is repainted

