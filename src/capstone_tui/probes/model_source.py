"""Read a model the way the dataset sizer reads a dataset: offline first.

`MODEL` is a local folder (config.json, plus model.safetensors.index.json or *.safetensors
headers when present), a Hub id found in the local Hugging Face cache (`huggingface_hub`'s
`try_to_load_from_cache`, no network), or, with `online=True`, a Hub id fetched under a deadline
(probes/model_hub.py). Every file opened must resolve inside the given folder or the repo's
cache folder; anything else is refused. `fill_model_from` fills a candidate's `[model]` shape.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from capstone_tui.core.dtypes import DTYPE_BYTES, FLOAT_DTYPES
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.planner.shape import FILLED_FIELDS, ModelShape, read_shape, with_header_count
from capstone_tui.core.units import MIB
from capstone_tui.probes.dataset_hub import hub_cache, looks_like_repo_id, offline_by_default
from capstone_tui.probes.safetensors_header import HeaderCount, read_header

FIELD = "MODEL"
CONFIG_LIMIT = 4 * MIB  # a config.json is a few kB; larger is not a config
INDEX_LIMIT = 64 * MIB  # index files of the largest public models are a few MB
MAX_SHARDS = 4096
INDEX = "model.safetensors.index.json"
SINGLE = "model.safetensors"


@dataclass(frozen=True)
class ModelRead:
    """A model's id, where it was read from, its config and its counted shape."""

    id: str
    source: str  # "local folder" | "hf cache" | "hub"
    location: str
    shape: ModelShape
    notes: tuple[str, ...] = ()


def _inside(root: str, path: str) -> str:
    """`path` resolved, refused unless it stays inside `root` (symbolic links followed)."""
    real = os.path.realpath(path)
    if os.path.commonpath([root, real]) != root:
        raise ValidationError(FIELD, f"must only name files inside {root}", os.path.basename(path),
                              detail="a link leads outside it")
    return real


def read_json(root: str, path: str, limit: int, what: str) -> Any:
    real = _inside(root, path)
    if not os.path.isfile(real):  # a FIFO or a device would block or never end
        raise ValidationError(FIELD, f"must hold a regular file {what}", path)
    try:
        with open(real, "rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as err:
        raise ValidationError(FIELD, f"must hold a readable {what}", path, detail=err.strerror or "") from None
    if len(raw) > limit:
        raise ValidationError(what, f"must be under {limit // 2**20} MiB", path)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise ValidationError(what, "must be valid JSON", path, detail=str(err)[:80]) from None


def _shard_names(index: Any) -> list[str]:
    if not isinstance(index, dict) or not isinstance(index.get("weight_map"), dict):
        raise ValidationError(INDEX, "must be an object with a weight_map")
    names = sorted({v for v in index["weight_map"].values() if isinstance(v, str)})
    if len(names) > MAX_SHARDS:
        raise ValidationError(INDEX, f"must name at most {MAX_SHARDS} shard files", len(names))
    for name in names:
        if os.path.isabs(name) or ".." in name.split("/") or not name.endswith(".safetensors"):
            raise ValidationError(INDEX, "must name .safetensors files inside the model folder", name)
    return names


def _index_count(index: dict[str, Any], shape: ModelShape) -> tuple[int, str] | None:
    total = (index.get("metadata") or {}).get("total_size") if isinstance(index.get("metadata"), dict) else None
    if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
        return None
    element = int(DTYPE_BYTES[shape.dtype]) if shape.dtype in FLOAT_DTYPES else None
    if element is None:
        return None
    return total // element, f"safetensors index total_size ({total:,} B) / {element} B per {shape.dtype} parameter"


def _count_files(root: str, folder: str, names: list[str]) -> tuple[int, str] | None:
    """Exact counts from every shard's header, when every shard is present locally."""
    paths = [os.path.join(folder, n) for n in names]
    if not paths or not all(os.path.isfile(p) for p in paths):
        return None
    counts: list[HeaderCount] = [read_header(_inside(root, p)) for p in paths]
    params = sum(c.params for c in counts)
    return params, f"safetensors headers ({len(counts)} file{'s' if len(counts) > 1 else ''}, {sum(c.tensors for c in counts):,} tensors)"


def _with_weights(shape: ModelShape, root: str, find: Any) -> tuple[ModelShape, list[str]]:
    """The shape with parameters from headers or the index, where the files allow."""
    notes: list[str] = []
    counted: tuple[int, str] | None = None
    index_path = find(INDEX)
    if index_path:
        index = read_json(root, index_path, INDEX_LIMIT, INDEX)
        counted = _count_files(root, os.path.dirname(index_path), _shard_names(index))
        if counted is None:
            counted = _index_count(index, shape)
            if counted is not None:
                notes.append("shards not all present locally: parameters from the index's byte total")
    else:
        single = find(SINGLE)
        if single:
            counted = _count_files(root, os.path.dirname(single), [SINGLE])
    if counted is None:
        return shape, notes
    return with_header_count(shape, counted[0], counted[1]), notes


def _finish(name: str, source: str, location: str, config: Any, root: str, find: Any) -> ModelRead:
    shape = read_shape(config)
    if isinstance(config, dict) and "quantization_config" in config:
        return ModelRead(name, source, location, shape, ("quantized checkpoint: header element counts are "
                                                          "packed, so parameters come from the config",))
    shape, notes = _with_weights(shape, root, find)
    return ModelRead(name, source, location, shape, tuple(notes))


def read_local(path: str) -> ModelRead:
    """A model folder on disk (or a path to its config.json)."""
    folder = os.path.realpath(os.path.dirname(path) if os.path.basename(path) == "config.json" else path)
    config_path = os.path.join(folder, "config.json")
    if not os.path.lexists(config_path):
        raise ValidationError(FIELD, "must be a model folder holding config.json, or a Hub id org/name", path,
                              detail=f"no config.json in {folder}")
    config = read_json(folder, config_path, CONFIG_LIMIT, "config.json")

    def find(filename: str) -> str | None:
        candidate = os.path.join(folder, filename)
        return candidate if os.path.isfile(candidate) else None

    return _finish(path, "local folder", folder, config, folder, find)


def repo_folder(repo_id: str) -> str:
    return os.path.join(hub_cache(), "models--" + repo_id.replace("/", "--"))


def read_cached(repo_id: str) -> ModelRead | None:
    """A Hub id from the local cache only (no network); None when its config is not cached."""
    offline_by_default()
    from huggingface_hub import try_to_load_from_cache  # ~0.1 s; reads only the local cache

    cache = hub_cache()
    root = os.path.realpath(repo_folder(repo_id))

    def find(filename: str) -> str | None:
        try:
            found = try_to_load_from_cache(repo_id, filename, cache_dir=cache)
        except Exception:  # an invalid id or an unreadable cache: not cached
            return None
        return found if isinstance(found, str) and os.path.isfile(found) else None

    config_path = find("config.json")
    if config_path is None:
        return None
    config = read_json(root, config_path, CONFIG_LIMIT, "config.json")
    return _finish(repo_id, "hf cache", os.path.dirname(config_path), config, root, find)


def read_model(name: str, *, online: bool = False, deadline_s: float = 10.0) -> ModelRead:
    """A folder, a cached Hub id, or (online) a Hub id; anything else is a ValidationError."""
    if not name or "\x00" in name:
        raise ValidationError(FIELD, "must be a model folder or a Hub id org/name", name)
    if os.path.isdir(name) or os.path.basename(name) == "config.json" and os.path.isfile(name):
        return read_local(name)
    if not looks_like_repo_id(name):
        raise ValidationError(FIELD, "must be an existing model folder or a Hub id like org/name "
                              "(letters, digits, '-', '_', '.'; no '..')", name)
    cached = read_cached(name)
    if cached is not None:
        return cached
    if not online:
        raise ValidationError(FIELD, "must be a local folder or a Hub id in the local cache (offline)", name,
                              detail=f"looked in ./{name} and {repo_folder(name)}; add --online to ask the Hub")
    from capstone_tui.probes.model_hub import read_hub  # only online

    return read_hub(name, deadline_s)


def model_to_json(read: ModelRead, dtype: str) -> dict[str, Any]:
    """The `plan --json` `model` object."""
    s = read.shape
    return {
        "id": read.id, "source": read.source, "location": read.location,
        "params": s.params, "params_how": s.params_how, "active_params": s.active_params,
        "config_params": s.config_params, "layers": s.layers, "hidden": s.hidden, "heads": s.heads,
        "kv_heads": s.kv_heads, "head_dim": s.head_dim, "intermediate": s.intermediate, "vocab": s.vocab,
        "experts": s.experts, "experts_per_token": s.experts_per_token, "tied_embeddings": s.tied_embeddings,
        "max_positions": s.max_positions, "model_type": s.model_type, "architecture": s.architecture,
        "checkpoint_dtype": s.dtype, "dtype": dtype, "largest_layer_params": s.largest_layer_params,
        "notes": [*s.notes, *read.notes],
    }



def fill_model_from(candidate: Any, base_dir: str, *, online: bool = False) -> tuple[Any, list[str]]:
    """A candidate whose `[model] from` (a folder, relative to `base_dir`, or a Hub id) fills the
    shape fields it leaves unset; fields the file gives override the model's, and the notes say so."""
    from dataclasses import fields, replace

    from capstone_tui.core.candidate import check_model_shape

    model = candidate.model
    source = getattr(model, "from_", None)
    if not source:
        return candidate, []
    local = source if os.path.isabs(source) else os.path.join(base_dir, source)
    try:
        read = read_model(local if os.path.isdir(local) else source, online=online)
    except ValidationError as err:
        raise ValidationError("model.from", err.accepted, err.got, detail=err.detail) from None
    shape = read.shape
    known = {f.name for f in fields(model)}
    found = shape.candidate_fields()
    filled: dict[str, Any] = {}
    notes = [f"model from {source} ({read.source}): {shape.params_how}"]
    for name in FILLED_FIELDS:
        if name not in known or found[name] is None:
            continue
        given = getattr(model, name)
        if given is None:
            filled[name] = found[name]
        elif given != found[name]:
            notes.append(f"model.{name} = {given:g} from the file overrides {found[name]:g} from {source}")
    if shape.params is None:
        notes.append(f"{source}: parameters not counted ({shape.model_type or shape.architecture or '?'}); "
                     "give model.params")
    if shape.experts and shape.active_params is not None:
        notes.append(f"{source}: mixture-of-experts, {shape.active_params:,} of {shape.params:,} parameters "
                     "active per token; memory holds all of them")
    filled_model = check_model_shape(replace(model, **filled))
    return replace(candidate, model=filled_model), notes
