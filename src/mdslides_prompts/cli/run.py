"""``mdslides-prompts run``: write an image prompt into every slide of the decks given."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
import contextlib
import json
from pathlib import Path
import sys
import time
from typing import TYPE_CHECKING, Any

import click

from ..config import Settings
from ..controls import parse_selectors
from ..helpformat import SectionedCommand
from ..templates import estimate_tokens
from ..wording import plural
from . import complete
from .common import SUMMARIES, CommandExit, StderrConsole, fail, stderr_console, warn
from .decks import (
    Decks,
    Loaded,
    config_values,
    destination,
    emit_stdout,
    offline_notice,
    refuse_placeholders,
    require_slides,
)
from .images import (
    SHEET_OPTION,
    image_options,
    make_pictures,
    picture_json,
    picture_lines,
    write_sheets,
)
from .options import (
    CACHE_DIR_OPTION,
    CONCURRENCY_OPTION,
    INCLUDE_ILLUSTRATED_OPTION,
    MODE_OPTION,
    NO_CACHE_OPTION,
    deck_options,
    ignore_unknown_option,
    paths_argument,
    provider_options,
)
from .report import Reporter

if TYPE_CHECKING:
    from rich.console import Console

    from ..deck import Deck
    from ..illustrate import DeckPictures
    from ..outcomes import DeckReport, SlidePlan
    from ..progress import RunTotals
    from ..providers.base import Message

__all__ = ["run", "unified_diff"]

_OFFLINE_DEPRECATED = (
    "--offline is deprecated and will be removed: it is --cache-only now (cached answers "
    "only); --provider offline is the built-in provider of placeholder prompts"
)


@click.command(cls=SectionedCommand, short_help=SUMMARIES["run"])
@paths_argument
@provider_options
@deck_options
@CACHE_DIR_OPTION
@NO_CACHE_OPTION
@click.option(
    "--cache-only",
    is_flag=True,
    help="Use cached answers only: never ask the provider (no credentials needed), list the "
    "slides the cache has no answer for, exit 1 if any.",
)
@click.option("--offline", "offline_alias", is_flag=True, hidden=True)  # old --cache-only
@click.option(
    "--force", is_flag=True, help="Regenerate every prompt, hand-edited ones too (not locked)."
)
@click.option(
    "--slides",
    metavar="LIST",
    shell_complete=complete.slides,
    help="Regenerate only these slides, fresh ones too: numbers, ranges, titles (3,5-7).",
)
@INCLUDE_ILLUSTRATED_OPTION
@MODE_OPTION
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the result instead of writing it.")
@click.option(
    "-o", "--output", metavar="OUT", help="Write to OUT (a file, or a folder for several decks)."
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show what would be sent for each slide (messages, estimated tokens); send and "
    "write nothing.",
)
@click.option(
    "--diff", is_flag=True, help="Print a unified diff of what would change; write no deck."
)
@click.option(
    "--images",
    "with_images",
    is_flag=True,
    help="Then give every slide with a current prompt its picture (see the images command).",
)
@image_options
@SHEET_OPTION
@ignore_unknown_option
@CONCURRENCY_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Print every slide, with timing and tokens.")
def run(
    paths: tuple[str, ...],
    config_file: str | None,
    no_cache: bool,
    cache_only: bool,
    offline_alias: bool,
    force: bool,
    slides: str | None,
    to_stdout: bool,
    output: str | None,
    dry_run: bool,
    diff: bool,
    with_images: bool,
    refresh: bool,
    sheet: bool,
    ignore_unknown: bool,
    as_json: bool,
    quiet: bool,
    verbose: bool,
    **options: Any,
) -> None:
    """Write an image prompt into every slide of the decks at PATH (files or folders).

    Decks are changed in place unless --stdout or -o is given; a file is only rewritten
    when its text changes. A PATH of - reads a deck from stdin and prints the result
    (or writes it to -o).
    """
    if to_stdout and output:
        fail("--stdout and -o cannot be used together")
    if dry_run and diff:
        fail("--dry-run and --diff cannot be used together")
    if (dry_run or diff) and (to_stdout or output):
        fail(f"--{'dry-run' if dry_run else 'diff'} writes nothing, so it takes no --stdout or -o")
    if with_images and (to_stdout or output or dry_run or diff or paths == ("-",)):
        fail(
            "--images writes pictures next to each deck and the deck in place: it takes no "
            "--stdout, -o, --dry-run, --diff or -; see `images --dry-run` for the pictures"
        )
    if (refresh or sheet) and not with_images:
        fail(f"--{'refresh' if refresh else 'sheet'} is about pictures: add --images")
    if offline_alias:
        warn(_OFFLINE_DEPRECATED)
    cache_only = cache_only or offline_alias
    emit = (to_stdout or (paths == ("-",) and not output)) and not (dry_run or diff)
    if as_json and (emit or diff):
        fail("--json prints on stdout, so it cannot be combined with --stdout, - or --diff")
    from ..progress import RunTotals  # imports the formats: not for --help

    chosen = parse_selectors(slides, "--slides") if slides else ()
    base = Settings(
        provider="auto", use_cache=not no_cache, force=force, cache_only=cache_only or dry_run,
        slides=tuple(s.text for s in chosen) if slides else None,
    )  # fmt: skip
    decks = Decks(config_values(options), base=base, config=config_file, auto=True)
    console = stderr_console()
    reporter = Reporter(console, quiet=quiet, verbose=verbose, stdout=emit)
    decks.pm.register(reporter, name="cli-reporter")
    with _reading(console, quiet) as reading:
        loaded = decks.load(
            paths, console, ignore_unknown=ignore_unknown, quiet=quiet, reading=reading
        )
    require_slides(chosen, [item.deck for item in loaded])
    for item in loaded:
        item.pipeline.check_mode(item.deck)
    write_to = (
        (lambda deck: None)
        if diff or dry_run
        else destination(paths, [(i.deck, i.root) for i in loaded], output, emit, decks.inputs)
    )
    refuse_placeholders(decks, [item.pipeline.settings for item in loaded])
    if not quiet and not dry_run:
        offline_notice(console, decks, (item.pipeline.settings for item in loaded))
    if dry_run:
        _dry_run(loaded, console, as_json=as_json, verbose=verbose)
        if decks.unreadable:
            raise CommandExit(1)
        return
    started = time.monotonic()
    reports = _run_all(loaded, write_to, console, quiet=quiet)
    totals = RunTotals.of(reports, time.monotonic() - started)
    if reporter.retries and not quiet:
        reasons = ", ".join(f"{n} after {why}" for why, n in reporter.retries.most_common())
        console.print(
            f"mdslides-prompts: {plural(reporter.retries.total(), 'request')} retried ({reasons})",
            markup=False,
            highlight=False,
        )
    if not quiet and loaded:
        console.print(f"mdslides-prompts: {totals.line()}", markup=False, highlight=False)
    pictures = (
        _pictures(paths, decks, console, refresh=refresh, sheet=sheet, quiet=quiet)
        if with_images
        else []
    )
    if emit and reports:
        emit_stdout(reports[0].deck, reports[0].text)
    if diff:
        sys.stdout.write("".join(unified_diff(r.deck, r.text) for r in reports))
    if as_json:
        summary = _run_summary(reports, totals)
        if with_images:
            summary["pictures"] = [picture_json(r) for r in pictures]
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    if decks.unreadable or any(r.failed or r.missed or r.error for r in reports):
        raise CommandExit(1)
    if any(r.failed or r.error for r in pictures):
        raise CommandExit(1)


def _pictures(
    paths: Sequence[str],
    decks: Decks,
    console: Console,
    *,
    refresh: bool,
    sheet: bool,
    quiet: bool,
) -> list[DeckPictures]:
    """The decks read again as the run left them, each slide given its picture (and,
    with *sheet*, each deck its contact sheet)."""
    loaded = decks.load(paths, console, quiet=True)
    results = make_pictures(loaded, lambda deck: deck.path, refresh=refresh)
    for result in results:
        for line in picture_lines(result, dry_run=False, verbose=False):
            if not quiet or ": error: " in line:
                console.print(line, markup=False, highlight=False)
    if sheet and write_sheets(loaded, results, console, quiet=quiet):
        raise CommandExit(1)
    return results


def _reading(
    console: Console, quiet: bool
) -> contextlib.AbstractContextManager[Callable[[Path], None] | None]:
    """A spinner naming the deck being read, on an interactive terminal unless *quiet*."""
    if quiet or not console.is_terminal:
        return contextlib.nullcontext()
    from ..progress import ReadingSpinner  # imports the formats: not for --help

    return ReadingSpinner(console.real() if isinstance(console, StderrConsole) else console)


def _run_all(
    loaded: Sequence[Loaded],
    destination: Callable[[Deck], Path | None],
    console: Console,
    *,
    quiet: bool,
) -> list[DeckReport]:
    """Run every deck through its pipeline (decks sharing settings in one run), with a
    progress bar on an interactive terminal; reports in the order of *loaded*."""
    from ..progress import PROGRESS_THRESHOLD, ProgressBar  # imports the formats: not for --help

    groups: dict[int, list[Loaded]] = {}
    for item in loaded:
        groups.setdefault(id(item.pipeline), []).append(item)
    total = sum(len(item.deck.slides) for item in loaded)
    bar = None
    if not quiet and total > PROGRESS_THRESHOLD and console.is_terminal:
        real = console.real() if isinstance(console, StderrConsole) else console
        bar = ProgressBar(real, total)
        loaded[0].pipeline.pm.register(bar, name="cli-progress")
    by_deck: dict[int, DeckReport] = {}
    try:
        if bar is not None:
            bar.__enter__()
        for items in groups.values():
            pipeline = items[0].pipeline
            reports = pipeline.run([i.deck for i in items], destination)
            by_deck.update((id(i.deck), r) for i, r in zip(items, reports, strict=True))
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
            loaded[0].pipeline.pm.unregister(name="cli-progress")
    return [by_deck[id(item.deck)] for item in loaded]


def unified_diff(deck: Deck, text: str) -> str:
    """A ``git diff``-style unified diff from *deck*'s text to *text* (empty if equal)."""
    if text == deck.text:
        return ""
    name = deck.name
    import difflib

    lines = difflib.unified_diff(
        deck.text.splitlines(keepends=True),
        text.splitlines(keepends=True),
        f"a/{name}",
        f"b/{name}",
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith(("\n", "\r")):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def _plan_row(plan: SlidePlan) -> dict[str, Any]:
    slide = plan.slide
    what = plan.action.value if plan.action else ("cached" if plan.cached else "request")
    messages = list(plan.request.messages) if plan.request and what == "request" else None
    return {
        "index": slide.index,
        "title": slide.title,
        "status": slide.status.value,
        "action": what,
        "reason": plan.reason,
        "error": plan.error,
        "cache_key": plan.key,
        "estimated_tokens": estimate_tokens(messages) if messages else None,
        "messages": messages,
    }


def _art_row(item: Loaded, asks: bool) -> dict[str, Any]:
    """What a run would do for the deck's art direction: ask for it (``request``) or read
    it from the cache (``cached``) when a slide needs a prompt (*asks*), else nothing (no
    slide needs one, the style setting gives it, or it is off: ``action`` ``None``)."""
    art = item.pipeline.art_direction(item.deck)
    action = {"pending": "request", "cache": "cached"}.get(art.source) if asks else None
    messages = None
    if action == "request":
        messages = list(item.pipeline.art_request(item.deck).messages)
    return {
        "action": action, "source": art.source, "text": art.text, "cache_key": art.key,
        "estimated_tokens": estimate_tokens(messages) if messages else None,
        "messages": messages,
    }  # fmt: skip


def _echo_messages(messages: Sequence[Message]) -> None:
    for message in messages:
        click.echo(f"  --- {message['role']}")
        click.echo("\n".join(f"  {line}" for line in message["content"].splitlines()))


def _dry_run(loaded: Sequence[Loaded], console: Console, *, as_json: bool, verbose: bool) -> None:
    """Print, for every slide that would get a new prompt, what a run would send (every
    slide with *verbose*)."""
    groups: dict[int, list[Loaded]] = {}
    for item in loaded:
        groups.setdefault(id(item.pipeline), []).append(item)
    planned: dict[int, list[SlidePlan]] = {}
    for items in groups.values():
        plans = items[0].pipeline.plan([i.deck for i in items])
        planned.update((id(i.deck), p) for i, p in zip(items, plans, strict=True))
    data: list[dict[str, Any]] = []
    for item in loaded:
        rows = [_plan_row(p) for p in planned[id(item.deck)]]
        settings = item.pipeline.settings
        asks = any(row["action"] in ("request", "cached") for row in rows)
        data.append({
            "path": item.deck.name, "format": item.deck.format, "provider": settings.provider,
            "model": settings.model, "art_direction": _art_row(item, asks), "slides": rows,
        })  # fmt: skip
    every: list[dict[str, Any]] = [row for deck in data for row in deck["slides"]]
    arts = [deck["art_direction"] for deck in data if deck["art_direction"]["action"] == "request"]
    totals = Counter(row["action"] for row in [*every, *arts])
    tokens = sum(row["estimated_tokens"] or 0 for row in [*every, *arts])
    if as_json:
        summary = {**totals, "estimated_tokens": tokens}
        click.echo(json.dumps({"decks": data, "totals": summary}, ensure_ascii=False, indent=2))
        return
    for deck in data:
        art = deck["art_direction"]
        if art["action"] == "request":
            click.echo(
                f"{deck['path']}: the deck's art direction: request to {deck['provider']}, "
                f"about {art['estimated_tokens']} tokens"
            )
            _echo_messages(art["messages"])
        elif art["text"] and (verbose or art["action"] == "cached"):
            click.echo(f"{deck['path']}: the deck's art direction ({art['source']}): {art['text']}")
        for row in deck["slides"]:
            title = f" {row['title']!r}" if row["title"] else ""
            head = f"{deck['path']}: slide {row['index']}{title}"
            if row["action"] == "request":
                why = row["status"] if row["reason"] == row["status"] else (
                    f"{row['status']}, {row['reason']}"
                )  # fmt: skip
                click.echo(
                    f"{head} ({why}): request to {deck['provider']}, "
                    f"about {row['estimated_tokens']} tokens"
                )
                _echo_messages(row["messages"])
            elif row["action"] == "cached" or verbose or row["action"] == "failed":
                why = row["error"] or row["reason"]
                click.echo(f"{head}: {row['action']} ({why})")
    counts = ", ".join(
        plural(n, what) if what == "request" else f"{n} {what}"
        for what, n in sorted(totals.items())
    )
    console.print(
        f"mdslides-prompts: dry run: {counts}; about {tokens:,} tokens would be sent; "
        "nothing was sent or written",
        markup=False,
        highlight=False,
    )


def _run_summary(reports: Sequence[DeckReport], totals: RunTotals) -> dict[str, Any]:
    from ..progress import outcome_json, slides_of  # imports the formats: not for --help

    return {
        "decks": [
            {
                "path": report.deck.name,
                "format": report.deck.format,
                "destination": str(report.destination) if report.destination else None,
                "written": report.written,
                "changed": report.changed,
                "error": report.error,
                "slides": [
                    outcome_json(outcome, slide)
                    for outcome, slide in zip(report.outcomes, slides_of(report), strict=True)
                ],
            }
            for report in reports
        ],
        "totals": totals.as_json(),
    }
