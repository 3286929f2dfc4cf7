"""The one dtype table: each weight/activation type the candidate accepts and its bytes per element."""

from __future__ import annotations

DTYPE_BYTES: dict[str, float] = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5}
DTYPES: tuple[str, ...] = tuple(DTYPE_BYTES)  # the order shown in help and errors
FLOAT_DTYPES: tuple[str, ...] = ("fp32", "bf16", "fp16", "fp8")  # whole bytes per element
