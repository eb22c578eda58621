"""Reading decks and writing them back atomically, never over a concurrent edit."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
import tempfile

from .errors import ConcurrentEdit, DeckError

__all__ = [
    "DECK_SUFFIXES",
    "TEMP_PREFIX",
    "find_decks",
    "is_folder_deck",
    "read_bytes",
    "write_atomic",
]

TEMP_PREFIX = ".mdslides-prompts-"
"""Prefix of our temporary files, so watchers can ignore them."""

DECK_SUFFIXES = (".md", ".markdown", ".mdown", ".markdn", ".qmd", ".rmd")
"""File endings picked up when a folder is given."""

_SKIP_DIRS = {"node_modules", "__pycache__", "site-packages"}


def is_folder_deck(relative: Path) -> bool:
    """Whether a file at *relative* (to a folder given by the user) is taken as a deck:
    a Markdown ending, and no hidden or dependency folder on the way."""
    if relative.suffix.lower() not in DECK_SUFFIXES:
        return False
    return not any(part.startswith(".") or part in _SKIP_DIRS for part in relative.parts[:-1])


def find_decks(folder: Path) -> list[Path]:
    """The files under *folder* that :func:`is_folder_deck` takes, sorted."""
    return [
        file
        for file in sorted(folder.rglob("*"))
        if is_folder_deck(file.relative_to(folder)) and file.is_file()
    ]


def read_bytes(path: Path) -> bytes:
    """Read *path*, turning OS errors into :class:`DeckError`."""
    data = _current(path)
    if data is None:
        raise DeckError("no such file", path)
    return data


def write_atomic(path: Path, data: bytes, *, expected: bytes | None = None) -> bool:
    """Write *data* to *path* through a temporary file and :func:`os.replace`.

    Nothing is written when the file already holds *data* (returns ``False``). When
    *expected* is given and the file no longer holds it, the author edited it meanwhile:
    raise :class:`ConcurrentEdit` and leave it alone. The file's permission bits are kept,
    and a symbolic link stays one: the file it points to is written.
    """
    target = Path(os.path.realpath(path))
    current = _current(target)
    if current == data:
        return False
    if expected is not None and current != expected:
        raise _concurrent(path)
    directory = target.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=directory)
    except OSError as exc:
        raise DeckError(f"cannot write in {directory}: {exc.strerror or exc}", path) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            tmp.chmod(target.stat().st_mode & 0o7777)
        # Look again right before the rename: an author who saved while the temporary
        # file was written and synced keeps the edit (the window left is microseconds).
        if expected is not None and _current(target) != expected:
            raise _concurrent(path)
        tmp.replace(target)
    except (OSError, DeckError) as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, DeckError):
            raise
        raise DeckError(f"cannot write: {exc.strerror or exc}", path) from None
    return True


def _current(path: Path) -> bytes | None:
    """What *path* holds now, or ``None`` if there is no such file."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise DeckError("is a directory", path) from None
    except OSError as exc:
        raise DeckError(f"cannot read: {exc.strerror or exc}", path) from None


def _concurrent(path: Path) -> ConcurrentEdit:
    return ConcurrentEdit("changed on disk while prompts were being made; not written", path)
