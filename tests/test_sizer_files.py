"""The sizer on local data the tests generate: parquet shards, JSON lines, CSV, a
`save_to_disk` folder, single files, mixed folders; truth computed by pyarrow and `datasets`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from capstone_tui.core.errors import ValidationError
from capstone_tui.probes.datasets import size_dataset
from support.sizer_data import Generated, text_table

# Documented bounds (probes/dataset_sample.py and reference/dataset_sizing.md, section 3):
# a 1 MiB head probe on unordered text predicts rows and Arrow bytes within +-5 %;
# row-group uncompressed sizes track Arrow bytes of plain text within a few %.
SAMPLE_BOUND = 0.05
PARQUET_BYTES_BOUND = 0.05


def _splits(result) -> dict:
    (config,) = result.configs
    return {s.split: s for s in config.splits}


def test_parquet_rows_exact_from_footers(sizer_data: Generated) -> None:
    result = size_dataset(str(sizer_data.parquet))
    splits = _splits(result)
    assert set(splits) == {"train", "test"}
    for name, (rows, arrow) in sizer_data.truth.items():
        assert splits[name].num_examples == rows
        assert splits[name].examples_how == "exact:parquet-footer"
        assert splits[name].bytes_how == "est:parquet-uncompressed"
        assert abs(splits[name].num_bytes / arrow - 1) < PARQUET_BYTES_BOUND
    on_disk = sum(p.stat().st_size for p in sizer_data.parquet.rglob("*.parquet"))
    assert result.configs[0].download_size == on_disk
    assert result.configs[0].download_how == "exact:stat"
    assert splits["train"].files == 3
    assert result.elapsed_s < 2.0


def test_jsonl_estimate_within_documented_bound(sizer_data: Generated) -> None:
    splits = _splits(size_dataset(str(sizer_data.jsonl)))
    for name, (rows, arrow) in sizer_data.jsonl_truth.items():
        got = splits[name]
        assert got.examples_how.startswith("est:sample(head")
        assert abs(got.num_examples / rows - 1) < SAMPLE_BOUND, (name, got.num_examples, rows)
        assert abs(got.num_bytes / arrow - 1) < SAMPLE_BOUND, (name, got.num_bytes, arrow)
        assert got.file_bytes == (sizer_data.jsonl / f"{name}.jsonl").stat().st_size


def test_csv_estimate_within_documented_bound(sizer_data: Generated) -> None:
    import pyarrow.csv as pcsv

    truth = pcsv.read_csv(sizer_data.csv / "train.csv")
    got = _splits(size_dataset(str(sizer_data.csv)))["train"]
    assert abs(got.num_examples / truth.num_rows - 1) < SAMPLE_BOUND
    assert abs(got.num_bytes / truth.nbytes - 1) < SAMPLE_BOUND


def test_small_text_file_is_parsed_whole_and_exact(tmp_path: Path) -> None:
    import pyarrow.json as pj

    path = tmp_path / "train.jsonl"
    rows = text_table(2_000, 7).to_pylist()
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    got = _splits(size_dataset(str(path)))["train"]
    assert got.examples_how == "exact:parsed"
    assert got.num_examples == 2_000
    assert got.num_bytes == pj.read_json(path).nbytes


def test_save_to_disk_counts_from_arrow_files(sizer_data: Generated) -> None:
    import datasets

    result = size_dataset(str(sizer_data.saved))
    loaded = datasets.load_from_disk(str(sizer_data.saved))
    splits = _splits(result)
    for name in ("train", "test"):
        assert splits[name].num_examples == loaded[name].num_rows
        assert splits[name].examples_how == "exact:arrow-ipc"
        assert splits[name].num_bytes == loaded[name].data.nbytes


def test_save_to_disk_ignores_stale_dataset_info(sizer_data: Generated, tmp_path: Path) -> None:
    import datasets

    full = datasets.load_from_disk(str(sizer_data.saved / "train"))
    small = full.select(range(1000)).filter(lambda r: r["label"] == 1)
    target = tmp_path / "filtered"
    small.save_to_disk(str(target))
    info = json.loads((target / "dataset_info.json").read_text())
    result = size_dataset(str(target))
    (split,) = result.configs[0].splits
    assert split.num_examples == small.num_rows < 1000
    assert info.get("splits") is None or split.num_examples != info["splits"]["train"]["num_examples"]


def test_single_parquet_file(sizer_data: Generated) -> None:
    path = sizer_data.parquet / "data" / "test-00000-of-00001.parquet"
    got = _splits(size_dataset(str(path)))["train"]
    assert got.num_examples == sizer_data.truth["test"][0]
    assert got.file_bytes == path.stat().st_size


def test_keyword_splits_and_mixed_formats(sizer_data: Generated, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    (folder / "validation").mkdir(parents=True)
    shutil.copy(sizer_data.parquet / "data" / "test-00000-of-00001.parquet", folder / "validation" / "part0.parquet")
    shutil.copy(sizer_data.parquet / "data" / "train-00000-of-00003.parquet", folder / "my_train.parquet")
    (folder / "notes.csv").write_text("a,b\n1,2\n")
    result = size_dataset(str(folder))
    splits = _splits(result)
    assert set(splits) == {"train", "validation"}
    assert splits["validation"].num_examples == sizer_data.truth["test"][0]
    assert any("mixed formats" in w for w in result.warnings)


def test_missing_and_unreadable_paths_are_validation_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as missing:
        size_dataset(str(tmp_path / "nope" / "x"))
    assert missing.value.field == "dataset"
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "train.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ValidationError, match="unreadable"):
        size_dataset(str(tmp_path / "bad"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValidationError, match="no data files"):
        size_dataset(str(tmp_path / "empty"))
