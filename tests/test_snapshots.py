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
