"""The prompt cache: answers on disk, keyed by everything that decides them.

Each entry holds the prompt and, next to it, what its key was made of (provider, model,
parameters, messages, slide context) plus which deck and slide asked for it and when.
None of it is secret. It lets ``cache explain`` say why a slide misses: which part of
the key differs from the answer last cached for that slide.

The cache is one SQLite database, ``cache.db``, with one table of JSON text::

    CREATE TABLE answers (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)

The folder may come from a repository or a CI cache, so the file is untrusted: nothing
read from it is ever run (no pickle, no file it names), a row that is not JSON text of
the expected shape is a miss and is counted (:attr:`PromptCache.ignored`), and the
tables of the diskcache layout earlier versions wrote, which hold pickles, are never read.
The folder is created ``0700`` and the database files are ``0600``: they hold slide text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
import contextlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
import hashlib
import json
import os
from pathlib import Path
import stat
import threading
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .deck import Deck, Slide
from .errors import CacheError
from .providers.base import PromptRequest, Usage

if TYPE_CHECKING:
    import sqlite3

__all__ = [
    "CACHE_SCHEMA",
    "DB_NAME",
    "IGNORED",
    "CacheEntry",
    "PromptCache",
    "cache_key",
    "entry_meta",
    "key_parts",
]

CACHE_SCHEMA = 1
"""Bumped whenever the meaning of a cached answer changes; old entries are then misses."""

DB_NAME = "cache.db"
"""The database file in the cache folder (SQLite adds ``-wal`` and ``-shm`` beside it)."""

_TABLE = "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)"
_LEGACY = ("cache", "settings")
"""diskcache's tables (names are case-insensitive in SQLite): rows of ``Cache`` are counted
as ignored, never read; ``cache clear`` drops both."""


def key_parts(provider: str, model: str, request: PromptRequest) -> dict[str, Any]:
    """Everything the cache key is made of, as JSON-ready data."""
    return {
        "schema": CACHE_SCHEMA,
        "provider": provider,
        "model": model,
        "params": dict(request.params),
        "messages": [dict(m) for m in request.messages],
        "context": _keyed_context(request),
    }


def _keyed_context(request: PromptRequest) -> dict[str, Any]:
    # visible_text and audience_text are derived from slide_text, which the key holds:
    # leaving them out keeps the keys (and so the cached answers) of earlier versions valid.
    context = asdict(request.context)
    del context["visible_text"], context["audience_text"]
    # A field added since keys were first made is left out while it holds its default:
    # a request without it keeps the key it had before the field existed.
    for name, default in _ADDED_FIELDS.items():
        if context[name] == default or not (context[name] or default):
            del context[name]
    return context


_ADDED_FIELDS: dict[str, Any] = {
    "notes": (), "kind": None, "art_direction": None, "purpose": "slide", "colours": (),
    "placement": None,
}  # fmt: skip


def cache_key(provider: str, model: str, request: PromptRequest) -> str:
    """A SHA-256 over the schema, provider, model, parameters, messages and context.

    Nothing secret is part of a request, so nothing secret is part of the key.
    """
    payload = key_parts(provider, model, request)
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def deck_location(deck: Deck) -> str:
    """How a cache entry names its deck: the file's real path, or the deck's name."""
    return str(deck.path.resolve()) if deck.path is not None else deck.name


def entry_meta(
    deck: Deck, slide: Slide, provider: str, model: str, request: PromptRequest
) -> dict[str, Any]:
    """What is stored next to an answer: the key's parts and the deck and slide it was for."""
    return {
        **key_parts(provider, model, request),
        "deck": deck_location(deck),
        "slide": slide.index,
        "title": slide.title,
    }


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One cached answer with what it was made from."""

    key: str
    """Its cache key."""
    prompt: str
    """The cached prompt."""
    meta: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """The key's parts (see :func:`key_parts`), ``deck``, ``slide``, ``title``, ``created``
    (ISO 8601, UTC) and ``usage``; empty if the entry has none."""


class PromptCache:
    """The cache in *directory*, created if missing (see the module's docstring).

    Safe to share between threads and processes: one connection reads and one writes,
    each behind its own lock, so that a lookup never waits for a write (SQLite's
    write-ahead log lets them overlap, across processes too).
    """

    def __init__(self, directory: Path) -> None:
        import sqlite3  # here, not at the top: a run that needs no lookup never opens it

        self.directory = directory
        self.path = directory / DB_NAME
        self._refused: set[object] = set()
        self._locks = {False: threading.Lock(), True: threading.Lock()}
        try:
            _private_folder(directory)
            _regular_files(self.path)
            _ours_or_new(self.path)
            _private_files(self.path)
            writer = _connect(self.path)
        except (OSError, sqlite3.Error) as exc:
            raise self._error("open", exc) from None
        try:
            self._legacy = _prepare(writer)
            [(rows,)] = (
                writer.execute('SELECT count(*) FROM "Cache"').fetchall()
                if "cache" in self._legacy
                else [(0,)]
            )
            self._legacy_rows = int(rows)
            self._dbs = {False: _connect(self.path), True: writer}
        except sqlite3.Error as exc:
            writer.close()
            raise self._error("open", exc) from None

    @staticmethod
    def exists(directory: Path) -> bool:
        """Whether *directory* holds a cache (opening one creates it)."""
        return (directory / DB_NAME).is_file()

    def _error(self, what: str, exc: Exception) -> CacheError:
        return CacheError(f"cannot {what} the prompt cache in {self.directory}: {exc}")

    def _run(self, what: str, sql: str, args: tuple[object, ...] = ()) -> list[Any]:
        """The rows *sql* returns, errors as :class:`CacheError` (*what* names the use:
        ``read``, or ``write`` and ``clear``, which take the writing connection)."""
        import sqlite3

        write = what != "read"
        with self._locks[write]:
            try:
                return self._dbs[write].execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise self._error(what, exc) from None

    @property
    def ignored(self) -> int:
        """Rows refused so far, because they are not JSON text of the expected shape (all
        of them once :meth:`entries` ran), plus the rows of diskcache's table."""
        return len(self._refused) + self._legacy_rows

    def warning(self) -> str | None:
        """One line about the rows :attr:`ignored`, or ``None`` if there were none."""
        if not self.ignored:
            return None
        return (
            f"{self.path}: ignored cached answers that are {IGNORED} (written by an earlier "
            "version, or tampered with; nothing in them was run); "
            "`mdslides-prompts cache clear` removes them"
        )

    def get(self, key: str) -> str | None:
        """The cached prompt for *key*, or ``None``."""
        entry = self.entry(key)
        return entry.prompt if entry is not None else None

    def entry(self, key: str) -> CacheEntry | None:
        """The cached entry for *key*, or ``None`` (also when its row is refused)."""
        rows = self._run("read", "SELECT value FROM answers WHERE key = ?", (key,))
        return self._checked(key, rows[0][0]) if rows else None

    def _checked(self, key: object, value: object) -> CacheEntry | None:
        entry = _entry(key, value)
        if entry is None:
            self._refused.add(key)  # str, bytes, int, float or None: what SQLite holds
        return entry

    def put(
        self,
        key: str,
        prompt: str,
        meta: Mapping[str, Any] | None = None,
        usage: Usage | None = None,
    ) -> None:
        """Remember *prompt* under *key*, with *meta* (see :func:`entry_meta`) beside it."""
        value: dict[str, Any] = {"prompt": prompt, "meta": dict(meta or {})}
        value["meta"]["created"] = datetime.now(UTC).isoformat(timespec="seconds")
        if usage is not None:
            value["meta"]["usage"] = asdict(usage)
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        self._run("write", "INSERT OR REPLACE INTO answers (key, value) VALUES (?, ?)", (key, text))

    def entries(self) -> Iterator[CacheEntry]:
        """Every entry, in no particular order; refused rows are counted (all of them,
        before the first entry is given), not given."""
        rows = self._run("read", "SELECT key, value FROM answers")
        checked = [self._checked(key, value) for key, value in rows]
        yield from (entry for entry in checked if entry is not None)

    def volume(self) -> int:
        """Bytes the cache takes on disk."""
        [(pages,)] = self._run("read", "PRAGMA page_count")
        [(size,)] = self._run("read", "PRAGMA page_size")
        return int(pages) * int(size)

    def clear(self) -> int:
        """Remove every entry, refused rows and diskcache's tables too; return how many
        rows there were."""
        [(count,)] = self._run("clear", "SELECT count(*) FROM answers")
        removed = int(count) + self._legacy_rows
        self._run("clear", "DELETE FROM answers")
        for table in self._legacy:
            self._run("clear", f'DROP TABLE IF EXISTS "{table}"')
        self._legacy, self._legacy_rows = (), 0
        self._refused.clear()
        return removed

    def __len__(self) -> int:
        [(count,)] = self._run("read", "SELECT count(*) FROM answers")
        return int(count)

    def close(self) -> None:
        """Close the database."""
        for write, db in self._dbs.items():
            with self._locks[write]:
                db.close()


IGNORED = "not plain JSON"
"""How :meth:`PromptCache.warning` and ``cache clear`` call the rows they ignore."""


def _private_folder(directory: Path) -> None:
    """Create *directory* ``0700`` whatever the umask; an existing one is left as it is."""
    try:
        directory.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        return
    directory.chmod(0o700)


_OURS = frozenset({"answers", *_LEGACY})


def _ours_or_new(db: Path) -> None:
    """Refuse, before touching it, a ``cache.db`` that holds tables of another program
    (a ``cache-dir`` pointed at the wrong folder): its mode and journal are not ours."""
    import sqlite3

    if not db.is_file() or db.is_symlink() or db.stat().st_size == 0:
        return
    probe = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        rows = probe.execute(
            "SELECT lower(name) FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    finally:
        probe.close()
    others = sorted({name for (name,) in rows} - _OURS)
    if others:
        raise CacheError(
            f"{db}: holds other tables ({', '.join(others)}), not a prompt cache; "
            "choose another cache-dir"
        )


def _db_files(db: Path) -> tuple[Path, ...]:
    return (db, *(db.with_name(db.name + end) for end in ("-wal", "-shm", "-journal")))


def _regular_files(db: Path) -> None:
    """Refuse a database file that is a link or not a regular file, which SQLite would
    follow and write through."""
    for path in _db_files(db):
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(mode):
            raise CacheError(f"{path}: not a regular file; the prompt cache will not use it")


def _private_files(db: Path) -> None:
    """Make the database files ``0600`` (SQLite gives its ``-wal`` and ``-shm`` files the
    database's mode), creating the database so whatever the umask."""
    for path in _db_files(db):
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        if mode & 0o077:
            with contextlib.suppress(PermissionError):  # not ours: read it, leave it be
                path.chmod(0o600)
    with contextlib.suppress(FileExistsError):
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        os.close(os.open(db, flags, 0o600))
        db.chmod(0o600)  # whatever the umask


def _connect(path: Path) -> sqlite3.Connection:
    import sqlite3

    db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA trusted_schema = OFF")  # a crafted schema's triggers and views
    db.execute("PRAGMA synchronous = NORMAL")  # with the write-ahead log: durable enough
    return db


def _prepare(db: sqlite3.Connection) -> tuple[str, ...]:
    """Create the table if needed; return the diskcache tables the file holds."""
    import sqlite3

    kinds = dict(db.execute("SELECT lower(name), type FROM sqlite_master").fetchall())
    if kinds.get("answers", "table") != "table":
        raise sqlite3.DatabaseError(f"{DB_NAME} is not a prompt cache ('answers' is no table)")
    if "answers" not in kinds:
        db.execute("PRAGMA auto_vacuum = FULL")  # only takes effect before the first table
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(_TABLE)
    return tuple(name for name in _LEGACY if kinds.get(name) == "table")


def _entry(key: object, value: object) -> CacheEntry | None:
    """The entry a row holds, or ``None`` unless it is JSON text of the expected shape."""
    if not isinstance(key, str) or not isinstance(value, str):
        return None
    try:
        data = json.loads(value)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("prompt"), str):
        return None
    meta = data.get("meta", {})
    if not isinstance(meta, dict) or not _meta_ok(meta):
        return None
    return CacheEntry(key, data["prompt"], MappingProxyType(meta))


_META_TYPES: dict[str, type | tuple[type, ...]] = {
    "params": dict, "context": dict, "messages": list, "usage": dict,
    "provider": str, "model": str, "deck": str, "title": (str, type(None)),
    "slide": int, "created": str, "schema": int,
}  # fmt: skip


def _meta_ok(meta: dict[str, Any]) -> bool:
    """Whether every field of *meta* that is there has the type its readers expect."""
    if any(k in meta and not isinstance(meta[k], t) for k, t in _META_TYPES.items()):
        return False
    usage = meta.get("usage", {})
    messages = meta.get("messages", [])
    return all(isinstance(v, int) for v in usage.values()) and all(
        isinstance(m, dict) and all(isinstance(v, str) for v in m.values()) for m in messages
    )
