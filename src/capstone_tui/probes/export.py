"""Writing a verdict snapshot to disk: atomically, never overwriting, never following a link.

Each file is written in full to a hidden temp file in the export folder, opened with
O_CREAT | O_EXCL | O_NOFOLLOW and mode 0o666 (so the user's umask decides the permissions
and a symlink planted in the folder is never followed), then hard-linked to its final name
(`link` fails rather than replace an existing name, so an earlier export is never touched)
and the temp name removed. Any OSError (full disk, read-only or unwritable folder, a path
that is a file) removes this call's temp files and becomes one `ExportError`.
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

MAX_ATTEMPTS = 1000  # basename, basename-2, ... basename-1000
_OPEN_FLAGS = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
# Filesystems without hard links answer link() with one of these; we then fall back to rename.
_NO_LINK = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.ENOSYS, errno.EMLINK}


class ExportError(Exception):
    """An export that could not be written: where, and why, in one plain line."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = " ".join(reason.split())
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"cannot write {self.path}: {self.reason}"


def _reason(err: OSError) -> str:
    if err.errno is not None:
        return os.strerror(err.errno)
    return str(err) or type(err).__name__


def _taken(out_dir: Path, base: str, suffixes: list[str]) -> bool:
    return any(os.path.lexists(out_dir / f"{base}{suffix}") for suffix in suffixes)


def _write_temp(out_dir: Path, final_name: str, data: bytes) -> Path:
    """Write data to a fresh hidden temp file beside the final name; return its path."""
    temp = out_dir / f".{final_name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(temp, _OPEN_FLAGS, 0o666)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _remove(temp)
        raise
    os.close(fd)
    return temp


def _publish(temp: Path, final: Path) -> bool:
    """Give the temp file its final name without ever replacing an existing one.

    Returns True when hard-linked (the temp name remains, removed at the end), False when
    renamed (the temp name is gone).
    """
    try:
        os.link(temp, final, follow_symlinks=False)
        return True
    except FileExistsError:
        raise
    except OSError as err:
        if err.errno not in _NO_LINK:
            raise
    # No hard links here: rename, after checking the name is free (a small race remains).
    if os.path.lexists(final):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(final))
    os.rename(temp, final)
    return False


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _sync_dir(out_dir: Path) -> None:
    """Persist the new names (best effort: not every filesystem allows fsync on a folder)."""
    try:
        fd = os.open(out_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_snapshot(out_dir: Path, basename: str, files: dict[str, str | bytes]) -> tuple[Path, ...]:
    """Write `<basename><suffix>` for each suffix in `files`, under a basename no file uses yet.

    Returns the paths written, in the order of `files`. Raises `ExportError` on any OSError;
    nothing already in `out_dir` is ever modified or removed.
    """
    if not basename or os.sep in basename or basename.startswith("."):
        raise ValueError(f"not a plain file name: {basename!r}")
    suffixes = list(files)
    payloads = {s: (c.encode("utf-8") if isinstance(c, str) else bytes(c)) for s, c in files.items()}
    out_dir = Path(out_dir)
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise ExportError(out_dir, "it exists and is not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)  # mode 0o777 & ~umask
    except OSError as err:
        raise ExportError(out_dir, _reason(err)) from None
    temps: dict[str, Path] = {}
    current = out_dir
    try:
        for suffix in suffixes:
            current = out_dir / f"{basename}{suffix}"
            temps[suffix] = _write_temp(out_dir, f"{basename}{suffix}", payloads[suffix])
        for attempt in range(1, MAX_ATTEMPTS + 1):
            base = basename if attempt == 1 else f"{basename}-{attempt}"
            if _taken(out_dir, base, suffixes):
                continue
            written: list[tuple[str, Path, bool]] = []
            try:
                for suffix in suffixes:
                    current = out_dir / f"{base}{suffix}"
                    written.append((suffix, current, _publish(temps[suffix], current)))
            except OSError as err:
                # The names made in this attempt are ours alone: undo them, so a failure leaves no
                # partial set. A name taken since our check (a race) moves on to the next basename.
                for suffix, path, linked in written:
                    if linked:
                        _remove(path)
                    else:
                        os.rename(path, temps[suffix])
                if isinstance(err, FileExistsError):
                    continue
                raise
            _sync_dir(out_dir)
            return tuple(path for _, path, _ in written)
        raise ExportError(out_dir / basename, f"{MAX_ATTEMPTS} snapshots with this name already exist")
    except OSError as err:
        raise ExportError(current, _reason(err)) from None
    finally:
        for temp in temps.values():
            if os.path.lexists(temp):
                _remove(temp)
