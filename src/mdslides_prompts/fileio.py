"""Reading decks and writing them back atomically, never over a concurrent edit."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
import tempfile

from .errors import ConcurrentEdit, DeckError

__all__ = ["TEMP_PREFIX", "read_bytes", "write_atomic"]

TEMP_PREFIX = ".mdslides-prompts-"
"""Prefix of our temporary files, so watchers can ignore them."""


def read_bytes(path: Path) -> bytes:
    """Read *path*, turning OS errors into :class:`DeckError`."""
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise DeckError("is a directory", path) from None
    except FileNotFoundError:
        raise DeckError("no such file", path) from None
    except OSError as exc:
        raise DeckError(f"cannot read: {exc.strerror or exc}", path) from None


def write_atomic(path: Path, data: bytes, *, expected: bytes | None = None) -> bool:
    """Write *data* to *path* through a temporary file and :func:`os.replace`.

    Nothing is written when the file already holds *data* (returns ``False``). When
    *expected* is given and the file no longer holds it, the author edited it meanwhile:
    raise :class:`ConcurrentEdit` and leave it alone. The file's permission bits are kept.
    """
    try:
        current: bytes | None = path.read_bytes()
    except FileNotFoundError:
        current = None
    except OSError as exc:
        raise DeckError(f"cannot read: {exc.strerror or exc}", path) from None
    if current == data:
        return False
    if expected is not None and current != expected:
        raise ConcurrentEdit("changed on disk while prompts were being made; not written", path)
    directory = path.parent
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
            tmp.chmod(path.stat().st_mode & 0o7777)
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise DeckError(f"cannot write: {exc.strerror or exc}", path) from None
    return True
