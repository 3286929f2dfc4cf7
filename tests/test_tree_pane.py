"""The tree pane relabels (never rebuilds) its nodes when the model's route changes."""

from __future__ import annotations

from dataclasses import replace

from textual.app import App, ComposeResult
from textual.reactive import reactive
from textual.widgets import Tree

from capstone_tui.core.candidate import Candidate, DataInputs, ModelInputs
from capstone_tui.core.machine import machine_from_host
from capstone_tui.core.dashboard_state import DashboardState
from capstone_tui.core.presets import preset
from capstone_tui.tui.panes.tree import TreePane

BOX = machine_from_host("box", 64e9, None, 1e12, (("L4", 24e9),))  # 57.6 GB usable RAM


class TreeApp(App[None]):
    model: reactive[DashboardState | None] = reactive(None)

    def compose(self) -> ComposeResult:
        yield TreePane(id="tree").data_bind(TreeApp.model)


def labels(app: TreeApp) -> list[str]:
    tree = app.query_one(Tree)
    out = [str(tree.root.label)]
    for node in tree.root.children:
        out.append(str(node.label))
        out.extend(str(child.label) for child in node.children)
    return out


def small(size: float) -> DashboardState:
    return DashboardState(candidate=Candidate(data=DataInputs(bytes=size)), machines=(BOX,))


async def test_route_moves_when_the_data_outgrows_memory() -> None:
    app = TreeApp()
    async with app.run_test(size=(58, 14)) as pilot:
        app.model = small(10e9)  # 10 GB < 57.6 GB usable
        await pilot.pause()
        tree = app.query_one(Tree)
        nodes_before = list(tree.root.children)
        before = labels(app)
        assert "1. Data > one node? no: 9.3 GiB vs 53.6 GiB" in before[1] and "◀" not in before[1]
        assert before[-2].startswith("None cleared, 3 not assessed") and before[-2].endswith("◀")
        assert "not assessed" in before[3]  # model: no params

        app.model = small(200e9)  # 200 GB > 57.6 GB
        await pilot.pause()
        after = labels(app)
        assert "Data > one node? YES" in after[1] and after[1].endswith("◀")
        assert "186.3 GiB vs 53.6 GiB" in after[1]  # memory in binary units on every pane
        assert after[2].startswith("YES → Distribute data (Ch 6-8) ◀")
        assert not after[-2].endswith("◀")
        assert list(tree.root.children) == nodes_before  # relabelled, not rebuilt
        mark = tree.root.children[0].label
        colours = {str(span.style.color.get_truecolor().hex).upper() for span in mark.spans
                   if not isinstance(span.style, str) and span.style.color is not None}
        assert app.theme_variables["success"].upper() in colours  # from the theme, not hex in code


async def test_model_and_machine_change_labels_and_narrow_terminal_survives() -> None:
    app = TreeApp()
    async with app.run_test(size=(40, 12)) as pilot:
        assert "no candidate" in labels(app)[0]
        dgx = preset("dgx-h100")
        assert dgx is not None
        cand = Candidate(model=ModelInputs(params=7e9), machine="dgx-h100")
        app.model = DashboardState(candidate=cand, machines=(BOX, dgx))
        await pilot.pause()
        text = labels(app)
        assert "dgx-h100" in text[0]
        assert "Model > one accelerator? YES: 104.3 GiB vs" in text[3] and "per accelerator" in text[3]
        app.model = replace(app.model, candidate=replace(cand, machine="missing"))
        await pilot.pause()
        text = labels(app)
        assert "not read yet" in text[0] and "not assessed" in text[3]
        app.theme = "textual-light"
        await pilot.pause()
        assert labels(app) == text  # same words under another theme
