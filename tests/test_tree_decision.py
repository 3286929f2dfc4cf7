"""The tree reads as a decision (Figure 41.1.1): answers with quantity vs limit and margin, the
branch taken lit and the other dimmed, what would clear a ceiling not cleared, the inputs to give
for one not assessed, per accelerator vs per node, and the model's memory breakdown."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Tree

from capstone_tui.core.candidate import Candidate, DataInputs, ModelInputs, ScalingInputs
from capstone_tui.core.units import binary_bytes
from support.app_factory import make_app


def node(tree: Tree, data: str):
    stack = [tree.root]
    while stack:
        n = stack.pop()
        if n.data == data:
            return n
        stack.extend(n.children)
    raise KeyError(data)


def colour_of(text, words: str, app) -> str:
    start = str(text).index(words)
    for span in text.spans:
        if span.start <= start < span.end and span.style.color is not None:
            return span.style.color.get_truecolor().hex.upper()
    return text.style.color.get_truecolor().hex.upper()


async def test_answers_branches_and_what_would_clear(tmp_path: Path) -> None:
    cand = Candidate(name="small", scaling=ScalingInputs(s=0.05, c=0.002, pmax=64), data=DataInputs(bytes=10e9),
                     machine="dgx-h100")
    app = make_app(tmp_path, candidate=cand)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        tree = app.query_one(Tree)
        data = app.model.assessment.ceiling("data")
        label = str(node(tree, "data").label)
        assert f"1. Data > one node? no: 9.3 GiB vs {binary_bytes(data.limit)} usable RAM" in label
        assert f"would clear above {binary_bytes(data.limit)}" in label
        branch = node(tree, "data").children[0].label
        muted, fg = colour_of(branch, "YES →", app), colour_of(branch, "no → next question", app)
        assert muted != fg  # the branch taken (no) is lit, the other dimmed
        model = str(node(tree, "model").label)
        assert "not assessed" in model and "give model.params (press i)" in model
        root = str(tree.root.label)
        assert "STAY SINGLE-MACHINE (gate 1 fail, gate 2 pass)" in root
        gate2 = str(node(tree, "gate2").label)
        assert "Does distributing pay? (gate 2) YES: S(p*)=7.40x at p*=22" in gate2 and "knee p=13" in gate2


async def test_model_node_holds_the_memory_breakdown_per_accelerator_and_per_node(tmp_path: Path) -> None:
    cand = Candidate(name="7b", scaling=ScalingInputs(s=0.05, c=0.002, pmax=64), model=ModelInputs(params=7e9),
                     machine="dgx-h100")
    app = make_app(tmp_path, candidate=cand)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        tree = app.query_one(Tree)
        ceiling = app.model.assessment.ceiling("model")
        assert ceiling.cleared
        assert "per accelerator" in str(node(tree, "model").label)
        memory = node(tree, "memory")
        assert not memory.is_expanded
        tree.move_cursor(memory)
        tree.focus()
        await pilot.press("space")  # expand it, as a user would
        await pilot.pause()
        assert memory.is_expanded
        leaves = [str(leaf.label) for leaf in memory.children]
        for label, key in (("weights", "weights_bytes"), ("gradients", "grads_bytes"),
                           ("optimizer", "optimizer_bytes"), ("activations", "activations_bytes"),
                           ("KV cache", "kv_cache_bytes"), ("overhead", "overhead_bytes")):
            assert f"{label}: {binary_bytes(ceiling.detail[key])}" in leaves
        assert str(memory.label).startswith(f"memory breakdown: {binary_bytes(ceiling.quantity)} estimated")
        assert any(line.startswith("per node: all accelerators together") for line in leaves)
