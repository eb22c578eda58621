"""Files the user protects or that are not decks at all, with real files (issue 12).

Read-only decks, owners, hard links, FIFOs, devices, ``-o`` targets that are sources,
the size limit, leftover temporary files, and one unreadable deck among others. The
commands that could hang or eat memory before the fix run as real processes with a time
and memory limit, so that a regression fails instead of stalling the suite.
"""

from __future__ import annotations

from collections.abc import Callable
import contextlib
import errno
import io
import os
from pathlib import Path
import resource
import subprocess
import sys
import threading
import time

import pytest

from mdslides_prompts import ConcurrentEdit, DeckError, Pipeline, Settings, get_plugin_manager
from mdslides_prompts.fileio import MAX_DECK_BYTES, write_atomic
from mdslides_prompts.watch import DeckFailed, DeckRun, Watcher, WatchEvent, Watching

from .cli_tools import cli, markers

DECK = "---\nmarp: true\n---\n\n# Glaciers\n\nIce that flows.\n\n---\n\n# Moraines\n\nRocks.\n"


def deck(folder: Path, name: str = "talk.md", text: str = DECK) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _limits() -> None:
    # A regression that reads /dev/zero whole must fail fast, not take the machine's memory.
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def bounded(*args: str | Path, cwd: Path, stdin: bytes | None = None) -> tuple[int, str]:
    """Run the CLI as a process that must end within seconds; exit code and stderr."""
    completed = subprocess.run(
        [sys.executable, "-m", "mdslides_prompts", *map(str, args)],
        input=stdin, capture_output=True, cwd=cwd, timeout=5, preexec_fn=_limits,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    return completed.returncode, completed.stderr.decode()


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".mdslides-prompts-"))


# --- 2. files the user protected ----------------------------------------------------------


def test_a_read_only_deck_is_refused_and_the_others_are_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    protected, other = deck(tmp_path), deck(tmp_path, "other.md")
    protected.chmod(0o444)
    code, _, err = cli(capsys, "run", "talk.md", "other.md")
    assert code == 1 and "talk.md: read-only, not written\n" in err
    assert protected.read_text(encoding="utf-8") == DECK
    assert protected.stat().st_mode & 0o777 == 0o444
    assert len(markers(other)) == 2 and temp_files(tmp_path) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_owner_group_and_mode_survive_a_rewrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = deck(tmp_path)
    os.chown(path, 1234, 5678)
    path.chmod(0o640)
    for command in ("run", "strip"):
        code, _, err = cli(capsys, command, path)
        assert code == 0, err
        status = path.stat()
        assert (status.st_uid, status.st_gid, status.st_mode & 0o7777) == (1234, 5678, 0o640)
    assert path.read_text(encoding="utf-8") == DECK  # written twice: run, then strip


def test_a_hard_linked_deck_is_written_through_its_links(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = deck(tmp_path)
    link = tmp_path / "site" / "talk.md"
    link.parent.mkdir()
    os.link(path, link)
    code, _, err = cli(capsys, "run", path)
    assert code == 0, err
    assert len(markers(link)) == 2 and link.read_bytes() == path.read_bytes()
    assert path.stat().st_ino == link.stat().st_ino and path.stat().st_nlink == 2
    code, _, err = cli(capsys, "strip", link)
    assert code == 0 and path.read_text(encoding="utf-8") == DECK  # shorter: cut to length
    assert temp_files(tmp_path) == [] and temp_files(link.parent) == []


def linked_deck(folder: Path, data: bytes) -> Path:
    """``deck.md`` holding *data*, with a second hard link, ``link.md``, beside it."""
    path = folder / "deck.md"
    path.write_bytes(data)
    os.link(path, folder / "link.md")
    return path


def test_a_hard_linked_deck_keeps_an_edit_made_during_the_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = linked_deck(tmp_path, b"read by the run\n")
    real_fsync = os.fsync

    def author_saves_meanwhile(fd: int) -> None:  # while the new text is being synced
        with path.open("r+b") as handle:
            handle.write(b"READ")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", author_saves_meanwhile)
    with pytest.raises(ConcurrentEdit):
        write_atomic(path, b"with prompts\n", expected=b"read by the run\n")
    assert (tmp_path / "link.md").read_bytes() == b"READ by the run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.md", "link.md"]


def test_a_failed_in_place_write_puts_the_old_text_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = linked_deck(tmp_path, b"old text\n")
    real_ftruncate = os.ftruncate
    calls = []

    def disk_full_once(fd: int, length: int) -> None:
        calls.append(length)
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_ftruncate(fd, length)

    monkeypatch.setattr(os, "ftruncate", disk_full_once)
    with pytest.raises(DeckError, match=r"cannot write: No space left on device$"):
        write_atomic(path, b"a longer new text\n", expected=b"old text\n")
    assert (tmp_path / "link.md").read_bytes() == b"old text\n" and calls == [18, 9]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.md", "link.md"]


def watch_until(
    folder: Path, done: type[WatchEvent], meanwhile: Callable[[], object] = lambda: None
) -> list[WatchEvent]:
    """Watch *folder* (offline provider), call *meanwhile* once watching, and stop once a
    *done* event came; the events reported."""
    events: list[WatchEvent] = []
    pipeline = Pipeline(Settings(), get_plugin_manager(load_entrypoints=False))
    watcher = Watcher(pipeline, [folder], on_event=events.append, debounce=0.05)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: any(isinstance(e, Watching) for e in events))
        meanwhile()
        wait_for(lambda: any(isinstance(e, done) for e in events))
    finally:
        watcher.stop()
        for fifo in folder.glob("*.md"):
            # A watcher stuck in open() on a FIFO (the bug) gets its writer and moves on.
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(5)
    return events


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "not within 10 s"
        time.sleep(0.01)


def test_watch_leaves_a_read_only_deck_alone(tmp_path: Path) -> None:
    path = deck(tmp_path)
    path.chmod(0o444)
    events = watch_until(tmp_path, DeckRun)
    [run] = [e for e in events if isinstance(e, DeckRun)]
    assert run.report.error == f"{path}: read-only, not written" and not run.report.written
    assert path.read_text(encoding="utf-8") == DECK


# --- 3. things that are not regular files -------------------------------------------------


@pytest.mark.parametrize("command", ["run", "check", "strip", "inspect"])
def test_a_fifo_is_refused_at_once(tmp_path: Path, command: str) -> None:
    os.mkfifo(tmp_path / "fifo.md")
    assert bounded(command, "fifo.md", cwd=tmp_path) == (
        2,
        "mdslides-prompts: fifo.md: not a regular file\n",
    )


def test_a_device_is_refused_at_once(tmp_path: Path) -> None:
    code, err = bounded("run", "/dev/zero", cwd=tmp_path)
    assert (code, err) == (2, "mdslides-prompts: /dev/zero: not a regular file\n")


def test_an_output_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    deck(tmp_path, "ok.md")
    os.mkfifo(tmp_path / "pipe.md")
    for target in ("/dev/full", "pipe.md"):
        code, err = bounded("run", "ok.md", "-o", target, "--provider", "offline", cwd=tmp_path)
        assert (code, err) == (
            2,
            f"mdslides-prompts: -o {target}: {target} is not a regular file\n",
        )
    assert (tmp_path / "ok.md").read_text(encoding="utf-8") == DECK
    assert Path("/dev/full").is_char_device()


def test_a_watched_fifo_is_reported_not_waited_on(tmp_path: Path) -> None:
    deck(tmp_path)
    fifo = tmp_path / "late.md"
    events = watch_until(tmp_path, DeckFailed, lambda: os.mkfifo(fifo))
    [failed] = [e for e in events if isinstance(e, DeckFailed)]
    assert failed.error == f"{fifo}: not a regular file"


def test_a_deck_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = deck(tmp_path, "big.md")
    with big.open("r+b") as handle:
        handle.truncate(MAX_DECK_BYTES + 1)  # sparse: costs no disk
    code, err = bounded("check", "big.md", cwd=tmp_path)
    assert (code, err) == (
        2,
        "mdslides-prompts: big.md: larger than 20 MiB, the most a deck may hold\n",
    )
    piped = b"---\nmarp: true\n---\n" + b"# Slide\n" * (MAX_DECK_BYTES // 8)
    code, err = bounded("run", "-", "--provider", "offline", cwd=tmp_path, stdin=piped)
    assert (code, err) == (
        2,
        "mdslides-prompts: <stdin>: larger than 20 MiB, the most a deck may hold\n",
    )


# --- 6. -o never writes to a source -------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["run", "decks/talk.md", "-o", "decks/talk.md"],
        ["run", "decks", "-o", "decks"],
        ["run", "decks", "-o", "decks/new/.."],
        ["run", "decks/talk.md", "-o", "hard.md"],
        ["run", "decks/talk.md", "-o", "soft.md"],
        ["run", "decks/talk.md", "-o", "linked/talk.md"],
        ["strip", "decks/talk.md", "-o", "decks/talk.md"],
        ["strip", "decks", "-o", "linked"],
    ],
)
def test_o_never_writes_to_a_source(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    source = deck(tmp_path / "decks")
    os.link(source, tmp_path / "hard.md")
    (tmp_path / "soft.md").symlink_to(source)
    (tmp_path / "linked").symlink_to(source.parent)
    offline = ["--provider", "offline"] if args[0] == "run" else []
    code, out, err = cli(capsys, *args, *offline)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert "is the source decks/talk.md; -o never writes to a source" in err
    assert source.read_text(encoding="utf-8") == DECK
    assert sorted(p.name for p in source.parent.iterdir()) == ["talk.md"]


def test_o_never_overwrites_an_input_file_that_was_skipped_or_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    deck(tmp_path / "a")
    latin1 = tmp_path / "b" / "talk.md"
    latin1.parent.mkdir()
    latin1.write_bytes(b"---\nmarp: true\n---\n\n# \xe9t\xe9\n")
    code, _, err = cli(capsys, "run", "a", "b", "-o", "b", "--provider", "offline")
    assert code == 2 and "b/talk.md is the source b/talk.md" in err
    assert latin1.read_bytes() == b"---\nmarp: true\n---\n\n# \xe9t\xe9\n"


def test_o_checks_its_target_again_right_before_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mdslides_prompts import Deck
    from mdslides_prompts.cli.decks import destination

    monkeypatch.chdir(tmp_path)
    source = deck(tmp_path)
    loaded = Deck.from_bytes(source.read_bytes(), source)
    to_output = destination([str(source)], [(loaded, tmp_path)], "out/talk.md", False)
    # While the prompts are made, a link to the source appears where the output goes.
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "talk.md").symlink_to(source)
    with pytest.raises(DeckError, match="-o never writes to a source; not written"):
        to_output(loaded)


def test_o_inside_a_source_folder_is_refused_once_it_would_overwrite_a_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    deck(tmp_path / "decks")
    assert cli(capsys, "run", "decks", "-o", "decks/build")[0] == 0
    built = (tmp_path / "decks" / "build" / "talk.md").read_bytes()
    code, _, err = cli(capsys, "run", "decks", "-o", "decks/build")
    assert code == 2 and "decks/build/talk.md is the source decks/build/talk.md" in err
    assert (tmp_path / "decks" / "build" / "talk.md").read_bytes() == built


def test_new_output_files_honour_the_umask_and_old_ones_keep_their_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = deck(tmp_path)
    kept = tmp_path / "kept.md"
    kept.write_text("old\n")
    kept.chmod(0o604)
    previous = os.umask(0o027)
    try:
        assert cli(capsys, "run", source, "-o", tmp_path / "new.md")[0] == 0
        assert cli(capsys, "run", source, "-o", kept)[0] == 0
    finally:
        os.umask(previous)
    assert (tmp_path / "new.md").stat().st_mode & 0o777 == 0o640
    assert kept.stat().st_mode & 0o777 == 0o604 and len(markers(kept)) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["one.md", "two.md", "-o", "file.md"], "-o file.md: not a folder; with a folder or"),
        (["decks", "-o", "file.md"], "-o file.md: not a folder; with a folder or several"),
        (["a/talk.md", "b/talk.md", "-o", "out"], "a/talk.md and b/talk.md would both be"),
        (["-", "-o", "out"], "-o out: a folder; name the file the deck read from stdin goes to"),
    ],
)
def test_o_misuse_is_a_one_line_usage_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("one.md", "two.md", "decks/x.md", "a/talk.md", "b/talk.md"):
        deck(tmp_path, name)
    (tmp_path / "file.md").write_text("not a folder\n")
    (tmp_path / "out").mkdir()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DECK.encode())))
    code, _, err = cli(capsys, "run", *args, "--provider", "offline")
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert (tmp_path / "file.md").read_text() == "not a folder\n"
    assert list((tmp_path / "out").iterdir()) == []


# --- 7. leftovers and one bad deck among others -------------------------------------------


def test_stale_temporary_files_are_removed_on_the_next_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = deck(tmp_path)
    two_hours_ago = time.time() - 7200
    stale = tmp_path / ".mdslides-prompts-k1ll3d_x.tmp"
    fresh = tmp_path / ".mdslides-prompts-running.tmp"  # another run, going on now
    theirs = tmp_path / ".mdslides-prompts-notes.txt"  # not our name pattern
    folder = tmp_path / ".mdslides-prompts-folder.tmp"  # not a regular file
    link = tmp_path / ".mdslides-prompts-link.tmp"
    for file in (stale, fresh, theirs):
        file.write_bytes(b"x" * 100)
    folder.mkdir()
    link.symlink_to(theirs)
    for old in (stale, theirs, folder, link):
        os.utime(old, (two_hours_ago, two_hours_ago), follow_symlinks=False)
    assert cli(capsys, "check", path)[0] == 1 and stale.exists()  # reading removes nothing
    assert cli(capsys, "run", path)[0] == 0
    assert temp_files(tmp_path) == [
        ".mdslides-prompts-folder.tmp",
        ".mdslides-prompts-link.tmp",
        ".mdslides-prompts-notes.txt",
        ".mdslides-prompts-running.tmp",
    ]


@pytest.mark.parametrize("command", ["run", "check", "strip"])
def test_an_unreadable_deck_in_a_folder_does_not_stop_the_others(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    good = deck(tmp_path / "decks", "good.md")
    latin = tmp_path / "decks" / "latin.md"
    latin.write_bytes(DECK.replace("Rocks.", "Caf\u00e9.").encode("latin-1"))
    if command != "run":
        assert cli(capsys, "run", good)[0] == 0
    before = good.read_bytes()
    code, _, err = cli(capsys, command, "decks")
    assert code == 1 and "decks/latin.md: not valid UTF-8 (byte 69)\n" in err
    assert err.count("latin.md") == 1 and "Traceback" not in err
    assert latin.read_bytes() == DECK.replace("Rocks.", "Caf\u00e9.").encode("latin-1")
    if command == "check":
        assert "1 deck, 2 slides: all prompts present and fresh; 1 file could not" in err
    else:
        assert good.read_bytes() != before
        assert len(markers(good)) == (2 if command == "run" else 0)


# --- 9. what is wrong, named --------------------------------------------------------------


def test_a_symlink_loop_is_named(tmp_path: Path) -> None:
    (tmp_path / "loop.md").symlink_to("loop.md")
    assert bounded("check", "loop.md", cwd=tmp_path) == (
        2,
        "mdslides-prompts: loop.md: symlink loop\n",
    )


@pytest.mark.parametrize(
    ("codec", "name"),
    [
        ("utf-16-le", "UTF-16 (LE)"),
        ("utf-16-be", "UTF-16 (BE)"),
        ("utf-32-le", "UTF-32 (LE)"),
        ("utf-32-be", "UTF-32 (BE)"),
    ],
)
def test_utf16_and_utf32_decks_name_their_encoding(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    codec: str,
    name: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "talk.md").write_bytes(("\ufeff" + DECK).encode(codec))
    code, _, err = cli(capsys, "check", "talk.md")
    assert (code, err) == (
        2,
        f"mdslides-prompts: talk.md: {name} text with a byte-order mark; save it as UTF-8\n",
    )


_WRITER = """
import sys
from pathlib import Path
from mdslides_prompts.fileio import write_atomic
path, old, new = Path(sys.argv[1]), Path(sys.argv[2]).read_bytes(), Path(sys.argv[3]).read_bytes()
print("go", flush=True)
while True:
    write_atomic(path, new, expected=old)
    write_atomic(path, old, expected=new)
"""


@pytest.mark.parametrize("linked", [False, True], ids=["renamed", "hard-linked"])
def test_a_writer_killed_at_any_moment_leaves_the_old_text_or_the_new(
    tmp_path: Path, linked: bool
) -> None:
    # A rename is atomic, whatever the size. An in-place rewrite of a hard-linked deck is
    # one write (a shorter text padded with line breaks to the old length) and a cut: a kill
    # between the two leaves the new text and blank lines, never a mix of the two texts.
    # One write is whole only within one page, though: Linux stops a killed writer between
    # pages, so a deck over 4 KiB can be left mixed, as _write_in_place says (seen here
    # about once in 300 kills); the linked case stays under a page. (A plain write_bytes
    # fails this at the first kill.)
    old = (DECK * (40 if not linked else 20)).encode()
    new = old.replace(b"Ice that flows.", b"<!-- image-prompt | A glacier -->\nIce that flows.")
    (tmp_path / "old").write_bytes(old)
    (tmp_path / "new").write_bytes(new)
    path = deck(tmp_path / "decks", text=old.decode())
    if linked:
        os.link(path, tmp_path / "decks" / "link.md")
    args = [sys.executable, "-c", _WRITER, str(path), str(tmp_path / "old"), str(tmp_path / "new")]
    for n in range(25):
        with subprocess.Popen(args, stdout=subprocess.PIPE) as writer:
            assert writer.stdout is not None and writer.stdout.readline() == b"go\n"
            time.sleep(0.002 * (n % 10))
            writer.kill()
        now = path.read_bytes()
        padded = old + b"\n" * (len(new) - len(old)) if linked else None
        assert now in (old, new, padded), f"kill {n}: a partial deck of {len(now)} bytes"
    assert path.stat().st_nlink == (2 if linked else 1)
    # Killed temporary files are left (they are removed once stale), never a deck.
    assert all(p.name.startswith(".mdslides-prompts-") for p in path.parent.iterdir()
               if p.name not in ("talk.md", "link.md"))  # fmt: skip
