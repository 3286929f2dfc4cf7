"""The tree's model question shows the GPU plan on the reference machine (the fewest GPUs, the
strategy, bytes per GPU; each strategy under it), computed in core (core/planner/candidate_plan.py
over core/planner/layouts.py); and what `[model] from` filled is shown when a candidate naming a
model is opened: at start-up (as `capstone-tui CANDIDATE` builds the App) and with ctrl+o."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.widgets import Tree

from capstone_tui.cli import _dashboard_parser
from capstone_tui.core.candidate import Candidate, DataInputs, ModelInputs, ScalingInputs
from capstone_tui.core.planner.candidate_plan import plan_candidate, plan_summary, shape_of
from capstone_tui.core.planner.layouts import PlanInputs, plan_model
from capstone_tui.core.planner.shape import read_shape
from capstone_tui.core.presets import load_presets
from capstone_tui.core.units import binary_bytes
from capstone_tui.tui.launch import build_app
from support.app_factory import make_app
from support.model_fixtures import LLAMA3_8B, MIXTRAL_8X7B, write_model_folder

H100 = next(m for m in load_presets() if m.id == "dgx-h100")
LLAMA_FIELDS = ModelInputs(params=8_030_261_248, layers=32, hidden=4096, heads=32, kv_heads=8)
CANDIDATE = Candidate(name="Train Llama 3 8B", scaling=ScalingInputs(s=0.05, c=0.002, pmax=64),
                      data=DataInputs(bytes=1e9), model=LLAMA_FIELDS, machine="dgx-h100")


def _nodes(app, data: str) -> list:
    tree = app.query_one(Tree)
    found, stack = [], [tree.root]
    while stack:
        node = stack.pop()
        if node.data == data:
            found.append(node)
        stack.extend(reversed(node.children))
    return found


# --- core -----------------------------------------------------------------------------------


def test_candidate_fields_plan_as_the_model_plans() -> None:
    ours = plan_candidate(LLAMA_FIELDS, H100)
    direct = plan_model(read_shape(LLAMA3_8B), H100, PlanInputs())
    assert not isinstance(ours, str)
    assert ours.min_gpus == direct.min_gpus and ours.recommended.strategy == direct.recommended.strategy
    # without the largest layer (fields only) ZeRO-3 lacks its gather buffer; everything else agrees
    for a, b in zip(ours.plans, direct.plans):
        if a.strategy != "zero3-fsdp":
            assert a.per_gpu_bytes == b.per_gpu_bytes


def test_the_read_shape_adds_what_fields_cannot_hold_and_the_file_still_overrides() -> None:
    read = read_shape(MIXTRAL_8X7B)
    model = ModelInputs(params=float(read.params), layers=32, hidden=4096, heads=32, kv_heads=8, from_="x/mixtral")
    planned = plan_candidate(model, H100, read)
    assert not isinstance(planned, str)
    assert any("mixture-of-experts" in n for n in planned.notes)  # from the read shape's experts
    overridden = shape_of(replace(model, params=1e9), read)
    assert overridden.params == 10**9 and overridden.params_how == "the candidate's fields"
    assert overridden.largest_layer_params == read.largest_layer_params


def test_why_not_planned_is_one_line() -> None:
    assert plan_candidate(LLAMA_FIELDS, None) == "the reference machine has not been read yet"
    assert "model.params" in plan_candidate(ModelInputs(), H100)
    assert "model.layers" in plan_candidate(ModelInputs(params=1e9), H100)
    laptop = next(m for m in load_presets() if m.id == "student-laptop")
    assert "GPUs" in plan_candidate(LLAMA_FIELDS, laptop)  # no GPU: said, not a traceback
    assert plan_summary(plan_candidate(ModelInputs(), H100), "dgx-h100").startswith(
        "GPU plan on dgx-h100: not planned (give model.params")


# --- the tree ---------------------------------------------------------------------------------


async def test_model_node_shows_the_plan_when_expanded(tmp_path: Path) -> None:
    app = make_app(tmp_path, CANDIDATE)
    expected = plan_candidate(LLAMA_FIELDS, H100)
    best = expected.recommended
    async with app.run_test(size=(200, 50)) as pilot:
        [plan] = _nodes(app, "plan")
        assert plan.parent.data == "model" and plan.parent.is_expanded  # shown under the model question
        label = str(plan.label)
        assert label.startswith(f"GPU plan: min {best.gpus} GPUs (1 node), {best.strategy} tp ")
        usable = binary_bytes(H100.accelerator_bytes)
        assert f"per GPU (estimated, of {usable} usable) on dgx-h100, train bf16, seq_len 4,096" in label
        memory = _nodes(app, "memory")[0]
        assert plan.parent.children.index(plan) > plan.parent.children.index(memory)  # after the breakdown
        lines = [str(n.label) for n in _nodes(app, "plan-line")]
        assert [line.split(":")[0] for line in lines[:4]] == ["ddp", "zero1", "zero2", "zero3-fsdp"]
        assert "parameters from the candidate's fields" in lines
        # a knob that changes the model re-plans: infer mode holds weights + KV only
        infer = replace(CANDIDATE, model=replace(LLAMA_FIELDS, mode="infer"))
        app.model = replace(app.model, candidate=infer)
        await pilot.pause()
        assert "infer bf16" in str(plan.label) and "min 1 GPU (1 node), tp " in str(plan.label)
        assert any("sequences at once" in str(n.label) for n in _nodes(app, "plan-line"))
        # no machine with GPUs: said on the node, the tree still renders
        app.model = replace(app.model, candidate=replace(infer, machine="student-laptop"))
        await pilot.pause()
        assert "not planned" in str(plan.label) and not _nodes(app, "plan-line")


def _candidate_with_from(folder: Path) -> Path:
    write_model_folder(folder / "llama", LLAMA3_8B)
    path = folder / "named.toml"
    path.write_text('name = "Named model"\n[machine]\nreference = "dgx-h100"\n[data]\nbytes = 1e9\n'
                    '[model]\nfrom = "llama"\nparams = 7e9\n')
    return path


async def test_start_up_fills_the_shape_and_shows_the_notes(tmp_path: Path) -> None:
    path = _candidate_with_from(tmp_path)
    app = build_app(_dashboard_parser().parse_args([str(path), "--export-dir", str(tmp_path / "v")]))
    app.live_inventory = False
    async with app.run_test(size=(200, 50)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        model = app.model.candidate.model
        assert (model.params, model.layers, model.hidden, model.kv_heads) == (7e9, 32, 4096, 8)  # file wins on params
        notes = [str(n.label) for n in _nodes(app, "model-note")]
        assert notes == list(app.model.model_notes) and len(notes) == 2
        assert "model from llama (local folder): config arithmetic" in notes[0]
        assert "model.params = 7e+09 from the file overrides 8.03026e+09" in notes[1]
        assert "overrides" in (app.model.message or "")
        assert "min " in str(_nodes(app, "plan")[0].label)
        assert app.model.model_shape is not None and app.model.model_shape.largest_layer_params
        lines = [str(n.label) for n in _nodes(app, "plan-line")]
        assert "parameters from model.params as given (the shape from llama)" in lines


async def test_ctrl_o_fills_the_shape_the_same_way(tmp_path: Path) -> None:
    path = _candidate_with_from(tmp_path)
    app = make_app(tmp_path, CANDIDATE)
    async with app.run_test(size=(200, 50)) as pilot:
        assert not _nodes(app, "model-note")
        await pilot.press("ctrl+o")
        app.focused.value = str(path)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        model = app.model.candidate.model
        assert model.from_ == "llama" and (model.params, model.layers, model.heads) == (7e9, 32, 32)
        notes = [str(n.label) for n in _nodes(app, "model-note")]
        assert len(notes) == 2 and "overrides" in notes[1]
        assert "overrides" in (app.model.message or "")
        # a candidate without `from` opened next: the notes go
        plain = tmp_path / "plain.toml"
        plain.write_text('name = "Plain"\n[machine]\nreference = "dgx-h100"\n')
        await pilot.press("ctrl+o")
        app.focused.value = str(plain)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not _nodes(app, "model-note") and app.model.model_notes == ()


async def test_opened_from_plans_as_the_lookup_and_plan_command_do(tmp_path: Path) -> None:
    write_model_folder(tmp_path / "llama", LLAMA3_8B)
    path = tmp_path / "from-only.toml"
    path.write_text('name = "From only"\n[machine]\nreference = "dgx-h100"\n[model]\nfrom = "llama"\n')
    app = make_app(tmp_path, CANDIDATE)
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("ctrl+o")
        app.focused.value = str(path)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        ours = app.model.plan
        direct = plan_model(read_shape(LLAMA3_8B), H100, PlanInputs())
        assert not isinstance(ours, str)
        # the full shape came along (the largest layer): ZeRO-3's gather buffer too, byte for byte
        assert [(p.strategy, p.gpus, p.per_gpu_bytes) for p in ours.plans] == \
            [(p.strategy, p.gpus, p.per_gpu_bytes) for p in direct.plans]
        lines = [str(n.label) for n in _nodes(app, "plan-line")]
        assert "parameters from config arithmetic (llama)" in lines
