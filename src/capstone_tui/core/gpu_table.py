"""Accelerator memory known by exact identity: NVML product names and Slurm GRES type tokens.

Each row gives one part's total memory in MiB as the driver reports it (`nvidia-smi`
`memory.total`, `rocm-smi` for AMD), the identities that name it, and where the figure comes
from. A lookup matches a whole identity, never a substring: `l40` is not `l4`, `a100_40gb` is
not `a100`. Identities are compared case-insensitively with `-`, `_` and spaces treated alike
(Slurm sites spell `a100-80gb` and `a100_80gb`). Anything else has no figure: the machine says
so and names the setting that supplies it (`[machine] accelerator_gb` in the candidate).

`basis` says how the figure is known: `nvidia-smi` (a driver report quoted in the source),
`inferred` (the same memory part as a row with a driver report), `nominal` (the vendor's binary
capacity where no driver report was found). Tokens that name several parts (`a100`: 40 GB or
80 GB) give the smallest, flagged `lower_bound`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from capstone_tui.core.units import MIB

ACCELERATOR_SETTING = "[machine] accelerator_gb = <GB per accelerator> in the candidate file"


@dataclass(frozen=True)
class GpuRow:
    """One accelerator part: its identities, total memory in MiB, and the source of the figure."""

    part: str
    mib: int
    basis: str  # nvidia-smi | inferred | nominal
    source: str
    nvml: tuple[str, ...] = ()  # product names as NVML / nvidia-smi report them
    gres: tuple[str, ...] = ()  # Slurm GRES type tokens in common use

    @property
    def bytes(self) -> float:
        return float(self.mib * MIB)


_SMI = "nvidia-smi"
GPU_TABLE: tuple[GpuRow, ...] = (
    GpuRow("H100 SXM5 80GB", 81559, _SMI, "github.com/wilicc/gpu-burn/issues/114 and "
           "github.com/NVIDIA/nccl/issues/1264 (nvidia-smi: 81559MiB); modal-labs/modal-client PR 2797",
           nvml=("NVIDIA H100 80GB HBM3",),
           gres=("h100", "h100_80gb", "h100_sxm", "h100_sxm5", "h100_sxm5_80gb", "h100_80gb_hbm3")),
    GpuRow("H100 PCIe 80GB", 81559, "inferred", "same 80 GB capacity as the SXM part (81559 MiB "
           "in nvidia-smi); no separate driver report found", nvml=("NVIDIA H100 PCIe",),
           gres=("h100_pcie", "h100_pcie_80gb")),
    GpuRow("H100 NVL 94GB", 95830, _SMI, "github.com/NVIDIA/gpu-admin-tools/issues/4 "
           "(nvidia-smi: 0MiB / 95830MiB, driver 535.183.01)", nvml=("NVIDIA H100 NVL",),
           gres=("h100nvl", "h100_nvl", "h100_94gb", "h100nvl_94gb")),
    GpuRow("H200 SXM 141GB", 143771, _SMI, "nvidia-smi --query-gpu=name,memory.total on an H200 "
           "(driver 580.159.04): 'NVIDIA H200, 143771 MiB', read for capstone-tui issue 12",
           nvml=("NVIDIA H200",),
           gres=("h200", "h200_141gb", "h200_sxm")),
    GpuRow("B200 180GB", 183359, _SMI, "github.com/NVIDIA/TensorRT-LLM/issues/10278 "
           "(nvidia-smi: 183359MiB, driver 580.95.05)", nvml=("NVIDIA B200",),
           gres=("b200", "b200_180gb")),
    GpuRow("A100 80GB", 81920, _SMI, "modal-labs/modal-client PR 2797 (A100 80GB: 81920MiB); "
           "github.com/dexmal/dexbotic/issues/41 (A800-SXM4-80GB: 81920MiB)",
           nvml=("NVIDIA A100-SXM4-80GB", "A100-SXM4-80GB", "NVIDIA A100 80GB PCIe",
                 "A100 80GB PCIe", "NVIDIA A800-SXM4-80GB"),
           gres=("a100_80gb", "a100_sxm4_80gb", "a100_pcie_80gb")),
    GpuRow("A100 40GB", 40960, _SMI, "modal-labs/modal-client PR 2797 (A100 40GB: 40960MiB); "
           "bottlerocket-os/bottlerocket-core-kit PR 834 (A100-SXM4-40GB: 40960MiB)",
           nvml=("NVIDIA A100-SXM4-40GB", "A100-SXM4-40GB", "NVIDIA A100-PCIE-40GB", "A100-PCIE-40GB"),
           gres=("a100_40gb", "a100_sxm4_40gb", "a100_pcie_40gb")),
    GpuRow("A100 (40 GB or 80 GB)", 40960, "lower_bound", "the GRES token names both A100 parts; "
           "the 40 GB part's 40960 MiB (see A100 40GB) is a lower bound", gres=("a100",)),
    GpuRow("L40S 48GB", 46068, _SMI, "akash-network/provider-configs PR 99 (nvidia-smi: NVIDIA L40S, "
           "46068 MiB); modal-labs/modal-client PR 2797", nvml=("NVIDIA L40S",), gres=("l40s",)),
    GpuRow("L40 48GB", 46068, "inferred", "same 48 GB GDDR6 board as the L40S (46068 MiB)",
           nvml=("NVIDIA L40",), gres=("l40",)),
    GpuRow("A40 48GB", 46068, "inferred", "48 GB GDDR6 like the L40S (46068 MiB)",
           nvml=("NVIDIA A40",), gres=("a40",)),
    GpuRow("RTX A6000 48GB", 49140, _SMI, "github.com/noonghunna/club-3090/issues/1047 "
           "(NVIDIA RTX A6000 | 49140 MiB)", nvml=("NVIDIA RTX A6000",), gres=("a6000", "rtx_a6000")),
    GpuRow("L4 24GB", 23034, _SMI, "modal-labs/modal-client PR 2797 (L4: 23034MiB); "
           "speaches-ai/speaches PR 438 (nvidia-smi: 23034MiB)", nvml=("NVIDIA L4",), gres=("l4",)),
    GpuRow("A10 24GB", 23028, _SMI, "modal-labs/modal-client PR 2797 (A10: 23028MiB)",
           nvml=("NVIDIA A10",), gres=("a10",)),
    GpuRow("A10G 24GB", 23028, "inferred", "same 24 GB board as the A10 (23028 MiB)",
           nvml=("NVIDIA A10G",), gres=("a10g",)),
    GpuRow("T4 16GB", 15360, _SMI, "modal-labs/modal-client PR 2797 (T4: 15360MiB)",
           nvml=("Tesla T4",), gres=("t4",)),
    GpuRow("V100 16GB", 16160, _SMI, "github.com/4paradigm/k8s-vgpu-scheduler/issues/7 "
           "(Tesla V100-SXM2: 16160MiB)", nvml=("Tesla V100-SXM2-16GB", "Tesla V100-PCIE-16GB"),
           gres=("v100_16gb", "v100_sxm2_16gb")),
    GpuRow("V100 32GB", 32480, _SMI, "Microway 'nvidia-smi: control your GPUs', as reproduced at "
           "blog.cachecha.com/csdn/kunhe0512/126265050.html (Tesla V100-PCIE: 32480MiB)",
           nvml=("Tesla V100-PCIE-32GB", "Tesla V100-SXM2-32GB", "Tesla V100S-PCIE-32GB"),
           gres=("v100_32gb", "v100_sxm2_32gb", "v100s")),
    GpuRow("V100 (16 GB or 32 GB)", 16160, "lower_bound", "the GRES token names both V100 parts; "
           "the 16 GB part's 16160 MiB (see V100 16GB) is a lower bound", gres=("v100",)),
    GpuRow("GeForce RTX 4090 24GB", 24564, _SMI, "github.com/RLinf/RLinf/issues/255 and "
           "vllm-project/vllm issue 7553 (24564MiB)", nvml=("NVIDIA GeForce RTX 4090",),
           gres=("rtx4090", "rtx_4090", "4090")),
    GpuRow("GeForce RTX 3090 24GB", 24576, _SMI, "github.com/noonghunna/club-3090/issues/1120 "
           "(24576MiB)", nvml=("NVIDIA GeForce RTX 3090",), gres=("rtx3090", "rtx_3090", "3090")),
    GpuRow("GeForce RTX 5090 32GB", 32607, _SMI, "github.com/noonghunna/club-3090/issues/1107 "
           "(32607MiB)", nvml=("NVIDIA GeForce RTX 5090",), gres=("rtx5090", "rtx_5090", "5090")),
    GpuRow("Instinct MI250X, one GCD", 65536, "nominal", "AMD Instinct MI250X: 128 GB HBM2e on two "
           "graphics compute dies, each a separate ROCm device and Slurm GPU (64 GiB each)",
           nvml=("AMD Instinct MI250X", "AMD Instinct MI250X/MI250"), gres=("mi250x", "mi250")),
    GpuRow("Instinct MI300X 192GB", 196608, "nominal", "AMD Instinct MI300X data sheet: 192 GB HBM3 "
           "(8 stacks of 24 GiB)", nvml=("AMD Instinct MI300X",), gres=("mi300x",)),
)


def identity_key(name: str) -> str:
    """How identities compare: case-folded, with runs of '-', '_' and spaces as one '_'."""
    return re.sub(r"[\s_\-]+", "_", name.strip().casefold())


def _index() -> dict[str, GpuRow]:
    index: dict[str, GpuRow] = {}
    for row in GPU_TABLE:
        for name in row.nvml + row.gres:
            key = identity_key(name)
            if key in index and index[key] is not row:
                raise ValueError(f"GPU table: identity {name!r} names two rows")
            index[key] = row
    return index


_INDEX = _index()


def lookup_gpu(name: str | None) -> GpuRow | None:
    """The row whose identity is exactly `name` (NVML name or GRES token), or None."""
    if not name:
        return None
    return _INDEX.get(identity_key(name))


def lookup_gres_types(gres_type: str | None) -> tuple[GpuRow | None, str]:
    """A GRES type as sinfo gives it ('a100', or 'a100+v100' for mixed nodes) -> (row, why).

    A mixed node is bounded by its smallest known part; any unknown part leaves no figure.
    `why` is the sentence shown when there is no figure, or a note on how the figure was chosen.
    """
    if not gres_type:
        return None, "Slurm names no GPU type for this node type, so its memory is unknown"
    parts = [p for p in gres_type.split("+") if p]
    rows = [lookup_gpu(p) for p in parts]
    unknown = [p for p, r in zip(parts, rows) if r is None]
    if unknown:
        listed = ", ".join(repr(p) for p in unknown)
        return None, f"GPU type {listed} is not in the GPU table, so its memory is unknown"
    known = [r for r in rows if r is not None]
    row = min(known, key=lambda r: r.mib)
    note = ""
    if row.basis == "lower_bound":
        note = f"GRES type {gres_type!r} names several parts: {row.mib} MiB is a lower bound"
    elif len(known) > 1:
        note = f"mixed GPU types {gres_type!r}: the smallest ({row.part}) bounds the node"
    return row, note
