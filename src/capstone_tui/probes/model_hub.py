"""A Hub id fetched online under a deadline: config.json through `hf_hub_download` (into the
local cache, so the next offline run finds it) and the safetensors headers through
`HfApi.get_safetensors_metadata` (one ranged read of each shard's first 100 kB, never the whole
weights). A short TCP probe first; a thread that outlives the deadline is abandoned.
"""

from __future__ import annotations

import os
import time
from typing import Any

from capstone_tui.core.errors import ValidationError
from capstone_tui.core.planner.shape import read_shape, with_header_count
from capstone_tui.probes.dataset_hub import ask_hub, endpoint, hub_cache, tcp_probe
from capstone_tui.probes.model_source import CONFIG_LIMIT, FIELD, ModelRead, read_json, repo_folder


def _hub_error(err: BaseException, repo_id: str) -> ValidationError | None:
    kinds: set[str] = set()
    seen: BaseException | None = err
    while seen is not None and len(kinds) < 8:
        kinds.add(type(seen).__name__)
        seen = seen.__cause__ or seen.__context__
    if "GatedRepoError" in kinds:
        return ValidationError(FIELD, "must be accessible: gated on the Hub, ask for access and log in", repo_id)
    if kinds & {"RepositoryNotFoundError", "RevisionNotFoundError", "EntryNotFoundError", "RemoteEntryNotFoundError"}:
        return ValidationError(FIELD, "must be a Hub model with a config.json (not found, or private)", repo_id)
    if "SafetensorsParsingError" in kinds:
        return ValidationError("safetensors header", "must be a valid safetensors header", repo_id, detail=str(err)[:100])
    return None


def read_hub(repo_id: str, deadline_s: float) -> ModelRead:
    """config.json and the safetensors headers from the Hub, within `deadline_s` overall."""
    url = endpoint()
    started = time.monotonic()
    if not tcp_probe(url, min(1.5, deadline_s)):
        raise ValidationError(FIELD, "must be cached locally when the Hub is unreachable", repo_id,
                              detail=f"{url} did not accept a connection within {min(1.5, deadline_s):g} s")

    def fetch(left: float) -> tuple[str, Any]:
        from huggingface_hub import HfApi, hf_hub_download

        config = hf_hub_download(repo_id, "config.json", cache_dir=hub_cache(), endpoint=url, etag_timeout=left)
        try:
            meta = HfApi(endpoint=url).get_safetensors_metadata(repo_id, timeout=left)
        except Exception as err:  # no safetensors: config arithmetic only
            if type(err).__name__ != "NotASafetensorsRepoError":
                raise
            meta = None
        return config, meta

    box = ask_hub(fetch, deadline_s, started, "model-hub")
    if not box:
        raise ValidationError(FIELD, f"must answer within the {deadline_s:g} s deadline", repo_id,
                              detail="the Hub did not answer in time")
    if "error" in box:
        verdict = _hub_error(box["error"], repo_id)
        raise verdict or ValidationError(FIELD, "must be reachable on the Hub", repo_id,
                                         detail=type(box["error"]).__name__)
    config_path, meta = box["value"]
    root = os.path.realpath(repo_folder(repo_id))
    config = read_json(root, config_path, CONFIG_LIMIT, "config.json")
    shape = read_shape(config)
    if meta is not None and "quantization_config" not in config:
        files = meta.files_metadata.values()
        params = sum(sum(f.parameter_count.values()) for f in files)
        shape = with_header_count(shape, params, f"safetensors headers ({len(meta.files_metadata)} file"
                                  f"{'s' if len(meta.files_metadata) > 1 else ''}, read from the Hub)")
    return ModelRead(repo_id, "hub", f"{url}/{repo_id}", shape, ())
