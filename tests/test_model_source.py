"""Reading a model offline: a folder with real safetensors files (written by the `safetensors`
package, headers read back and checked against the library's own reader), the HF cache
(populated by `hf_hub_download` from a loopback stub), lying or huge headers, links and ids
that lead outside, and `[model] from` filling a candidate."""

from __future__ import annotations

import json
import math
import os
import struct
import time
from pathlib import Path

import pytest

from capstone_tui.core.candidate import parse_candidate
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.planner.shape import read_shape
from capstone_tui.probes.model_source import fill_model_from, read_model
from capstone_tui.probes.safetensors_header import read_header
from support.model_fixtures import LLAMA3_8B, MIXTRAL_8X7B, TINY_LLAMA, write_model_folder
from support.model_hubstub import ModelHubStub

TINY_PARAMS = read_shape(TINY_LLAMA).params


def library_count(path: Path) -> int:
    """What the safetensors library itself reads from the file's header."""
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        return sum(math.prod(f.get_slice(k).get_shape()) for k in f.keys())


def test_single_file_header_is_exact_and_agrees_with_the_library(tmp_path: Path) -> None:
    tensors = write_model_folder(tmp_path / "m", TINY_LLAMA, shards=1)
    counted = read_header(str(tmp_path / "m" / "model.safetensors"))
    assert counted.params == sum(a.size for a in tensors.values()) == library_count(tmp_path / "m" / "model.safetensors")
    assert counted.tensors == len(tensors) and counted.params_by_dtype == (("F16", counted.params),)
    read = read_model(str(tmp_path / "m"))
    assert read.source == "local folder"
    assert read.shape.params == TINY_PARAMS  # the headers and the config arithmetic agree exactly
    assert read.shape.params_how.startswith("safetensors headers (1 file")


def test_sharded_folder_counts_every_shard(tmp_path: Path) -> None:
    write_model_folder(tmp_path / "m", TINY_LLAMA, shards=3)
    read = read_model(str(tmp_path / "m"))
    assert read.shape.params == TINY_PARAMS
    assert read.shape.params_how.startswith("safetensors headers (3 files")
    assert sum(library_count(p) for p in (tmp_path / "m").glob("*.safetensors")) == TINY_PARAMS


def test_index_without_shards_uses_total_size(tmp_path: Path) -> None:
    write_model_folder(tmp_path / "m", TINY_LLAMA, shards=3)
    for shard in (tmp_path / "m").glob("*.safetensors"):
        shard.unlink()
    read = read_model(str(tmp_path / "m"))
    assert read.shape.params == TINY_PARAMS  # total_size / 2 B (bf16 per config torch_dtype)
    assert read.shape.params_how.startswith("safetensors index total_size")


def test_config_only_folder_uses_arithmetic_and_is_fast(tmp_path: Path) -> None:
    write_model_folder(tmp_path / "llama", LLAMA3_8B)
    started = time.monotonic()
    read = read_model(str(tmp_path / "llama"))
    assert time.monotonic() - started < 2.0
    assert read.shape.params == 8_030_261_248 and read.shape.params_how == "config arithmetic"


def _rewrite_header(path: Path, edit) -> None:
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    edit(header)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (n - len(text))  # same length: only the claim changes
    assert len(text) == n
    path.write_bytes(raw[:8] + text + raw[8 + n:])


def test_a_header_that_lies_about_a_shape_is_refused(tmp_path: Path) -> None:
    write_model_folder(tmp_path / "m", TINY_LLAMA, shards=1)
    path = tmp_path / "m" / "model.safetensors"
    _rewrite_header(path, lambda h: h["lm_head.weight"].__setitem__("shape", [512, 64]))
    with pytest.raises(ValidationError, match="data_offsets do not match"):
        read_model(str(tmp_path / "m"))
    from safetensors import SafetensorError

    with pytest.raises(SafetensorError):
        library_count(path)  # the library refuses the same file


def test_a_header_claiming_bytes_past_the_end_is_refused(tmp_path: Path) -> None:
    write_model_folder(tmp_path / "m", TINY_LLAMA, shards=1)
    path = tmp_path / "m" / "model.safetensors"
    path.write_bytes(path.read_bytes()[:-64])  # truncated: the last tensor's bytes are missing
    with pytest.raises(ValidationError, match="file holds"):
        read_header(str(path))


@pytest.mark.parametrize("length", [2**62, 100_000_001, 10_000])
def test_huge_or_overlong_header_lengths_are_refused_without_reading(tmp_path: Path, length: int) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(struct.pack("<Q", length) + b"{}")
    started = time.monotonic()
    with pytest.raises(ValidationError, match="header length"):
        read_header(str(path))
    assert time.monotonic() - started < 0.5


def test_links_and_index_entries_leading_outside_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps(LLAMA3_8B))
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").symlink_to(outside)
    with pytest.raises(ValidationError, match="inside"):
        read_model(str(tmp_path / "m"))
    write_model_folder(tmp_path / "n", TINY_LLAMA)
    (tmp_path / "n" / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": 8}, "weight_map": {"w": "../outside.safetensors"}}))
    with pytest.raises(ValidationError, match="inside the model folder"):
        read_model(str(tmp_path / "n"))


def test_a_fifo_config_is_refused_without_blocking(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    os.mkfifo(tmp_path / "m" / "config.json")
    with pytest.raises(ValidationError, match="regular file"):
        read_model(str(tmp_path / "m"))


def test_malformed_config_json_is_one_validation_error(tmp_path: Path) -> None:
    write_model_folder(tmp_path / "m", '{"model_type": "llama", "hidden_size": ')
    with pytest.raises(ValidationError, match="valid JSON"):
        read_model(str(tmp_path / "m"))


@pytest.mark.parametrize("name", ["org/../../etc", "../../etc/passwd", "a/b/c", "", "org/name\x00x"])
def test_ids_with_traversal_are_refused_before_any_cache_lookup(
        name: str, tmp_path: Path, empty_hf_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError) as caught:
        read_model(name)
    assert "\n" not in caught.value.message
    assert not (empty_hf_home / "hub").exists()  # nothing was created or looked up in the cache


def test_unknown_id_offline_says_where_it_looked(empty_hf_home: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    with pytest.raises(ValidationError) as caught:
        read_model("acme/not-cached")
    assert time.monotonic() - started < 2.0
    assert "models--acme--not-cached" in caught.value.message and "--online" in caught.value.message


def _populate_cache(home: Path, repo: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants
    from huggingface_hub import hf_hub_download

    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    with ModelHubStub({repo: files}) as hub:
        monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
        for name in files:
            hf_hub_download(repo, name, endpoint=hub.url, cache_dir=str(home / "hub"))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)


def test_hf_cache_is_read_offline_through_huggingface_hub(empty_hf_home: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    write_model_folder(tmp_path / "src", TINY_LLAMA, shards=3)
    _populate_cache(empty_hf_home, "acme/tiny-llama", tmp_path / "src", monkeypatch)
    monkeypatch.chdir(tmp_path)
    read = read_model("acme/tiny-llama")
    assert read.source == "hf cache" and "snapshots" in read.location
    assert read.shape.params == TINY_PARAMS and read.shape.params_how.startswith("safetensors headers (3 files")


def test_fill_model_from_fills_the_shape_and_explicit_fields_win(tmp_path: Path) -> None:
    write_model_folder(tmp_path / "models" / "mixtral", MIXTRAL_8X7B)
    candidate = parse_candidate('[model]\nfrom = "models/mixtral"\nlayers = 30\nmode = "infer"\n')
    filled, notes = fill_model_from(candidate, str(tmp_path))
    m = filled.model
    assert m.params == 46_702_792_704 and m.hidden == 4096 and m.heads == 32 and m.kv_heads == 8
    assert m.layers == 30  # the file's value
    assert any("model.layers = 30 from the file overrides 32" in n for n in notes)
    assert any("active per token" in n for n in notes)
    unchanged, none = fill_model_from(parse_candidate('[model]\nparams = 1e9\n'), str(tmp_path))
    assert none == [] and unchanged.model.params == 1e9


def test_fill_model_from_names_the_field_on_bad_input(tmp_path: Path, empty_hf_home: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError) as caught:
        fill_model_from(parse_candidate('[model]\nfrom = "acme/missing"\n'), str(tmp_path))
    assert caught.value.field == "model.from"


def test_unknown_architecture_is_counted_from_its_headers(tmp_path: Path) -> None:
    config = {**TINY_LLAMA, "model_type": "my-new-arch", "architectures": ["MyNewForCausalLM"]}
    write_model_folder(tmp_path / "m", config, shards=1)
    read = read_model(str(tmp_path / "m"))
    assert read.shape.params == TINY_PARAMS and read.shape.params_how.startswith("safetensors headers")
    assert read.shape.config_params is None  # the config alone would not have been counted


def test_deeply_nested_json_is_bad_input_not_a_crash(tmp_path: Path) -> None:
    write_model_folder(tmp_path / "m", "[" * 200_000 + "]" * 200_000)
    with pytest.raises(ValidationError, match="valid JSON"):
        read_model(str(tmp_path / "m"))
    path = tmp_path / "deep.safetensors"
    body = b"[" * 100_000
    path.write_bytes(struct.pack("<Q", len(body)) + body)
    with pytest.raises(ValidationError, match="not UTF-8 JSON"):
        read_header(str(path))
