"""The commands that read decks and send nothing: ``check`` (are the prompts there and
fresh?), ``strip`` (remove them) and ``inspect`` (the slides as the generator splits them).
"""

from __future__ import annotations

import json
from pathlib import Path
import sys
from typing import TYPE_CHECKING, Any

import click

from ..deck import Deck
from ..fileio import read_bytes, read_stream
from ..helpformat import SectionedCommand
from ..wording import plain, plural
from .common import SUMMARIES, CommandExit, fail, stderr_console
from .decks import Decks, config_values, destination, emit_stdout
from .options import deck_options, ignore_unknown_option, paths_argument
from .report import Reporter

if TYPE_CHECKING:
    from ..deck import Slide
    from ..detection import Detection

__all__ = ["check", "inspect", "strip"]

_FAILING = ("missing", "stale", "unparsable")
"""Values of :class:`~mdslides_prompts.deck.Status` that ``check`` reports."""


@click.command(cls=SectionedCommand, short_help=SUMMARIES["check"])
@paths_argument
@deck_options
@ignore_unknown_option
@click.option("--json", "as_json", is_flag=True, help="Print the slides that need work as JSON.")
@click.option(
    "--output-format",
    type=click.Choice(["text", "github"]),
    default="text",
    help="How the slides that need work are listed: text (FILE:LINE: ..., the default) or "
    "github (workflow annotations, shown on the pull request's lines).",
)
def check(
    paths: tuple[str, ...], config_file: str | None, ignore_unknown: bool, as_json: bool,
    output_format: str, **deck_options: str | None,
) -> None:  # fmt: skip
    """Fail (exit 1) if any slide's prompt is missing, stale or unparsable. No network.

    Hand-edited and locked prompts pass: they are the author's.
    """
    console = stderr_console()
    decks = Decks(config_values(deck_options), config=config_file)
    loaded = decks.load(paths, console, ignore_unknown=ignore_unknown)
    problems = []
    slides = 0
    for item in loaded:
        deck = item.deck
        for slide in deck.slides:
            slides += 1
            if slide.status in _FAILING:
                line = slide.marker.line if slide.marker else slide.start_line
                problems.append((deck, slide, line))
                if not as_json:
                    click.echo(_problem_line(deck, slide, line, output_format))
    if as_json:
        rows = [
            {"path": d.name, "line": line, "index": s.index, "title": s.title,
             "status": s.status.value, "problem": s.problem}
            for d, s, line in problems
        ]  # fmt: skip
        click.echo(json.dumps({"decks": len(loaded), "slides": slides, "problems": rows}, indent=2))
    summary = f"{plural(len(loaded), 'deck')}, {plural(slides, 'slide')}: "
    unread = (
        f"; {plural(len(decks.unreadable), 'file')} could not be read" if decks.unreadable else ""
    )
    if problems:
        need = "needs" if len(problems) == 1 else "need"
        console.print(
            summary + f"{plural(len(problems), 'slide')} {need} a prompt "
            f"(run: mdslides-prompts run){unread}",
            markup=False,
        )
        raise CommandExit(1)
    console.print(summary + "all prompts present and fresh" + unread, markup=False)
    if decks.unreadable:
        raise CommandExit(1)


def _problem_line(deck: Deck, slide: Slide, line: int, output_format: str) -> str:
    """The line ``check`` prints for a *slide* that needs work: ``FILE:LINE: slide N:
    missing``, or a GitHub workflow command (``::error file=FILE,line=LINE::...``)."""
    why = f" ({slide.problem})" if slide.problem else ""
    message = f"slide {slide.index}: {slide.status.value}{why}"
    if output_format != "github":
        return f"{deck.name}:{line}: {message}"
    file, title = _github_escape(deck.name, True), f"Image prompt {slide.status.value}"
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
def inspect(path: str, config_file: str | None, as_json: bool, **deck_options: str | None) -> None:
    """Show the slides of the deck at PATH as its generator splits them."""
    if Path(path).is_dir():
        fail(f"{path}: inspect takes one file, not a folder")
    decks = Decks(config_values(deck_options), config=config_file)
    if path == "-":
        deck, found = decks.guess(Deck.from_bytes(read_stream(sys.stdin.buffer)), Path.cwd())
    else:
        target = Path(path)
        deck, found = decks.guess(Deck.from_bytes(read_bytes(target), target), target.parent)
    data = _inspect_data(deck, found)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    # rich: only the table view needs it (not --json, not --help).
    from rich.console import Console
    from rich.table import Table

    # Every cell is the deck's own text: shown as written, never read as markup.
    table = Table(title=plain(f"{deck.name} ({deck.format}, {plural(len(deck.slides), 'slide')})"))
    for column in ("#", "lines", "title", "status", "prompt"):
        table.add_column(column, overflow="fold")
    for row in data["slides"]:
        table.add_row(
            str(row["index"]),
            f"{row['start_line']}-{row['end_line']}",
            plain(row["title"] or ""),
            plain(row["status"] + (f" ({row['reason']})" if row["reason"] else "")),
            plain(row["prompt"] or ""),
        )
    console = Console(soft_wrap=False, emoji=False)
    console.print(table)
    console.print(_detection_line(deck, found), markup=False, highlight=False)


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


def _inspect_data(deck: Deck, found: Detection | None = None) -> dict[str, Any]:
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
            }
            for slide in deck.slides
        ],
    }
