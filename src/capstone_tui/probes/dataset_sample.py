"""Per-file sizing: parquet footers, Arrow IPC headers, and bounded samples of text files.

Nothing here reads a whole data file unless it is smaller than one probe. Parquet is read
only through `pq.ParquetFile` (footer, `iter_batches`), never through an abandoned
`to_batches` stream, which can abort the interpreter at exit (reference/dataset_sizing.md,
section 3, "Crash hazard"). Documented error bound of the text sample (measured in the
reference on heavy-tailed text, checked by tests/test_sizer_files.py): Arrow bytes within
+-5 %, rows within +-5 % on unordered data; rows of files sorted by length need the random
blocks (files over 64 MiB).
"""

from __future__ import annotations

import io
import os
import random
import select
import stat as stat_module
import time
from dataclasses import dataclass

from capstone_tui.core.units import KIB, MIB, binary_bytes

HEAD_BYTES = 1 * MIB  # one head probe; smaller files are parsed whole (exact)
BLOCK_BYTES = 256 * KIB
BLOCKS = 16
RANDOM_ABOVE = 64 * MIB  # files above this are probed with random blocks, not the head
FOOTER_READ = 64 * 1024  # pyarrow reads one 64 KiB chunk for a parquet footer
PARQUET_SAMPLE_ROWS = 1024

TEXT_FORMATS = ("json", "csv", "tsv", "text")


@dataclass(frozen=True)
class FileSize:
    """One file: rows and in-memory bytes with their labels, bytes on disk, bytes read."""

    path: str
    num_examples: int | None
    num_bytes: float | None
    examples_how: str
    bytes_how: str
    file_bytes: int
    bytes_read: int = 0
    note: str = ""


def parquet_size(path: str) -> FileSize:
    """Rows from the footer (exact); Arrow bytes from row-group uncompressed sizes (estimate)."""
    import pyarrow.parquet as pq  # ~0.1-0.2 s on first import; only for parquet files

    stat = os.stat(path).st_size
    metadata = pq.ParquetFile(path).metadata
    groups = [metadata.row_group(i) for i in range(metadata.num_row_groups)]
    uncompressed = sum(g.total_byte_size for g in groups)
    read = min(stat, FOOTER_READ)
    if metadata.num_rows and uncompressed <= 0:  # some writers leave it 0: sample instead
        arrow, how, probed = parquet_sample_bytes(path)
        return FileSize(path, metadata.num_rows, arrow, "exact:parquet-footer", how, stat, read + probed)
    return FileSize(path, metadata.num_rows, float(uncompressed), "exact:parquet-footer",
                    "est:parquet-uncompressed", stat, read)


def parquet_sample_bytes(path: str, rows: int = PARQUET_SAMPLE_ROWS) -> tuple[float | None, str, int]:
    """Arrow bytes of a parquet file scaled from its first rows (iter_batches: safe to abandon)."""
    import pyarrow.parquet as pq  # see parquet_size

    handle = pq.ParquetFile(path)
    metadata = handle.metadata
    if metadata.num_rows == 0 or metadata.num_row_groups == 0:
        return 0.0, "exact:parquet-footer", 0
    batches = handle.iter_batches(batch_size=rows, row_groups=[0])
    first = next(batches, None)
    del batches  # abandoned on purpose: ParquetFile.iter_batches leaves no stream running at exit
    if first is None or first.num_rows == 0:
        return None, "unknown", 0
    group = metadata.row_group(0)
    probed = sum(group.column(i).total_compressed_size for i in range(group.num_columns))
    probed = int(probed * min(1.0, first.num_rows / max(1, group.num_rows)))
    estimate = first.nbytes / first.num_rows * metadata.num_rows
    return float(estimate), f"est:sample(parquet head {first.num_rows} rows, {binary_bytes(probed)})", probed


def arrow_size(path: str) -> FileSize:
    """Rows and buffer bytes from Arrow IPC batch headers, memory-mapped (no data is copied)."""
    import pyarrow as pa  # ~0.15 s on first import; only for .arrow files

    stat = os.stat(path).st_size
    rows = 0
    nbytes = 0
    with pa.memory_map(path) as source:
        try:
            reader = pa.ipc.open_stream(source)
            for batch in reader:
                rows += batch.num_rows
                nbytes += batch.nbytes
        except pa.ArrowInvalid:  # the IPC *file* format (with a footer) rather than a stream
            source.seek(0)
            file_reader = pa.ipc.open_file(source)
            for i in range(file_reader.num_record_batches):
                batch = file_reader.get_batch(i)
                rows += batch.num_rows
                nbytes += batch.nbytes
    return FileSize(path, rows, float(nbytes), "exact:arrow-ipc", "exact:arrow-ipc", stat, 0)


def _parse(chunk: bytes, fmt: str, header: bytes = b"") -> tuple[int, int]:
    """(rows, Arrow bytes) of whole lines of text in one format, parsed with pyarrow."""
    if fmt == "text":
        lines = chunk.splitlines()
        return len(lines), sum(len(line) for line in lines) + 4 * (len(lines) + 1)
    if fmt == "json":
        import pyarrow.json as pj  # ~0.08 s on first import; only for JSON lines

        table = pj.read_json(io.BytesIO(chunk))
    else:
        import pyarrow.csv as pc  # ~0.08 s on first import; only for CSV/TSV

        table = pc.read_csv(io.BytesIO(header + chunk), parse_options=pc.ParseOptions(
            delimiter="\t" if fmt == "tsv" else ","))
    return table.num_rows, table.nbytes


def _whole_lines(data: bytes, at_start: bool) -> bytes:
    """Drop the partial first line (unless the block starts the file) and the partial last one."""
    if not at_start:
        cut = data.find(b"\n")
        data = b"" if cut < 0 else data[cut + 1:]
    end = data.rfind(b"\n")
    return data[: end + 1] if end >= 0 else b""


def _stream_size(path: str, fmt: str, deadline: float | None) -> FileSize:
    """A named pipe or device: read without blocking past the deadline (never hang on it)."""
    until = deadline if deadline is not None else time.monotonic() + 2.0
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    chunks: list[bytes] = []
    eof = False
    try:
        while sum(map(len, chunks)) < HEAD_BYTES:
            left = until - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                break
            data = os.read(fd, 65536)
            if not data:
                # a pipe with no writer yet also reads as empty: keep waiting for one until the deadline
                if chunks:
                    eof = True
                    break
                time.sleep(0.01)
                continue
            chunks.append(data)
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if not raw:
        return FileSize(path, None, None, "unknown", "unknown", 0, 0,
                        "not a regular file and no data before the deadline")
    header = raw.split(b"\n", 1)[0] + b"\n" if fmt in ("csv", "tsv") else b""
    rows, nbytes = _parse(_whole_lines(raw[len(header):], at_start=True), fmt, header)
    how = "exact:parsed" if eof else f"est:sample(stream head, {binary_bytes(len(raw))})"
    return FileSize(path, rows, float(nbytes), how, how, len(raw), len(raw),
                    "" if eof else "not a regular file: only its head was read")


def text_size(path: str, fmt: str, *, deadline: float | None = None) -> FileSize:
    """Rows and Arrow bytes of a JSON-lines/CSV/TSV/text file: parsed whole when small, else a
    byte-ratio estimate from a 1 MiB head (or 16 random 256 KiB blocks above 64 MiB). Stops
    between blocks once `deadline` (a time.monotonic() value) passes, keeping what it read."""
    if not stat_module.S_ISREG(os.stat(path).st_mode):
        return _stream_size(path, fmt, deadline)
    stat = os.stat(path).st_size
    with open(path, "rb") as handle:
        header = b""
        if fmt in ("csv", "tsv"):
            header = handle.readline()
        start = len(header)
        if stat <= HEAD_BYTES:
            rows, nbytes = _parse(handle.read(), fmt, header)
            return FileSize(path, rows, float(nbytes), "exact:parsed", "exact:parsed", stat, stat)
        body = stat - start
        if stat <= RANDOM_ABOVE:
            offsets, block, method = [start], HEAD_BYTES, "head"
        else:
            rng = random.Random(stat)  # reproducible offsets for one file size
            span = body // BLOCKS
            offsets = [start + i * span + rng.randrange(max(1, span - BLOCK_BYTES)) for i in range(BLOCKS)]
            block, method = BLOCK_BYTES, f"{BLOCKS} random blocks"
        raw = rows = nbytes = read = 0
        for index, offset in enumerate(offsets):
            if index and deadline is not None and time.monotonic() > deadline:
                method = f"{method}, stopped after {index} at the deadline"
                break
            handle.seek(offset)
            data = handle.read(block)
            read += len(data)
            lines = _whole_lines(data, at_start=offset == start)
            if not lines:
                continue
            got_rows, got_bytes = _parse(lines, fmt, header)
            raw += len(lines)
            rows += got_rows
            nbytes += got_bytes
    read += len(header)
    if raw == 0:
        return FileSize(path, None, None, "unknown", "unknown", stat, read, "no whole line in the probe")
    how = f"est:sample({method}, {binary_bytes(read)})"
    return FileSize(path, round(rows / raw * body), nbytes / raw * body, how, how, stat, read)
