"""Which files a dashboard may open and save: anywhere (a local session), nowhere, or only
inside one folder (a served session started with `serve --files DIR`).

A served dashboard is driven by whoever holds its URL, so its ctrl+o / ctrl+s must not reach
the owner's `~/.bashrc` or `~/.ssh`. `confine` accepts a path only when every component below
the folder is a real directory or file, never a symbolic link, and the path has no `..`: the
check is made with `lstat` on each component, so a link planted inside the folder cannot lead
out of it. (Someone who can write inside the folder could still swap a component for a link
between this check and the write; the folder should belong to the person serving.)
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePath

from capstone_tui.core.errors import ValidationError

FIELD = "path"
OFF_TEXT = ("opening and saving files is off in this served session "
            "(the person serving can allow one folder with `serve --files DIR`)")


def _refuse(root: Path, text: str, why: str) -> ValidationError:
    return ValidationError(FIELD, f"must name a file inside {root} (no '..', no symbolic links)", text, detail=why)


def confine(text: str, root: Path, *, folder_ok: bool = False) -> Path:
    """The file `text` names inside `root` (relative paths are taken from `root`).

    Raises ValidationError when it is empty, holds `..` or a NUL, lies outside `root`, passes
    through a symbolic link, or names something that exists but is not a regular file (or a
    folder, with `folder_ok`). The file itself need not exist (a save may create it); its
    folder must.
    """
    root = Path(root)
    if not text or "\x00" in text:
        raise _refuse(root, text, "empty or holds a NUL byte")
    given = PurePath(text)
    if ".." in given.parts:
        raise _refuse(root, text, "'..' is not allowed")
    if given.is_absolute():
        try:
            relative = given.relative_to(root)
        except ValueError:
            raise _refuse(root, text, "outside the folder") from None
    else:
        relative = given
    parts = [p for p in relative.parts if p not in ("", ".")]
    if not parts:
        raise _refuse(root, text, "names the folder itself, not a file")
    current = root
    for index, part in enumerate(parts):
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            if index < len(parts) - 1:
                raise _refuse(root, text, f"no folder {current}") from None
            return current  # a new file in an existing folder inside the root
        except OSError as err:
            raise _refuse(root, text, err.strerror or type(err).__name__) from None
        if stat.S_ISLNK(info.st_mode):
            raise _refuse(root, text, f"{current} is a symbolic link")
        last = index == len(parts) - 1
        if not last and not stat.S_ISDIR(info.st_mode):
            raise _refuse(root, text, f"{current} is not a folder")
        if last and not (stat.S_ISREG(info.st_mode) or folder_ok and stat.S_ISDIR(info.st_mode)):
            raise _refuse(root, text, f"{current} is not a regular file")
    return current


@dataclass(frozen=True)
class FileAccess:
    """The dashboard's file policy: `enabled` False refuses every path; a `root` confines them."""

    enabled: bool = True
    root: Path | None = None

    @classmethod
    def served(cls, root: str | None) -> FileAccess:
        """The policy of a served session: off, or confined to `root` (resolved once, here)."""
        if not root:
            return cls(enabled=False)
        folder = Path(root).expanduser()
        try:
            resolved = folder.resolve(strict=True)
        except OSError as err:
            raise ValidationError("--files", "must be an existing folder", root,
                                  detail=getattr(err, "strerror", None) or "") from None
        if not resolved.is_dir():
            raise ValidationError("--files", "must be an existing folder", root)
        return cls(enabled=True, root=resolved)

    @property
    def confined(self) -> bool:
        return not self.enabled or self.root is not None

    def check(self, text: str) -> Path:
        """The path to open or save, or a ValidationError saying why it is refused."""
        if not self.enabled:
            raise ValidationError(FIELD, OFF_TEXT, text)
        if self.root is None:
            return Path(text).expanduser()
        return confine(text, self.root)

    def dataset(self, text: str) -> str:
        """What the sizer may read: a Hub id as given; a local file or folder only where
        ctrl+o may reach (a served session must not list the owner's folders)."""
        if not self.confined:
            return text
        from capstone_tui.probes.dataset_hub import looks_like_repo_id

        given = text.strip()
        local = (given.startswith((".", "/", "~")) or os.path.lexists(os.path.expanduser(given))
                 or self.root is not None and os.path.lexists(self.root / given))
        if not local and looks_like_repo_id(given):
            return given
        if not self.enabled:
            raise ValidationError(FIELD, OFF_TEXT.replace("opening and saving files", "reading local data"), text)
        assert self.root is not None
        return str(confine(given, self.root, folder_ok=True))

    def shown(self, path: Path | None) -> str:
        """A path as the open/save prompt pre-fills it: relative to the root when confined."""
        if path is None:
            return ""
        if self.root is not None:
            try:
                return str(Path(path).relative_to(self.root))
            except ValueError:
                return path.name
        return str(path)
