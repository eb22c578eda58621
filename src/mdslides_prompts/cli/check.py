"""The commands that read decks and send nothing: ``check`` (are the prompts there and
fresh?), ``strip`` (remove them) and ``inspect`` (the slides as the generator splits them).
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path
import sys
from typing import TYPE_CHECKING, Any

import click

from ..deck import Deck
from ..errors import MdSlidesError
from ..fileio import read_bytes, read_stream
from ..helpformat import SectionedCommand
from ..wording import plain, plural
from .common import SUMMARIES, CommandExit, fail, stderr_console
from .decks import Decks, config_values, destination, emit_stdout
from .options import (
    INCLUDE_ILLUSTRATED_OPTION,
    deck_options,
    ignore_unknown_option,
    paths_argument,
)
from .report import Reporter

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..config import Settings
    from ..deck import Slide
    from ..detection import Detection
    from ..lint import Finding
    from ..pipeline import Pipeline
    from ..placement import Placement

__all__ = ["check", "inspect", "strip"]

_FAILING = ("missing", "stale", "unparsable")
"""Values of :class:`~mdslides_prompts.deck.Status` that ``check`` reports."""


@click.command(cls=SectionedCommand, short_help=SUMMARIES["check"])
@paths_argument
@deck_options
@ignore_unknown_option
@INCLUDE_ILLUSTRATED_OPTION
@click.option(
    "--lint",
    is_flag=True,
    help="Also fail on prompts over the prompt-tokens budget (CLIP tokens), in another "
    "language than the prompt language, or holding slide syntax (::right::, {.class}, ...).",
)
@click.option(
    "--images",
    "with_images",
    is_flag=True,
    help="Also fail on slides whose picture is missing, not placed, or placed for an "
    "earlier prompt (see the images command).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the slides that need work as JSON.")
@click.option(
    "--output-format",
    type=click.Choice(["text", "github"]),
    default="text",
    help="How the slides that need work are listed: text (FILE:LINE: ..., the default) or "
    "github (workflow annotations, shown on the pull request's lines).",
)
def check(
    paths: tuple[str, ...], config_file: str | None, ignore_unknown: bool, lint: bool,
    with_images: bool, as_json: bool, output_format: str, **deck_options: str | bool | None,
) -> None:  # fmt: skip
    """Fail (exit 1) if any slide's prompt is missing, stale or unparsable. No network.

    Hand-edited and locked prompts pass: they are the author's, and so do slides whose
    picture the author set (unless --include-illustrated). With --lint, every prompt is
    also checked for length, language and slide syntax.
    """
    console = stderr_console()
    decks = Decks(config_values(deck_options), config=config_file)
    loaded = decks.load(paths, console, ignore_unknown=ignore_unknown)
    problems = []
    findings: list[tuple[Deck, Finding]] = []
    pictures: list[tuple[Deck, PictureNeed]] = []
    slides = 0
    for item in loaded:
        deck = item.deck
        linted = _lint(deck, item.pipeline.settings) if lint else []
        needed = _pictures(deck, item.pipeline) if with_images else []
        pictures += [(deck, need) for need in needed]
        for slide in deck.slides:
            slides += 1
            if slide.status in _FAILING:
                line = slide.marker.line if slide.marker else slide.start_line
                problems.append((deck, slide, line))
                if not as_json:
                    click.echo(_problem_line(deck, slide, line, output_format))
            for finding in (f for f in linted if f.index == slide.index):
                findings.append((deck, finding))
                if not as_json:
                    click.echo(_finding_line(deck, finding, output_format))
            for wanted in (n for d, n in pictures if d is deck and n.index == slide.index):
                if not as_json:
                    message = f"slide {wanted.index}: {wanted.kind}: {wanted.message}"
                    title = f"Slide picture {wanted.kind.removeprefix('picture-')}"
                    click.echo(_report_line(deck, wanted.line, message, title, output_format))
    if as_json:
        rows = [
            {"path": d.name, "line": line, "index": s.index, "title": s.title,
             "status": s.status.value, "problem": s.problem}
            for d, s, line in problems
        ]  # fmt: skip
        data: dict[str, Any] = {"decks": len(loaded), "slides": slides, "problems": rows}
        if with_images:
            data["pictures"] = _rows(pictures)
        if lint:
            data["lint"] = _rows(findings)
        click.echo(json.dumps(data, indent=2))
    summary = f"{plural(len(loaded), 'deck')}, {plural(slides, 'slide')}: "
    unread = (
        f"; {plural(len(decks.unreadable), 'file')} could not be read" if decks.unreadable else ""
    )
    linted_note = _lint_note(findings) if lint else ""
    if pictures:
        linted_note += (
            f"; {plural(len(pictures), 'slide')} without a current picture "
            "(run: mdslides-prompts images)"
        )
    if problems:
        need = "needs" if len(problems) == 1 else "need"
        console.print(
            summary + f"{plural(len(problems), 'slide')} {need} a prompt "
            f"(run: mdslides-prompts run){linted_note}{unread}",
            markup=False,
        )
        raise CommandExit(1)
    fresh = "all prompts present and fresh"
    if with_images and not pictures:
        fresh += ", every picture in place"
    if findings or pictures:
        console.print(summary + fresh + linted_note + unread, markup=False)
        raise CommandExit(1)
    console.print(summary + fresh + (", none with lint findings" if lint else "") + unread,
                  markup=False)  # fmt: skip
    if decks.unreadable:
        raise CommandExit(1)


def _lint(deck: Deck, settings: Settings) -> list[Finding]:
    from ..lint import lint_deck  # CLIP's tokenizer: only for --lint

    return lint_deck(deck, settings)


def _rows(found: Sequence[tuple[Deck, Finding | PictureNeed]]) -> list[dict[str, Any]]:
    """Lint findings or pictures wanted, as the JSON report lists them."""
    return [
        {"path": d.name, "line": f.line, "index": f.index, "kind": f.kind, "message": f.message}
        for d, f in found
    ]


@dataclass(frozen=True, slots=True)
class PictureNeed:
    """A slide whose picture ``images`` would still make, place or replace."""

    index: int
    line: int
    kind: str
    """``picture-missing`` or ``picture-outdated``."""
    message: str


def _pictures(deck: Deck, pipeline: Pipeline) -> list[PictureNeed]:
    """What ``images`` would still do to *deck*: a picture to make, one in the store
    not placed, one placed for an earlier prompt or whose file is missing."""
    from ..illustrate import Illustrator, PictureAction

    wanted = {
        PictureAction.MADE: "picture-missing",
        PictureAction.STORED: "picture-missing",
        PictureAction.OUTDATED: "picture-outdated",
    }
    found = []
    for outcome in Illustrator(pipeline, None).plan(deck):
        kind = wanted.get(outcome.action)
        if kind is None:
            continue
        slide = deck.slides[outcome.index - 1]
        marker = slide.marker
        line = slide.picture.line if slide.picture else marker.line if marker else slide.start_line
        why = outcome.reason or "no picture yet (run: mdslides-prompts images)"
        found.append(PictureNeed(outcome.index, line, kind, why))
    return found


def _lint_note(findings: list[tuple[Deck, Finding]]) -> str:
    """``; 3 lint findings in 2 prompts`` (empty when there are none)."""
    if not findings:
        return ""
    prompts = len({(deck.name, finding.index) for deck, finding in findings})
    return f"; {plural(len(findings), 'lint finding')} in {plural(prompts, 'prompt')}"


def _problem_line(deck: Deck, slide: Slide, line: int, output_format: str) -> str:
    """The line ``check`` prints for a *slide* that needs work: ``FILE:LINE: slide N:
    missing``, or a GitHub workflow command (``::error file=FILE,line=LINE::...``)."""
    why = f" ({slide.problem})" if slide.problem else ""
    message = f"slide {slide.index}: {slide.status.value}{why}"
    return _report_line(deck, line, message, f"Image prompt {slide.status.value}", output_format)


def _finding_line(deck: Deck, finding: Finding, output_format: str) -> str:
    """The line ``check --lint`` prints for a *finding*: ``FILE:LINE: slide N: too-long:
    91 CLIP tokens, over the budget of 75``, or a GitHub workflow command."""
    message = f"slide {finding.index}: {finding.kind}: {finding.message}"
    title = f"Image prompt {finding.kind}"
    return _report_line(deck, finding.line, message, title, output_format)


def _report_line(deck: Deck, line: int, message: str, title: str, output_format: str) -> str:
    if output_format != "github":
        return f"{deck.name}:{line}: {message}"
    file = _github_escape(deck.name, True)
    title = _github_escape(title, True)
    return f"::error file={file},line={line},title={title}::{_github_escape(message)}"


def _github_escape(text: str, property_: bool = False) -> str:
    """*text* escaped for a GitHub workflow command, as GitHub's toolkit does it
    (actions/toolkit, core/src/command.ts): in a property, ``:`` and ``,`` too."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_ else text


@click.command(cls=SectionedCommand, short_help=SUMMARIES["strip"])
@paths_argument
@deck_options
@ignore_unknown_option
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the result instead of writing it.")
@click.option(
    "-o", "--output", metavar="OUT", help="Write to OUT (a file, or a folder for several decks)."
)
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
def strip(
    paths: tuple[str, ...],
    config_file: str | None,
    ignore_unknown: bool,
    to_stdout: bool,
    output: str | None,
    quiet: bool,
    **deck_options: str | None,
) -> None:
    """Remove the prompt markers run wrote, giving back the deck exactly as it was before."""
    if to_stdout and output:
        fail("--stdout and -o cannot be used together")
    console = stderr_console()
    decks = Decks(config_values(deck_options), config=config_file)
    decks.pm.register(Reporter(console, quiet=quiet), name="cli-reporter")
    loaded = decks.load(paths, console, ignore_unknown=ignore_unknown, quiet=quiet)
    stdout = to_stdout or (paths == ("-",) and not output)
    write_to = destination(paths, [(i.deck, i.root) for i in loaded], output, stdout, decks.inputs)
    reports = [r for item in loaded for r in item.pipeline.strip_decks([item.deck], write_to)]
    if stdout and reports:
        emit_stdout(reports[0].deck, reports[0].text)
    if decks.unreadable or any(report.error for report in reports):
        raise CommandExit(1)


@click.command(cls=SectionedCommand, short_help=SUMMARIES["inspect"])
@click.argument("path", metavar="PATH")
@deck_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--html",
    "as_html",
    is_flag=True,
    help="Print the deck's contact sheet instead: one self-contained HTML page with every "
    "slide's title, text, prompt, status and picture.",
)
def inspect(
    path: str, config_file: str | None, as_json: bool, as_html: bool, **deck_options: str | None
) -> None:
    """Show the slides of the deck at PATH as its generator splits them."""
    if Path(path).is_dir():
        fail(f"{path}: inspect takes one file, not a folder")
    decks = Decks(config_values(deck_options), config=config_file)
    if path == "-":
        folder, raw = Path.cwd(), Deck.from_bytes(read_stream(sys.stdin.buffer))
    else:
        folder, raw = Path(path).parent, Deck.from_bytes(read_bytes(Path(path)), Path(path))
    if as_json and as_html:
        fail("--json and --html cannot be used together")
    deck, found = decks.guess(raw, folder)
    if as_html:
        from ..illustrate import build_sheet
        from ..sheet import render_sheet

        pipeline = decks.pipeline(decks.settings(folder, deck))
        sys.stdout.write(render_sheet(build_sheet(pipeline, deck)))
        return
    reader = decks.space.reader(folder)
    places = [reader.placement(deck, slide) for slide in deck.slides]
    data = _inspect_data(deck, found, places)
    data["art_direction"] = _art_data(decks, deck, folder)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    # rich: only the table view needs it (not --json, not --help).
    from rich.console import Console
    from rich.table import Table

    # Every cell is the deck's own text: shown as written, never read as markup.
    table = Table(title=plain(f"{deck.name} ({deck.format}, {plural(len(deck.slides), 'slide')})"))
    for column in ("#", "lines", "title", "status", "picture", "prompt"):
        table.add_column(column, overflow="fold")
    for row, place in zip(data["slides"], places, strict=True):
        table.add_row(
            str(row["index"]),
            f"{row['start_line']}-{row['end_line']}",
            plain(row["title"] or ""),
            plain(row["status"] + (f" ({row['reason']})" if row["reason"] else "")),
            plain(_picture_cell(place, row["placed"])),
            plain(row["prompt"] or ""),
        )
    console = Console(soft_wrap=False, emoji=False)
    console.print(table)
    console.print(_detection_line(deck, found), markup=False, highlight=False)
    if places and places[0] is not None:
        console.print(f"slide size: {places[0].size}", markup=False, highlight=False)
    console.print(_art_line(data["art_direction"]), markup=False, highlight=False)


_ART_SOURCES = {
    "off": "off (art-direction = false)",
    "style": "the style setting",
    "cache": "cached",
    "pending": "asked by the next run that needs a prompt",
    "failed": "unknown",
}


def _art_data(decks: Decks, deck: Deck, folder: Path) -> dict[str, Any]:
    """The deck's art direction as a run would start with it (see
    :meth:`~mdslides_prompts.pipeline.Pipeline.art_direction`)."""
    try:
        art = decks.pipeline(decks.settings(folder, deck)).art_direction(deck)
    except MdSlidesError as exc:  # a provider that cannot be set up: say so, show the rest
        return {"source": "failed", "text": None, "error": str(exc)}
    return {"source": art.source, "text": art.text, "error": art.error}


def _picture_cell(place: Placement | None, placed: dict[str, str] | None) -> str:
    """The picture column: where a picture goes and, when we placed one, which."""
    where = place.summary() if place is not None else ""
    if placed is None:
        return where
    return f"{where}; ours ({placed['slot']}): {placed['path']}".lstrip("; ")


def _art_line(art: dict[str, Any]) -> str:
    where = _ART_SOURCES.get(art["source"], art["source"])
    if art["text"]:
        return f"art direction ({where}): {art['text']}"
    return f"art direction: {where}" + (f": {art['error']}" if art["error"] else "")


def _detection_line(deck: Deck, found: Detection | None) -> str:
    if found is None:
        return f"format: {deck.format}, as given"
    if found.confident:
        return f"format: {deck.format}, detected from {'; '.join(e.signal for e in found.deciding)}"
    if deck.alike:
        names = ", ".join((deck.format or "", *deck.alike))
        return f"format: {deck.format}; {found.explain()}: {names} split it alike"
    return (
        f"format: {deck.format} is a guess, not sure: {found.explain()}; run, check and strip "
        "refuse the deck: pass --format NAME"
    )


def _inspect_data(
    deck: Deck, found: Detection | None = None, places: Sequence[Placement | None] = ()
) -> dict[str, Any]:
    detection = None
    if found is not None:
        detection = {
            "confident": found.confident or bool(deck.alike),
            "candidates": list(found.candidates),
            "alike": list(deck.alike),
            "evidence": [
                {"formats": list(e.formats), "strength": e.strength.name.lower(),
                 "signal": e.signal, "deciding": e in found.deciding}
                for e in found.evidence
            ],
        }  # fmt: skip
    return {
        "path": deck.name,
        "format": deck.format,
        "detection": detection,
        "slides": [
            {
                "index": slide.index,
                "start_line": slide.start_line,
                "end_line": slide.end_line,
                "title": slide.title,
                "prompt": slide.prompt or None,
                "status": slide.status.value,
                "reason": slide.skip_reason or slide.lock_reason or slide.problem,
                "placement": place.as_dict() if place is not None else None,
                "placed": {"path": slide.picture.path, "slot": slide.picture.slot}
                if slide.picture is not None
                else None,
            }
            for slide, place in zip(deck.slides, places or [None] * len(deck.slides), strict=True)
        ],
    }
