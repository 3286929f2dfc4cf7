"""Hub names: the prepared cache (populated with `datasets`' own builder), the hub file cache
(populated by `hf_hub_download` from a loopback stub), the offline answer, and the online path
against loopback stubs (answering, missing, silent, closed). Never the real network."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from capstone_tui.core.errors import ValidationError
from capstone_tui.probes.datasets import size_dataset
from support.hubstub import HubStub, closed_endpoint, silent_endpoint
from support.sizer_data import Generated
from test_sizer_card import OLD_CARD

CLI = [sys.executable, "-m", "capstone_tui", "size"]


def _cli(args: list[str], home: Path, **env: str) -> tuple[subprocess.CompletedProcess, float]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE"))}
    started = time.monotonic()
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60,
                          env={**clean, "HF_HOME": str(home), **env})
    return done, time.monotonic() - started


def test_offline_and_not_cached_answers_fast(empty_hf_home: Path) -> None:
    # No HF_*_OFFLINE in the environment: offline must be the sizer's own default.
    done, took = _cli(["HuggingFaceFW/fineweb"], empty_hf_home, HF_ENDPOINT=closed_endpoint())
    assert done.returncode == 2
    assert "offline and not cached" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert took < 2.0


def test_prepared_cache_is_sized_offline_like_datasets(sizer_data: Generated, empty_hf_home: Path) -> None:
    import datasets

    cache = empty_hf_home / "datasets"
    files = {s: sorted(str(p) for p in (sizer_data.parquet / "data").glob(f"{s}-*")) for s in ("train", "test")}
    builder = datasets.load_dataset_builder("parquet", data_files=files, cache_dir=str(empty_hf_home / "build"))
    builder.download_and_prepare()
    prepared = Path(builder.cache_dir)
    target = cache / "acme___tiny_text" / "default" / prepared.parent.name / prepared.name
    target.parent.mkdir(parents=True)
    shutil.move(str(prepared), target)

    result = size_dataset("acme/TinyText")  # datasets snake-cases the name part
    (config,) = result.configs
    assert result.source == "prepared cache" and config.how == "exact:cache"
    ours = {s.split: (s.num_examples, s.num_bytes) for s in config.splits}
    assert ours["train"][0] == sizer_data.truth["train"][0]

    datasets.config.HF_HUB_OFFLINE = True
    theirs = datasets.load_dataset_builder("acme/TinyText", cache_dir=str(cache)).info
    assert ours == {k: (v.num_examples, v.num_bytes) for k, v in theirs.splits.items()}
    assert config.dataset_size == theirs.dataset_size and config.download_size == theirs.download_size
    assert result.measured().bytes == theirs.dataset_size


def test_cached_card_is_sized_offline(empty_hf_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants
    from huggingface_hub import hf_hub_download

    with HubStub({"acme/tiny-card": OLD_CARD}) as hub:
        monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
        hf_hub_download("acme/tiny-card", "README.md", repo_type="dataset", endpoint=hub.url,
                        cache_dir=str(empty_hf_home / "hub"))
    done, took = _cli(["acme/tiny-card", "--json"], empty_hf_home, HF_ENDPOINT=closed_endpoint())
    assert done.returncode == 0, done.stderr
    assert took < 2.0
    import json

    out = json.loads(done.stdout)
    assert out["configs"][0]["config"] == "plain_text"
    assert out["configs"][0]["how"] == "exact:card"
    assert out["configs"][0]["splits"] == [{"split": "train", "num_examples": 8013769, "num_bytes": 39769494896}]


def test_online_reads_card_metadata_from_the_hub(empty_hf_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    meta = {"dataset_info": [{"config_name": "a", "splits": [{"name": "train", "num_bytes": 10, "num_examples": 2}],
                              "dataset_size": 10}]}
    with HubStub({}, {"acme/remote": meta}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        with pytest.raises(ValidationError, match="offline and not cached"):
            size_dataset("acme/remote")  # offline by default: the stub is never asked
        assert hub.requests == []
        result = size_dataset("acme/remote", online=True)
        assert result.source == "hub" and result.configs[0].how == "exact:card"
        with pytest.raises(ValidationError, match="must exist on the Hub"):
            size_dataset("acme/missing", online=True)
    import huggingface_hub.constants

    assert huggingface_hub.constants.HF_HUB_OFFLINE is True  # back to offline after the call


def test_online_silent_or_closed_endpoint_respects_the_deadline(empty_hf_home: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    with silent_endpoint() as url:
        monkeypatch.setenv("HF_ENDPOINT", url)
        started = time.monotonic()
        with pytest.raises(ValidationError, match="did not answer"):
            size_dataset("acme/silent", online=True, deadline_s=1.5)
        assert time.monotonic() - started < 2.5
    monkeypatch.setenv("HF_ENDPOINT", closed_endpoint())
    started = time.monotonic()
    with pytest.raises(ValidationError, match="did not accept a connection"):
        size_dataset("acme/closed", online=True)
    assert time.monotonic() - started < 2.0
