"""Snapshots of the real dashboard at pinned sizes, with a fixed inventory (no live probes).

Regenerate on purpose only (after looking at the report): pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

from capstone_tui.core.presets import load_presets
from support.app_factory import make_app
from support.fixed_inventory import fixed_inventory


def app_with_fixed_inventory(tmp_path: Path, **kw):
    inventory = fixed_inventory()
    return make_app(tmp_path, inventory=inventory, machines=inventory.machines() + load_presets(), **kw)


def test_dashboard_120x40(snap_compare, tmp_path):
    assert snap_compare(app_with_fixed_inventory(tmp_path), terminal_size=(120, 40))


def test_dashboard_tuned_120x40(snap_compare, tmp_path):
    assert snap_compare(app_with_fixed_inventory(tmp_path), press=["S", "S", "C", "g", "l"], terminal_size=(120, 40))


def test_dashboard_80x24(snap_compare, tmp_path):
    assert snap_compare(app_with_fixed_inventory(tmp_path), terminal_size=(80, 24))


def test_tree_pane_80x24(snap_compare, tmp_path):
    assert snap_compare(app_with_fixed_inventory(tmp_path), press=["2"], terminal_size=(80, 24))


def test_light_theme_120x40(snap_compare, tmp_path):
    assert snap_compare(app_with_fixed_inventory(tmp_path, theme="capstone-light"), terminal_size=(120, 40))


# --- the new states: cursor, compare view, tree expanded, costume cluster, time plot ----------------

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_cursor_off_p_star_120x40(snap_compare, tmp_path):
    """The cursor four columns left of p*: its rule, the lit curve cells and the readout line."""
    assert snap_compare(app_with_fixed_inventory(tmp_path), press=["left", "left", "left", "left"],
                        terminal_size=(120, 40))


def test_compare_view_120x40(snap_compare, tmp_path):
    """Exercise 41.1.1's side-by-side view of several example candidates, on one preset machine."""
    from capstone_tui.session import compare_candidates
    from capstone_tui.tui.screens.compare import CompareScreen

    names = ("dedupe-4tb-crawl", "finetune-70b-full", "serve-70b-long-context", "serial-log-replay", "robot-swarm")
    rows = compare_candidates([str(EXAMPLES / f"{n}.toml") for n in names], machine="dgx-h100")

    async def show(pilot):
        await pilot.app.push_screen(CompareScreen(rows))
        await pilot.pause()

    assert snap_compare(app_with_fixed_inventory(tmp_path), run_before=show, terminal_size=(120, 40))


def test_tree_model_node_expanded_120x40(snap_compare, tmp_path):
    """examples/finetune-70b-full.toml with the tree's memory breakdown expanded (Figure 41.1.1)."""
    from textual.widgets import Tree

    from capstone_tui.session import open_candidate

    opened = open_candidate(EXAMPLES / "finetune-70b-full.toml", live=False)

    async def expand(pilot):
        await pilot.press("2")
        tree = pilot.app.query_one(Tree)
        nodes, memory = [tree.root], None
        while nodes and memory is None:  # the memory breakdown under the model question
            node = nodes.pop()
            memory = node if node.data == "memory" else None
            nodes += list(node.children)
        assert memory is not None
        tree.move_cursor(memory)
        tree.focus()
        await pilot.press("space")
        await pilot.pause()

    app = app_with_fixed_inventory(tmp_path, candidate=opened.candidate)
    assert snap_compare(app, run_before=expand, terminal_size=(120, 40))


def test_costume_cluster_verdict_120x40(snap_compare, tmp_path):
    """Exercise 41.1.3: s = 0.6 on 16 workers (c = 0): it distributes, at 10 % efficiency, and says so."""
    from capstone_tui.core.candidate import Candidate, DataInputs, ScalingInputs

    costume = Candidate(name="Costume cluster (Exercise 41.1.3)", scaling=ScalingInputs(s=0.6, c=0.0, pmax=16),
                        data=DataInputs(bytes=4.0e12), machine="dgx-h100")
    assert snap_compare(app_with_fixed_inventory(tmp_path, candidate=costume), terminal_size=(120, 40))


def test_time_plot_120x40(snap_compare, tmp_path):
    """Key t on a slurm:gpu reference: run time t1/S(p), and Slurm's wait stacked at the sizes asked.

    The queue answer is core's own (plan and combine) from fixed Slurm start answers, as the
    inventory is fixed: no controller is asked."""
    from dataclasses import replace
    from datetime import datetime, timedelta

    from capstone_tui.core.time_to_solution import NodeShape, Partition, StartAnswer, combine, plan
    from support.app_factory import FIXED
    from capstone_tui.core.candidate import ScalingInputs

    candidate = replace(FIXED, scaling=ScalingInputs(s=0.05, c=0.002, pmax=4096, t1_s=36000.0), machine="slurm:gpu")
    partition = Partition("gpu", (NodeShape(16, 224, 2_000_000, 8),))
    the_plan = plan(candidate, partition)
    waits = {1: 0, 2: 0, 4: 0, 8: 0, 13: 1800, 16: 3600, 22: 3 * 3600, 32: 5 * 3600, 64: 9 * 3600, 128: 20 * 3600}
    now = datetime(2026, 1, 5, 10, 0, 0)
    answers = tuple(StartAnswer(s.p, (now + timedelta(seconds=waits[s.p])).isoformat(), float(waits[s.p]))
                    for s in the_plan.shapes)
    queue = combine(candidate, partition, the_plan, answers, "fixed answers for the snapshot").to_json()
    app = app_with_fixed_inventory(tmp_path, candidate=candidate, queue=(candidate, queue))
    assert snap_compare(app, press=["t"], terminal_size=(120, 40))
