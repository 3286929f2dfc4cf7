"""The sizer pane's models tab in the real dashboard (Pilot): type a model folder or a Hub id,
Enter reads it offline in a worker (config.json and real safetensors headers the tests write),
`u` sets `[model] from` and the shape so the model ceiling and the GPU plan re-route; an id
not cached is one line inline; ctrl+l asks a loopback Hub stub (headers only, never weights);
Esc cancels a read that hangs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.widgets import Button, Input, Static, TabbedContent

from capstone_tui.core.candidate import Candidate, DataInputs, ScalingInputs
from capstone_tui.core.planner.layouts import PlanInputs, plan_model
from capstone_tui.core.planner.shape import read_shape
from capstone_tui.core.presets import load_presets
from support.app_factory import make_app
from support.model_fixtures import LLAMA3_8B, TINY_LLAMA, write_model_folder
from support.model_hubstub import ModelHubStub

# A small problem whose only question left is the model: 1 GB of data, a model to be named.
SMALL = Candidate(name="Fine-tune a model", scaling=ScalingInputs(s=0.05, c=0.002, pmax=64),
                  data=DataInputs(bytes=1e9), machine="dgx-h100")
TINY_PARAMS = 106_816  # TINY_LLAMA's tensors as written: embed + lm_head + 2 layers + norm


def _text(app, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def _read(pilot, text: str, key: str = "enter") -> None:
    app = pilot.app
    app.query_one("#sizer-tabs", TabbedContent).active = "sizer-models"
    await pilot.pause()
    box = app.query_one("#model-input", Input)
    box.focus()
    box.value = text
    await pilot.press(key)
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_folder_read_offline_then_use_sets_from_and_replans(tmp_path: Path, empty_hf_home: Path) -> None:
    folder = tmp_path / "llama3-8b"
    write_model_folder(folder, LLAMA3_8B)
    app = make_app(tmp_path, SMALL)
    async with app.run_test(size=(160, 50)) as pilot:
        before = next(c for c in app.model.assessment.ceilings if c.name == "model")
        assert not before.assessed  # no model yet
        started = time.monotonic()
        await _read(pilot, str(folder))
        assert time.monotonic() - started < 2.0  # offline answers fast
        status, result = _text(app, "#model-status"), _text(app, "#model-result")
        assert "read " in status and "local folder" in status
        assert "8,030,261,248 parameters" in result and "config arithmetic" in result
        expected = plan_model(read_shape(LLAMA3_8B), next(m for m in load_presets() if m.id == "dgx-h100"),
                              PlanInputs())
        assert f"min {expected.min_gpus} GPUs" in result  # the preview: what "use" would plan
        use = app.query_one("#model-use", Button)
        assert not use.disabled and app.focused is use
        await pilot.press("u")
        await pilot.pause()
        model = app.model.candidate.model
        assert model.from_ == str(folder.resolve()) and model.params == 8_030_261_248
        assert (model.layers, model.hidden, model.heads, model.kv_heads, model.head_dim) == (32, 4096, 32, 8, 128)
        after = next(c for c in app.model.assessment.ceilings if c.name == "model")
        assert after.assessed and after.cleared  # 8B x 16 B/param of Adam states > one 80 GB H100
        assert app.model.assessment.route.ceiling == "model"  # re-routed: the model question now decides
        assert not isinstance(app.model.plan, str) and app.model.plan.min_gpus == expected.min_gpus
        assert "model from" in (app.model.message or "") and "config arithmetic" in app.model.message


async def test_real_safetensors_headers_count_exactly(tmp_path: Path, empty_hf_home: Path) -> None:
    write_model_folder(tmp_path / "tiny", TINY_LLAMA, shards=2)
    app = make_app(tmp_path, SMALL)
    async with app.run_test(size=(160, 50)) as pilot:
        await _read(pilot, str(tmp_path / "tiny"))
        result = _text(app, "#model-result")
        assert f"{TINY_PARAMS:,} parameters" in result and "safetensors" in result
        await pilot.press("u")
        await pilot.pause()
        assert app.model.candidate.model.params == TINY_PARAMS
        assert app.model.model_shape is not None and app.model.model_shape.largest_layer_params


async def test_unknown_id_offline_is_one_line_and_nothing_to_use(tmp_path: Path, empty_hf_home: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(tmp_path, SMALL)
    async with app.run_test(size=(160, 50)) as pilot:
        started = time.monotonic()
        await _read(pilot, "acme/not-cached")
        assert time.monotonic() - started < 2.0
        status = _text(app, "#model-status")
        assert "local cache (offline)" in status and "ctrl+l" in status
        assert app.query_one("#model-use", Button).disabled
        await pilot.press("u")  # nothing read: the state does not change
        assert app.model.candidate.model.from_ is None
        await _read(pilot, "../../etc")  # not a folder here, and not an id: refused before any lookup
        assert "no '..'" in _text(app, "#model-status")
        assert "\n" not in _text(app, "#model-status").strip()
        assert app.model.candidate.model.from_ is None


def _hub_files(tmp_path: Path) -> dict[str, bytes]:
    write_model_folder(tmp_path / "src", TINY_LLAMA, shards=1)
    return {p.name: p.read_bytes() for p in (tmp_path / "src").iterdir()}


async def test_ctrl_l_reads_headers_from_the_hub_then_enter_finds_the_cache(
        tmp_path: Path, empty_hf_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    files = _hub_files(tmp_path)
    with ModelHubStub({"acme/tiny": files}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        app = make_app(tmp_path, SMALL)
        async with app.run_test(size=(160, 50)) as pilot:
            await _read(pilot, "acme/tiny", key="ctrl+l")
            status, result = _text(app, "#model-status"), _text(app, "#model-result")
            assert "(hub)" in status, status
            assert f"{TINY_PARAMS:,} parameters" in result and "read from the Hub" in result
            gets = [r for r in hub.requests if "model.safetensors" in r and r.startswith("GET")]
            assert gets and all("bytes=0-" in r for r in gets)  # header ranges only, never the weights
            assert hub.bytes_sent < len(files["config.json"]) + 100_001 + 1_000
            asked = len(hub.requests)
            await _read(pilot, "acme/tiny")  # Enter: offline, from the cache the read just filled
            assert "(hf cache)" in _text(app, "#model-status")
            assert len(hub.requests) == asked  # offline: the stub heard nothing more
            await pilot.press("u")
            await pilot.pause()
            assert app.model.candidate.model.from_ == "acme/tiny"


async def test_escape_cancels_a_silent_hub(tmp_path: Path, empty_hf_home: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from support.hubstub import silent_endpoint

    monkeypatch.chdir(tmp_path)
    with silent_endpoint() as url:
        monkeypatch.setenv("HF_ENDPOINT", url)
        app = make_app(tmp_path, SMALL)
        async with app.run_test(size=(160, 50)) as pilot:
            app.query_one("#sizer-tabs", TabbedContent).active = "sizer-models"
            await pilot.pause()
            box = app.query_one("#model-input", Input)
            box.focus()
            box.value = "acme/silent"
            await pilot.press("ctrl+l")
            await pilot.pause(0.3)
            assert "reading acme/silent online" in _text(app, "#model-status")
            await pilot.press("escape")
            await pilot.pause()
            assert "cancelled reading acme/silent" in _text(app, "#model-status")
            assert app.model.candidate.model.from_ is None


async def test_ctrl_t_switches_tabs_and_key_4_lands_in_the_shown_input(tmp_path: Path) -> None:
    app = make_app(tmp_path, SMALL)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("4")
        assert app.focused is app.query_one("#sizer-input", Input)
        assert "ctrl+t: models" in _text(app, "#sizer-status")
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.query_one("#sizer-tabs", TabbedContent).active == "sizer-models"
        assert app.focused is app.query_one("#model-input", Input)
        app.set_focus(None)  # away (keys go to the dashboard), then 4: the shown tab's input
        await pilot.pause()
        await pilot.press("4")
        await pilot.pause()
        assert app.focused is app.query_one("#model-input", Input) and app.query_one("#model-input", Input).value == ""
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.query_one("#sizer-tabs", TabbedContent).active == "sizer-datasets"
        assert app.focused is app.query_one("#sizer-input", Input)
        await pilot.click("#--content-tab-sizer-models")  # a click on the tab does the same
        await pilot.pause()
        assert app.query_one("#sizer-tabs", TabbedContent).active == "sizer-models"
        assert app.focused is app.query_one("#model-input", Input)
