"""The prompt cache never runs what a cache folder holds, and keeps its files private.

A cache folder can come from a repository (``cache-dir`` in ``pyproject.toml``) or a CI
cache, so its ``cache.db`` is untrusted input: these tests plant real pickles that would
run a shell command if unpickled, in the layout earlier versions wrote (diskcache's) and
in the current one, and check that no command touches them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
import json
import os
from pathlib import Path
import pickle
import re
import shlex
import sqlite3
import stat
from typing import Any

import pytest

from mdslides_prompts import Pipeline, Settings, hookimpl
from mdslides_prompts.cache import PromptCache
from mdslides_prompts.errors import CacheError
from mdslides_prompts.pipeline import Action
from mdslides_prompts.plugins import get_plugin_manager
from mdslides_prompts.providers.base import Usage

from .cli_tools import cli, cli_json
from .conftest import pristine_example

WARNING = "not plain JSON"
"""What the one warning about ignored rows says."""

# diskcache 5.6's tables, as versions that stored answers with diskcache wrote them.
DISKCACHE_TABLES = (
    "CREATE TABLE Settings (key TEXT NOT NULL UNIQUE, value)",
    "CREATE TABLE Cache (rowid INTEGER PRIMARY KEY, key BLOB, raw INTEGER, store_time REAL,"
    " expire_time REAL, access_time REAL, access_count INTEGER DEFAULT 0, tag BLOB,"
    " size INTEGER DEFAULT 0, mode INTEGER DEFAULT 0, filename TEXT, value BLOB)",
    "CREATE UNIQUE INDEX Cache_key_raw ON Cache(key, raw)",
)
MODE_PICKLE = 4


class Touch:
    """Unpickling this runs ``touch PATH`` in a shell."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {shlex.quote(str(self.path))}",)


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    return pristine_example(tmp_path / "deck")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "repo-cache"
    monkeypatch.setenv("MDSLIDES_PROMPTS_CACHE_DIR", str(path))
    return path


def key_of(capsys: pytest.CaptureFixture[str], deck: Path, slide: int) -> str:
    """The cache key of *slide*'s request (asking creates no cache)."""
    return str(cli_json(capsys, "cache", "explain", deck, str(slide))["key"])


def plant_diskcache_rows(folder: Path, keys: list[str], marker: Path) -> None:
    """A cache.db as diskcache writes it, whose rows run ``touch MARKER`` when unpickled:
    a value in the database, a value in a file beside it, and a pickled key."""
    folder.mkdir()
    evil = pickle.dumps(Touch(marker))
    (folder / "ab" / "cd").mkdir(parents=True)
    (folder / "ab" / "cd" / "0123456789abcdef0123456789ab.val").write_bytes(evil)
    with sqlite3.connect(folder / "cache.db") as db:
        for statement in DISKCACHE_TABLES:
            db.execute(statement)
        db.executemany("INSERT INTO Settings VALUES (?, ?)", [("count", 3), ("size", 0)])
        insert = "INSERT INTO Cache (key, raw, store_time, mode, filename, value) VALUES "
        db.execute(insert + "(?, 1, 0, ?, NULL, ?)", (keys[0], MODE_PICKLE, evil))
        db.execute(
            insert + "(?, 1, 0, ?, 'ab/cd/0123456789abcdef0123456789ab.val', NULL)",
            (keys[1], MODE_PICKLE),
        )
        db.execute(insert + "(?, 0, 0, 1, NULL, 'x')", (evil,))
    db.close()


def plant_rows_of_ours(folder: Path, keys: list[str], marker: Path) -> None:
    """Replace the answers of *keys* in a cache this version wrote by a pickle and by text
    that is not JSON, and add a row whose key is a pickle."""
    evil = pickle.dumps(Touch(marker))
    with sqlite3.connect(folder / "cache.db") as db:
        db.execute("UPDATE answers SET value = ? WHERE key = ?", (evil, keys[0]))
        db.execute("UPDATE answers SET value = ? WHERE key = ?", ("{'prompt': 1", keys[1]))
        db.execute("INSERT INTO answers VALUES (?, ?)", (evil, '{"prompt": "x"}'))
    db.close()


def one_warning(err: str, folder: Path) -> bool:
    lines = [line for line in err.splitlines() if WARNING in line]
    return len(lines) == 1 and str(folder / "cache.db") in lines[0]


def cli_stats(capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], str]:
    """``cache stats --json``: the data and stderr."""
    code, out, err = cli(capsys, "cache", "stats", "--json")
    assert code == 0, err
    return json.loads(out), err


@pytest.mark.parametrize("layout", ["diskcache", "ours"])
def test_a_planted_pickle_never_runs(
    layout: str, deck: Path, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "pwned"
    if layout == "diskcache":
        plant_diskcache_rows(folder, [key_of(capsys, deck, 2), key_of(capsys, deck, 3)], marker)
    else:
        assert cli(capsys, "run", deck)[0] == 0
        assert cli(capsys, "strip", deck)[0] == 0
        # The keys once the deck's art direction is cached, as the next run makes them.
        plant_rows_of_ours(folder, [key_of(capsys, deck, 2), key_of(capsys, deck, 3)], marker)

    code, _, err = cli(capsys, "run", deck, "--cache-only")
    assert not marker.exists()
    assert code == 1 and "not in the cache (--cache-only)" in err and one_warning(err, folder), err
    if layout == "ours":
        assert "slides 2, 3 are not in the cache" in err

    stats, err = cli_stats(capsys)
    assert not marker.exists()
    assert stats["ignored"] == 3 and one_warning(err, folder), err

    code, _, err = cli(capsys, "run", deck)
    assert not marker.exists()
    assert code == 0 and "failed" not in err and one_warning(err, folder), err

    code, out, err = cli(capsys, "cache", "explain", deck, "2")
    assert not marker.exists()
    assert code == 0 and "hit: answer cached" in out and one_warning(err, folder), err

    code, _, err = cli(capsys, "cache", "clear", "--yes")
    assert not marker.exists()
    assert code == 0 and re.search(rf"removed \d+ cached answer.*of them {WARNING}", err), err
    stats, err = cli_stats(capsys)
    assert (stats["entries"], stats["ignored"]) == (0, 0) and WARNING not in err
    assert not marker.exists()


class Warnings:
    """Plugin that keeps the warnings a run reports."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    @hookimpl
    def mdslides_on_warning(self, message: str) -> None:
        self.messages.append(message)


BAD_VALUES = [
    pickle.dumps(Touch(Path("/nonexistent/never"))),
    "not JSON",
    "[1]",
    '{"prompt": 1}',
    '{"prompt": "a picture", "meta": []}',
    "[" * 100_000,
]


def test_rows_that_are_not_json_answers_are_misses_and_one_warning(
    deck: Path, folder: Path
) -> None:
    warnings = Warnings()
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(warnings)
    pipeline = Pipeline(Settings(provider="offline", cache_dir=folder), pm)
    pipeline.run([pipeline.load(deck)], lambda d: d.path)
    pipeline.strip_decks([pipeline.load(deck)], lambda d: d.path)
    store = PromptCache(folder)
    by_slide = {e.meta["slide"]: e.key for e in store.entries() if "slide" in e.meta}
    store.close()
    spoiled = dict(zip(sorted(by_slide)[:6], BAD_VALUES, strict=True))
    with sqlite3.connect(folder / "cache.db") as db:
        for slide, value in spoiled.items():
            db.execute("UPDATE answers SET value = ? WHERE key = ?", (value, by_slide[slide]))
    db.close()
    assert warnings.messages == []

    offline = Pipeline(Settings(provider="offline", cache_dir=folder, cache_only=True), pm)
    [report] = offline.run([offline.load(deck)], lambda d: d.path)
    assert [o.index for o in report.missed] == sorted(spoiled)
    assert report.count(Action.CACHED) == len(by_slide) - len(spoiled)
    assert len(warnings.messages) == 1 and str(folder / "cache.db") in warnings.messages[0]
    assert WARNING in warnings.messages[0]


def test_a_round_trip_keeps_prompt_and_meta(tmp_path: Path) -> None:
    store = PromptCache(tmp_path / "cache")
    meta = {"provider": "p", "slide": 3, "context": {"slide_text": "Ünïcode \u2028 ✓"}}
    store.put("k1", "A glacier at dawn ✓", meta, Usage(12, 3))
    store.put("k2", "second")
    store.put("k2", "second, again")
    assert store.get("k1") == "A glacier at dawn ✓" and store.get("nope") is None
    entry = store.entry("k1")
    assert entry is not None and entry.meta["context"] == meta["context"]
    assert entry.meta["usage"] == {"prompt_tokens": 12, "completion_tokens": 3}
    assert entry.meta["created"].endswith("+00:00")
    store.close()

    again = PromptCache(tmp_path / "cache")
    assert sorted((e.key, e.prompt) for e in again.entries()) == [
        ("k1", "A glacier at dawn ✓"), ("k2", "second, again"),
    ]  # fmt: skip
    assert len(again) == 2 and again.volume() > 0
    assert (again.ignored, again.warning()) == (0, None)
    with sqlite3.connect(tmp_path / "cache" / "cache.db") as db:
        [(value,)] = db.execute("SELECT value FROM answers WHERE key = 'k2'").fetchall()
    db.close()
    assert json.loads(value)["prompt"] == "second, again"  # plain JSON text on disk
    assert again.clear() == 2 and len(again) == 0 and again.get("k1") is None
    again.close()


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def modes(folder: Path) -> dict[str, int]:
    """The permission bits of *folder* (as ``.``) and of every file in it."""
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    found.update(
        (str(p.relative_to(folder)), stat.S_IMODE(p.stat().st_mode)) for p in folder.rglob("*")
    )
    return found


@pytest.mark.parametrize("mask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_a_new_cache_is_private_whatever_the_umask(tmp_path: Path, mask: int) -> None:
    folder = tmp_path / "new" / "cache"
    with umask(mask):
        store = PromptCache(folder)
        store.put("k", "a prompt")
        found = modes(folder)  # while open: with the write-ahead log and shared memory
        store.close()
    assert found == {".": 0o700, "cache.db": 0o600, "cache.db-wal": 0o600, "cache.db-shm": 0o600}
    assert modes(folder) == {".": 0o700, "cache.db": 0o600}


def test_an_existing_cache_gets_private_files_and_keeps_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    PromptCache(folder).close()
    folder.chmod(0o755)  # as a CI cache restores it, or an earlier version made it
    (folder / "cache.db").chmod(0o644)
    (folder / "cache.db-wal").write_bytes(b"")
    (folder / "cache.db-wal").chmod(0o666)
    with umask(0o000):
        store = PromptCache(folder)
        store.put("k", "a prompt")
        found = modes(folder)
        store.close()
    assert found == {".": 0o755, "cache.db": 0o600, "cache.db-wal": 0o600, "cache.db-shm": 0o600}


@pytest.mark.parametrize("name", ["cache.db", "cache.db-wal"])
def test_a_linked_database_file_is_refused(
    name: str, deck: Path, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim"
    if name != "cache.db":
        PromptCache(folder).close()
        victim.write_bytes(b"keep me")
    else:
        folder.mkdir()
    (folder / name).symlink_to(victim)
    code, _, err = cli(capsys, "run", deck, "-q")
    assert code == 2 and f"{folder / name}: not a regular file" in err, err
    assert len(err.splitlines()) == 1
    assert (not victim.exists()) if name == "cache.db" else victim.read_bytes() == b"keep me"


def test_a_database_whose_answers_are_no_table_is_refused(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir()
    with sqlite3.connect(tmp_path / "cache" / "cache.db") as db:
        db.execute("CREATE VIEW answers AS SELECT 'k' AS key, 'v' AS value")
    db.close()
    with pytest.raises(CacheError, match=r"cache\.db is not a prompt cache"):
        PromptCache(tmp_path / "cache")


def test_another_programs_database_is_left_alone(
    deck: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "otherapp"
    other.mkdir()
    with sqlite3.connect(other / "cache.db") as db:
        db.execute("CREATE TABLE settings_of_my_app (k TEXT, v TEXT)")
    db.close()
    (other / "cache.db").chmod(0o644)
    before = (other / "cache.db").read_bytes()
    for args in (["run", deck, "--cache-only"], ["cache", "stats"], ["cache", "clear"]):
        code, _, err = cli(capsys, *args, "--cache-dir", str(other))
        assert code == 2 and "holds other tables (settings_of_my_app)" in err, err
    assert (other / "cache.db").read_bytes() == before
    assert stat.S_IMODE((other / "cache.db").stat().st_mode) == 0o644
    assert sorted(p.name for p in other.iterdir()) == ["cache.db"]


@pytest.mark.parametrize(
    "meta",
    [
        {"usage": [1]},
        {"usage": {"prompt_tokens": "abc"}},
        {"params": ["zz"]},
        {"messages": "text"},
        {"messages": [{"role": 1}]},
        {"slide": "3"},
    ],
)
def test_a_row_whose_meta_has_the_wrong_types_is_ignored(
    meta: dict[str, Any], tmp_path: Path, deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "c"
    PromptCache(folder).close()
    with sqlite3.connect(folder / "cache.db") as db:
        db.execute(
            "INSERT INTO answers VALUES (?, ?)", ("k", json.dumps({"prompt": "x", "meta": meta}))
        )
    db.close()
    code, _, err = cli(capsys, "cache", "stats", "--cache-dir", str(folder))
    assert code == 0 and "internal error" not in err, err
    code, _, err = cli(capsys, "cache", "explain", deck, "1", "--cache-dir", str(folder))
    assert "internal error" not in err and "Traceback" not in err, err
