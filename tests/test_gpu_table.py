"""The GPU table: exact identities (NVML names, Slurm GRES tokens), MiB as drivers report them,
a source per row; unknown types get no figure; `[machine] accelerator_gb` supplies one."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from capstone_tui.core.assessment import assess
from capstone_tui.core.candidate import Candidate, ModelInputs, parse_candidate
from capstone_tui.core.gpu_table import ACCELERATOR_SETTING, GPU_TABLE, MIB, lookup_gpu, lookup_gres_types
from capstone_tui.core.machine import (ACCEL_CONTEXT_BYTES, ACCEL_USABLE_FRACTION, machine_from_host,
                                       machine_from_node_type, with_accelerator_gb)
from capstone_tui.core.presets import preset

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support.fake_nvml import C_SOURCE  # noqa: E402

# The GRES type tokens of issue 12, with the MiB the driver reports for that part.
GRES_EXPECTED = {
    "a100": 40960, "a100_40gb": 40960, "a100-40gb": 40960, "a100-80gb": 81920, "a100_80gb": 81920,
    "h100": 81559, "h100nvl": 95830, "h100_nvl": 95830, "h200": 143771, "b200": 183359,
    "l4": 23034, "l40": 46068, "l40s": 46068, "v100": 16160, "v100_16gb": 16160, "v100-32gb": 32480,
    "mi250x": 65536, "mi300x": 196608, "t4": 15360, "a40": 46068, "a10g": 23028,
}
# NVML product names as drivers report them.
NVML_EXPECTED = {
    "NVIDIA H100 80GB HBM3": 81559, "NVIDIA A100-SXM4-40GB": 40960, "NVIDIA A100-SXM4-80GB": 81920,
    "NVIDIA L40S": 46068, "NVIDIA H200": 143771, "NVIDIA B200": 183359, "NVIDIA H100 NVL": 95830,
    "NVIDIA L4": 23034, "Tesla T4": 15360, "Tesla V100-SXM2-16GB": 16160,
}


def fake_nvml_names() -> set[str]:
    """Every product name the fake libnvidia-ml.so.1 can report (its nvmlDeviceGetName)."""
    body = re.search(r"nvmlDeviceGetName\(.*?\{(.*?)\n", C_SOURCE, re.S)
    assert body is not None
    names = set(re.findall(r'"([^"]+)"', body.group(1)))
    assert names, "the fake library reports no name"
    return names


@pytest.mark.parametrize("token,mib", sorted(GRES_EXPECTED.items()))
def test_every_gres_token_of_the_issue_has_its_own_row(token: str, mib: int) -> None:
    row = lookup_gpu(token)
    assert row is not None and row.mib == mib, (token, row)
    assert lookup_gpu(token.upper()) is row  # case does not matter; separators '-' '_' alike
    assert lookup_gpu(token.replace("_", "-")) is row


@pytest.mark.parametrize("name,mib", sorted(NVML_EXPECTED.items()))
def test_nvml_names_resolve_exactly(name: str, mib: int) -> None:
    row = lookup_gpu(name)
    assert row is not None and row.mib == mib and row.bytes == mib * MIB


def test_no_substring_matches() -> None:
    # the old guesses: l40 -> 24 GB (matched "l4"), a100_40gb -> 80 GB, v100_16gb -> 32 GB
    assert lookup_gpu("l40").mib != lookup_gpu("l4").mib  # type: ignore[union-attr]
    for unknown in ("l40x", "xl4", "a100x", "nvidia", "h100 81gb", "gpu", "", "3g.40gb", "fake",
                    "NVIDIA H100 80GB HBM3 (MIG 1g.10gb)", "rtx"):
        assert lookup_gpu(unknown) is None, unknown


def test_every_row_has_a_source_and_a_basis() -> None:
    for row in GPU_TABLE:
        assert row.mib > 0 and row.source.strip() and (row.nvml or row.gres)
        assert row.basis in ("nvidia-smi", "inferred", "nominal", "lower_bound")


def test_every_name_the_fake_nvml_reports_is_in_the_table() -> None:
    for name in fake_nvml_names():
        assert lookup_gpu(name) is not None, name


def test_the_names_the_fake_library_really_reports_through_nvml(fake_nvml: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKE_NVML", "CUDA_VISIBLE"))}
    env["LD_LIBRARY_PATH"] = str(fake_nvml)
    done = subprocess.run([sys.executable, "-m", "capstone_tui", "inventory", "--json", "--no-slurm"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    devices = json.loads(done.stdout)["gpus"]["devices"]
    assert devices
    for device in devices:
        assert lookup_gpu(device["name"]) is not None, device["name"]


def test_presets_resolve_their_gpus_through_the_table() -> None:
    for machine_id, mib in (("dgx-h100", 81559), ("dgx-h200", 143771), ("dgx-b200", 183359),
                            ("aws-p5-48xlarge", 81559), ("workstation-h100", 81559)):
        m = preset(machine_id)
        assert m is not None and m.accelerator_total_bytes == mib * MIB
        assert m.accelerator_confidence == "table"
        assert any(f"{mib} MiB" in source for source in m.sources)


# --- Slurm node types ---------------------------------------------------------------------------


def slurm(gpu_type: str | None, gpus: int = 4):
    return machine_from_node_type("gpu", 2, 64, 512e9, gpu_type, gpus)


def test_known_gres_type_is_table_not_measured() -> None:
    m = slurm("a100_40gb")
    assert m.accelerator_total_bytes == 40960 * MIB
    assert m.confidence == "table" and m.accelerator_confidence == "table"
    assert m.to_json()["accelerator_confidence"] == "table"
    assert any("40960 MiB" in s for s in m.sources)


def test_ambiguous_token_is_a_stated_lower_bound() -> None:
    m = slurm("a100")
    assert m.accelerator_total_bytes == 40960 * MIB
    assert any("lower bound" in n for n in m.notes)


def test_mixed_node_is_bounded_by_its_smallest_part() -> None:
    row, note = lookup_gres_types("a100_80gb+l4")
    assert row is not None and row.mib == 23034 and "smallest" in note
    assert lookup_gres_types("a100_80gb+mystery")[0] is None


@pytest.mark.parametrize("gpu_type", ["fake", "3g.40gb", None, "h100x"])
def test_unknown_type_has_no_figure_and_names_the_setting(gpu_type: str | None) -> None:
    m = slurm(gpu_type)
    assert m.accelerator_total_bytes is None and m.accelerator_bytes is None
    assert m.accelerator_confidence is None and m.confidence == "measured"
    assert any(ACCELERATOR_SETTING in n and "not assessed" in n for n in m.notes)
    model = assess(Candidate(model=ModelInputs(params=7e9, mode="infer")), m).ceiling("model")
    assert not model.assessed and "accelerator_gb" in model.explanation


def test_accelerator_gb_in_the_candidate_supplies_the_figure() -> None:
    cand = parse_candidate("[model]\nparams = 2e10\nmode = 'infer'\n[machine]\nreference = 'slurm:gpu'\n"
                           "accelerator_gb = 40\n")
    assert cand.accelerator_gb == 40.0
    a = assess(cand, slurm("fake"))
    assert a.machine is not None and a.machine.confidence == "given"
    assert a.machine.accelerator_confidence == "given"
    model = a.ceiling("model")
    assert model.assessed and model.limit == pytest.approx(ACCEL_USABLE_FRACTION * 40e9 - ACCEL_CONTEXT_BYTES)
    # 20B bf16 serving (~50 GB with the inference overhead) does not fit a 40 GB part
    assert model.cleared
    assert a.to_json()["machine"]["accelerator_confidence"] == "given"


def test_accelerator_gb_never_replaces_a_measured_or_preset_figure() -> None:
    node = machine_from_host("box", 64e9, None, 1e12, (("NVIDIA L4", 23034 * MIB),))
    assert node.accelerator_confidence == "measured"
    kept = with_accelerator_gb(node, 80.0)
    assert kept.accelerator_total_bytes == 23034 * MIB and any("not used" in n for n in kept.notes)
    dgx = preset("dgx-h100")
    assert dgx is not None
    assert with_accelerator_gb(dgx, 10.0).accelerator_total_bytes == dgx.accelerator_total_bytes


def test_20b_bf16_serving_on_a100_40gb_nodes_is_not_called_a_fit() -> None:
    a = assess(Candidate(model=ModelInputs(params=2e10, mode="infer", dtype="bf16")), slurm("a100_40gb"))
    model = a.ceiling("model")
    assert model.assessed and model.cleared  # ~50 GB against ~37 GB usable, not "fits under 70.4 GB"
    assert model.limit == pytest.approx(0.9 * 40960 * MIB - ACCEL_CONTEXT_BYTES)


@pytest.mark.parametrize("bad", [0, -1, 1e7, "forty", float("nan"), True])
def test_accelerator_gb_out_of_range_names_the_field(bad: object) -> None:
    from capstone_tui.core.candidate import candidate_from_dict
    from capstone_tui.core.errors import ValidationError

    with pytest.raises(ValidationError) as err:
        candidate_from_dict({"machine": {"reference": "this-node", "accelerator_gb": bad}})
    assert err.value.field == "machine.accelerator_gb" and "GB" in err.value.accepted
