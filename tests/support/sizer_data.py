"""Generated datasets for the sizer tests: text rows written as parquet shards, JSON lines,
CSV and a `save_to_disk` folder, with the truth (rows, Arrow bytes) computed by pyarrow from
the same table. Generated once per session (module-level cache) in a pytest tmp dir.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

TRAIN_ROWS = 200_000
TEST_ROWS = 20_000


@dataclass(frozen=True)
class Generated:
    root: Path
    parquet: Path  # data/train-0000i-of-00003.parquet + data/test-00000-of-00001.parquet
    jsonl: Path  # train.jsonl + test.jsonl
    csv: Path  # train.csv
    saved: Path  # Dataset.save_to_disk of a DatasetDict (train, test)
    truth: dict[str, tuple[int, int]]  # split -> (rows, Arrow bytes of the pyarrow table)
    jsonl_truth: dict[str, tuple[int, int]]  # split -> (rows, Arrow bytes as pyarrow.json reads it)


def text_table(rows: int, seed: int):
    """`id` int64, `text` Zipf words with heavy-tailed (lognormal) lengths, `label` int8, shuffled."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}{'x' * (i % 7)}" for i in range(5000)])
    lengths = np.clip(rng.lognormal(2.5, 0.9, rows).astype(int), 1, 400)
    words = vocab[np.minimum(rng.zipf(1.3, lengths.sum()) - 1, len(vocab) - 1)]
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    texts = [" ".join(words[bounds[i]:bounds[i + 1]]) for i in range(rows)]
    return pa.table({
        "id": pa.array(np.arange(rows, dtype=np.int64)),
        "text": pa.array(texts, pa.string()),
        "label": pa.array(rng.integers(0, 5, rows).astype(np.int8)),
    })


def write_parquet_shards(table, folder: Path, split: str, shards: int, row_group: int = 10_000) -> None:
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    step = -(-table.num_rows // shards)
    for i in range(shards):
        part = table.slice(i * step, step)
        pq.write_table(part, folder / f"{split}-{i:05d}-of-{shards:05d}.parquet", row_group_size=row_group)


def _write_jsonl(table, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for row in table.to_pylist():
            handle.write(json.dumps(row) + "\n")


_CACHE: dict[str, Generated] = {}


def generate(root: Path) -> Generated:
    if "g" in _CACHE:
        return _CACHE["g"]
    import pyarrow.csv as pcsv
    import pyarrow.json as pj

    train, test = text_table(TRAIN_ROWS, 1), text_table(TEST_ROWS, 2)
    parquet = root / "parquet"
    write_parquet_shards(train, parquet / "data", "train", 3)
    write_parquet_shards(test, parquet / "data", "test", 1)
    jsonl = root / "jsonl"
    jsonl.mkdir()
    _write_jsonl(train, jsonl / "train.jsonl")
    _write_jsonl(test, jsonl / "test.jsonl")
    csv = root / "csv"
    csv.mkdir()
    pcsv.write_csv(train, csv / "train.csv")
    saved = root / "saved"
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import datasets  # ~0.8 s; only to write a real save_to_disk folder

    datasets.DatasetDict({
        "train": datasets.Dataset(train.slice(0, 50_000)),
        "test": datasets.Dataset(test),
    }).save_to_disk(str(saved))
    jsonl_truth = {s: (t.num_rows, t.nbytes) for s, t in
                   (("train", pj.read_json(jsonl / "train.jsonl")), ("test", pj.read_json(jsonl / "test.jsonl")))}
    _CACHE["g"] = Generated(root, parquet, jsonl, csv, saved,
                            {"train": (train.num_rows, train.nbytes), "test": (test.num_rows, test.nbytes)},
                            jsonl_truth)
    return _CACHE["g"]


@pytest.fixture(scope="session")
def sizer_data(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """The generated datasets (made once per session)."""
    return generate(tmp_path_factory.mktemp("sizer-data")) if "g" not in _CACHE else _CACHE["g"]


@pytest.fixture
def empty_hf_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HF caches pointed at an empty tmp dir, offline, no endpoint reachable."""
    home = tmp_path / "hf"
    home.mkdir()
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.delenv("HF_DATASETS_CACHE", raising=False)
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    return home
