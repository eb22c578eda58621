"""``mdslides-prompts watch``: keep the prompts of the decks given current while they are
edited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..config import Settings
from ..helpformat import SectionedCommand
from .common import SUMMARIES, fail, stderr_console
from .decks import Decks, config_values, offline_notice
from .images import SHEET_OPTION, image_options
from .options import (
    CACHE_DIR_OPTION,
    CONCURRENCY_OPTION,
    INCLUDE_ILLUSTRATED_OPTION,
    MODE_OPTION,
    NO_CACHE_OPTION,
    deck_options,
    paths_argument,
    provider_options,
)
from .report import WatchReporter

__all__ = ["watch"]


@click.command(cls=SectionedCommand, short_help=SUMMARIES["watch"])
@paths_argument
@provider_options
@deck_options
@CACHE_DIR_OPTION
@NO_CACHE_OPTION
@MODE_OPTION
@INCLUDE_ILLUSTRATED_OPTION
@click.option(
    "--images",
    "with_images",
    is_flag=True,
    help="Give the slides their pictures too, once a deck is left alone for a few seconds.",
)
@image_options
@SHEET_OPTION
@CONCURRENCY_OPTION
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Print every slide.")
def watch(
    paths: tuple[str, ...],
    config_file: str | None,
    no_cache: bool,
    with_images: bool,
    refresh: bool,
    sheet: bool,
    quiet: bool,
    verbose: bool,
    **options: Any,
) -> None:
    """Keep the prompts of the decks at PATH (files or folders) current while you edit.

    Runs once over every deck, then again on each deck you save, once your edits pause:
    only the slides you changed cost a request. A status line follows each run; errors
    are one line and watching goes on. Ctrl-C stops (exit 0). Each deck gets the
    configuration that applies to it, as with run; an edit of a config file applies from
    the deck's next save.
    """
    if "-" in paths:
        fail("watch needs files or folders, not -")
    if (refresh or sheet) and not with_images:
        fail(f"--{'refresh' if refresh else 'sheet'} is about pictures: add --images")
    from ..watch import Watcher  # imports watchdog and the formats: not for --help

    base = Settings(provider="auto", use_cache=not no_cache)
    decks = Decks(config_values(options), base=base, config=config_file, auto=True)
    given = [Path(p) for p in paths]
    settings = [decks.settings((p if p.is_dir() else p.parent).resolve()) for p in given]
    console = stderr_console()
    reporter = WatchReporter(console, quiet=quiet, verbose=verbose)
    decks.pm.register(reporter, name="cli-reporter")
    watcher = Watcher(
        decks.space, given, on_event=reporter.on_watch_event, images=with_images,
        refresh=refresh, sheet=sheet,
    )  # fmt: skip
    if not quiet:
        offline_notice(console, decks, settings)
    try:
        watcher.run()
    except KeyboardInterrupt:
        if not quiet:
            console.print("mdslides-prompts: stopped", markup=False)
