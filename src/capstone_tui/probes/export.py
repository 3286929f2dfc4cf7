"""Writing a verdict snapshot to disk: atomically, never overwriting, never following a link.

Each file goes through `probes/files.write_atomic(..., overwrite=False)`: written in full to a
hidden temp file in the export folder (O_CREAT | O_EXCL | O_NOFOLLOW, mode 0o666 so the user's
umask decides the permissions and a symlink planted in the folder is never followed), then
hard-linked to its final name (`link` fails rather than replace an existing name, so an earlier
export is never touched). The files of one snapshot share a basename; a name already taken
moves the whole set on to `<basename>-2`, ...; files that name their siblings (the Markdown links
the chart) are given as a function of the basename, so a moved set links its own files. Any failure (full disk, read-only or unwritable
folder, a path that is a file) removes what this call made and becomes one `ExportError`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from capstone_tui.probes.files import FileExistsRefused, FileWriteError, write_atomic

MAX_ATTEMPTS = 1000  # basename, basename-2, ... basename-1000
Files = Mapping[str, str | bytes]  # contents by suffix


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


def _undo(paths: list[Path]) -> None:
    """Remove the names this attempt made (they are ours alone), so a failure leaves no partial set."""
    for path in paths:
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


def _encoded(files: Files) -> dict[str, bytes]:
    return {s: (c.encode("utf-8") if isinstance(c, str) else bytes(c)) for s, c in files.items()}


def write_snapshot(out_dir: Path, basename: str, files: Files | Callable[[str], Files]) -> tuple[Path, ...]:
    """Write `<basename><suffix>` for each suffix in `files`, under a basename no file uses yet.

    `files` is the contents by suffix, or a function giving them for the basename actually used
    (called again when the set moves to `<basename>-2`, ...; it must give the same suffixes).

    Returns the paths written, in the order of `files`. Raises `ExportError` on any OSError;
    nothing already in `out_dir` is ever modified or removed.
    """
    if not basename or os.sep in basename or basename.startswith("."):
        raise ValueError(f"not a plain file name: {basename!r}")
    def files_for(base: str) -> dict[str, bytes]:
        return _encoded(files(base) if callable(files) else files)

    first = files_for(basename)
    suffixes = list(first)
    out_dir = Path(out_dir)
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise ExportError(out_dir, "it exists and is not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)  # mode 0o777 & ~umask
    except OSError as err:
        raise ExportError(out_dir, _reason(err)) from None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        base = basename if attempt == 1 else f"{basename}-{attempt}"
        if _taken(out_dir, base, suffixes):
            continue
        payloads = first if base == basename else files_for(base)
        if list(payloads) != suffixes:
            raise ValueError(f"the files for {base!r} have other suffixes than for {basename!r}")
        written: list[Path] = []
        try:
            for suffix in suffixes:
                written.append(write_atomic(out_dir / f"{base}{suffix}", payloads[suffix], overwrite=False,
                                            field="export"))
        except FileExistsRefused:  # a name taken since our check (a race): the next basename
            _undo(written)
            continue
        except FileWriteError as err:
            _undo(written)
            raise ExportError(err.path, err.reason) from None
        _sync_dir(out_dir)
        return tuple(written)
    raise ExportError(out_dir / basename, f"{MAX_ATTEMPTS} snapshots with this name already exist")
