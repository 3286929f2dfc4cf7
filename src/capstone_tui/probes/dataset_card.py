"""Dataset cards: sizes from a README's YAML `dataset_info` (old and new formats) and a
legacy `dataset_infos.json`, plus the card's `configs[].data_files` mapping.

Formats handled (reference/dataset_sizing.md, section 4): `dataset_info` as a dict (one
config) or a list (several, each with `config_name`; missing -> `default`); `splits` as a list
of `{name, num_bytes, num_examples}` or as a dict keyed by split; float byte counts.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from capstone_tui.core.datasize import UNKNOWN, ConfigSize, SplitSize

CARD_HOW = "exact:card"


@dataclass(frozen=True)
class Card:
    """What a card says: sizes per config and the data-file patterns per config and split."""

    configs: tuple[ConfigSize, ...]
    data_files: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...]  # config -> split -> patterns
    source: str
    problems: tuple[str, ...] = ()

    def files_for(self, config: str) -> dict[str, tuple[str, ...]] | None:
        for name, splits in self.data_files:
            if name == config:
                return dict(splits)
        return None


def front_matter(text: str) -> dict[str, Any] | None:
    """The YAML block between the leading `---` lines of a README, parsed; None if absent."""
    import yaml  # ~15 ms; only needed when a card exists

    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            loaded = yaml.safe_load("\n".join(lines[1:end]))
            return loaded if isinstance(loaded, dict) else None
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _splits(raw: Any) -> list[dict[str, Any]]:
    if isinstance(raw, dict):  # {train: {name, num_bytes, num_examples}} (old dataset_infos.json)
        return [dict(v, name=v.get("name", k)) for k, v in raw.items() if isinstance(v, dict)]
    if isinstance(raw, list):
        return [s for s in raw if isinstance(s, dict)]
    return []


def config_from_info(info: dict[str, Any], default_name: str, how: str) -> ConfigSize:
    """One ConfigSize from a `dataset_info`-shaped dict (card YAML or `dataset_info.json`)."""
    splits = []
    for raw in _splits(info.get("splits")):
        rows = _number(raw.get("num_examples"))
        size = _number(raw.get("num_bytes"))
        splits.append(SplitSize(
            split=str(raw.get("name", "train")),
            num_examples=None if rows is None else int(rows),
            num_bytes=size,
            examples_how=how if rows is not None else UNKNOWN,
            bytes_how=how if size is not None else UNKNOWN,
        ))
    dataset_size = _number(info.get("dataset_size"))
    if dataset_size is None and splits and all(s.num_bytes is not None for s in splits):
        dataset_size = sum(s.num_bytes for s in splits if s.num_bytes is not None)
    download = _number(info.get("download_size"))
    return ConfigSize(
        config=str(info.get("config_name") or default_name),
        splits=tuple(splits),
        download_size=download,
        dataset_size=dataset_size,
        download_how=how if download is not None else UNKNOWN,
        dataset_how=how if dataset_size is not None else UNKNOWN,
    )


def _patterns(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, str))
    return ()


def _data_files(meta: dict[str, Any]) -> tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...]:
    out = []
    for entry in meta.get("configs") or []:
        if not isinstance(entry, dict):
            continue
        name = str(entry.get("config_name") or "default")
        raw = entry.get("data_files")
        data_dir = entry.get("data_dir")
        splits: list[tuple[str, tuple[str, ...]]] = []
        if isinstance(raw, (str, list)) and all(not isinstance(v, dict) for v in _as_list(raw)):
            splits.append(("train", _patterns(raw)))
        elif isinstance(raw, list):
            for item in raw:
                if isinstance(item, dict):
                    splits.append((str(item.get("split", "train")), _patterns(item.get("path"))))
        elif isinstance(raw, dict):
            splits.extend((str(k), _patterns(v)) for k, v in raw.items())
        elif isinstance(data_dir, str):
            splits.append(("*", (data_dir.rstrip("/") + "/**",)))
        out.append((name, tuple(splits)))
    return tuple(out)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def card_from_text(text: str, source: str) -> Card | None:
    """A Card from README text; None when it has no YAML front matter."""
    try:
        meta = front_matter(text)
    except Exception as err:  # yaml.YAMLError and friends: the card is unreadable, not fatal
        return Card((), (), source, (f"card YAML could not be parsed ({type(err).__name__})",))
    if meta is None:
        return None
    return card_from_meta(meta, source)


def card_from_meta(meta: dict[str, Any], source: str) -> Card:
    """A Card from parsed card metadata (README YAML, or the Hub's `cardData`)."""
    infos = meta.get("dataset_info")
    raw_list = infos if isinstance(infos, list) else [infos] if isinstance(infos, dict) else []
    configs = [config_from_info(i, "default", CARD_HOW) for i in raw_list if isinstance(i, dict)]
    return Card(tuple(configs), _data_files(meta), source)


def read_card(folder: str) -> Card | None:
    """The card in a folder: README.md YAML, else a legacy dataset_infos.json; None if neither."""
    readme = os.path.join(folder, "README.md")
    card = None
    if os.path.isfile(readme):
        with open(readme, encoding="utf-8", errors="replace") as handle:
            card = card_from_text(handle.read(), readme)
    if card is not None and card.configs:
        return card
    legacy = os.path.join(folder, "dataset_infos.json")
    if os.path.isfile(legacy):
        try:
            with open(legacy, encoding="utf-8") as handle:
                raw = json.load(handle)
        except (OSError, ValueError):
            raw = None
        if isinstance(raw, dict):
            configs = tuple(
                config_from_info(info, str(name), CARD_HOW) for name, info in raw.items() if isinstance(info, dict)
            )
            return Card(configs, card.data_files if card else (), legacy)
    return card
