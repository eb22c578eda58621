"""Watch mode: keep the prompts of decks current while their author edits them.

The design is mkdocs' livereload loop. A watchdog observer thread only *marks* deck paths
dirty; one asyncio loop waits until the edits stop (:attr:`Watcher.debounce` seconds of
quiet, at most :attr:`Watcher.max_delay` after the first edit) and then runs the
pipeline on each dirty deck. Each deck runs with the configuration that applies to it,
as ``run`` gives it (a :class:`~mdslides_prompts.workspace.Workspace`: config files, the
deck's own block, the environment, the options), read again on each run, so that an
edit of a config file or of the deck's block applies from the deck's next save. One
provider serves every deck that asks for the same one, for the whole session, so its
HTTP client, pacing and rate-limit pauses carry over from one run to the next; the cache
answers every slide whose request did not change, so only edited slides cost a request.

Three rules keep the author's text safe and the loop quiet:

- **Our own write is recognised by content.** After each run the watcher remembers the
  SHA-256 of the bytes the deck now holds (what it wrote, or what it read and left
  alone); an event whose file hashes to it is not an edit and starts nothing.
- **The newest text wins.** The deck is written only if the file still holds the bytes
  the run read (:func:`~mdslides_prompts.fileio.write_atomic`'s check). If the author
  saved meanwhile, nothing is written and the deck runs again on the newest text; the
  cache makes that cheap.
- **Errors never stop watching.** A deck that cannot be read, detected, split or written,
  or whose slides fail at the provider, is reported as an event; the next save retries.

With ``images``, a deck's pictures come after its prompts, once the deck has been quiet
for :attr:`Watcher.image_quiet` seconds (so never for a slide still being edited: each
save puts them off again); the pass reads the deck again and writes it only if it still
holds those bytes, as a prompt run does.

The library never prints: everything is reported through the ``on_event`` callback as
one of the :data:`WatchEvent` dataclasses, which the CLI renders.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
import contextlib
from dataclasses import dataclass
import hashlib
import os
from pathlib import Path
import threading
import time
from typing import TypeVar

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from .config import Settings
from .deck import Deck
from .errors import DeckError, MdSlidesError
from .fileio import TEMP_PREFIX, find_decks, is_folder_deck, read_current
from .illustrate import DeckPictures, Illustrator, write_sheet
from .outcomes import DeckReport
from .pipeline import Pipeline
from .providers.base import Provider
from .providers.pictures import ImageProvider
from .workspace import Workspace

__all__ = [
    "DeckFailed",
    "DeckGone",
    "DeckRun",
    "DeckSkipped",
    "NoChange",
    "PicturesPlaced",
    "WatchEvent",
    "Watcher",
    "Watching",
    "is_editor_file",
]

DEBOUNCE = 0.2
"""Seconds of quiet after the last edit before a deck runs."""
MAX_DELAY = 1.5
"""Longest a deck waits after its first unhandled edit while edits keep coming."""
IMAGE_QUIET = 3.0
"""Seconds a deck must be left alone after its prompts before its pictures are made."""

_EVENT_TYPES = frozenset({"created", "modified", "moved", "deleted", "closed", "attrib"})
"""Events that may change a file's content; ``opened`` and ``closed_no_write`` (our own
reads among them) cannot."""


@dataclass(frozen=True, slots=True)
class Watching:
    """The first pass is done and the watcher waits for edits."""

    paths: tuple[Path, ...]
    """The files and folders watched, as absolute paths."""
    decks: tuple[Path, ...]
    """The decks found in them so far."""


@dataclass(frozen=True, slots=True)
class DeckRun:
    """A deck went through the pipeline."""

    path: Path
    """The deck."""
    report: DeckReport
    """What the run did, slide by slide, and whether the file was written."""
    seconds: float
    """How long the run took (reading to writing)."""
    superseded: bool = False
    """The author saved while the run was working, so nothing was written; the deck
    runs again on the newest text."""


@dataclass(frozen=True, slots=True)
class DeckFailed:
    """A deck could not be run (unreadable, unrecognised, split or write refused, ...)."""

    path: Path
    """The deck."""
    error: str
    """One line saying why; usually starts with the deck's path."""


@dataclass(frozen=True, slots=True)
class DeckSkipped:
    """A file in a watched folder is not a deck of a known format; it is left alone."""

    path: Path
    """The file."""


@dataclass(frozen=True, slots=True)
class DeckGone:
    """A watched deck no longer exists; it runs again if it comes back."""

    path: Path
    """The deck."""


@dataclass(frozen=True, slots=True)
class NoChange:
    """An event came for a deck whose bytes are the ones the last run left."""

    path: Path
    """The deck."""
    ours: bool
    """Whether those bytes are the ones the watcher wrote (the event was our own write)."""


@dataclass(frozen=True, slots=True)
class PicturesPlaced:
    """A deck's pictures were brought up to date (``images``)."""

    path: Path
    """The deck."""
    result: DeckPictures
    """What happened to each slide's picture, and whether the deck was written."""
    seconds: float
    """How long it took."""


WatchEvent = Watching | DeckRun | DeckFailed | DeckSkipped | DeckGone | NoChange | PicturesPlaced
"""Everything a :class:`Watcher` reports."""


def is_editor_file(name: str) -> bool:
    """Whether the file *name* is an editor's swap, backup, lock or probe file, or ours.

    Vim writes ``.name.swp`` swap files, ``name~`` backups and a ``4913`` probe; Emacs
    ``.#name`` locks and ``#name#`` autosaves; JetBrains IDEs ``name___jb_tmp___`` and
    ``name___jb_old___``; we write ``.mdslides-prompts-*.tmp``.
    """
    return (
        name.startswith((".#", "#", TEMP_PREFIX))
        or name.endswith(("~", ".swp", ".swx", ".swo", "___jb_tmp___", "___jb_old___"))
        or name == "4913"
    )


@dataclass(frozen=True, slots=True)
class _Known:
    """What a deck held when its last run ended."""

    digest: str
    """SHA-256 of the file's bytes."""
    signature: tuple[int, ...] | None
    """The file's inode, size and times then: tells a resave of the same bytes from the
    event of the write that produced them."""
    clean: bool
    """The run left nothing to retry (no failed slide, no error)."""
    ours: bool
    """The bytes are the ones the watcher wrote."""


def _signature(stat: os.stat_result) -> tuple[int, ...]:
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def _snapshot(path: Path) -> tuple[bytes, tuple[int, ...]] | None:
    """The file's bytes and signature, read from one open file; ``None`` if it is gone.

    :raises DeckError: as :func:`~mdslides_prompts.fileio.read_current` does (a FIFO or a
        huge file is refused, never waited on or read whole)
    """
    found = read_current(path)
    return None if found is None else (found[0], _signature(found[1]))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Handler(FileSystemEventHandler):
    """Runs on the observer's thread: maps an event to deck paths and marks them, nothing
    more (no reading, no parsing, no waiting)."""

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in _EVENT_TYPES:
            return
        # A rename-save moves a temporary file onto the deck (dest_path); a backup rename
        # moves the deck away (src_path): both are edits of the deck.
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            deck = self.watcher.deck_for(os.fsdecode(raw)) if raw else None
            if deck is not None:
                self.watcher.mark(deck)


class Watcher:
    """Watches decks and reruns the pipeline on each one its author edits.

    :param workspace: gives each deck its settings and pipeline (a
        :class:`~mdslides_prompts.pipeline.Pipeline` runs every deck with its settings)
    :param paths: deck files, and folders whose decks (by file ending, then by detection,
        as ``run`` picks them) are watched, new ones included
    :param on_event: called with each :data:`WatchEvent`, from the thread running
        :meth:`run`
    :param debounce: seconds of quiet after the last edit before a deck runs
    :param max_delay: longest a deck waits after its first edit while edits keep coming
    :param images: also give the decks' slides their pictures, :attr:`image_quiet`
        seconds after their last edit
    :param image_quiet: seconds of quiet after a deck's prompt run before its pictures
    :param refresh: replace pictures placed for an earlier prompt (see
        :class:`~mdslides_prompts.illustrate.Illustrator`)
    :param sheet: with *images*, write each deck's contact sheet (``talk.sheet.html``)
        after each pass
    :raises DeckError: if a path does not exist
    """

    def __init__(
        self,
        workspace: Workspace | Pipeline,
        paths: Iterable[Path],
        *,
        on_event: Callable[[WatchEvent], None] | None = None,
        debounce: float = DEBOUNCE,
        max_delay: float = MAX_DELAY,
        images: bool = False,
        image_quiet: float = IMAGE_QUIET,
        refresh: bool = False,
        sheet: bool = False,
    ) -> None:
        self.workspace = workspace
        self.images = images
        self.image_quiet = image_quiet
        self.refresh = refresh
        self.sheet = sheet
        self.on_event = on_event or (lambda event: None)
        self.debounce = debounce
        self.max_delay = max(max_delay, debounce)
        files: list[Path] = []
        folders: list[Path] = []
        for given in paths:
            if given.is_dir():
                folders.append(given.resolve())
            elif given.is_file():
                # Resolve the folder, not the file: events name the folder's real path
                # (macOS reports /private/var for /var), and a symlinked deck stays one.
                files.append(given.absolute().parent.resolve() / given.name)
            else:
                raise DeckError("no such file or folder", given)
        self.files = tuple(dict.fromkeys(files))
        """The deck files watched."""
        self.folders = tuple(dict.fromkeys(folders))
        """The folders watched, recursively."""
        self._lock = threading.Lock()
        self._dirty: set[Path] = set()
        self._first = 0.0
        self._last = 0.0
        self._known: dict[Path, _Known] = {}
        self._decks: set[Path] = set(self.files)
        self._reported: dict[Path, type] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = False
        self._providers: list[tuple[tuple[object, ...], Provider]] = []
        self._image_providers: list[tuple[tuple[object, ...], ImageProvider]] = []
        self._picture_due: dict[Path, float] = {}
        self._pictures_task: asyncio.Task[None] | None = None

    # --- called from the observer's thread ------------------------------------------------

    def deck_for(self, name: str) -> Path | None:
        """The watched deck an event on the file *name* concerns, or ``None``."""
        path = Path(name)
        if path in self.files:
            return path
        if not self.folders or is_editor_file(path.name):
            return None
        for folder in self.folders:
            if path.is_relative_to(folder) and is_folder_deck(path.relative_to(folder)):
                return path
        return None

    def mark(self, path: Path) -> None:
        """Mark *path* dirty: it runs once edits have been quiet for :attr:`debounce`."""
        with self._lock:
            now = time.monotonic()
            if not self._dirty:
                self._first = now
            self._dirty.add(path)
            self._last = now
            loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed: we are stopping
                loop.call_soon_threadsafe(wake.set)

    # --- running ------------------------------------------------------------------------

    def run(self) -> None:
        """Run the first pass over every deck, then watch until :meth:`stop` is called.

        Blocks. In the main thread, Ctrl-C cancels the run in progress, stops watching
        and raises :class:`KeyboardInterrupt`, as :func:`asyncio.run` does.

        :raises MdSlidesError: if the provider the configuration of a path given calls
            for cannot be created (bad settings, missing credentials)
        """
        try:
            asyncio.run(self._main())
        except asyncio.CancelledError:
            if not self._stopping:
                raise

    def stop(self) -> None:
        """Stop :meth:`run`, cancelling a run in progress; safe from any thread."""
        with self._lock:
            self._stopping = True
            loop, task = self._loop, self._task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(task.cancel)

    async def _main(self) -> None:
        observer: BaseObserver | None = None
        try:
            # A provider that cannot be made for a path given stops the session now,
            # not at the first deck.
            for given in (*self.files, *self.folders):
                self._provider(self._reader(given if given.is_dir() else given.parent))
            with self._lock:
                if self._stopping:
                    return
                self._loop = asyncio.get_running_loop()
                self._task = asyncio.current_task()
                self._wake = asyncio.Event()
            # Watch first, then read: an edit made during the first pass is not missed.
            observer = self._observe()
            first = list(self.files)
            for folder in self.folders:
                first.extend(self._candidates(folder))
            if self.images:
                self._pictures_task = asyncio.create_task(self._pictures())
            for path in dict.fromkeys(first):
                await self._update(path)
            self._emit(Watching((*self.files, *self.folders), tuple(sorted(self._decks))))
            await self._watch()
        finally:
            with self._lock:
                self._loop = None
                self._task = None
            if observer is not None:
                observer.stop()
            if self._pictures_task is not None:
                self._pictures_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._pictures_task
            providers, self._providers = self._providers, []
            for _, provider in providers:
                await provider.aclose()
            pictures, self._image_providers = self._image_providers, []
            for _, maker in pictures:
                await maker.aclose()
            if observer is not None and observer.is_alive():
                observer.join(timeout=1)

    def _observe(self) -> BaseObserver:
        """Start an observer on the files' folders and on the folders, recursively."""
        observer = Observer()
        handler = _Handler(self)
        watches = [(path.parent, False) for path in self.files]
        watches += [(folder, True) for folder in self.folders]
        for folder, recursive in dict.fromkeys(watches):
            try:
                observer.schedule(handler, str(folder), recursive=recursive)
            except OSError as exc:  # e.g. the inotify watch limit
                raise DeckError(f"cannot watch: {exc.strerror or exc}", folder) from None
        try:
            observer.start()
        except OSError as exc:
            where = ", ".join(str(folder) for folder, _ in watches)
            raise DeckError(f"cannot watch {where}: {exc.strerror or exc}") from None
        return observer

    def _candidates(self, folder: Path) -> list[Path]:
        return [path for path in find_decks(folder) if not is_editor_file(path.name)]

    async def _watch(self) -> None:
        wake = self._wake
        assert wake is not None
        while True:
            await wake.wait()
            wake.clear()
            batch = await self._quiet_batch()
            if isinstance(self.workspace, Workspace):
                self.workspace.refresh()
            for path in batch:
                await self._update(path)

    def _reader(self, folder: Path) -> Pipeline:
        if isinstance(self.workspace, Pipeline):
            return self.workspace
        return self.workspace.reader(folder)

    def _open(self, deck: Deck) -> tuple[Deck, Pipeline]:
        if isinstance(self.workspace, Pipeline):
            return self.workspace.parse(deck), self.workspace
        return self.workspace.open(deck)

    def _provider(self, pipeline: Pipeline) -> Provider:
        """The session's provider for *pipeline*'s settings, made on first use."""
        return _session(self._providers, _provider_key(pipeline.settings), pipeline.open_provider)

    async def _quiet_batch(self) -> list[Path]:
        """Wait until the edits are quiet (or have waited long enough); take the dirty set."""
        while True:
            with self._lock:
                if not self._dirty:
                    return []
                now = time.monotonic()
                due = min(self._last + self.debounce, self._first + self.max_delay)
                if due <= now:
                    batch = sorted(self._dirty)
                    self._dirty.clear()
                    return batch
            await asyncio.sleep(due - now)

    async def _update(self, path: Path) -> None:
        """Bring one deck up to date, or say why not."""
        try:
            snapshot = _snapshot(path)
        except DeckError as exc:
            self._known.pop(path, None)
            self._fail(path, str(exc))
            return
        if snapshot is None:
            self._known.pop(path, None)
            if path in self._decks or path in self.files:
                self._decks.discard(path)
                self._once(path, DeckGone(path))
            else:
                self._reported.pop(path, None)
            return
        data, signature = snapshot
        digest = _digest(data)
        known = self._known.get(path)
        # The bytes the last run left: nothing to do, unless that run left failures to
        # retry and this is a new save of them (not the event of the write that made them).
        if (
            known is not None
            and known.digest == digest
            and (known.clean or known.signature == signature)
        ):
            self._emit(NoChange(path, known.ours))
            return
        with self._lock:
            self._picture_due.pop(path, None)  # an edit puts its pictures off
        try:
            deck = Deck.from_bytes(data, path)
            # A folder's file: is it a deck at all? (An uncertain one fails below.)
            reader = self._reader(path.parent)
            if (
                path not in self.files
                and reader.settings.format is None
                and reader.detect(deck).format is None
            ):
                self._decks.discard(path)
                self._known[path] = _Known(digest, signature, clean=True, ours=False)
                self._once(path, DeckSkipped(path))
                return
            self._decks.add(path)
            started = time.monotonic()
            deck, pipeline = self._open(deck)
            provider = self._provider(pipeline)
            [report] = await pipeline.arun([deck], lambda _: path, provider=provider)
        except MdSlidesError as exc:
            self._known[path] = _Known(digest, signature, clean=False, ours=False)
            self._fail(path, str(exc))
            return
        except Exception as exc:  # a plugin's bug must not end the session
            self._known[path] = _Known(digest, signature, clean=False, ours=False)
            self._fail(path, f"{path}: {type(exc).__name__}: {exc}")
            return
        seconds = time.monotonic() - started
        self._reported.pop(path, None)
        clean = not report.failed and not report.error
        superseded = False
        if report.written:
            written = deck.to_bytes(report.text)
            self._known[path] = _Known(_digest(written), _stat(path), clean=clean, ours=True)
        elif report.error:
            now = _snapshot_digest(path)
            superseded = now != digest
            self._known[path] = _Known(digest, signature, clean=False, ours=False)
            if superseded:
                self.mark(path)  # the author's save also marks it; this makes sure
        else:
            ours = known is not None and known.ours and known.digest == digest
            self._known[path] = _Known(digest, signature, clean=clean, ours=ours)
        self._emit(DeckRun(path, report, seconds, superseded))
        if self.images and not superseded:
            with self._lock:
                self._picture_due[path] = time.monotonic() + self.image_quiet

    # --- pictures -------------------------------------------------------------------------

    def _image_provider(self, pipeline: Pipeline) -> ImageProvider:
        """The session's image provider for *pipeline*'s settings, made on first use."""
        want = (pipeline.image_provider_name(), *_provider_key(pipeline.settings))
        return _session(self._image_providers, want, pipeline.open_image_provider)

    async def _pictures(self) -> None:
        """Give each deck its pictures once it has been quiet for :attr:`image_quiet`."""
        while True:
            with self._lock:
                now = time.monotonic()
                due = sorted((when, path) for path, when in self._picture_due.items())
                ready = [path for when, path in due if when <= now]
                for path in ready:
                    del self._picture_due[path]
            for path in ready:
                await self._picture(path)
            later = [when for when, _ in due if when > now]
            await asyncio.sleep(min(later) - now if later else 0.1)

    async def _picture(self, path: Path) -> None:
        """Bring one deck's pictures up to date, if it still holds what its run left."""
        known = self._known.get(path)
        try:
            snapshot = _snapshot(path)
            if snapshot is None or known is None or _digest(snapshot[0]) != known.digest:
                return  # edited since: its next run schedules the pictures again
            started = time.monotonic()
            deck, pipeline = self._open(Deck.from_bytes(snapshot[0], path))
            illustrator = Illustrator(
                pipeline, self._image_provider(pipeline), refresh=self.refresh
            )
            [result] = await illustrator.arun([deck], lambda _: path)
        except MdSlidesError as exc:
            self._fail(path, str(exc))
            return
        except Exception as exc:  # a plugin's bug must not end the session
            self._fail(path, f"{path}: {type(exc).__name__}: {exc}")
            return
        if result.written:
            written = deck.to_bytes(result.text)
            self._known[path] = _Known(_digest(written), _stat(path), clean=known.clean, ours=True)
        if self.sheet:
            try:
                await asyncio.to_thread(write_sheet, pipeline, result)
            except MdSlidesError as exc:
                self._fail(path, f"{path}: contact sheet not written: {exc}")
        self._emit(PicturesPlaced(path, result, time.monotonic() - started))

    def _fail(self, path: Path, error: str) -> None:
        self._reported.pop(path, None)
        self._emit(DeckFailed(path, error))

    def _once(self, path: Path, event: DeckSkipped | DeckGone) -> None:
        """Report a state a deck stays in once, not on every event while it stays there."""
        if self._reported.get(path) is not type(event):
            self._reported[path] = type(event)
            self._emit(event)

    def _emit(self, event: WatchEvent) -> None:
        self.on_event(event)


def _stat(path: Path) -> tuple[int, ...] | None:
    try:
        return _signature(path.stat())
    except OSError:
        return None


def _snapshot_digest(path: Path) -> str | None:
    try:
        snapshot = _snapshot(path)
    except DeckError:
        return None
    return _digest(snapshot[0]) if snapshot is not None else None


_P = TypeVar("_P")


def _session(made: list[tuple[tuple[object, ...], _P]], key: tuple[object, ...],
             make: Callable[[], _P]) -> _P:  # fmt: skip
    """The provider in *made* under *key*, made (and kept there) on first use."""
    for have, provider in made:
        if have == key:
            return provider
    provider = make()
    made.append((key, provider))
    return provider


def _provider_key(settings: Settings) -> tuple[object, ...]:
    """What decides which provider serves a run: decks that differ only in style, mode
    or slide lists share one."""
    return (
        settings.provider,
        settings.model,
        sorted(settings.params.items()),
        sorted(settings.provider_options.items()),
        settings.cache_only,
    )
