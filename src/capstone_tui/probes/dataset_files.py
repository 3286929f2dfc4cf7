"""Local datasets: find the data files of a folder, assign them to splits the way `datasets`
does, size each file, and merge the result with the folder's card (flagging a stale card).

`save_to_disk` folders are counted from the Arrow files their `state.json` lists (their
`dataset_info.json` can be stale: reference/dataset_sizing.md, section 2).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from capstone_tui.core.datasize import UNKNOWN, ConfigSize, SplitSize, combine_how, is_exact, total_split_bytes
from capstone_tui.probes.dataset_card import Card
from capstone_tui.probes.dataset_sample import FileSize, arrow_size, parquet_size, text_size

FORMATS = {
    ".parquet": "parquet", ".arrow": "arrow", ".jsonl": "json", ".ndjson": "json", ".json": "json",
    ".csv": "csv", ".tsv": "tsv", ".txt": "text",
}
COMPRESSED = (".gz", ".zst", ".bz2", ".xz", ".zip", ".tar")
# Split keywords and separators as in datasets.data_files (SPLIT_KEYWORDS, NON_WORDS_CHARS).
SPLIT_KEYWORDS = {
    "train": ("train", "training"),
    "validation": ("validation", "valid", "dev", "val"),
    "test": ("test", "testing", "eval", "evaluation"),
}
_TOKENS = re.compile(r"[-._ 0-9]+")
_SHARD = re.compile(r"^(?P<split>\w+)-\d{5}-of-\d{5}")


def data_files(folder: str) -> list[str]:
    """Every candidate data file under a folder (hidden and `__`-prefixed entries skipped)."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        for name in sorted(files):
            if name.startswith((".", "__")) or name in ("README.md", "dataset_infos.json"):
                continue
            if name.endswith(COMPRESSED) or os.path.splitext(name)[1].lower() in FORMATS:
                found.append(os.path.join(root, name))
    return found


def one_format(files: list[str], warnings: list[str]) -> list[str]:
    """Only the most common format, as `datasets` does for a folder; the rest is flagged."""
    kinds: dict[str, list[str]] = {}
    for f in files:
        kinds.setdefault(FORMATS.get(os.path.splitext(f)[1].lower(), "compressed"), []).append(f)
    if len(kinds) <= 1:
        return files
    chosen = max(kinds, key=lambda k: len(kinds[k]))
    others = sorted(k for k in kinds if k != chosen)
    warnings.append(f"mixed formats: sized the {chosen} files, left out {', '.join(others)}")
    return kinds[chosen]


def split_of(relative: str) -> str | None:
    """The split a relative path names by keyword (a dir or a filename token), else None."""
    for split, words in SPLIT_KEYWORDS.items():
        for part in Path(relative).parts:
            if any(token in words for token in _TOKENS.split(os.path.splitext(part)[0])):
                return split
    return None


def assign_splits(folder: str, files: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """split -> files by `datasets`' rules: `<split>-NNNNN-of-NNNNN` names, then split keywords,
    else everything is `train`. Returns the mapping and the files no rule placed."""
    relative = {f: os.path.relpath(f, folder) for f in files}
    shards = {f: _SHARD.match(os.path.basename(f)) for f in files}
    if files and all(shards.values()):
        out: dict[str, list[str]] = {}
        for f, match in shards.items():
            out.setdefault(match.group("split") if match else "train", []).append(f)
        return out, []
    keyed = {f: split_of(relative[f]) for f in files}
    if not any(keyed.values()):
        return ({"train": list(files)} if files else {}), []
    out = {}
    for f, split in keyed.items():
        if split:
            out.setdefault(split, []).append(f)
    return out, [f for f, split in keyed.items() if not split]


def files_from_patterns(folder: str, patterns: tuple[str, ...]) -> list[str]:
    """Files matching a card's `data_files` glob patterns, relative to the folder."""
    base = Path(folder)
    found: set[str] = set()
    for pattern in patterns:
        if pattern.startswith(("hf://", "http://", "https://", "/")):
            continue
        found.update(str(p) for p in base.glob(pattern) if p.is_file())
    return sorted(found)


def size_file(path: str, deadline: float | None = None) -> FileSize:
    """One file sized by its format (compressed text: bytes on disk only)."""
    ext = os.path.splitext(path)[1].lower()
    fmt = FORMATS.get(ext)
    if fmt == "parquet":
        return parquet_size(path)
    if fmt == "arrow":
        return arrow_size(path)
    if fmt is not None:
        return text_size(path, fmt, deadline=deadline)
    stat = os.stat(path).st_size
    return FileSize(path, None, None, UNKNOWN, UNKNOWN, stat, 0, "compressed: rows and memory not probed")


def split_from_files(split: str, sized: list[FileSize]) -> SplitSize:
    """Sum of a split's files: a figure is exact only when every file's figure is."""
    rows = None if any(f.num_examples is None for f in sized) else sum(f.num_examples or 0 for f in sized)
    nbytes = None if any(f.num_bytes is None for f in sized) else float(sum(f.num_bytes or 0 for f in sized))
    return SplitSize(
        split=split,
        num_examples=rows,
        num_bytes=nbytes,
        examples_how=combine_how([f.examples_how for f in sized]) if rows is not None else UNKNOWN,
        bytes_how=combine_how([f.bytes_how for f in sized]) if nbytes is not None else UNKNOWN,
        file_bytes=sum(f.file_bytes for f in sized),
        files=len(sized),
    )


def config_from_files(config: str, splits: dict[str, list[FileSize]]) -> ConfigSize:
    """A config sized from its files alone; download size = bytes of the files (exact:stat)."""
    order = {name: i for i, name in enumerate(SPLIT_KEYWORDS)}
    names = sorted(splits, key=lambda n: (order.get(n, len(order)), n))
    sized = tuple(split_from_files(name, splits[name]) for name in names)
    total, how = total_split_bytes(sized)
    on_disk = sum(s.file_bytes or 0 for s in sized)
    return ConfigSize(config, sized, float(on_disk), total, "exact:stat", how)


def merge_with_card(card_config: ConfigSize, files: ConfigSize | None, warnings: list[str]) -> ConfigSize:
    """Card figures (exact:card) unless an exact count from the files disagrees: then the files
    win and the card is flagged stale. Splits only one side knows are kept and flagged."""
    if files is None or not files.splits:
        return card_config
    by_name = {s.split: s for s in files.splits}
    merged: list[SplitSize] = []
    stale = False
    for card_split in card_config.splits:
        found = by_name.pop(card_split.split, None)
        if found is None:
            warnings.append(f"card lists split '{card_split.split}' of config '{card_config.config}' "
                            "but no files for it were found")
            merged.append(card_split)
            continue
        if (found.num_examples is not None and is_exact(found.examples_how)
                and card_split.num_examples is not None and found.num_examples != card_split.num_examples):
            stale = True
            warnings.append(f"card stale: {card_config.config}/{card_split.split} card says "
                            f"{card_split.num_examples} rows, files hold {found.num_examples} "
                            f"[{found.examples_how}]")
            merged.append(found)
        else:
            merged.append(SplitSize(card_split.split, card_split.num_examples, card_split.num_bytes,
                                    card_split.examples_how, card_split.bytes_how, found.file_bytes, found.files))
    for extra in by_name.values():
        warnings.append(f"split '{extra.split}' has files but is not in the card")
        merged.append(extra)
    splits = tuple(merged)
    if stale or len(splits) != len(card_config.splits):
        total, how = total_split_bytes(splits)
        return ConfigSize(card_config.config, splits, files.download_size, total, files.download_how, how)
    return ConfigSize(card_config.config, splits, card_config.download_size, card_config.dataset_size,
                      card_config.download_how, card_config.dataset_how)


def size_saved_folder(folder: str) -> tuple[ConfigSize, list[str]] | None:
    """A `save_to_disk` folder (DatasetDict or Dataset) from its Arrow files; None if not one."""
    dict_file = os.path.join(folder, "dataset_dict.json")
    if os.path.isfile(dict_file):
        with open(dict_file, encoding="utf-8") as handle:
            names = json.load(handle).get("splits") or []
        parts = [(str(name), os.path.join(folder, str(name))) for name in names]
    elif os.path.isfile(os.path.join(folder, "state.json")):
        parts = [("", folder)]
    else:
        return None
    splits: dict[str, list[FileSize]] = {}
    warnings: list[str] = []
    for name, path in parts:
        state_file = os.path.join(path, "state.json")
        if not os.path.isfile(state_file):
            warnings.append(f"split '{name}' has no state.json: skipped")
            continue
        with open(state_file, encoding="utf-8") as handle:
            state = json.load(handle)
        split = name or str(state.get("_split") or "train")
        listed = [os.path.join(path, d["filename"]) for d in state.get("_data_files") or [] if "filename" in d]
        splits[split] = [arrow_size(f) for f in listed]
    return config_from_files("default", splits), warnings


def size_local(path: str, card: Card | None, config: str | None, budget_s: float) -> tuple[list[ConfigSize], list[str]]:
    """Every config of a local folder (or one file): card and files merged."""
    deadline = time.monotonic() + budget_s
    warnings: list[str] = []
    if os.path.isfile(path):
        return [config_from_files("default", {"train": [size_file(path, deadline)]})], warnings
    saved = size_saved_folder(path)
    if saved is not None:
        return [saved[0]], saved[1]
    from_files: dict[str, ConfigSize] = {}
    card_names = [c.config for c in card.configs] if card else []
    mapped = [name for name, _ in card.data_files] if card else []
    names = list(dict.fromkeys([*mapped, *card_names])) or ["default"]
    if config is not None and config in names:
        names = [config]
    for name in names:
        patterns = card.files_for(name) if card else None
        if patterns is not None:
            splits = {split: files_from_patterns(path, pats) for split, pats in patterns.items()}
            splits = {s: f for s, f in splits.items() if f}
        elif name == "default" or len(names) == 1:
            files = one_format(data_files(path), warnings)
            splits, unplaced = assign_splits(path, files)
            if unplaced:
                warnings.append(f"{len(unplaced)} file(s) match no split name and were left out")
        else:
            splits = {}
        if splits:
            sized = {split: [size_file(f, deadline) for f in files] for split, files in splits.items()}
            from_files[name] = config_from_files(name, sized)
    configs = []
    card_configs = {c.config: c for c in card.configs} if card else {}
    for name in names:
        if name in card_configs:
            configs.append(merge_with_card(card_configs[name], from_files.get(name), warnings))
        elif name in from_files:
            configs.append(from_files[name])
    return configs, warnings
