"""Offline and online Hub lookups in two real threads at once, as the dashboard runs them (the
sizer's dataset tab offline, the models tab online with ctrl+l): the offline lookups never reach
the loopback Hub stub and the online ones always do, however the two interleave. Never the
real network."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from capstone_tui.core.errors import ValidationError
from capstone_tui.probes.datasets import size_dataset
from capstone_tui.probes.model_source import read_model
from support.hubstub import HubStub
from support.model_hubstub import ModelHubStub

META = {"dataset_info": [{"config_name": "a", "splits": [{"name": "train", "num_bytes": 10, "num_examples": 2}],
                          "dataset_size": 10}]}
ONLINE_ROUNDS = 30


def _race(online_call: Any, offline_calls: list[Any]) -> tuple[list[str], int]:
    """Run `online_call` ONLINE_ROUNDS times in one thread while another thread loops over the
    offline calls until the online thread is done; (online failures, offline lookups made)."""
    failures: list[str] = []
    offline_errors: list[str] = []
    done = threading.Event()
    offline_count = 0

    def offline() -> None:
        nonlocal offline_count
        while not done.is_set():
            for call in offline_calls:
                try:
                    call()
                except ValidationError as err:
                    if "offline" not in err.message and "local cache" not in err.message:
                        offline_errors.append(err.message)
                else:
                    offline_errors.append("an offline lookup answered from an empty cache")
                offline_count += 1

    def online() -> None:
        try:
            for _ in range(ONLINE_ROUNDS):
                try:
                    online_call()
                except ValidationError as err:
                    failures.append(err.message)
        finally:
            done.set()

    threads = [threading.Thread(target=offline, name="race-offline"),
               threading.Thread(target=online, name="race-online")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    assert offline_errors == []
    return failures, offline_count


def test_offline_dataset_lookups_never_switch_an_online_one(empty_hf_home: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with HubStub({}, {"acme/remote": META}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        failures, offline_count = _race(
            lambda: size_dataset("acme/remote", online=True, deadline_s=20.0),
            [lambda: size_dataset("acme/offline-only"), lambda: read_model("acme/offline-model")])
        asked = list(hub.requests)
    assert failures == []  # the online lookup was never refused or switched to offline
    assert offline_count >= ONLINE_ROUNDS  # the two really overlapped
    assert not [r for r in asked if "offline" in r]  # the offline lookups never reached the stub
    assert len([r for r in asked if "acme/remote" in r]) == ONLINE_ROUNDS  # the online one, every time


def test_offline_model_lookups_never_switch_an_online_one(empty_hf_home: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    config = b'{"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, ' \
             b'"intermediate_size": 128, "vocab_size": 1000}'
    with ModelHubStub({"acme/remote-model": {"config.json": config}}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        cache = empty_hf_home / "hub"

        def online() -> None:
            read = read_model("acme/remote-model", online=True, deadline_s=20.0)
            assert read.source == "hub"
            for found in cache.glob("models--acme--remote-model"):  # fetch again next round
                shutil.rmtree(found)

        failures, offline_count = _race(online, [lambda: read_model("acme/offline-model"),
                                                 lambda: size_dataset("acme/offline-only")])
        asked = list(hub.requests)
    assert failures == []
    assert offline_count >= ONLINE_ROUNDS
    assert not [r for r in asked if "offline" in r]
    assert len([r for r in asked if "acme/remote-model" in r and "config.json" in r]) >= ONLINE_ROUNDS


def test_online_mode_holds_its_flag_for_the_whole_call_and_restores_it(empty_hf_home: Path) -> None:
    import huggingface_hub.constants as constants

    from capstone_tui.probes.dataset_hub import online_mode, set_offline

    before = constants.HF_HUB_OFFLINE
    inside, release = threading.Event(), threading.Event()
    seen: list[bool] = []

    def hold() -> None:
        with online_mode(5.0):
            inside.set()
            release.wait(10)
            seen.append(constants.HF_HUB_OFFLINE)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(10)
    with pytest.raises(ValidationError):
        size_dataset("acme/offline-only")  # an offline lookup meanwhile: answers, flips nothing
    with pytest.raises(TimeoutError):
        with online_mode(0.2):  # a second online call waits its turn, bounded
            pass
    flipper = threading.Thread(target=set_offline, args=(True,))
    flipper.start()  # an explicit process-wide switch waits for the online call to end
    time.sleep(0.2)
    assert constants.HF_HUB_OFFLINE is False and flipper.is_alive()
    release.set()
    holder.join(10)
    flipper.join(10)
    assert seen == [False] and constants.HF_HUB_OFFLINE is True
    constants.HF_HUB_OFFLINE = before
