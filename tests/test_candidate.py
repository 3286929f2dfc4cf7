"""The candidate-file schema (core/candidate.py): SPEC's example parses, bad keys are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from capstone_tui.core.candidate import Candidate, dump_candidate, parse_candidate
from capstone_tui.core.errors import ValidationError

SPEC_EXAMPLE = '''
name = "Dedupe a 4 TB web-crawl slice"
[scaling]
s = 0.05
c = 0.002
pmax = 4096
[data]
bytes = 4.0e12
[model]
params = 7.0e9
mode = "train"
dtype = "bf16"
optimizer = "adamw"
layers = 32
hidden = 4096
heads = 32
kv_heads = 32
seq_len = 4096
micro_batch = 1
recompute = "none"
kv_tokens = 0
[serving]
rate_rps = 30.0
capacity_rps = 12.0
utilization = 0.7
latency_slo_s = 0.5
latency_s = 0.3
[agents]
count = 1
interacting = false
[machine]
reference = "this-node"
'''


def test_spec_example_parses_and_round_trips() -> None:
    cand = parse_candidate(SPEC_EXAMPLE)
    assert cand.data.bytes == 4e12 and cand.model.params == 7e9 and cand.serving.rate_rps == 30.0
    assert cand.model.accounting == "zero" and cand.machine == "this-node"
    assert parse_candidate(dump_candidate(cand)) == cand


def test_empty_file_is_all_defaults() -> None:
    assert parse_candidate("") == Candidate()


def test_examples_round_trip() -> None:
    for path in (Path(__file__).resolve().parent.parent / "examples").glob("*.toml"):
        cand = parse_candidate(path.read_text(), source=path.name)
        assert parse_candidate(dump_candidate(cand)) == cand
        assert cand.machine != "this-node"  # examples name a preset: reproducible verdicts


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("[model]\nheads = 3\nhidden = 4096\n", "model.heads"),
        ("[model]\nheads = 32\nkv_heads = 5\n", "model.kv_heads"),
        ("[model]\nlayers = 2.5\n", "model.layers"),
        ("[model]\naccounting = \"both\"\n", "model.accounting"),
        ("[data]\nbytes = 1\npath = \"x\"\n", "data"),
        ("[data]\nconfig = \"en\"\n", "data.config"),
        ("[agents]\ninteracting = 1\n", "agents.interacting"),
        ("[agents]\ncount = 0\n", "agents.count"),
        ("[scaling]\nc = nan\n", "scaling.c"),
        ("[serving]\nrate_rps = true\n", "serving.rate_rps"),
        ("model = 3\n", "model"),
        ("[machine]\nid = \"x\"\n", "machine.id"),
    ],
)
def test_bad_values_name_the_key(text: str, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_candidate(text)
    assert err.value.field == field
    assert "\n" not in err.value.message
