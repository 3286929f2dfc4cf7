"""One byte convention across faces (verdict_text.BYTES_CONVENTION): memory, and what is compared
with it, in binary units; disks and downloads in decimal. The same machine's usable memory reads
the same number in the dashboard's tree, in `assess` text and in `inventory` (this node), and
`plan` gives the per-GPU budget in the same figure as `assess`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Tree

from support.app_factory import make_app

from capstone_tui.core.units import binary_bytes
from capstone_tui.core.verdict_text import BYTES_CONVENTION
from capstone_tui.session import read_candidate

CANDIDATE = """name = "units check"
[scaling]
s = 0.05
c = 0.002
pmax = 64
[data]
bytes = 4.0e12
[model]
params = 7.0e9
mode = "infer"
dtype = "bf16"
layers = 32
hidden = 4096
heads = 32
kv_heads = 8
seq_len = 4096
"""
FIGURE = r"(\d+(?:\.\d+)? [KMGTP]?i?B)"


def cli(*args: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "capstone_tui", *args], capture_output=True, text=True,
                          timeout=90, cwd=cwd, env={"PATH": "/usr/bin:/bin", "COLUMNS": "200",
                                                    "HF_HUB_OFFLINE": "1", "HF_HOME": str(cwd / "hf")})
    assert done.returncode == 0, done.stderr
    return done.stdout


def tree_label(tree: Tree, data: str) -> str:
    stack = [tree.root]
    while stack:
        n = stack.pop()
        if n.data == data:
            return " ".join(str(n.label).split())
        stack.extend(n.children)
    raise KeyError(data)


@pytest.mark.asyncio
@pytest.mark.parametrize("machine", ["dgx-h100", "workstation-h100", "student-laptop"])
async def test_usable_memory_reads_the_same_in_the_tree_and_in_assess(tmp_path: Path, machine: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(CANDIDATE + f'[machine]\nreference = "{machine}"\n')
    text = " ".join(cli("assess", str(path), cwd=tmp_path).split())
    usable_ram = re.search(rf"RAM {FIGURE}, usable {FIGURE} after", text)
    assert usable_ram, text
    candidate, _ = read_candidate(str(path))
    app = make_app(tmp_path, candidate=candidate)
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        tree = app.query_one(Tree)
        data_label, model_label = tree_label(tree, "data"), tree_label(tree, "model")
        limit = app.model.assessment.ceiling("data").limit
    ram = usable_ram.group(2)
    assert ram == binary_bytes(limit) and ram.endswith("iB")  # binary, as the help says
    assert f"vs {ram} usable RAM" in data_label  # the tree
    assert f"vs {ram} usable RAM" in text  # the data ceiling's own sentence in `assess`
    device = re.search(rf"usable per device {FIGURE}", text)
    assert (device is None) == (machine == "student-laptop"), machine  # the laptop alone has no GPU
    if device:  # a machine with accelerators: the model ceiling's budget, the same in both faces
        assert f"vs {device.group(1)} per accelerator" in model_label, model_label
        assert f"{device.group(1)} usable" in text
    assert "local disk" in text and re.search(r"local disk \d+(\.\d+)? [kMGTP]B\b", text)  # disks: decimal
    assert BYTES_CONVENTION in text


def test_this_node_reads_the_same_in_inventory_and_assess(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(CANDIDATE)
    assess = " ".join(cli("assess", str(path), "--machine", "this-node", cwd=tmp_path).split())
    inventory = " ".join(cli("inventory", "--no-slurm", cwd=tmp_path).split())
    usable = re.search(rf"usable {FIGURE} after", assess)
    shown = re.search(rf"RAM \W?{FIGURE} usable of", inventory)
    assert usable and shown, (assess, inventory)
    assert usable.group(1) == shown.group(1) and usable.group(1).endswith("iB")


def test_plan_gives_the_per_gpu_budget_as_assess_does(tmp_path: Path) -> None:
    from support.model_fixtures import LLAMA3_8B, write_model_folder

    write_model_folder(tmp_path / "llama", LLAMA3_8B)
    plan = json.loads(cli("plan", "llama", "--mode", "infer", "--machine", "dgx-h100", "--json", cwd=tmp_path))
    text = " ".join(cli("plan", "llama", "--mode", "infer", "--machine", "dgx-h100", cwd=tmp_path).split())
    path = tmp_path / "c.toml"
    path.write_text(CANDIDATE + '[machine]\nreference = "dgx-h100"\n')
    assess = " ".join(cli("assess", str(path), cwd=tmp_path).split())
    budget = binary_bytes(plan["memory"]["per_gpu_limit_bytes"])
    assert f"{budget} usable per GPU" in text and f"usable per device {budget}" in assess
    weights = binary_bytes(plan["memory"]["weights_bytes"])
    assert f"weights {weights}" in text and weights.endswith("GiB")
    assert not re.search(r"\d [kMGT]B\b", text.split("#SBATCH")[0])  # no decimal memory figure before the job lines


def test_the_markdown_export_states_the_convention_and_the_same_usable_ram(tmp_path: Path) -> None:
    from capstone_tui.session import assess_opened, export_snapshot, open_candidate

    path = tmp_path / "c.toml"
    path.write_text(CANDIDATE + '[machine]\nreference = "dgx-h100"\n')
    opened = open_candidate(str(path))
    result = assess_opened(opened)
    md_path = next(p for p in export_snapshot(tmp_path / "out", opened.candidate, result) if p.suffix == ".md")
    md = " ".join(md_path.read_text(encoding="utf-8").split())
    ram = binary_bytes(result.ceiling("data").limit)
    assert f"vs {ram} usable RAM" in md and BYTES_CONVENTION in md
    # every byte figure in the tables carries its unit, decimal with binary beside it
    assert re.search(r"\| \d+(\.\d+)? [kMGTP]B \(\d+(\.\d+)? [KMGTP]iB\) \|", md)
