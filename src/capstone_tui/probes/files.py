"""Reading user files boundedly and writing them atomically: the one way files cross the disk.

`read_text_bounded` reads only regular files (a FIFO, device or folder is refused at once,
without blocking), up to a stated size, as UTF-8 (a byte-order mark is accepted); an empty,
binary or non-UTF-8 file is a `ValidationError` naming the field. `write_atomic` writes to a
hidden temp file in the target's folder and moves it into place with `os.replace`, never
following a symlink at the target and never writing over a folder. Errors name the file and
the problem, never the file's contents.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from capstone_tui.core.errors import ValidationError
from capstone_tui.core.units import MIB

CANDIDATE_LIMIT_BYTES = 1 * MIB  # a candidate is a few hundred bytes; 1 MiB is generous
RUNS_LIMIT_BYTES = 64 * MIB  # about a million rows of `p,time`
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
# Filesystems without hard links answer link() with one of these; we then check and rename.
_NO_LINK = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.ENOSYS, errno.EMLINK}
_WRITE_FLAGS = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class FileWriteError(ValidationError):
    """A file that could not be written: which file, and why, in one line."""

    def __init__(self, path: Path | str, reason: str, field: str = "file") -> None:
        self.path = Path(path)
        self.reason = " ".join(reason.split())
        super().__init__(field, f"cannot write {self.path}: {self.reason}")


class FileExistsRefused(FileWriteError):
    """The target exists and the caller did not allow replacing it."""


def _reason(err: OSError) -> str:
    return os.strerror(err.errno) if err.errno is not None else (str(err) or type(err).__name__)


def _size_text(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit >= MIB and limit % MIB == 0 else f"{limit:,} bytes"


def read_bytes_bounded(path: str | Path, field: str, limit_bytes: int) -> bytes:
    """The bytes of a regular file of at most `limit_bytes`; anything else is a ValidationError."""
    name = str(path)
    accepted = f"must be a regular file of at most {_size_text(limit_bytes)}"
    try:
        fd = os.open(os.path.expanduser(name), _READ_FLAGS)
    except OSError as err:
        raise ValidationError(field, accepted, detail=f"{name}: {_reason(err)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = ("a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO" if stat.S_ISFIFO(info.st_mode)
                    else "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else "not a file")
            raise ValidationError(field, accepted, detail=f"{name} is {kind}")
        if info.st_size > limit_bytes:
            raise ValidationError(field, accepted, detail=f"{name} has {info.st_size:,} bytes")
        chunks: list[bytes] = []
        total = 0
        while True:  # a file that grows while read is still cut at the limit
            chunk = os.read(fd, min(1 << 20, limit_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit_bytes:
                raise ValidationError(field, accepted, detail=f"{name} grew past the limit while read")
    except OSError as err:
        raise ValidationError(field, accepted, detail=f"{name}: {_reason(err)}") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def read_text_bounded(path: str | Path, field: str, limit_bytes: int) -> str:
    """A regular, non-empty UTF-8 text file (BOM accepted) of at most `limit_bytes`.

    Errors read "FIELD: must be ...; PATH is/has ...": the file and the problem, never its bytes."""
    name = str(path)
    data = read_bytes_bounded(path, field, limit_bytes)
    accepted = "must be a UTF-8 text file"
    if not data.strip():
        raise ValidationError(field, accepted, detail=f"{name} is empty")
    if b"\x00" in data:
        raise ValidationError(field, accepted, detail=f"{name} holds binary data (NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValidationError(field, accepted, detail=f"{name} is not UTF-8 at byte {err.start}") from None
    return text


def _check_target(target: Path, overwrite: bool, field: str) -> None:
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    except OSError as err:
        raise FileWriteError(target, _reason(err), field) from None
    if stat.S_ISDIR(info.st_mode):
        raise FileWriteError(target, "it is a folder", field)
    if not overwrite:
        raise FileExistsRefused(target, "it already exists", field)
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        raise FileWriteError(target, "it is not a regular file", field)


def _target(path: str | Path, field: str) -> Path:
    target = Path(os.path.expanduser(str(path)))
    if not str(path).strip() or target.name in ("", ".", ".."):
        raise FileWriteError(path, "not a file name", field)
    return target


def _create_temp(target: Path, field: str) -> tuple[Path, int]:
    """A fresh hidden temp file beside the target (O_EXCL | O_NOFOLLOW), open for writing."""
    temp = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
    try:
        return temp, os.open(temp, _WRITE_FLAGS, 0o666)
    except OSError as err:
        where = target.parent if err.errno in (errno.ENOENT, errno.EACCES, errno.EROFS, errno.ENOTDIR) else target
        raise FileWriteError(where, _reason(err), field) from None


def _publish(temp: Path, target: Path, overwrite: bool, field: str) -> None:
    """Move the temp file to the target: `os.replace` swaps a symlink itself, never its target."""
    try:
        if overwrite:
            os.replace(temp, target)
            return
        try:  # link() never replaces: an existing name is kept, even one made since the check
            os.link(temp, target, follow_symlinks=False)
        except FileExistsError:
            raise FileExistsRefused(target, "it already exists", field) from None
        except OSError as err:
            if err.errno not in _NO_LINK:
                raise
            if os.path.lexists(target):
                raise FileExistsRefused(target, "it already exists", field) from None
            os.replace(temp, target)
    except OSError as err:
        raise FileWriteError(target, _reason(err), field) from None


def _discard(temp: Path) -> None:
    try:
        os.unlink(temp)
    except OSError:
        pass


def write_atomic(path: str | Path, data: bytes, *, overwrite: bool, field: str = "file") -> Path:
    """Write `data` to `path` in one step: readers see the old file or the new one, never half.

    A temp file is created beside the target (O_EXCL | O_NOFOLLOW, mode 0o666 less the umask),
    filled, fsynced and moved over the target with `os.replace`, which replaces a symlink itself
    rather than the file it points to. The target must not be a folder; an existing target is
    replaced only when `overwrite` is true (else `FileExistsRefused`). Returns the path written.
    """
    target = _target(path, field)
    _check_target(target, overwrite, field)
    temp, fd = _create_temp(target, field)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        _publish(temp, target, overwrite, field)
    except OSError as err:
        raise FileWriteError(target, _reason(err), field) from None
    finally:
        if os.path.lexists(temp):
            _discard(temp)
    return target


@contextmanager
def staged_file(path: str | Path, *, overwrite: bool, field: str = "file") -> Iterator[Path]:
    """A temp path beside `path` to write step by step (a probe's CSV, row by row); on leaving
    the block, also by Ctrl-C or an error, what was written (if anything) is moved to `path` as `write_atomic`
    does. The checks (folder, read-only, exists) happen before the block runs."""
    target = _target(path, field)
    _check_target(target, overwrite, field)
    temp, fd = _create_temp(target, field)
    os.close(fd)
    try:
        yield temp
    finally:
        try:
            if os.path.getsize(temp) > 0:  # nothing written (the work never started): no file
                _publish(temp, target, overwrite, field)
        finally:
            if os.path.lexists(temp):
                _discard(temp)
