"""Dataset cards the tests write: old format (`config_name`), `dataset_info` as a list, a
modern `push_to_hub` card, a legacy `dataset_infos.json`, float bytes, and stale cards."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from capstone_tui.probes.datasets import size_dataset
from support.sizer_data import Generated

# The old card format, as published for openwebtext in huggingface/datasets at commit
# 040102f100964a33fd334e2695f1c493fa6b92db (datasets/openwebtext/README.md).
OLD_CARD = """---
pretty_name: OpenWebText
dataset_info:
  features:
  - name: text
    dtype: string
  config_name: plain_text
  splits:
  - name: train
    num_bytes: 39769494896
    num_examples: 8013769
  download_size: 12880027468
  dataset_size: 39769494896
---
# OpenWebText
"""

LIST_CARD = """---
dataset_info:
- config_name: en
  splits:
  - name: train
    num_bytes: 1000.5
    num_examples: 10
  - name: test
    num_bytes: 200
    num_examples: 2
  download_size: 700
  dataset_size: 1200.5
- config_name: de
  splits:
  - name: train
    num_bytes: 3000
    num_examples: 30
  download_size: 900
  dataset_size: 3000
---
"""

MODERN_CARD = """---
dataset_info:
  features:
  - name: id
    dtype: int64
  - name: text
    dtype: string
  splits:
  - name: train
    num_bytes: {train_bytes}
    num_examples: {train_rows}
  - name: test
    num_bytes: {test_bytes}
    num_examples: {test_rows}
  download_size: 123
  dataset_size: {total}
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train-*
  - split: test
    path: data/test-*
---
"""


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text(text)
    return folder


def test_old_format_card_only(tmp_path: Path) -> None:
    result = size_dataset(str(_write(tmp_path / "owt", OLD_CARD)))
    (config,) = result.configs
    assert config.config == "plain_text"
    assert config.how == "exact:card"
    assert config.splits[0].num_examples == 8013769
    assert config.dataset_size == 39769494896
    assert config.download_size == 12880027468
    assert result.warnings == ()
    assert result.measured().bytes == 39769494896 and result.measured().how == "exact:card"


def test_list_card_reports_every_config_with_float_bytes(tmp_path: Path) -> None:
    result = size_dataset(str(_write(tmp_path / "multi", LIST_CARD)))
    assert [c.config for c in result.configs] == ["en", "de"]
    assert all(c.how == "exact:card" for c in result.configs)
    en = result.configs[0]
    assert en.dataset_size == 1200.5 and {s.split for s in en.splits} == {"train", "test"}
    only_de = size_dataset(str(tmp_path / "multi"), "de")
    assert [c.config for c in only_de.configs] == ["de"]
    assert only_de.to_json()["configs"][0]["dataset_size"] == 3000


def test_modern_card_only_and_legacy_infos_json(tmp_path: Path) -> None:
    card = MODERN_CARD.format(train_bytes=50, train_rows=5, test_bytes=10, test_rows=1, total=60)
    result = size_dataset(str(_write(tmp_path / "modern", card)))
    (config,) = result.configs
    assert config.config == "default" and config.how == "exact:card"
    assert [(s.split, s.num_examples) for s in config.splits] == [("train", 5), ("test", 1)]
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "dataset_infos.json").write_text(json.dumps({"cfg": {
        "splits": {"train": {"name": "train", "num_bytes": 77, "num_examples": 7}},
        "download_size": 40, "dataset_size": 77}}))
    (config,) = size_dataset(str(legacy)).configs
    assert (config.config, config.splits[0].num_examples, config.how) == ("cfg", 7, "exact:card")


def test_card_agreeing_with_files_stays_exact_card(sizer_data: Generated, tmp_path: Path) -> None:
    folder = tmp_path / "agree"
    shutil.copytree(sizer_data.parquet, folder)
    (tr, trb), (te, teb) = sizer_data.truth["train"], sizer_data.truth["test"]
    _write(folder, MODERN_CARD.format(train_bytes=trb, train_rows=tr, test_bytes=teb, test_rows=te, total=trb + teb))
    result = size_dataset(str(folder))
    (config,) = result.configs
    assert result.warnings == ()
    assert config.dataset_how == "exact:card" and config.dataset_size == trb + teb
    train = config.splits[0]
    assert train.file_bytes == sum(p.stat().st_size for p in (folder / "data").glob("train-*"))


def test_stale_card_is_flagged_and_files_win(sizer_data: Generated, tmp_path: Path) -> None:
    folder = tmp_path / "stale"
    shutil.copytree(sizer_data.parquet, folder)
    _write(folder, MODERN_CARD.format(train_bytes=999, train_rows=180000, test_bytes=10, test_rows=20000, total=1009)
           .replace("  download_size", "  - name: unsupervised\n    num_bytes: 5\n    num_examples: 1\n  download_size"))
    result = size_dataset(str(folder))
    (config,) = result.configs
    splits = {s.split: s for s in config.splits}
    assert splits["train"].num_examples == sizer_data.truth["train"][0]
    assert splits["train"].examples_how == "exact:parquet-footer"
    assert splits["test"].examples_how == "exact:card"
    assert any("card stale" in w and "train" in w for w in result.warnings)
    assert any("unsupervised" in w and "no files" in w for w in result.warnings)
    assert config.dataset_how != "exact:card"
