"""Reading decks and writing them back, never over a concurrent edit or a protected file.

Only regular files are read or written: a FIFO, a device or a socket is refused at once
(it is never opened in a way that can block), and so is a file larger than
:data:`MAX_DECK_BYTES`, before it is read whole. A write replaces the file through a
temporary file and a rename, keeping its owner, group and mode; a file with several hard
links is rewritten in place so that every link sees the new text; a read-only file is
left alone.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
import errno
import os
from pathlib import Path
import re
import secrets
import stat
import time
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import unquote

from .errors import ConcurrentEdit, DeckError
from .lazyre import lazy_pattern

if TYPE_CHECKING:
    from .deck import Deck
    from .outcomes import DeckReport

__all__ = [
    "DECK_SUFFIXES",
    "MAX_DECK_BYTES",
    "STALE_TEMP_SECONDS",
    "TEMP_PREFIX",
    "find_decks",
    "is_folder_deck",
    "is_read_only",
    "picture_found",
    "read_bytes",
    "read_current",
    "read_stream",
    "write_atomic",
    "write_report",
    "write_text",
]

TEMP_PREFIX = ".mdslides-prompts-"
"""Prefix of our temporary files, so watchers can ignore them."""

_TEMP_NAME = lazy_pattern(re.escape(TEMP_PREFIX) + r"[A-Za-z0-9_]+\.tmp")
"""Our temporary files' names: the prefix, random letters and digits, ``.tmp``."""

STALE_TEMP_SECONDS = 3600
"""Age after which a temporary file of ours is a leftover of a killed run: a write keeps
its temporary file for well under a second, so one this old belongs to no running write."""

MAX_DECK_BYTES = 20 * 1024 * 1024
"""Largest deck read (20 MiB); a real deck is a few hundred KiB at most."""

_TOO_LARGE = f"larger than {MAX_DECK_BYTES // (1024 * 1024)} MiB, the most a deck may hold"

DECK_SUFFIXES = (".md", ".markdown", ".mdown", ".markdn", ".qmd", ".rmd")
"""File endings picked up when a folder is given."""

_SKIP_DIRS = {"node_modules", "__pycache__", "site-packages"}

# O_NONBLOCK: opening a FIFO that slipped in between the stat and the open must not wait
# for a writer. O_NOCTTY: a terminal never becomes ours.
_OPEN_FLAGS = os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


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


# --- reading -------------------------------------------------------------------------------


_SCHEME = lazy_pattern(r"[a-z][a-z0-9+.-]*:|//", re.I)
_CSS_URL = lazy_pattern(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.I | re.S)


def picture_found(picture: str, deck_path: Path | None) -> bool:
    """Whether the picture a slide names is there: a URL (``https:``, ``data:``...) or an
    Obsidian ``[[embed]]`` is taken to be; a path must name a file, relative to the deck's
    folder (the working folder for a deck read from stdin), a leading ``/`` also under
    its ``public/`` folder (Slidev's). A missing file is a placeholder for a picture to
    make, not a picture."""
    css = _CSS_URL.search(picture)
    target = (css[2] if css else picture).strip()
    if not target or _SCHEME.match(target) or target.startswith("[["):
        return True
    relative = unquote(re.split(r"[?#]", target, maxsplit=1)[0])
    folder = deck_path.parent if deck_path is not None else Path.cwd()
    candidates = [folder / relative.lstrip("/")]
    if relative.startswith("/"):
        candidates += [folder / "public" / relative.lstrip("/"), Path(relative)]
    try:
        return any(path.is_file() for path in candidates)
    except (OSError, ValueError):  # a name the file system cannot take
        return False


def read_bytes(path: Path) -> bytes:
    """Read the deck at *path* (see :func:`read_current`); a missing file is an error too.

    :raises DeckError: no such file, a symlink loop, not a regular file, larger than
        :data:`MAX_DECK_BYTES`, or unreadable
    """
    found = read_current(path)
    if found is None:
        broken = path.is_symlink()
        raise DeckError(
            "broken symlink (its target does not exist)" if broken else "no such file", path
        )
    return found[0]


def read_current(path: Path) -> tuple[bytes, os.stat_result] | None:
    """The bytes of the regular file at *path* and its status, taken from one open file;
    ``None`` if there is no such file.

    :raises DeckError: a symlink loop, not a regular file, larger than
        :data:`MAX_DECK_BYTES`, or unreadable
    """
    found = _snapshot(path, MAX_DECK_BYTES, "read")
    if found is None:
        return None
    data, status = found
    if data is None:
        raise DeckError(_TOO_LARGE, path)
    return data, status


def read_stream(stream: BinaryIO, name: str = "<stdin>") -> bytes:
    """Read a deck from *stream* (stdin), at most :data:`MAX_DECK_BYTES` of it.

    :raises DeckError: if the stream holds more
    """
    data = stream.read(MAX_DECK_BYTES + 1)
    if len(data) > MAX_DECK_BYTES:
        raise DeckError(f"{name}: {_TOO_LARGE}")
    return data


def _snapshot(path: Path, limit: int, verb: str) -> tuple[bytes | None, os.stat_result] | None:
    """What the regular file at *path* holds (``None`` if more than *limit* bytes) and its
    status; ``None`` if there is no file."""
    try:
        # Look before opening: opening a device can have effects of its own (a tape
        # rewinds, a watchdog starts), and a FIFO's contents are never a deck.
        _require_regular(path.stat(), path)
        fd = os.open(path, os.O_RDONLY | _OPEN_FLAGS)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _os_error(exc, path, verb) from None
    try:
        status = os.fstat(fd)
        _require_regular(status, path)  # replaced between the stat and the open
        data = None if status.st_size > limit else _read_at_most(fd, limit, status.st_size)
    except OSError as exc:
        raise _os_error(exc, path, verb) from None
    finally:
        os.close(fd)
    return data, status


def _read_at_most(fd: int, limit: int, size: int = 0) -> bytes | None:
    """Read *fd* to its end, or ``None`` as soon as it holds more than *limit* bytes (a file
    that grows while it is read stays bounded); *size*: the size it had, read at once (a
    file read in one part is not copied again to join its parts)."""
    parts: list[bytes] = []
    left = limit + 1
    step = min(size + 1, left)
    while left > 0:
        chunk = os.read(fd, min(left, max(step, 1 << 20)))
        step = 0
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        left -= len(chunk)
    return None


def _require_regular(status: os.stat_result, path: Path) -> None:
    if stat.S_ISDIR(status.st_mode):
        raise DeckError("is a directory", path)
    if not stat.S_ISREG(status.st_mode):
        raise DeckError("not a regular file", path)


def _os_error(exc: OSError, path: Path, verb: str) -> DeckError:
    if exc.errno == errno.ELOOP:
        return DeckError("symlink loop", path)
    if exc.errno == errno.EISDIR:
        return DeckError("is a directory", path)
    if exc.errno == errno.ENXIO:  # a socket, or a FIFO without a reader
        return DeckError("not a regular file", path)
    return DeckError(f"cannot {verb}: {exc.strerror or exc}", path)


# --- writing -------------------------------------------------------------------------------


def write_atomic(path: Path, data: bytes, *, expected: bytes | None = None) -> bool:
    """Write *data* to the regular file at *path* (creating it if needed), in one step.

    Nothing is written when the file already holds *data* (returns ``False``). When
    *expected* is given and the file no longer holds it, the author edited it meanwhile:
    raise :class:`ConcurrentEdit` and leave it alone. A read-only file (see
    :func:`is_read_only`) is refused. The file's owner, group and mode are kept, a new file
    gets the mode the umask allows, a symbolic link stays one (the file it points to is
    written), and a file with several hard links is rewritten in place so that every link
    sees the new text. Temporary files of killed runs, in the file's folder, are removed.

    :raises DeckError: read-only, not a regular file, or the write failed (the file is
        left as it was)
    """
    target = Path(os.path.realpath(path))
    # A file larger than this cannot hold data or expected: it differs from both.
    limit = max(MAX_DECK_BYTES, len(data), len(expected or b""))
    found = _snapshot(target, limit, "read")
    current, status = found if found is not None else (None, None)
    if current == data:
        return False
    if expected is not None and current != expected:
        raise _concurrent(path)
    if status is not None and is_read_only(target, status):
        raise DeckError("read-only, not written", path)
    _remove_stale_temps(target.parent)
    if status is not None and (status.st_nlink > 1 or not _can_own(status)):
        # Only a copy to fall back on: private, whatever the deck's mode.
        tmp = _write_temp(target.parent, data, path, like=None, mode=0o600)
        _write_in_place(target, data, current, status, expected, tmp, path)
        return True
    del current  # a large deck's copy: not held while the new one is written and read
    tmp = _write_temp(target.parent, data, path, like=status)
    try:
        # Look again right before the rename: an author who saved while the temporary
        # file was written and synced keeps the edit (the window left is microseconds).
        if expected is not None:
            again = _snapshot(target, limit, "read")
            if again is None or again[0] != expected:
                raise _concurrent(path)
        tmp.replace(target)
    except (OSError, DeckError) as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, DeckError):
            raise
        raise DeckError(f"cannot write: {exc.strerror or exc}", path) from None
    return True


def is_read_only(path: Path, status: os.stat_result) -> bool:
    """Whether the file at *path* (with *status*) is protected against writing, so that no
    run may change it: its owner has no write permission (``chmod a-w``, ``chmod 444``),
    or, for a user other than root, that user may not write it. Root may write any file,
    so for root only the owner's write bit counts."""
    if not status.st_mode & stat.S_IWUSR:
        return True
    if os.geteuid() == 0:
        return False
    return not os.access(path, os.W_OK, effective_ids=os.access in os.supports_effective_ids)


def _can_own(status: os.stat_result) -> bool:
    """Whether a new file of ours can be given the owner and group of the file *status*
    describes (root can; others only their own files, in one of their groups)."""
    uid = os.geteuid()
    if uid == 0:
        return True
    return status.st_uid == uid and (
        status.st_gid == os.getegid() or status.st_gid in os.getgroups()
    )


def _write_temp(
    directory: Path, data: bytes, path: Path, *, like: os.stat_result | None, mode: int = 0o666
) -> Path:
    """A new temporary file in *directory* holding *data*, synced to disk, with the owner,
    group and mode of *like*, else *mode* less the umask (``0666``: what a new file gets)."""
    # Private until it has the deck's owner and mode: the deck may be readable by its
    # owner only.
    create = 0o600 if like is not None else mode
    while True:
        tmp = directory / f"{TEMP_PREFIX}{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, create)
            break
        except FileExistsError:
            continue
        except OSError as exc:
            raise DeckError(f"cannot write in {directory}: {exc.strerror or exc}", path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if like is not None:
                # The owner before the mode: a chown may clear setuid and setgid bits.
                if (like.st_uid, like.st_gid) != (os.geteuid(), os.getegid()):
                    os.fchown(fd, like.st_uid, like.st_gid)
                os.fchmod(fd, stat.S_IMODE(like.st_mode))
            handle.write(data)
            handle.flush()
            os.fsync(fd)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise DeckError(f"cannot write: {exc.strerror or exc}", path) from None
    return tmp


def _write_in_place(
    target: Path,
    data: bytes,
    old: bytes | None,
    status: os.stat_result,
    expected: bytes | None,
    tmp: Path,
    path: Path,
) -> None:
    """Rewrite *target* itself with *data*, so that all its hard links see it (and its
    owner stays, when a new file of ours could not have it); *tmp* holds *data* already.

    Unlike a rename this is not atomic: a crash (power loss, SIGKILL) during the copy can
    leave the file with the new text's beginning and the old text's end. The window is kept
    as small as a rename's: the new text was first written and synced to *tmp*, so a full
    disk or a failing device shows before the deck is touched, and the copy is one write of
    bytes already in memory over the old ones (a deck that grows, as with new prompts, is
    never shorter than either text; a shorter one is padded with line breaks in that same
    write), then a cut to length and an fsync. A copy that fails
    puts *old* back; if even that fails, *tmp* is kept and named, so that no text is lost
    (an hour later it counts as stale and is removed). The concurrent-edit check is the one
    a rename gets: the file must still be the one read, holding *expected*, right before
    the copy.
    """
    keep = False
    try:
        fd = os.open(target, os.O_RDWR | os.O_NOFOLLOW | _OPEN_FLAGS)
        try:
            now = os.fstat(fd)
            _require_regular(now, path)
            same = (now.st_dev, now.st_ino) == (status.st_dev, status.st_ino)
            if expected is not None and (not same or _read_at_most(fd, len(expected)) != expected):
                raise _concurrent(path)
            try:
                _overwrite(fd, data)
            except OSError:
                keep = not _restored(fd, old)
                raise
        finally:
            os.close(fd)
    except OSError as exc:
        kept = f"; it may be damaged: its new text is in {tmp}" if keep else ""
        raise DeckError(f"cannot write: {exc.strerror or exc}{kept}", path) from None
    finally:
        if not keep:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _overwrite(fd: int, data: bytes) -> None:
    """Write *data* over the file *fd* from its start, cut it to length and sync it.

    A shorter text is written padded with line breaks to the file's length, in the same
    write: a kill between that write and the cut leaves the new text followed by blank
    lines, never the new text followed by the end of the old one.
    """
    length = len(data)
    size = os.fstat(fd).st_size
    view = memoryview(data + b"\n" * (size - length) if size > length else data)
    done = 0
    while done < len(view):
        done += os.pwrite(fd, view[done:], done)
    os.ftruncate(fd, length)
    os.fsync(fd)


def _restored(fd: int, old: bytes | None) -> bool:
    """Whether *old* could be written back over the file *fd* after a failed copy."""
    if old is None:
        return False
    try:
        _overwrite(fd, old)
    except OSError:
        return False
    return True


def _remove_stale_temps(directory: Path) -> None:
    """Remove our own temporary files that killed runs left in *directory*: regular files
    with our name pattern, owned by this user, untouched for :data:`STALE_TEMP_SECONDS`
    (a younger one may belong to a run still going on)."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    try:
        entries = [entry for entry in os.scandir(directory) if _TEMP_NAME.fullmatch(entry.name)]
    except OSError:
        return
    for entry in entries:
        with contextlib.suppress(OSError):
            status = entry.stat(follow_symlinks=False)
            if (
                stat.S_ISREG(status.st_mode)
                and status.st_uid == os.geteuid()
                and status.st_mtime < cutoff
            ):
                Path(entry.path).unlink()


def _concurrent(path: Path) -> ConcurrentEdit:
    return ConcurrentEdit("changed on disk while prompts were being made; not written", path)


def write_report(report: DeckReport, path: Path | None) -> DeckReport:
    """*report* with its deck's new text written to *path* (``None``: nowhere): atomically,
    only when it changed, never over an edit made to the deck since it was read; the
    report says where it went, whether a file was written, or why not."""
    if path is None:
        return report
    written, error = write_text(report.deck, report.text, path)
    return replace(report, destination=path, written=written, error=error)


def write_text(deck: Deck, text: str, path: Path) -> tuple[bool, str | None]:
    """Write *deck*'s new *text* to *path* the way :func:`write_report` does: whether a
    file was written, and why not when it could not be."""
    data = deck.to_bytes(text)
    in_place = deck.path is not None and path.resolve() == deck.path.resolve()
    if in_place and text == deck.text:
        return False, None
    expected = deck.to_bytes() if in_place else None
    try:
        return write_atomic(path, data, expected=expected), None
    except DeckError as exc:
        return False, str(exc)
