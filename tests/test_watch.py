"""Watch mode with real files, real filesystem events and a real HTTP server.

Each test starts a :class:`Watcher` in a thread on a temporary deck, edits the deck the
way editors save, and waits (short polling, generous timeouts) for the events the
watcher reports and the requests the local server (tests/http_server.py) records.
Nothing about watchdog is mocked; the server's latency is raised where a test needs a
request to be in flight.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
import errno
import os
from pathlib import Path
import re
import signal
import subprocess
import sys
import threading
import time
from types import MappingProxyType
from typing import TypeVar

import pytest

from mdslides_prompts import (
    Action,
    ConcurrentEdit,
    DeckError,
    Pipeline,
    Settings,
    Status,
    get_plugin_manager,
)
from mdslides_prompts.cli import main
from mdslides_prompts.fileio import write_atomic
from mdslides_prompts.watch import (
    DeckFailed,
    DeckGone,
    DeckRun,
    DeckSkipped,
    NoChange,
    Watcher,
    WatchEvent,
    Watching,
    is_editor_file,
)
from mdslides_prompts.workspace import Workspace

from .http_server import (
    Recorded,
    Reply,
    ScriptedServer,
    asks_art,
    chat,
    serve,
    slide_of,
    slide_posts,
)

DECK = """\
---
marp: true
title: Watch drill
---

# Glaciers

Ice that flows.

---

# Moraines

Rocks left behind.

---

# Meltwater

Rivers from ice.
"""
ART = "flat vector illustration, navy and white palette, soft light, calm mood"
"""The deck's art direction, as the local server answers it."""
TIMEOUT = 15.0
"""Longest any condition is waited for; a passing test waits far less."""

E = TypeVar("E", bound=WatchEvent)


@dataclass
class Api:
    """What the local server does, changeable while a test runs."""

    delay: float = 0.0
    down: bool = False

    def script(self, request: Recorded) -> Reply:
        if self.down:
            return Reply(503, b"Service Unavailable")
        answer = ART if asks_art(request) else f"An illustration of {slide_of(request)}, soft light"
        reply = chat(answer)
        reply.delay = self.delay
        return reply


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Api, ScriptedServer]]:
    state = Api()
    with serve(state.script) as server:
        monkeypatch.setenv("INFOMANIAK_API_TOKEN", "tok-watch")
        monkeypatch.setenv("INFOMANIAK_PRODUCT_ID", "105432")
        monkeypatch.setenv("INFOMANIAK_BASE_URL", server.url)
        yield state, server


def asked(server: ScriptedServer) -> tuple[int, list[str]]:
    """What *server* was asked: how many art directions, and the slides, in order."""
    posts = server.posts
    return sum(map(asks_art, posts)), [slide_of(r) for r in slide_posts(posts)]


def with_art(prompt: str) -> str:
    """*prompt* as written into the deck: the deck's art direction appended."""
    return f"{prompt}. {ART[:1].upper()}{ART[1:]}"


def settings() -> Settings:
    options = {"rpm": 0, "retry_backoff": 0.002, "timeout": 10, "max_retries": 0}
    return Settings(provider="infomaniak", provider_options=MappingProxyType(options))


def pipeline() -> Pipeline:
    return Pipeline(settings(), get_plugin_manager(load_entrypoints=False))


def workspace() -> Workspace:
    """Each deck gets the configuration that applies to it, over :func:`settings`."""
    return Workspace(base=settings(), pm=get_plugin_manager(load_entrypoints=False))


def fresh_deck(folder: Path, name: str = "deck.md") -> Path:
    """A deck whose every slide already has a fresh prompt (made offline)."""
    path = folder / name
    path.write_text(DECK, encoding="utf-8")
    # With the art direction the local API gives: its runs then keep these prompts (a new
    # art direction would remake a deck's fresh prompts along with its stale ones).
    offline = Pipeline(Settings(style=ART), get_plugin_manager(load_entrypoints=False))
    offline.run([offline.load(path)], lambda d: d.path)
    assert {s.status for s in offline.load(path).slides} == {Status.FRESH}
    return path


def statuses(path: Path) -> list[Status]:
    return [s.status for s in workspace().load(path)[0].slides]


def prompt_of(path: Path, index: int) -> str | None:
    slide = pipeline().load(path).slides[index - 1]
    return slide.prompt


def wait_until(condition: Callable[[], object], timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.01)


class Session:
    """A watcher running in a thread, with the events it reported."""

    def __init__(self, paths: list[Path], **options: float) -> None:
        self.events: list[WatchEvent] = []
        self._lock = threading.Lock()
        self.watcher = Watcher(workspace(), paths, on_event=self._record, **options)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.first(Watching)

    def _run(self) -> None:
        try:
            self.watcher.run()
        except BaseException as exc:
            self.error = exc

    def _record(self, event: WatchEvent) -> None:
        with self._lock:
            self.events.append(event)

    def mark(self) -> int:
        """A position in the event list, to wait for what comes after it."""
        with self._lock:
            return len(self.events)

    def after(self, since: int, kind: type[E] | None = None) -> list[WatchEvent]:
        with self._lock:
            events = self.events[since:]
        return [e for e in events if kind is None or isinstance(e, kind)]

    def first(
        self, kind: type[E], since: int = 0, where: Callable[[E], bool] = lambda e: True
    ) -> E:
        """The first event of *kind* after *since* that satisfies *where* (waits for it)."""
        found: list[E] = []

        def seen() -> bool:
            assert self.error is None, self.error
            found[:] = [e for e in self.after(since, kind) if isinstance(e, kind) and where(e)]
            return bool(found)

        wait_until(seen)
        return found[0]

    def stop(self) -> float:
        """Stop the watcher; how long it took to return."""
        started = time.monotonic()
        self.watcher.stop()
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive()
        assert self.error is None, self.error
        return time.monotonic() - started


@pytest.fixture
def sessions() -> Iterator[Callable[..., Session]]:
    started: list[Session] = []

    def start(paths: list[Path], **options: float) -> Session:
        session = Session(paths, **options)
        started.append(session)
        return session

    yield start
    for session in started:
        session.stop()


def edit(path: Path, old: str, new: str) -> None:
    """An in-place save: the editor truncates the file and writes the new text."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text.replace(old, new, 1))


def written_run(session: Session, path: Path, since: int) -> DeckRun:
    return session.first(DeckRun, since, lambda e: e.path == path and e.report.written)


# --- the scenarios of the issue --------------------------------------------------------


def test_editing_one_slide_makes_exactly_one_request_and_writes_its_prompt(
    tmp_path: Path, api: tuple[Api, ScriptedServer], sessions: Callable[..., Session]
) -> None:
    _, server = api
    path = fresh_deck(tmp_path)
    session = sessions([path])
    [first] = session.after(0, DeckRun)
    assert not first.report.written and server.posts == []  # every prompt was fresh
    since = session.mark()
    edit(path, "Rocks left behind.", "Rocks the glacier left behind.")
    run = written_run(session, path.resolve(), since)
    assert asked(server) == (1, ["Moraines"])  # and, once, the deck's art direction
    [request] = slide_posts(server.posts)
    assert f"Art direction for every slide: {ART}\n" in request.json["messages"][-1]["content"]
    assert run.report.count(Action.GENERATED) == 1 and run.report.failed == ()
    assert statuses(path) == [Status.FRESH] * 3
    assert prompt_of(path, 2) == with_art("An illustration of Moraines, soft light")
    assert "Rocks the glacier left behind." in path.read_text(encoding="utf-8")


def test_ten_rapid_saves_make_one_run(
    tmp_path: Path, api: tuple[Api, ScriptedServer], sessions: Callable[..., Session]
) -> None:
    _, server = api
    path = fresh_deck(tmp_path)
    text = path.read_text(encoding="utf-8")
    session = sessions([path])
    since = session.mark()
    for n in range(1, 11):
        path.write_text(text.replace("behind.", f"behind, take {n}."), encoding="utf-8")
        time.sleep(0.02)
    written_run(session, path.resolve(), since)
    session.first(NoChange, since, lambda e: e.ours)  # our write came back and was ignored
    assert len(session.after(since, DeckRun)) == 1 and asked(server) == (1, ["Moraines"])
    assert "take 10." in path.read_text(encoding="utf-8")
    assert statuses(path) == [Status.FRESH] * 3


def test_continuous_edits_run_at_most_every_one_and_a_half_seconds(
    tmp_path: Path, api: tuple[Api, ScriptedServer], sessions: Callable[..., Session]
) -> None:
    path = fresh_deck(tmp_path)
    text = path.read_text(encoding="utf-8")
    session = sessions([path])
    since = session.mark()
    began = time.monotonic()
    seen_while_editing = False
    for n in range(40):  # a save every 50 ms for 2 s: never 200 ms of quiet
        temp = tmp_path / ".deck.md.tmp-save"
        temp.write_text(text.replace("behind.", f"behind, take {n}."), encoding="utf-8")
        temp.replace(path)
        seen_while_editing = seen_while_editing or bool(session.after(since, DeckRun))
        if not seen_while_editing:
            assert time.monotonic() - began < 2.3, "no run while the edits went on"
        time.sleep(0.05)
    assert seen_while_editing
    written_run(session, path.resolve(), since)
    wait_until(lambda: statuses(path) == [Status.FRESH] * 3)
    assert "take 39." in path.read_text(encoding="utf-8")


def test_our_own_write_starts_no_run_and_no_request(
    tmp_path: Path, api: tuple[Api, ScriptedServer], sessions: Callable[..., Session]
) -> None:
    _, server = api
    path = fresh_deck(tmp_path)
    session = sessions([path])
    since = session.mark()
    edit(path, "Ice that flows.", "Ice that flows downhill.")
    written_run(session, path.resolve(), since)
    ours = session.first(NoChange, since, lambda e: e.ours)
    assert ours.path == path.resolve()
    after_write = session.mark()
    time.sleep(1.0)  # the quiet period under test: nothing may happen in it
    assert session.after(after_write) == []
    assert len(session.after(since, DeckRun)) == 1 and asked(server) == (1, ["Glaciers"])


def test_a_new_deck_missing_prompts_is_done_by_the_first_pass(
    tmp_path: Path, api: tuple[Api, ScriptedServer], sessions: Callable[..., Session]
) -> None:
    _, server = api
    path = tmp_path / "deck.md"
    path.write_text(DECK, encoding="utf-8")
    session = sessions([path])
    [run] = session.after(0, DeckRun)
    art, slides = asked(server)
    assert run.report.written and art == 1 and asks_art(server.posts[0])  # asked first
    assert sorted(slides) == ["Glaciers", "Meltwater", "Moraines"]
    assert statuses(path) == [Status.FRESH] * 3
    session.first(NoChange, 0, lambda e: e.ours)


def system_of(request: Recorded) -> str:
    return str(request.json["messages"][0]["content"])


def test_a_deck_gets_its_own_configuration_as_run_gives_it(
    tmp_path: Path, api: tuple[Api, ScriptedServer], sessions: Callable[..., Session]
) -> None:
    _, server = api
    path = tmp_path / "deck.md"
    own = "mdslides-prompts:\n  skip: [1]\n  style: pencil sketch\n"
    path.write_text(DECK.replace("title: Watch drill\n", "title: Watch drill\n" + own))
    session = sessions([path])
    [run] = session.after(0, DeckRun)
    art, slides = asked(server)  # the style is the art direction: no request for one
    assert run.report.written and art == 0 and sorted(slides) == ["Meltwater", "Moraines"]
    assert all("Art direction for every slide: pencil sketch" in r.json["messages"][-1]["content"]
               for r in server.posts)  # fmt: skip
    assert statuses(path) == [Status.SKIPPED, Status.FRESH, Status.FRESH]


def test_a_config_file_edit_applies_from_the_next_save(
    tmp_path: Path, api: tuple[Api, ScriptedServer], sessions: Callable[..., Session]
) -> None:
    _, server = api
    config = tmp_path / ".mdslides-prompts.toml"
    config.write_text('style = "watercolour"\nlanguage = "fr"\n')
    path = tmp_path / "deck.md"
    path.write_text(DECK, encoding="utf-8")
    session = sessions([tmp_path])
    assert asked(server)[0] == 0  # the style is the art direction: no request for one
    assert len(server.posts) == 3 and all("French" in system_of(r) for r in server.posts)
    config.write_text('style = "charcoal"\n')
    since = session.mark()
    edit(path, "Rocks left behind.", "Rocks the glacier left behind.")
    written_run(session, path.resolve(), since)
    # The edited slide, and with it the deck's other prompts: the style, so the art
    # direction, changed (a deck never mixes two).
    requests = server.posts[3:]
    assert sorted(map(slide_of, requests)) == ["Glaciers", "Meltwater", "Moraines"]
    assert all("English" in system_of(r) for r in requests)
    assert all(
        "Art direction for every slide: charcoal\n" in r.json["messages"][-1]["content"]
        for r in requests
    )


@pytest.mark.parametrize("editor", ["rename", "jetbrains"])
def test_write_temp_then_rename_saves(
    editor: str,
    tmp_path: Path,
    api: tuple[Api, ScriptedServer],
    sessions: Callable[..., Session],
) -> None:
    _, server = api
    path = fresh_deck(tmp_path)
    session = sessions([path])
    since = session.mark()
    text = path.read_text(encoding="utf-8").replace("Rivers from ice.", "Rivers born of ice.")
    if editor == "rename":  # VS Code, vim with backupcopy=no: temp file, then rename
        temp = tmp_path / ".deck.md.tmp-save"
        temp.write_text(text, encoding="utf-8")
        temp.replace(path)
    else:  # JetBrains: temp, move the deck to a backup, temp onto the deck, drop the backup
        temp, old = tmp_path / "deck.md___jb_tmp___", tmp_path / "deck.md___jb_old___"
        temp.write_text(text, encoding="utf-8")
        path.replace(old)
        temp.replace(path)
        old.unlink()
    written_run(session, path.resolve(), since)
    assert asked(server) == (1, ["Meltwater"])
    assert statuses(path) == [Status.FRESH] * 3
    assert "Rivers born of ice." in path.read_text(encoding="utf-8")


def test_delete_and_recreate(
    tmp_path: Path, api: tuple[Api, ScriptedServer], sessions: Callable[..., Session]
) -> None:
    _, server = api
    path = fresh_deck(tmp_path)
    text = path.read_text(encoding="utf-8")
    session = sessions([path])
    since = session.mark()
    path.unlink()
    assert session.first(DeckGone, since).path == path.resolve()
    path.write_text(text.replace("Ice that flows.", "Ice that creeps."), encoding="utf-8")
    written_run(session, path.resolve(), since)
    assert asked(server) == (1, ["Glaciers"])
    assert statuses(path) == [Status.FRESH] * 3
    # Deleted and recreated at once (vim's backup rename, a checkout): one run, no gap seen.
    since = session.mark()
    text = path.read_text(encoding="utf-8")
    path.unlink()
    path.write_text(text.replace("Ice that creeps.", "Ice that creeps on."), encoding="utf-8")
    written_run(session, path.resolve(), since)
    assert session.after(since, DeckGone) == []
    assert statuses(path) == [Status.FRESH] * 3
    assert asked(server) == (1, ["Glaciers", "Glaciers"])  # the art direction was cached


def test_a_deck_made_invalid_then_fixed(
    tmp_path: Path, api: tuple[Api, ScriptedServer], sessions: Callable[..., Session]
) -> None:
    _, server = api
    path = fresh_deck(tmp_path)
    good = path.read_bytes()
    session = sessions([path])
    since = session.mark()
    path.write_bytes(good.replace(b"Rocks left behind.", b"Rocks \xff left behind."))
    failed = session.first(DeckFailed, since)
    assert "not valid UTF-8" in failed.error and "\n" not in failed.error
    assert server.posts == []
    since = session.mark()
    path.write_bytes(good.replace(b"Rocks left behind.", b"Rocks left behind, fixed."))
    written_run(session, path.resolve(), since)
    assert asked(server) == (1, ["Moraines"]) and statuses(path) == [Status.FRESH] * 3


def test_an_unreadable_deck_is_one_line_and_watching_goes_on(
    tmp_path: Path, api: tuple[Api, ScriptedServer], sessions: Callable[..., Session]
) -> None:
    # Root reads any file, so a folder in the deck's place stands for "permission denied":
    # the same read error path, on every machine.
    _, server = api
    path = fresh_deck(tmp_path)
    good = path.read_bytes()
    session = sessions([path])
    since = session.mark()
    path.unlink()
    path.mkdir()
    failed = session.first(DeckFailed, since)
    assert failed.error == f"{path.resolve()}: is a directory"
    since = session.mark()
    path.rmdir()
    path.write_bytes(good.replace(b"Ice that flows.", b"Ice that flows again."))
    written_run(session, path.resolve(), since)
    assert asked(server) == (1, ["Glaciers"]) and statuses(path) == [Status.FRESH] * 3


def test_an_edit_during_an_in_flight_request_is_kept(
    tmp_path: Path, api: tuple[Api, ScriptedServer], sessions: Callable[..., Session]
) -> None:
    state, server = api
    state.delay = 0.8
    path = fresh_deck(tmp_path)
    session = sessions([path])
    since = session.mark()
    edit(path, "Rocks left behind.", "Rocks the glacier left behind.")
    wait_until(lambda: len(slide_posts(server.posts)) == 1)  # slide 2's request is in flight
    edit(path, "Rivers from ice.", "Rivers from melting ice.")
    superseded = session.first(DeckRun, since, lambda e: e.superseded)
    assert not superseded.report.written
    run = written_run(session, path.resolve(), since)
    text = path.read_text(encoding="utf-8")
    assert "Rocks the glacier left behind." in text and "Rivers from melting ice." in text
    assert statuses(path) == [Status.FRESH] * 3
    # Slide 2's prompt came back from the cache; only the newly edited slide was asked for.
    assert asked(server) == (1, ["Moraines", "Meltwater"])
    assert run.report.count(Action.GENERATED) == 1


def test_api_down_is_one_line_and_the_next_save_retries(
    tmp_path: Path, api: tuple[Api, ScriptedServer], sessions: Callable[..., Session]
) -> None:
    state, server = api
    state.down = True
    path = fresh_deck(tmp_path)
    session = sessions([path])
    since = session.mark()
    edit(path, "Ice that flows.", "Ice that flows slowly.")
    run = session.first(DeckRun, since)
    assert not run.report.written and [o.index for o in run.report.failed] == [1]
    error = run.report.failed[0].error or ""
    assert error.startswith("the deck's art direction: ") and "503" in error
    assert asked(server) == (1, [])  # the art direction failed: the slide was not sent
    assert statuses(path)[0] is Status.STALE
    state.down = False
    since = session.mark()
    path.write_bytes(path.read_bytes())  # saved again, same text
    written_run(session, path.resolve(), since)
    assert statuses(path) == [Status.FRESH] * 3 and asked(server) == (2, ["Glaciers"])


def test_folders_take_new_decks_skip_other_files_and_editor_files(
    tmp_path: Path, api: tuple[Api, ScriptedServer], sessions: Callable[..., Session]
) -> None:
    _, server = api
    folder = tmp_path / "talks"
    folder.mkdir()
    path = fresh_deck(folder)
    (folder / "README.md").write_text("# Notes\n\nNot a deck.\n", encoding="utf-8")
    session = sessions([folder])
    watching = session.first(Watching)
    assert watching.decks == (path.resolve(),)
    assert [e.path.name for e in session.after(0, DeckSkipped)] == ["README.md"]
    since = session.mark()
    for name in (".deck.md.swp", "deck.md~", ".#deck.md", "4913", "#deck.md#"):
        (folder / name).write_text(DECK, encoding="utf-8")
    (folder / "README.md").write_text("# Notes\n\nStill not a deck.\n", encoding="utf-8")
    new = folder / "sub" / "second.md"
    new.parent.mkdir()
    new.write_text(DECK.replace("Watch drill", "Second drill"), encoding="utf-8")
    written_run(session, new.resolve(), since)
    assert {e.path.name for e in session.after(since) if not isinstance(e, NoChange)} == {
        "second.md"
    }  # README.md is reported once, editor files never
    art, slides = asked(server)
    assert art == 1 and sorted(slides) == ["Glaciers", "Meltwater", "Moraines"]
    assert statuses(new) == [Status.FRESH] * 3


def test_stop_returns_within_a_second_even_with_a_request_in_flight(
    tmp_path: Path, api: tuple[Api, ScriptedServer], sessions: Callable[..., Session]
) -> None:
    state, server = api
    state.delay = 5.0
    path = fresh_deck(tmp_path)
    session = sessions([path])
    before = path.read_bytes()
    edit(path, "Ice that flows.", "Ice that flows on.")
    wait_until(lambda: len(server.posts) == 1)
    assert session.stop() < 1.0
    assert path.read_bytes() == before.replace(b"Ice that flows.", b"Ice that flows on.")


# --- pieces ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ignored"),
    [(".deck.md.swp", True), ("deck.md~", True), (".#deck.md", True), ("4913", True),
     ("#deck.md#", True), ("deck.md___jb_tmp___", True), (".mdslides-prompts-x.tmp", True),
     ("deck.md", False), ("talk.markdown", False)],
)  # fmt: skip
def test_editor_files(name: str, ignored: bool) -> None:
    assert is_editor_file(name) is ignored


def test_an_edit_that_lands_while_the_temporary_file_is_synced_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "deck.md"
    path.write_bytes(b"read by the run\n")
    real_fsync = os.fsync

    def author_saves_meanwhile(fd: int) -> None:
        path.write_bytes(b"the author's newest text\n")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", author_saves_meanwhile)
    with pytest.raises(ConcurrentEdit):
        write_atomic(path, b"with prompts\n", expected=b"read by the run\n")
    assert path.read_bytes() == b"the author's newest text\n"
    assert [p.name for p in tmp_path.iterdir()] == ["deck.md"]


def test_a_symlinked_deck_stays_a_link_and_its_file_is_written(tmp_path: Path) -> None:
    real = tmp_path / "site" / "deck.md"
    real.parent.mkdir()
    real.write_bytes(b"old\n")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    assert write_atomic(link, b"new\n", expected=b"old\n")
    assert link.is_symlink() and real.read_bytes() == b"new\n"
    assert sorted(p.name for p in real.parent.iterdir()) == ["deck.md"]


def test_a_write_keeps_the_mode_and_a_failed_one_leaves_the_deck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "deck.md"
    path.write_bytes(b"old\n")
    path.chmod(0o640)
    assert write_atomic(path, b"new\n", expected=b"old\n")
    assert path.stat().st_mode & 0o777 == 0o640
    assert not write_atomic(path, b"new\n")  # same content: nothing written

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(DeckError, match="cannot write: No space left on device"):
        write_atomic(path, b"newer\n", expected=b"new\n")
    assert path.read_bytes() == b"new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["deck.md"]


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DeckError, match="no such file or folder"):
        Watcher(pipeline(), [tmp_path / "nope.md"])


def test_cli_watch_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "-"]) == 2
    assert "watch needs files or folders" in capsys.readouterr().err
    assert main(["watch", str(tmp_path / "nope.md"), "--provider", "offline"]) == 2
    assert "no such file or folder" in capsys.readouterr().err


# --- the command -------------------------------------------------------------------------


def test_cli_watch_writes_the_prompt_and_stops_on_ctrl_c_with_exit_0(
    tmp_path: Path, api: tuple[Api, ScriptedServer]
) -> None:
    state, server = api
    path = fresh_deck(tmp_path)
    command = [sys.executable, "-m", "mdslides_prompts", "watch", "deck.md",
               "--provider", "infomaniak", "--rpm", "0", "--max-retries", "0"]  # fmt: skip
    lines: list[str] = []

    def default_sigint() -> None:  # a shell that ignores SIGINT in background jobs
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    with subprocess.Popen(
        command,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    ) as process:
        assert process.stderr is not None
        reader = threading.Thread(target=lambda: lines.extend(process.stderr or ()), daemon=True)
        reader.start()
        try:
            wait_until(lambda: any("watching 1 deck" in line for line in lines))
            edit(path, "Rocks left behind.", "Rocks the glacier left behind.")
            wait_until(lambda: any("1 generated" in line for line in lines))
            assert statuses(path) == [Status.FRESH] * 3 and asked(server) == (1, ["Moraines"])
            state.delay = 10.0  # Ctrl-C while a request is in flight
            edit(path, "Ice that flows.", "Ice that flows on.")
            wait_until(lambda: len(slide_posts(server.posts)) == 2)
            assert asked(server) == (1, ["Moraines", "Glaciers"])  # the art direction: cached
            started = time.monotonic()
            process.send_signal(signal.SIGINT)
            code = process.wait(TIMEOUT)
            stopped = time.monotonic() - started
        finally:
            if process.poll() is None:
                process.kill()
        reader.join(TIMEOUT)
    assert code == 0 and stopped < 1.0, (code, stopped, lines)
    status = next(line for line in lines if "1 generated" in line)
    assert (
        status.rstrip().endswith(" s)")
        and "deck.md: 1 generated, 0 cached, 0 failed; written" in status
    )
    assert lines[-1].strip() == "mdslides-prompts: stopped"
    assert "Ice that flows on." in path.read_text(encoding="utf-8")
    assert statuses(path)[0] is Status.STALE  # interrupted: the author's text, untouched
    assert not any("Traceback" in line for line in lines)


def test_cli_watch_gives_each_deck_its_own_configuration(
    tmp_path: Path, api: tuple[Api, ScriptedServer]
) -> None:
    _, server = api
    (tmp_path / "inked").mkdir()
    (tmp_path / "inked" / ".mdslides-prompts.toml").write_text('style = "ink wash"\n')
    own = "mdslides-prompts:\n  skip: [1]\n  style: pencil sketch\n"
    sketched = tmp_path / "sketched.md"
    sketched.write_text(DECK.replace("title: Watch drill\n", "title: Watch drill\n" + own))
    inked = tmp_path / "inked" / "deck.md"
    inked.write_text(DECK)
    command = [sys.executable, "-m", "mdslides_prompts", "watch", "sketched.md", "inked",
               "--provider", "infomaniak", "--rpm", "0", "--max-retries", "0"]  # fmt: skip
    with subprocess.Popen(
        command, cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    ) as process:  # fmt: skip
        try:
            wait_until(lambda: Status.MISSING not in statuses(sketched) + statuses(inked))
        finally:
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=TIMEOUT)
    styles = sorted(
        re.findall(
            r"^Art direction for every slide: (.*)$", r.json["messages"][-1]["content"], re.M
        )[0]
        for r in server.posts
    )
    assert styles == ["ink wash"] * 3 + ["pencil sketch"] * 2, err  # five requests
    assert statuses(sketched) == [Status.SKIPPED, Status.FRESH, Status.FRESH]
    assert statuses(inked) == [Status.FRESH] * 3


def test_a_deck_edited_into_an_uncertain_format_is_one_line_and_not_written(
    tmp_path: Path, api: tuple[Api, ScriptedServer], sessions: Callable[..., Session]
) -> None:
    _, server = api
    folder = tmp_path / "talks"
    folder.mkdir()
    path = fresh_deck(folder)
    session = sessions([folder])
    session.first(Watching)
    since = session.mark()
    unsure = "# A\n\n<!-- _class: lead -->\n\n---\n\n# B\n\n???\nnotes\n"
    path.write_text(unsure, encoding="utf-8")
    failed = session.first(DeckFailed, since)
    assert "not sure which slide tool" in failed.error and "\n" not in failed.error
    assert path.read_text(encoding="utf-8") == unsure and server.posts == []


# --- pictures (issue 18) ---------------------------------------------------------------


def test_pictures_come_once_a_deck_is_quiet_and_follow_its_prompts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mdslides_prompts.illustrate import PictureAction
    from mdslides_prompts.watch import PicturesPlaced

    monkeypatch.setenv("MDSLIDES_PROMPTS_CACHE_DIR", str(tmp_path / "cache"))
    path = fresh_deck(tmp_path)
    offline = Workspace(base=Settings(style=ART), pm=get_plugin_manager(load_entrypoints=False))
    events: list[WatchEvent] = []
    lock = threading.Lock()

    def record(event: WatchEvent) -> None:
        with lock:
            events.append(event)

    def placed(since: int = 0) -> list[PicturesPlaced]:
        with lock:
            return [e for e in events[since:] if isinstance(e, PicturesPlaced)]

    watcher = Watcher(offline, [path], on_event=record, images=True, image_quiet=0.6, sheet=True)
    thread = threading.Thread(target=watcher.run, daemon=True)
    started = time.monotonic()
    thread.start()
    try:
        wait_until(lambda: placed())
        assert time.monotonic() - started >= 0.6  # not before the deck was quiet
        [first] = placed()
        assert first.result.written and first.result.count(PictureAction.MADE) == 3
        text = path.read_text(encoding="utf-8")
        # The cover behind the whole slide, the two others beside their text.
        assert text.count("![bg](slide-images/") == 1
        assert text.count("![bg right:40%](slide-images/") == 2
        assert statuses(path) == [Status.FRESH] * 3  # our lines leave the prompts fresh
        assert len(list((tmp_path / "slide-images").iterdir())) == 3
        sheet = (tmp_path / "deck.sheet.html").read_text(encoding="utf-8")
        assert sheet.count("<article ") == 3 and sheet.count("data:image/jpeg;base64,") == 3

        # Edits keep putting the pictures off; a new prompt keeps its old picture.
        with lock:
            since = len(events)
        edit(path, "Ice that flows.", "Ice that moves.")
        time.sleep(0.3)
        edit(path, "Ice that moves.", "Ice that slides downhill.")
        edited = time.monotonic()
        wait_until(lambda: placed(since))
        assert time.monotonic() - edited >= 0.6
        [again] = placed(since)
        assert again.result.count(PictureAction.OUTDATED) == 1
        assert not again.result.written
        assert path.read_text(encoding="utf-8").count("slide-images/") == 3
    finally:
        watcher.stop()
        thread.join(TIMEOUT)
    assert not thread.is_alive()
