"""probes/files.py on real files: bounded reads (regular files only, size limit, UTF-8 with or
without BOM) and atomic writes (never through a symlink, never over a folder), and the CLI's
write paths (`probe --out`, `export --out`) turning bad targets into exit 2 with one line."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from capstone_tui.core.errors import ValidationError
from capstone_tui.probes.files import (
    CANDIDATE_LIMIT_BYTES, FileExistsRefused, FileWriteError, read_text_bounded, staged_file, write_atomic)

SECRET = "SECRET-TOKEN-4f1c9e"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def cli(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "capstone_tui", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


# --- reading ------------------------------------------------------------------------------------


def test_a_bom_is_accepted_and_dropped(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b"\xef\xbb\xbfname = 'x'\n")
    assert read_text_bounded(path, "CANDIDATE.toml", 1000) == "name = 'x'\n"


@pytest.mark.parametrize(("content", "why"), [
    (b"", " is empty"),
    (b"  \n\n", " is empty"),
    (b"name = '" + SECRET.encode() + b"'\x00\x01\x02", " holds binary data"),
    (SECRET.encode() + b" \xff\xfe caf\xe9", " is not UTF-8 at byte"),
])
def test_bad_text_names_the_field_never_the_contents(tmp_path: Path, content: bytes, why: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    with pytest.raises(ValidationError) as caught:
        read_text_bounded(path, "CANDIDATE.toml", 1000)
    assert caught.value.field == "CANDIDATE.toml"
    assert why in caught.value.message
    assert SECRET not in caught.value.message and f"; {path}{why}" in caught.value.message


def test_size_limit_is_stated(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_bytes(b"#" * (CANDIDATE_LIMIT_BYTES + 1))
    with pytest.raises(ValidationError, match=r"at most 1 MiB.*1,048,577 bytes"):
        read_text_bounded(path, "CANDIDATE.toml", CANDIDATE_LIMIT_BYTES)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_devices_are_refused_at_once(device: str) -> None:
    started = time.monotonic()
    with pytest.raises(ValidationError, match=" is a device"):
        read_text_bounded(device, "CANDIDATE.toml", CANDIDATE_LIMIT_BYTES)
    assert time.monotonic() - started < 1.0


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    result: list[BaseException] = []
    worker = threading.Thread(target=lambda: result.append(_raises(fifo)), daemon=True)
    worker.start()
    worker.join(2.0)
    assert not worker.is_alive(), "reading a FIFO blocked"
    assert " is a FIFO" in str(result[0])


def _raises(path: Path) -> BaseException:
    try:
        read_text_bounded(path, "CANDIDATE.toml", CANDIDATE_LIMIT_BYTES)
    except ValidationError as err:
        return err
    raise AssertionError("no error")


def test_a_folder_and_a_missing_file_are_named(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=" is a folder"):
        read_text_bounded(tmp_path, "RUNS.csv", 1000)
    with pytest.raises(ValidationError, match="No such file"):
        read_text_bounded(tmp_path / "nope.csv", "RUNS.csv", 1000)


# --- writing ------------------------------------------------------------------------------------


def test_write_atomic_creates_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "c.toml"
    write_atomic(target, b"one\n", overwrite=False)
    with pytest.raises(FileExistsRefused, match="already exists"):
        write_atomic(target, b"two\n", overwrite=False)
    assert target.read_bytes() == b"one\n"
    write_atomic(target, b"two\n", overwrite=True)
    assert target.read_bytes() == b"two\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]


def test_a_symlink_at_the_target_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "bashrc"
    victim.write_text("keep me\n")
    link = tmp_path / "candidate.toml"
    link.symlink_to(victim)
    with pytest.raises(FileExistsRefused):
        write_atomic(link, b"name = 'x'\n", overwrite=False)
    write_atomic(link, b"name = 'x'\n", overwrite=True)
    assert victim.read_text() == "keep me\n"
    assert not link.is_symlink() and link.read_text() == "name = 'x'\n"


def test_folders_and_unwritable_places_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileWriteError, match="it is a folder"):
        write_atomic(tmp_path, b"x", overwrite=True)
    with pytest.raises(FileWriteError, match="not a file name"):
        write_atomic("", b"x", overwrite=True)
    with pytest.raises(FileWriteError, match="No such file"):
        write_atomic(tmp_path / "missing" / "x.csv", b"x", overwrite=True)
    with pytest.raises(FileWriteError) as caught:  # /proc refuses new files even to root
        write_atomic("/proc/capstone-tui-test.csv", b"x", overwrite=True)
    assert "/proc" in caught.value.message


def test_staged_file_publishes_what_was_written_even_on_interrupt(tmp_path: Path) -> None:
    target = tmp_path / "runs.csv"
    with pytest.raises(KeyboardInterrupt):
        with staged_file(target, overwrite=True) as temp:
            temp.write_text("p,time\n1,2.0\n")
            assert not target.exists()
            raise KeyboardInterrupt
    assert target.read_text() == "p,time\n1,2.0\n"
    with staged_file(tmp_path / "never.csv", overwrite=True):
        pass  # nothing written: no file appears
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.csv"]


# --- the CLI's write paths ----------------------------------------------------------------------


@pytest.mark.parametrize("out", ["folder", "/proc/capstone-probe.csv"])
def test_probe_out_that_cannot_be_written_is_exit_2(tmp_path: Path, out: str) -> None:
    (tmp_path / "folder").mkdir()
    done = cli("probe", "--workers", "1,2,3", "--repeats", "1", "--out", out, "--", "true", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("capstone-tui: --out: cannot write"), done.stderr
    assert "Traceback" not in done.stderr


def test_probe_out_is_written_atomically_and_fitted_without_rereading(tmp_path: Path) -> None:
    done = cli("probe", "--workers", "1,2,3", "--repeats", "1", "--no-baseline", "--out", "runs.csv",
               "--json", "--", sys.executable, "-c", "pass", cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "runs.csv").read_text()
    assert text.splitlines()[0].startswith("p,time") and len(text.splitlines()) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.csv"]  # no temp file left


def test_export_out_empty_is_exit_2(tmp_path: Path) -> None:
    done = cli("export", str(EXAMPLES / "dedupe-4tb-crawl.toml"), "--out", "", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == "capstone-tui: --out: must name a folder for the snapshot files (got '')"
    assert list(tmp_path.iterdir()) == []
