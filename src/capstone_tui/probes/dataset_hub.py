"""Hub names: the two local caches first (prepared Arrow cache, hub file cache card), then,
only when allowed and a short TCP probe answers, the Hub's metadata under a hard deadline.

Offline mode is the default: `HF_HUB_OFFLINE`/`HF_DATASETS_OFFLINE` are set (unless the user
set them) before `huggingface_hub` is imported, which reads them at import; without it a missing
dataset costs 23 s to 6.5 min of retries (reference/dataset_sizing.md, section 1). Offline
lookups never flip the libraries' process-wide flag: they use the per-call cache reader
`try_to_load_from_cache`, which never opens a connection. The one flip left, online for the
duration of an online call (the library's request hook checks a module constant, there is no
per-call switch), happens in `online_mode`, under one module lock held for the whole call, and
restores the previous value; so two lookups in two threads cannot change each other's mode.
Cache folders are read from the environment at each
call (`HF_HOME`, `HF_DATASETS_CACHE`, `HF_HUB_CACHE`), so tests can point them at a tmp dir.
"""

from __future__ import annotations

import glob
import json
import os
import re
import socket
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator
from urllib.parse import urlparse

from capstone_tui.core.datasize import ConfigSize
from capstone_tui.core.errors import ValidationError
from capstone_tui.probes.dataset_card import Card, card_from_meta, card_from_text, config_from_info

DEFAULT_ENDPOINT = "https://huggingface.co"
REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")
_LOCK = threading.Lock()  # held by an online call for its whole duration (see online_mode)
_OFFLINE_FLAGS = (("huggingface_hub.constants", "HF_HUB_OFFLINE"), ("datasets.config", "HF_HUB_OFFLINE"))


def looks_like_repo_id(name: str) -> bool:
    return bool(REPO_ID.match(name)) and ".." not in name and not name.endswith((".", "-"))


def hf_home() -> str:
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.expanduser(os.environ.get("HF_HOME") or os.path.join(xdg, "huggingface"))


def datasets_cache() -> str:
    return os.path.expanduser(os.environ.get("HF_DATASETS_CACHE") or os.path.join(hf_home(), "datasets"))


def hub_cache() -> str:
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    return os.path.expanduser(explicit or os.path.join(hf_home(), "hub"))


def endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def offline_by_default() -> None:
    """Offline as the HF libraries' default, through the environment they read at import (an
    explicit user setting wins). Never touches a library already loaded: no other call is switched."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


def _swap_flags(offline: bool) -> dict[str, bool]:
    """Set the loaded libraries' offline constants; their previous values, by module."""
    previous = {}
    for module_name, attr in _OFFLINE_FLAGS:
        module = sys.modules.get(module_name)
        if module is not None:
            previous[module_name] = getattr(module, attr)
            setattr(module, attr, offline)
    return previous


def _restore_flags(previous: dict[str, bool]) -> None:
    for module_name, attr in _OFFLINE_FLAGS:
        module = sys.modules.get(module_name)
        if module is not None and module_name in previous:
            setattr(module, attr, previous[module_name])


def set_offline(offline: bool) -> None:
    """The HF libraries' process-wide mode: env before their import, module constants after.
    Waits for an online call in flight (it holds the lock) so its mode is never switched."""
    with _LOCK:
        if offline:
            offline_by_default()
        _swap_flags(offline)


@contextmanager
def online_mode(wait_s: float) -> Iterator[None]:
    """Online for the body only: takes the module lock (waiting at most `wait_s` for another
    online call), imports huggingface_hub (~0.2 s), clears its offline flag, and restores the
    previous value after. Offline lookups never take the lock (they never flip anything)."""
    if not _LOCK.acquire(timeout=max(0.0, wait_s)):
        raise TimeoutError(f"another online Hub lookup was still running after {wait_s:.1f} s")
    try:
        offline_by_default()  # the default the flag returns to, if this is the first import
        import huggingface_hub  # noqa: F401  (~0.2 s; only when the network is allowed)

        previous = _swap_flags(False)
        try:
            yield
        finally:
            _restore_flags(previous)
    finally:
        _LOCK.release()


def _snake(name: str) -> str:
    """datasets.naming.camelcase_to_snakecase, copied to avoid the 0.8 s `datasets` import."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z\d])([A-Z])", r"\1_\2", name).lower()


def prepared_cache(name: str) -> list[ConfigSize]:
    """Configs of a dataset an earlier `load_dataset` prepared: its `dataset_info.json` files
    (the newest per config, as `datasets`' Cache builder picks), exact:cache."""
    parts = name.split("/")
    parts[-1] = _snake(parts[-1])
    root = os.path.join(datasets_cache(), "___".join(parts))
    configs = []
    for config_dir in sorted(glob.glob(os.path.join(root, "*"))):
        infos = glob.glob(os.path.join(config_dir, "*", "*", "dataset_info.json"))
        if not infos:
            continue
        newest = max(infos, key=os.path.getmtime)
        try:
            with open(newest, encoding="utf-8") as handle:
                info = json.load(handle)
        except (OSError, ValueError):
            continue
        if isinstance(info, dict):
            info = {**info, "config_name": os.path.basename(config_dir)}
            configs.append(config_from_info(info, os.path.basename(config_dir), "exact:cache"))
    return configs


def cached_card(name: str) -> Card | None:
    """The dataset card in the hub file cache (it may be an older revision), if any."""
    offline_by_default()
    from huggingface_hub import try_to_load_from_cache  # ~0.1 s; reads only the local cache

    try:
        path = try_to_load_from_cache(name, "README.md", cache_dir=hub_cache(), repo_type="dataset")
    except Exception:  # an invalid id or an unreadable cache: treat as not cached
        return None
    if not isinstance(path, str) or not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8", errors="replace") as handle:
        return card_from_text(handle.read(), path)


def tcp_probe(url: str, timeout_s: float = 1.5) -> bool:
    """True when the endpoint's host accepts a TCP connection within the timeout."""
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname or "", port), timeout=timeout_s):
            return True
    except OSError:
        return False


def ask_hub(work: Callable[[float], Any], deadline_s: float, started: float, name: str) -> dict[str, Any]:
    """Run `work(seconds_left)` against the Hub in a daemon thread, online only for its duration.

    Returns {"value": ...}, {"error": exception} or {} when the deadline passed first (the thread
    is then abandoned; it keeps the lock until `work`, bounded by its own timeout, returns).
    """
    box: dict[str, Any] = {}

    def left() -> float:
        return deadline_s - (time.monotonic() - started)

    def ask() -> None:
        try:
            with online_mode(left()):
                box["value"] = work(max(0.5, left()))
        except BaseException as err:  # classified by the caller; nothing escapes the thread
            box["error"] = err

    worker = threading.Thread(target=ask, name=name, daemon=True)
    worker.start()
    worker.join(max(0.1, deadline_s - (time.monotonic() - started)))
    return {} if worker.is_alive() else box


def _classify(err: BaseException, name: str) -> ValidationError | str:
    """A Hub failure as a user error (not found, gated, bad name) or a warning (unreachable)."""
    chain: list[BaseException] = []
    seen: BaseException | None = err
    while seen is not None and len(chain) < 8:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    kinds = {type(e).__name__ for e in chain}
    if "GatedRepoError" in kinds:
        return ValidationError("dataset", "must be accessible: gated on the Hub, ask for access and log in", name)
    if kinds & {"RepositoryNotFoundError", "DatasetNotFoundError", "RevisionNotFoundError"}:
        return ValidationError("dataset", "must exist on the Hub (not found, or private without a token)", name)
    if "HFValidationError" in kinds:
        return ValidationError("dataset", "must be a Hub id like 'org/name'", name)
    return f"the Hub did not answer ({type(err).__name__})"


def hub_card(name: str, deadline_s: float) -> tuple[Card | None, list[str]]:
    """The Hub's card metadata for a name, online, within `deadline_s` seconds overall."""
    url = endpoint()
    started = time.monotonic()
    if not tcp_probe(url, min(1.5, deadline_s)):
        return None, [f"offline: {urlparse(url).hostname} did not accept a connection within {min(1.5, deadline_s):g} s"]
    def card_meta(left: float) -> dict[str, Any]:
        from huggingface_hub import HfApi

        info = HfApi(endpoint=url).dataset_info(name, expand=["cardData"], timeout=left)
        return info.card_data.to_dict() if info.card_data is not None else {}

    box = ask_hub(card_meta, deadline_s, started, "sizer-hub")
    if not box:
        return None, [f"the Hub did not answer within {deadline_s:.0f} s"]
    if "error" in box:
        verdict = _classify(box["error"], name)
        if isinstance(verdict, ValidationError):
            raise verdict
        return None, [verdict]
    card = card_from_meta(box.get("value") or {}, f"{url}/datasets/{name}")
    if not card.configs:
        return None, ["the Hub's card has no dataset_info sizes"]
    return card, []
