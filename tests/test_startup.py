"""Start-up and exit: ``--help`` and a rerun with nothing to do import only what they use,
and the program's quick exit loses nothing.

These tests assert on the modules a real process imports (``python -X importtime``) and on
what a process leaves behind, not on times: timing is the job of ``benchmarks/bench.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import shutil
import subprocess
import sys

import click
import pytest

from .conftest import EXAMPLE_DECK, pristine_example

HEAVY = ("httpx", "watchdog", "sqlite3", "rich", "markdown_it", "yaml", "regex")
"""Packages that ``--help`` must not import (each costs tens of milliseconds)."""


def imported(*args: str | Path, env: dict[str, str] | None = None) -> set[str]:
    """The modules a ``python -X importtime -m mdslides_prompts ARGS`` process imports."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mdslides_prompts", *map(str, args)],
        capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "mdslides_prompts.cli" in names, done.stderr[-2000:]
    return names


def packages(modules: set[str]) -> set[str]:
    """The top-level packages of *modules*."""
    return {name.split(".")[0] for name in modules}


@pytest.mark.parametrize(
    "args",
    [("--help",), ("run", "--help"), ("watch", "--help"), ("cache", "explain", "--help")],
    ids=" ".join,
)
def test_help_imports_no_heavy_package(args: tuple[str, ...]) -> None:
    modules = imported(*args)
    assert not packages(modules) & set(HEAVY)
    assert "importlib.metadata" not in modules  # no entry-point scan
    assert not {name for name in modules if name.startswith("mdslides_prompts.formats")}


def test_warm_run_opens_neither_provider_nor_cache(tmp_path: Path) -> None:
    deck = pristine_example(tmp_path / "example")  # the quick start may have run on it
    first = subprocess.run(
        [sys.executable, "-m", "mdslides_prompts", "run", str(deck), "-q", "--provider", "offline"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    before = deck.read_bytes()
    # Credentials make ``auto`` choose infomaniak, whose client needs httpx: with every
    # prompt fresh, the run must not even create it (and sends nothing to this address).
    fake = {
        "INFOMANIAK_API_TOKEN": "tok-unused",
        "INFOMANIAK_PRODUCT_ID": "1",
        "INFOMANIAK_BASE_URL": "http://127.0.0.1:9",
    }
    names = packages(imported("run", deck, "-q", env=fake))
    assert deck.read_bytes() == before
    assert "httpx" not in names
    assert "sqlite3" not in names  # nor the cache
    assert "watchdog" not in names
    assert "asyncio" not in names  # nothing to wait for: no event loop either


def test_run_that_needs_a_prompt_still_opens_them(tmp_path: Path) -> None:
    deck = pristine_example(tmp_path / "example")  # the quick start may have run on it
    names = packages(imported("run", deck, "-q", "--provider", "offline"))
    assert "sqlite3" in names
    assert "image-prompt" in deck.read_text(encoding="utf-8")


def test_only_a_separator_the_user_gives_loads_the_regex_engine() -> None:
    deck = EXAMPLE_DECK.parent / "reveal-deck.md"  # reveal-md, its default separators
    assert "regex" not in packages(imported("inspect", deck))
    assert "regex" in packages(imported("inspect", deck, "--separator", "^---$"))


COMMAND_MODULES = {f"mdslides_prompts.cli.{m}" for m in ("run", "watch", "check", "info", "cache")}
"""The modules the commands live in, one per command (or per family of small ones)."""


def test_top_level_help_loads_no_command_and_no_plugin_machinery() -> None:
    modules = imported("--help")
    assert {name for name in modules if name.startswith("mdslides_prompts.cli.")} == {
        "mdslides_prompts.cli.common"
    }
    assert "pluggy" not in packages(modules)
    assert imported("check", "--help") & COMMAND_MODULES == {"mdslides_prompts.cli.check"}
    assert imported("run", "--help") & COMMAND_MODULES == {"mdslides_prompts.cli.run"}


def test_the_help_listing_is_the_commands_own_short_help() -> None:
    from mdslides_prompts.cli import SUMMARIES, cli

    context = click.Context(cli)
    commands = {name: cli.get_command(context, name) for name in cli.list_commands(context)}
    assert list(commands) == list(SUMMARIES)
    for name, command in commands.items():
        assert command is not None and command.name == name
        assert command.get_short_help_str(limit=80) == SUMMARIES[name]
        assert len(f"  {name:8} {SUMMARIES[name]}") <= 80, name  # one line in an 80-column help
    assert cli.get_command(click.Context(cli), "nope") is None


def _program(code: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run *code*, then the ``mdslides-prompts`` program with *args*, in a fresh process."""
    script = (
        f"{code}\nimport sys\nfrom mdslides_prompts.cli import run_and_exit\n"
        f"sys.argv = ['mdslides-prompts', *{[str(a) for a in args]!r}]\nrun_and_exit()\n"
    )
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as users run it
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=environ
    )


def test_quick_exit_flushes_every_byte_of_a_large_output(tmp_path: Path) -> None:
    deck = tmp_path / "big.md"
    slides = [f"# Slide {n}\n\n{'Words about glaciers and rivers. ' * 20}\n" for n in range(400)]
    deck.write_text("---\nmarp: true\n---\n\n" + "\n---\n\n".join(slides), encoding="utf-8")
    done = _program("", "inspect", deck, "--json")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout) > 65_536  # more than a pipe holds: the reader must drain it
    assert len(json.loads(done.stdout)["slides"]) == 400
    copy = tmp_path / "copy.md"
    shutil.copyfile(deck, copy)
    assert _program("", "run", copy, "-q", "--provider", "offline").returncode == 0
    printed = _program("", "run", deck, "--stdout", "-q", "--provider", "offline")
    assert printed.returncode == 0, printed.stderr
    assert len(printed.stdout) > 300_000
    assert printed.stdout == copy.read_text(encoding="utf-8")
    # Output that nothing flushed yet (a plugin's print, say) is not lost either.
    quiet = _program("print('from a plugin')", "check", copy)
    assert (quiet.returncode, quiet.stdout) == (0, "from a plugin\n")


def test_quick_exit_runs_exit_handlers_and_keeps_the_exit_code(tmp_path: Path) -> None:
    said = tmp_path / "said.txt"
    register = (
        f"import atexit, pathlib\natexit.register(pathlib.Path({str(said)!r}).write_text, 'bye')"
    )
    done = _program(register, "check", tmp_path / "missing.md")
    assert done.returncode == 2 and "missing.md" in done.stderr
    assert said.read_text() == "bye"
    assert _program(register, "--version").returncode == 0


def test_quick_exit_waits_for_a_thread_still_running(tmp_path: Path) -> None:
    late = tmp_path / "late.txt"
    worker = (
        "import pathlib, threading, time\n"
        f"def work():\n    time.sleep(0.5)\n    pathlib.Path({str(late)!r}).write_text('done')\n"
        "threading.Thread(target=work).start()"
    )
    done = _program(worker, "check", tmp_path / "missing.md")
    assert done.returncode == 2
    assert late.read_text() == "done"


@pytest.mark.parametrize("columns", [None, "40", "60", "79", "100", "200", "0", "wide"])
@pytest.mark.parametrize("max_width", [None, 60, 120])
def test_help_is_as_wide_as_click_would_make_it(
    columns: str | None, max_width: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mdslides_prompts.cli import _help_width

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert _help_width(max_width) == click.HelpFormatter(max_width=max_width).width


def test_help_on_a_terminal_is_as_wide_as_click_would_make_it() -> None:
    import fcntl
    import pty
    import struct
    import termios

    probe = (
        "import click\n"
        "from mdslides_prompts.cli import _help_width\n"
        "print(_help_width(None), click.HelpFormatter().width, file=open(1, 'w', closefd=False))"
    )
    for columns in (62, 100):
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
        environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        done = subprocess.run(
            [sys.executable, "-c", probe], stdout=follower, env=environ, timeout=60, check=True
        )
        os.close(follower)
        ours, clicks = os.read(leader, 100).split()
        os.close(leader)
        assert done.returncode == 0
        assert int(ours) == int(clicks) == min(columns, 80) - 2


def test_cache_path_loads_no_plugin_or_parser() -> None:
    modules = imported("cache", "path")
    assert not packages(modules) & {"markdown_it", "yaml", "httpx"}
    assert "importlib.metadata" not in modules  # no entry-point scan


def test_a_cold_run_over_plain_http_imports_no_command_line_of_httpx(tmp_path: Path) -> None:
    """httpx imports its own command line (rich, pygments) when it can: the program keeps
    it out."""
    from .http_server import chat, serve

    deck = pristine_example(tmp_path / "example")
    with serve(lambda request: chat("A glacier at dawn, watercolor")) as server:
        names = imported(
            "run", deck, "-q", "--rpm", "0",
            env={"INFOMANIAK_API_TOKEN": "tok-test", "INFOMANIAK_PRODUCT_ID": "1",
                 "INFOMANIAK_BASE_URL": server.url, "NO_PROXY": "*",
                 "MDSLIDES_PROMPTS_CACHE_DIR": str(tmp_path / "cache")},
        )  # fmt: skip
        assert server.posts  # it did talk to the server
    assert "httpx" in packages(names)
    assert not packages(names) & {"rich", "pygments"}
    assert "image-prompt" in deck.read_text(encoding="utf-8")
