"""A save keeps `[model] from` in charge of what it filled: the shape read from a model folder is
not frozen into the candidate file (written out, the file's own fields would outrank `from` on the
next read, so a later change of `from` would quietly keep the old model's numbers). Fields the
file gave, and values the user changed, are still written. Both faces save the same way: the
session function, and ctrl+s on the dashboard that `capstone-tui CANDIDATE` builds."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from support.model_fixtures import LLAMA3_8B, MIXTRAL_8X7B, write_model_folder

from capstone_tui.cli import _dashboard_parser
from capstone_tui.core.candidate import parse_candidate
from capstone_tui.session import open_candidate, save_candidate
from capstone_tui.tui.launch import build_app

TEXT = """# a fine-tune sized from the model's own config
name = "Fine-tune from a folder"

[model]
from = "llama"      # config.json beside this file
mode = "train"

[machine]
reference = "dgx-h100"
"""


def folders(tmp_path: Path) -> Path:
    write_model_folder(tmp_path / "llama", LLAMA3_8B)
    write_model_folder(tmp_path / "mixtral", MIXTRAL_8X7B)
    path = tmp_path / "cand.toml"
    path.write_text(TEXT)
    return path


def test_a_save_leaves_the_filled_shape_to_from_and_reads_back_the_same(tmp_path: Path) -> None:
    path = folders(tmp_path)
    opened = open_candidate(path, live=False, size=False)
    assert opened.candidate.model.params is not None and opened.candidate.model.layers == 32  # filled
    _, text = save_candidate(tmp_path / "saved.toml", opened.candidate, overwrite=False,
                             original_text=opened.text, model_shape=opened.model_shape)
    assert "params" not in text and "layers" not in text and "hidden" not in text
    assert text.startswith("# a fine-tune sized from the model's own config")  # comments kept
    assert 'from = "llama"      # config.json beside this file' in text
    again = open_candidate(tmp_path / "saved.toml", live=False, size=False)
    assert again.candidate.model == opened.candidate.model  # `from` fills the same shape again
    # and `from` stays in charge: pointing it at another model gives that model's numbers
    (tmp_path / "saved.toml").write_text(text.replace('from = "llama"', 'from = "mixtral"'))
    other = open_candidate(tmp_path / "saved.toml", live=False, size=False)
    assert other.candidate.model.params != opened.candidate.model.params
    assert not any("overrides" in note for note in other.model_notes)


def test_without_a_shape_or_with_changed_values_the_fields_are_written(tmp_path: Path) -> None:
    path = folders(tmp_path)
    opened = open_candidate(path, live=False, size=False)
    _, frozen = save_candidate(tmp_path / "a.toml", opened.candidate, overwrite=False, original_text=opened.text)
    assert "params" in frozen  # no shape given: nothing is known to be filled, so all is written
    changed = replace(opened.candidate, model=replace(opened.candidate.model, layers=40))
    _, text = save_candidate(tmp_path / "b.toml", changed, overwrite=False, original_text=opened.text,
                             model_shape=opened.model_shape)
    assert parse_candidate(text).model.layers == 40  # the user's value, not the folder's 32
    assert "params" not in text  # the untouched ones are still left to `from`


def test_a_field_the_file_gave_stays_in_the_file(tmp_path: Path) -> None:
    path = folders(tmp_path)
    path.write_text(TEXT.replace('mode = "train"', 'mode = "train"\nlayers = 32'))
    opened = open_candidate(path, live=False, size=False)
    _, text = save_candidate(tmp_path / "c.toml", opened.candidate, overwrite=False, original_text=opened.text,
                             model_shape=opened.model_shape)
    assert parse_candidate(text).model.layers == 32 and "params" not in text


async def test_ctrl_s_on_the_dashboard_saves_the_same_way(tmp_path: Path) -> None:
    path = folders(tmp_path)
    expected = save_candidate(tmp_path / "session.toml", open_candidate(path, live=False, size=False).candidate,
                              overwrite=False, original_text=TEXT,
                              model_shape=open_candidate(path, live=False, size=False).model_shape)[1]
    app = build_app(_dashboard_parser().parse_args([str(path), "--export-dir", str(tmp_path / "v")]))
    app.live_inventory = False
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+s")
        app.screen.query_one("#path").value = str(tmp_path / "dashboard.toml")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert (tmp_path / "dashboard.toml").read_text() == expected
    assert "params" not in expected
