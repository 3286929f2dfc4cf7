"""Fuzz the candidate parser: any text or TOML document gives a Candidate or a one-line
ValidationError that names a field; never another exception.

Structured documents are `tomli_w.dumps` of random dicts built from the real schema keys
(dataclass fields of core/candidate.py), with random value types, out-of-range numbers, NaN,
inf, huge integers, unknown keys and nested tables.
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

import tomli_w
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from capstone_tui.core.candidate import (
    AgentInputs, Candidate, DataInputs, ModelInputs, ScalingInputs, ServingInputs, dump_candidate,
    parse_candidate,
)
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.scaling import PMAX_LIMIT

SECTIONS = {"scaling": ScalingInputs, "data": DataInputs, "model": ModelInputs,
            "serving": ServingInputs, "agents": AgentInputs}
TOP_KEYS = {"name", "machine", *SECTIONS}
CHOICES = ["train", "infer", "bf16", "fp32", "fp8", "int4", "adamw", "adamw-8bit", "sgd-momentum",
           "none", "selective", "full", "zero", "hf", "this-node", "dgx-h100", "slurm:gpu"]
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),  # dropped below: TOML has no null
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.integers(min_value=-5, max_value=5),
    st.sampled_from([0, 1, -1, 2**62, 10**7, 10**7 + 1, 4096, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 1.0000001, -1e-300, 5e-324, 1e308, math.nan, math.inf, -math.inf]),
    st.sampled_from(CHOICES),
    st.text(max_size=12),
)
plausible = st.one_of(st.floats(0.0, 1.0), st.integers(1, 64), st.sampled_from([1, 2, 4, 8, 32, 4096])
                      .map(float), st.sampled_from(CHOICES), st.booleans())
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=3)),
    max_leaves=6,
)


def _section_body(kind: type) -> st.SearchStrategy[dict[str, Any]]:
    known = st.dictionaries(st.sampled_from([f.name for f in fields(kind)]),
                            st.one_of(plausible, plausible, values), max_size=6)
    unknown = st.dictionaries(st.text(min_size=1, max_size=8), values, min_size=1, max_size=1)
    extra = st.integers(0, 5).flatmap(lambda n: unknown if n == 0 else st.just({}))
    return st.tuples(known, extra).map(lambda kv: {**kv[1], **kv[0]})


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for section, kind in SECTIONS.items():
        if draw(st.booleans()):
            doc[section] = draw(_section_body(kind) if draw(st.integers(0, 5)) else values)
    if draw(st.booleans()):
        doc["name"] = draw(st.one_of(st.text(min_size=1, max_size=20), values))
    if draw(st.booleans()):
        doc["machine"] = draw(st.one_of(
            st.fixed_dictionaries({"reference": values}), values,
            st.dictionaries(st.sampled_from(["reference", "id", "x"]), values, max_size=2)))
    if draw(st.integers(0, 9)) == 0:
        doc[draw(st.text(min_size=1, max_size=8))] = draw(values)
    return doc


def _tomlable(value: Any) -> Any:
    """TOML cannot hold null: drop None values, as a user's file simply lacks them."""
    if isinstance(value, dict):
        return {k: _tomlable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_tomlable(v) for v in value if v is not None]
    return value


def _check_outcome(text: str, doc_keys: set[str] | None = None) -> Candidate | None:
    try:
        candidate = parse_candidate(text)
    except ValidationError as err:
        message = err.message
        assert message and "\n" not in message and "\r" not in message
        # The message leads with the field (whitespace inside a key is folded to keep one line).
        assert err.field and message.startswith(" ".join(err.field.split()))
        if doc_keys is not None:  # the field is a key of this document (or a path inside one)
            # a key may itself hold dots ("." is a valid quoted key): accept it whole or as a prefix
            assert err.field in doc_keys or err.field.split(".")[0] in doc_keys, (err.field, doc_keys)
        return None
    assert isinstance(candidate, Candidate)
    return candidate


def _check_valid(candidate: Candidate) -> None:
    sc = candidate.scaling
    assert 0.0 <= sc.s <= 1.0 and math.isfinite(sc.c) and sc.c >= 0.0 and 1 <= sc.pmax <= PMAX_LIMIT
    assert candidate.name.strip() and candidate.machine.strip()
    for number in (candidate.data.bytes, candidate.model.params, candidate.serving.rate_rps,
                   candidate.serving.capacity_rps, candidate.serving.latency_s, candidate.serving.latency_slo_s):
        assert number is None or (math.isfinite(number) and number >= 0)
    assert 0.0 < candidate.serving.utilization <= 1.0
    # A parsed candidate writes back to TOML that reads to the same candidate.
    assert parse_candidate(dump_candidate(candidate)) == candidate


@FUZZ
@given(documents())
@example({"scaling": {"s": math.nan}})
@example({"scaling": {"pmax": 2**63 - 1, "c": math.inf}})
@example({"model": {"params": 7e9, "hidden": 4096, "heads": 0}})
@example({"data": {"bytes": 1.0, "path": "x"}})
@example({"machine": {"reference": {"deep": {"er": 1}}}})
def test_structured_documents_parse_or_name_a_field(doc: dict[str, Any]):
    doc = _tomlable(doc)
    text = tomli_w.dumps(doc)
    candidate = _check_outcome(text, doc_keys=set(doc) | {"candidate"})
    if candidate is not None:
        assert set(doc) <= TOP_KEYS  # an unknown top-level key never passes
        _check_valid(candidate)


toml_fragments = st.sampled_from([
    "[scaling]\n", "[model]\n", "[data]\n", "[[scaling]]\n", "[scaling.s]\n", "s = 0.5\n", "s = nan\n",
    "c = -inf\n", "pmax = 99999999999999999999\n", "pmax = 0x10\n", "name = \"\"\"x\n", "name = 'a'\n",
    "bytes = 1e400\n", "params = 1_000\n", "dtype = \"bf16\"\n", "= 1\n", "a.b.c = 1\n", "\x00", "\ufeff",
    "reference = [1, 2]\n", "interacting = 1\n", "kv_heads = 3\n", "heads = 2\n", "hidden = 5\n", "#",
])


@FUZZ
@given(st.one_of(st.text(max_size=200), st.lists(toml_fragments, max_size=12).map("".join),
                 st.lists(st.one_of(toml_fragments, st.text(max_size=8)), max_size=10).map("".join)))
def test_random_text_parses_or_names_a_field(text: str):
    candidate = _check_outcome(text)
    if candidate is not None:
        _check_valid(candidate)


def test_bad_values_name_their_key():
    # Hand-written cases whose field is known without running the parser.
    cases = {
        "[scaling]\ns = 1.5\n": "scaling.s",
        "[scaling]\nc = nan\n": "scaling.c",
        "[scaling]\npmax = 0\n": "scaling.pmax",
        "[model]\ndtype = \"fp64\"\n": "model.dtype",
        "[serving]\nutilization = 0\n": "serving.utilization",
        "[agents]\ncolour = 1\n": "agents.colour",
        "bogus = 1\n": "bogus",
        "name = \n": "candidate",
    }
    for text, field in cases.items():
        try:
            parse_candidate(text)
        except ValidationError as err:
            assert err.field == field, (text, err.message)
        else:
            raise AssertionError(f"accepted {text!r}")
