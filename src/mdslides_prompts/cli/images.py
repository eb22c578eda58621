"""``mdslides-prompts images``: give every slide with a current prompt its picture."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..config import PLACEMENTS, Settings
from ..helpformat import SectionedCommand
from ..wording import plural
from . import complete
from .common import SUMMARIES, CommandExit, fail, stderr_console
from .decks import Decks, Loaded, config_values, destination, refuse_placeholders
from .options import CONCURRENCY_OPTION, connection_options, deck_options, paths_argument

if TYPE_CHECKING:
    from rich.console import Console

    from ..deck import Deck
    from ..illustrate import DeckPictures, PictureOutcome

__all__ = [
    "IMAGE_OPTIONS",
    "SHEET_OPTION",
    "image_options",
    "images",
    "make_pictures",
    "picture_json",
    "picture_lines",
    "write_sheet",
    "write_sheets",
]

IMAGE_OPTIONS = (
    click.option(
        "--image-provider",
        metavar="NAME",
        shell_complete=complete.image_providers,
        help="Provider that makes pictures: offline (placeholders drawn locally), "
        "infomaniak, openai or a plugin's (default: the prompt provider's, else offline).",
    ),
    click.option("--image-model", metavar="NAME", help="Image model (default flux)."),
    click.option("--image-style", metavar="NAME", help="Style preset of the image model."),
    click.option(
        "--placement",
        type=click.Choice(PLACEMENTS),
        default=None,
        help="Where a picture goes: auto (the default: the slot the slide has, else a right "
        "panel beside text, the background behind a cover, section or closing slide), "
        "background, left, right, none.",
    ),
    click.option(
        "--images-folder",
        metavar="DIR",
        help="Pictures' folder, relative to each deck (default slide-images).",
    ),
    click.option(
        "--max-images",
        type=click.IntRange(0),
        default=None,
        help="Most pictures one run asks for (default 50; 0: no limit): a run that would "
        "ask for more asks for none.",
    ),
    click.option(
        "--refresh",
        is_flag=True,
        help="Replace pictures placed for an earlier prompt (by default they stay).",
    ),
)


SHEET_OPTION = click.option(
    "--sheet",
    is_flag=True,
    help="Also write each deck's contact sheet, DECK.sheet.html beside it: one page with "
    "every slide's title, text, prompt, status and picture, usable offline.",
)


def image_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the options that choose how pictures are made and placed."""
    for option in reversed(IMAGE_OPTIONS):
        command = option(command)
    return command


@click.command(cls=SectionedCommand, short_help=SUMMARIES["images"])
@paths_argument
@click.option(
    "--provider",
    default=None,
    help="Prompt provider, whose name the image provider follows (default auto).",
)
@connection_options
@image_options
@deck_options
@CONCURRENCY_OPTION
@click.option(
    "--dry-run",
    is_flag=True,
    help="Say how many pictures would be asked for, of which sizes; send and write nothing.",
)
@SHEET_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Print every slide.")
def images(
    paths: tuple[str, ...],
    config_file: str | None,
    refresh: bool,
    dry_run: bool,
    sheet: bool,
    as_json: bool,
    quiet: bool,
    verbose: bool,
    **options: Any,
) -> None:
    """Give every slide whose prompt is current a picture, placed the way its generator
    shows one, in the decks at PATH (files or folders).

    A picture is asked for once: it is stored next to the deck (slide-images/, named by
    its request) and found there again. Slides without a current prompt wait for `run`.
    """
    if paths == ("-",):
        fail("images writes pictures next to a deck: give a file, not -")
    decks = Decks(config_values(options), base=Settings(provider="auto"), config=config_file,
                  auto=True)  # fmt: skip
    console = stderr_console()
    loaded = decks.load(paths, console, quiet=quiet)
    write_to = (
        (lambda deck: None)
        if dry_run
        else destination(paths, [(i.deck, i.root) for i in loaded], None, False, decks.inputs)
    )
    if not dry_run:  # placeholders when auto found no credentials (unless asked for)
        refuse_placeholders(decks, [i.pipeline.settings for i in loaded if _follows(i)])
    results = make_pictures(loaded, write_to, refresh=refresh, dry_run=dry_run)
    for result in results:
        for line in picture_lines(result, dry_run=dry_run, verbose=verbose and not quiet):
            if not quiet or ": error: " in line:
                console.print(line, markup=False, highlight=False)
    if dry_run and not quiet:
        console.print(_spend_line(loaded, results), markup=False, highlight=False)
    if sheet and write_sheets(loaded, results, console, quiet=quiet):
        raise CommandExit(1)
    if as_json:
        click.echo(json.dumps([picture_json(r) for r in results], ensure_ascii=False, indent=2))
    if decks.unreadable or any(r.failed or r.error for r in results):
        raise CommandExit(1)


def _follows(item: Loaded) -> bool:
    """Whether the deck's image provider is the one named like its prompt provider."""
    return not item.pipeline.settings.image_provider


def make_pictures(
    loaded: Sequence[Loaded],
    write_to: Callable[[Deck], Path | None],
    *,
    refresh: bool = False,
    dry_run: bool = False,
) -> list[DeckPictures]:
    """Plan (*dry_run*) or make, store and place the pictures of every deck in *loaded*,
    decks sharing a pipeline through one image provider; results in the order of *loaded*."""
    from .. import aio  # an event loop only for a run that makes pictures

    groups: dict[int, list[Loaded]] = {}
    for item in loaded:
        groups.setdefault(id(item.pipeline), []).append(item)
    by_deck: dict[int, DeckPictures] = {}
    for items in groups.values():
        results = aio.run(_illustrate(items, write_to, refresh=refresh, dry_run=dry_run))
        by_deck.update((id(i.deck), r) for i, r in zip(items, results, strict=True))
    return [by_deck[id(item.deck)] for item in loaded]


async def _illustrate(
    items: Sequence[Loaded],
    write_to: Callable[[Deck], Path | None],
    *,
    refresh: bool,
    dry_run: bool,
) -> list[DeckPictures]:
    import asyncio

    from ..illustrate import DeckPictures, Illustrator  # imports the formats: not for --help

    pipeline = items[0].pipeline
    provider = pipeline.open_image_provider()
    illustrator = Illustrator(pipeline, provider, refresh=refresh)
    try:
        if not dry_run:
            return await illustrator.arun([i.deck for i in items], write_to)
        plans = [await asyncio.to_thread(illustrator.plan, i.deck) for i in items]
        return [
            DeckPictures(i.deck, i.deck.text, tuple(p)) for i, p in zip(items, plans, strict=True)
        ]
    finally:
        await provider.aclose()


def picture_lines(result: DeckPictures, *, dry_run: bool, verbose: bool) -> list[str]:
    """What to print about one deck's pictures: one summary line, each failure, and with
    *verbose* every slide."""
    from ..illustrate import PictureAction

    name = result.deck.name
    lines = []
    if verbose:
        lines += [f"{name}: slide {o.index}: {_slide_text(o)}" for o in result.outcomes]
    else:
        lines += [
            f"{name}: slide {o.index}: error: {o.error}"
            for o in result.outcomes
            if o.action is PictureAction.FAILED
        ]
    if result.error:
        lines.append(f"{name}: error: {result.error.removeprefix(f'{name}: ')}")
    counts = Counter(o.action for o in result.outcomes)
    if dry_run:
        sizes = Counter(
            o.request.size for o in result.outcomes if o.action is PictureAction.MADE and o.request
        )
        asked = ", ".join(f"{n} at {size}" for size, n in sorted(sizes.items()))
        head = f"{plural(counts[PictureAction.MADE], 'picture')} to ask for"
        lines.append(f"{name}: {head}{f' ({asked})' if asked else ''}{_rest(counts, dry_run)}")
    else:
        head = f"{plural(counts[PictureAction.MADE], 'picture')} made"
        lines.append(f"{name}: {head}{_rest(counts, dry_run)}")
    return lines


def write_sheets(
    loaded: Sequence[Loaded], results: Sequence[DeckPictures], console: Console, *, quiet: bool
) -> int:
    """Write each deck's contact sheet, saying where (errors even when *quiet*); how many
    could not be written."""
    failed = 0
    for item, result in zip(loaded, results, strict=True):
        line = write_sheet(item, result)
        failed += ": error: " in line
        if not quiet or ": error: " in line:
            console.print(line, markup=False, highlight=False)
    return failed


def write_sheet(item: Loaded, result: DeckPictures) -> str:
    """Write the contact sheet of *item*'s deck as *result* left it; the line to print."""
    from ..errors import MdSlidesError
    from ..illustrate import write_sheet as write

    try:
        path = write(item.pipeline, result)
    except MdSlidesError as exc:
        return f"{result.deck.name}: error: contact sheet not written: {exc}"
    return f"{result.deck.name}: contact sheet {path}"


def _spend_line(loaded: Sequence[Loaded], results: Sequence[DeckPictures]) -> str:
    """The dry run's last line: the pictures to ask for in all, and what they cost."""
    from ..illustrate import to_ask

    counts = [to_ask(r.outcomes) for r in results]
    prices = [item.pipeline.settings.image_price for item in loaded]
    total = f"mdslides-prompts: {plural(sum(counts), 'picture')} to ask for"
    if any(price is None for n, price in zip(counts, prices, strict=True) if n):
        return f"{total} (set image-price to estimate the spend)"
    cost = sum(n * (price or 0.0) for n, price in zip(counts, prices, strict=True))
    return f"{total}; estimated spend {cost:.2f}"


def _rest(counts: Counter[Any], dry_run: bool) -> str:
    from ..illustrate import PictureAction

    parts = [
        (PictureAction.STORED, "from the image store"),
        (PictureAction.KEPT, "in place already"),
        (PictureAction.OUTDATED, "placed for an earlier prompt (--refresh replaces them)"),
        (PictureAction.WAITING, "without a current prompt (run first)"),
        (PictureAction.SKIPPED, "skipped"),
        (PictureAction.FAILED, "failed"),
    ]
    said = [f"{counts[action]} {words}" for action, words in parts if counts[action]]
    return f"; {', '.join(said)}" if said else ""


def _slide_text(outcome: PictureOutcome) -> str:
    from ..illustrate import PictureAction

    if outcome.action is PictureAction.FAILED:
        return f"error: {outcome.error}"
    where = f" ({outcome.slot}, {outcome.request.size})" if outcome.request else ""
    what = f"{outcome.action.value}{where}"
    if outcome.path:
        what += f": {outcome.path}"
    return f"{what}; {outcome.reason}" if outcome.reason else what


def picture_json(result: DeckPictures) -> dict[str, Any]:
    """One deck's pictures as the JSON report gives them."""
    return {
        "deck": result.deck.name,
        "written": result.written,
        "error": result.error,
        "slides": [
            {
                "slide": o.index,
                "action": o.action.value,
                "reason": o.reason,
                "path": o.path,
                "slot": o.slot,
                "size": o.request.size if o.request else None,
                "requests": o.requests,
                "error": o.error,
            }
            for o in result.outcomes
        ],
    }
