"""The dataset sizer's entry point: `size_dataset(name_or_path)` -> `core.datasize.DatasetSize`.

A local path is sized from its card, Arrow headers, parquet footers, file stats and bounded
samples; a hub name from the prepared cache, then the cached card, then (only with
`online=True` and a TCP probe that answers) the Hub's metadata under a deadline. No data file
is downloaded. `datasets` itself is never imported here (0.8 s, 140 MB): pyarrow, PyYAML and
`huggingface_hub`'s cache reader suffice (reference/dataset_sizing.md, section 8).
"""

from __future__ import annotations

import os
import time

from capstone_tui.core.datasize import ConfigSize, DatasetSize
from capstone_tui.core.errors import ValidationError
from capstone_tui.probes.dataset_card import read_card
from capstone_tui.probes.dataset_files import size_local
from capstone_tui.probes.dataset_hub import (
    cached_card,
    hub_card,
    looks_like_repo_id,
    offline_by_default,
    prepared_cache,
)

ACCEPTED = "must be a readable local folder or file, or a Hugging Face dataset id like 'org/name'"


def _choose(configs: list[ConfigSize], config: str | None) -> list[ConfigSize]:
    if config is None:
        return configs
    chosen = [c for c in configs if c.config == config]
    if not chosen:
        known = ", ".join(c.config for c in configs) or "none"
        raise ValidationError("--config", f"must be one of the dataset's configs ({known})", config)
    return chosen


def _size_path(path: str, config: str | None, deadline_s: float) -> tuple[list[ConfigSize], list[str], str]:
    if not os.access(path, os.R_OK):
        raise ValidationError("dataset", ACCEPTED, path, detail="the path is not readable")
    card = read_card(path) if os.path.isdir(path) else None
    warnings = list(card.problems) if card else []
    try:
        configs, found = size_local(path, card, config, budget_s=max(0.5, deadline_s - 1.0))
    except (OSError, ValueError) as err:  # unreadable or malformed data files (pyarrow.ArrowInvalid is a ValueError)
        reason = " ".join(str(err).split())[:160] or type(err).__name__
        raise ValidationError("dataset", ACCEPTED, path, detail=f"unreadable: {reason}") from None
    warnings.extend(found)
    if not configs:
        raise ValidationError("dataset", ACCEPTED, path,
                              detail="no data files (parquet, arrow, jsonl, csv, txt) and no card with sizes")
    source = "local file" if os.path.isfile(path) else "local folder"
    return configs, warnings, source


def _size_hub(name: str, online: bool, deadline_s: float) -> tuple[list[ConfigSize], list[str], str]:
    configs = prepared_cache(name)
    if configs:
        return configs, [], "prepared cache"
    card = cached_card(name)
    if card is not None and card.configs:
        return list(card.configs), ["card from the local hub cache (it may be an older revision)"], "hub cache card"
    if not online:
        raise ValidationError("dataset", ACCEPTED, name,
                              detail="offline and not cached (pass --online to ask the Hub)")
    hub, warnings = hub_card(name, deadline_s)
    if hub is None:
        raise ValidationError("dataset", ACCEPTED, name, detail="not cached and " + "; ".join(warnings))
    return list(hub.configs), warnings, "hub"


def size_dataset(name_or_path: str, config: str | None = None, *, online: bool = False,
                 deadline_s: float = 5.0) -> DatasetSize:
    """Size a dataset without downloading it. Raises ValidationError("dataset", ...) for a
    missing, unreadable, or offline-and-not-cached dataset, and ("--config", ...) for an
    unknown config."""
    started = time.monotonic()
    offline_by_default()  # online mode is set only around the Hub call itself (ask_hub)
    text = name_or_path.strip() if isinstance(name_or_path, str) else ""
    if not text:
        raise ValidationError("dataset", ACCEPTED, name_or_path)
    path = os.path.expanduser(text)
    if os.path.exists(path):
        configs, warnings, source = _size_path(path, config, deadline_s)
    elif looks_like_repo_id(text) and not text.startswith((".", "/", "~")):
        configs, warnings, source = _size_hub(text, online, deadline_s)
    else:
        raise ValidationError("dataset", ACCEPTED, text, detail="no such file or folder, and not a Hub id")
    chosen = _choose(configs, config)
    return DatasetSize(
        name=text,
        configs=tuple(chosen),
        warnings=tuple(warnings),
        source=source,
        elapsed_s=time.monotonic() - started,
    )
