"""Exact parameter counts from safetensors headers: the 8-byte length and the JSON header only.

The format (huggingface/safetensors, "Format"): an unsigned little-endian 64-bit header size N,
then N bytes of JSON mapping each tensor name to `{dtype, shape, data_offsets: [begin, end]}`
(offsets relative to the byte buffer after the header), plus an optional `__metadata__` of
strings. The tensors are never read. Every header is checked the way the library checks it
(size within its 100 MB limit and within the file, offsets contiguous from 0, each tensor's
byte span equal to its element count x element size, the buffer ending at the file's end), so a
header that lies is a `ValidationError`, never a wrong count.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass

from capstone_tui.core.errors import ValidationError

MAX_HEADER_BYTES = 100_000_000  # safetensors' own limit (MAX_HEADER_SIZE in its Rust crate)
# Element size in bits, per the format's dtype names.
DTYPE_BITS: dict[str, int] = {
    "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "I16": 16, "U16": 16,
    "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32, "F64": 64, "I64": 64, "U64": 64,
    "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "C64": 64,
}


@dataclass(frozen=True)
class HeaderCount:
    """What one safetensors header says: tensors, elements (parameters) and bytes, per dtype."""

    path: str
    tensors: int
    params: int
    data_bytes: int
    params_by_dtype: tuple[tuple[str, int], ...]


def _bad(path: str, why: str) -> ValidationError:
    return ValidationError("safetensors header", "must be a valid safetensors header",
                           os.path.basename(path), detail=why)


def count_header(header: object, path: str, data_len: int | None = None) -> HeaderCount:
    """Validate a decoded header and count it; `data_len` is the byte buffer's size when known."""
    if not isinstance(header, dict):
        raise _bad(path, "the header is not a JSON object")
    spans: list[tuple[int, int]] = []
    by_dtype: dict[str, int] = {}
    params = 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, dict):
            raise _bad(path, f"tensor {name[:40]!r} is not an object")
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if dtype not in DTYPE_BITS:
            raise _bad(path, f"tensor {name[:40]!r} has unknown dtype {str(dtype)[:12]!r}")
        if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
            raise _bad(path, f"tensor {name[:40]!r} has a bad shape")
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)):
            raise _bad(path, f"tensor {name[:40]!r} has bad data_offsets")
        numel = 1
        for dim in shape:
            numel *= dim
        begin, end = offsets
        bits = numel * DTYPE_BITS[dtype]
        if begin < 0 or end < begin or bits % 8 or end - begin != bits // 8:
            raise _bad(path, f"tensor {name[:40]!r}: data_offsets do not match its shape and dtype")
        spans.append((begin, end))
        params += numel
        by_dtype[dtype] = by_dtype.get(dtype, 0) + numel
    spans.sort()
    cursor = 0
    for begin, end in spans:
        if begin != cursor:
            raise _bad(path, "tensor byte ranges overlap or leave holes")
        cursor = end
    if data_len is not None and cursor != data_len:
        raise _bad(path, f"the tensors cover {cursor:,} bytes but the file holds {data_len:,}")
    return HeaderCount(path=path, tensors=len(spans), params=params, data_bytes=cursor,
                       params_by_dtype=tuple(sorted(by_dtype.items())))


def read_header(path: str, max_header_bytes: int = MAX_HEADER_BYTES) -> HeaderCount:
    """Read and check one file's header: at most 8 + N bytes are read, N bounded."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            prefix = handle.read(8)
            if len(prefix) != 8:
                raise _bad(path, "the file is shorter than the 8-byte header length")
            (length,) = struct.unpack("<Q", prefix)
            if length > max_header_bytes:
                raise _bad(path, f"header length {length:,} B exceeds the {max_header_bytes:,} B limit")
            if 8 + length > size:
                raise _bad(path, f"header length {length:,} B runs past the end of the file ({size:,} B)")
            raw = handle.read(length)
    except OSError as err:
        raise ValidationError("safetensors file", "must be readable", os.path.basename(path),
                              detail=err.strerror or type(err).__name__) from None
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _bad(path, "the header is not UTF-8 JSON") from None
    return count_header(header, path, size - 8 - length)
