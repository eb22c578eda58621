"""Start-up cost: ``--help`` and a rerun with nothing to do import only what they use.

These tests assert on the modules a real process imports (``python -X importtime``), not
on times: timing is the job of ``benchmarks/bench.py`` (measures 3 and 6).
"""

from __future__ import annotations

import os
from pathlib import Path
import shutil
import subprocess
import sys

import click
import pytest

from .conftest import EXAMPLE_DECK

HEAVY = ("httpx", "watchdog", "diskcache", "rich", "markdown_it", "yaml")
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
    deck = tmp_path / "talk.md"
    shutil.copyfile(EXAMPLE_DECK, deck)
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
    assert "diskcache" not in names
    assert "watchdog" not in names
    assert "asyncio" not in names  # nothing to wait for: no event loop either


def test_run_that_needs_a_prompt_still_opens_them(tmp_path: Path) -> None:
    deck = tmp_path / "talk.md"
    shutil.copyfile(EXAMPLE_DECK, deck)
    names = packages(imported("run", deck, "-q", "--provider", "offline"))
    assert "diskcache" in names
    assert "image-prompt" in deck.read_text(encoding="utf-8")


def test_top_level_help_loads_no_command_and_no_plugin_machinery() -> None:
    modules = imported("--help")
    assert "mdslides_prompts.commands" not in modules
    assert "pluggy" not in packages(modules)
    assert "mdslides_prompts.commands" in imported("check", "--help")


def test_the_help_listing_is_the_commands_own_short_help() -> None:
    from mdslides_prompts.cli import SUMMARIES, cli
    from mdslides_prompts.commands import COMMANDS

    assert list(COMMANDS) == list(SUMMARIES) == cli.list_commands(click.Context(cli))
    for name, command in COMMANDS.items():
        assert command.get_short_help_str(limit=80) == SUMMARIES[name]
        assert len(f"  {name:8} {SUMMARIES[name]}") <= 80, name  # one line in an 80-column help
    assert cli.get_command(click.Context(cli), "nope") is None
