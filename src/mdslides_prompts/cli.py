"""The command line: a thin adapter from options to :class:`~mdslides_prompts.pipeline.Pipeline`.

Exit codes: 0 success; 1 ``check`` found problems or some slides failed; 2 usage error,
unreadable input or any other error that stopped the run. Errors are one line on stderr.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import json
import os
from pathlib import Path
import sys
from typing import Any, NoReturn

import click
from rich.console import Console

from . import __version__
from .config import CACHE_DIR_ENV, MODES, Settings
from .deck import Deck, Slide, Status
from .errors import MdSlidesError
from .fileio import read_bytes
from .hookspecs import hookimpl
from .pipeline import Action, DeckReport, Pipeline, SlideOutcome

__all__ = ["main"]

DECK_SUFFIXES = (".md", ".markdown", ".mdown", ".markdn", ".qmd", ".rmd")
"""File endings picked up when a folder is given."""

_SKIP_DIRS = {"node_modules", "__pycache__", "site-packages"}
_FAILING = (Status.MISSING, Status.STALE, Status.UNPARSABLE)
_SUMMARY_ORDER = (Action.GENERATED, Action.CACHED, Action.KEPT, Action.SKIPPED, Action.FAILED)


class _Exit(Exception):
    """Raised inside commands to leave with a given exit code after printing a message."""

    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Reporter:
    """Plugin that turns pipeline events into lines on stderr."""

    def __init__(self, console: Console, *, quiet: bool = False, verbose: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self.verbose = verbose

    @hookimpl
    def mdslides_on_slide_done(self, deck: Deck, slide: Slide, outcome: SlideOutcome) -> None:
        """Print failures as they happen, and every slide with ``-v``."""
        if outcome.action is Action.FAILED:
            self.console.print(
                f"{deck.name}:{slide.start_line}: slide {slide.index} failed: {outcome.error}",
                markup=False,
                highlight=False,
            )
        elif self.verbose and not self.quiet:
            self.console.print(
                f"{deck.name}: slide {slide.index} {outcome.action.value}",
                markup=False,
                highlight=False,
            )

    @hookimpl
    def mdslides_on_deck_done(self, report: DeckReport) -> None:
        """One summary line per deck."""
        if report.error:
            self.console.print(f"{report.error}", markup=False, highlight=False)
            return
        if self.quiet:
            return
        if report.stripped:
            removed = sum(len(slide.markers) for slide in report.deck.slides)
            state = f"written to {report.destination}" if report.written else "unchanged"
            self.console.print(
                f"{report.deck.name}: {removed} prompt marker(s) removed; {state}",
                markup=False,
                highlight=False,
            )
            return
        counts = ", ".join(
            f"{report.count(action)} {action.value}"
            for action in _SUMMARY_ORDER
            if report.count(action)
        )
        if report.written:
            where = f"written to {report.destination}"
        elif report.destination is not None:
            where = "unchanged"
        else:
            where = "not written"
        self.console.print(
            f"{report.deck.name}: {len(report.outcomes)} slides ({counts or 'none'}); {where}",
            markup=False,
            highlight=False,
        )


def _console() -> Console:
    return Console(stderr=True, soft_wrap=True)


def _fail(message: str, code: int = 2) -> NoReturn:
    raise _Exit(code, message)


def _collect(paths: Sequence[str]) -> list[tuple[Path, bool, Path]]:
    """Expand *paths* into (file, explicitly named, root for relative output paths)."""
    found: list[tuple[Path, bool, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                rel = file.relative_to(path)
                if any(part.startswith(".") or part in _SKIP_DIRS for part in rel.parts[:-1]):
                    continue
                if file.is_file() and file.suffix.lower() in DECK_SUFFIXES:
                    found.append((file, False, path))
        elif path.exists():
            found.append((path, True, path.parent))
        else:
            _fail(f"{path}: no such file or folder")
    return found


def _load(pipeline: Pipeline, paths: Sequence[str], console: Console) -> list[tuple[Deck, Path]]:
    """Read, detect and split every deck; decks found in folders that no format claims are
    skipped with a notice, any other problem stops the run."""
    decks: list[tuple[Deck, Path]] = []
    if list(paths) == ["-"]:
        data = sys.stdin.buffer.read()
        return [(pipeline.parse(Deck.from_bytes(data, None)), Path.cwd())]
    errors = []
    for path, explicit, root in _collect(paths):
        try:
            deck = Deck.from_bytes(read_bytes(path), path)
            if not explicit and pipeline.settings.format is None and pipeline.detect(deck) is None:
                console.print(f"{path}: skipped, not a slide deck of a known format", markup=False)
                continue
            decks.append((pipeline.parse(deck), root))
        except MdSlidesError as exc:
            errors.append(str(exc))
    if errors:
        _fail("\n".join(errors))
    if not decks:
        _fail("no slide decks found in " + ", ".join(paths))
    return decks


def _destination(
    paths: Sequence[str], decks: Sequence[tuple[Deck, Path]], output: str | None, to_stdout: bool
) -> Callable[[Deck], Path | None]:
    if to_stdout:
        if len(decks) != 1:
            _fail("--stdout takes exactly one deck")
        return lambda deck: None
    if output is None:
        return lambda deck: deck.path
    out = Path(output)
    # One named file goes to OUT itself (or into OUT if it is a folder); otherwise OUT is a
    # folder that mirrors the inputs.
    single = len(paths) == 1 and Path(paths[0]).is_file() and not out.is_dir()
    if len(paths) == 1 and Path(paths[0]).is_file() and out.is_dir():
        out = out / Path(paths[0]).name
        single = True
    roots = {id(deck): root for deck, root in decks}

    def to_output(deck: Deck) -> Path:
        if single or deck.path is None:
            target = out
        else:
            target = out / deck.path.relative_to(roots[id(deck)])
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    return to_output


def _settings(**options: Any) -> Settings:
    cache_dir = options.pop("cache_dir", None)
    if "format_" in options:
        options["format"] = options.pop("format_")
    return Settings(cache_dir=Path(cache_dir) if cache_dir else None, **options)


def _emit_stdout(deck: Deck, text: str) -> None:
    sys.stdout.buffer.write(deck.to_bytes(text))
    sys.stdout.buffer.flush()


# --- commands ------------------------------------------------------------------------------

_DECK_OPTION_LIST = (
    click.option(
        "--format",
        "format_",
        metavar="NAME",
        help="Deck format, instead of detecting it (e.g. marp).",
    ),
    click.option(
        "--separator", metavar="REGEX", help="reveal.js horizontal separator (as data-separator)."
    ),
    click.option(
        "--vertical-separator",
        metavar="REGEX",
        help="reveal.js vertical separator (as data-separator-vertical).",
    ),
    click.option(
        "--notes-separator",
        metavar="REGEX",
        help="reveal.js notes separator (as data-separator-notes).",
    ),
)


def _deck_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the options that decide how decks are read: format and separators."""
    for option in reversed(_DECK_OPTION_LIST):
        command = option(command)
    return command


_paths_argument = click.argument("paths", nargs=-1, required=True, metavar="PATH...")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mdslides-prompts")
def cli() -> None:
    """Give every slide of a Markdown deck an image-generation prompt."""


@cli.command()
@_paths_argument
@click.option(
    "--provider", default="offline", show_default=True, help="Provider that writes prompts."
)
@click.option("--model", default=None, help="Model name (provider default if omitted).")
@_deck_options
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    default=None,
    help=f"Prompt cache folder (default: ${CACHE_DIR_ENV} or the user cache folder).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the prompt cache.")
@click.option("--force", is_flag=True, help="Regenerate every prompt, hand-edited ones too.")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="comment",
    show_default=True,
    help="How prompts are written: HTML comments, or link reference definitions.",
)
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the result instead of writing it.")
@click.option(
    "-o", "--output", metavar="OUT", help="Write to OUT (a file, or a folder for several decks)."
)
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Print every slide.")
def run(
    paths: tuple[str, ...],
    provider: str,
    model: str | None,
    cache_dir: str | None,
    no_cache: bool,
    force: bool,
    mode: str,
    to_stdout: bool,
    output: str | None,
    concurrency: int,
    as_json: bool,
    quiet: bool,
    verbose: bool,
    **deck_options: str | None,
) -> None:
    """Write an image prompt into every slide of the decks at PATH (files or folders).

    Decks are changed in place unless --stdout or -o is given; a file is only rewritten
    when its text changes. A PATH of - reads a deck from stdin and prints the result.
    """
    if to_stdout and output:
        _fail("--stdout and -o cannot be used together")
    if as_json and (to_stdout or paths == ("-",)):
        _fail("--json prints on stdout, so it cannot be combined with --stdout or -")
    settings = _settings(
        provider=provider, model=model, cache_dir=cache_dir, **deck_options,
        use_cache=not no_cache, force=force, concurrency=concurrency, mode=mode,
    )  # fmt: skip
    console = _console()
    reporter = Reporter(console, quiet=quiet, verbose=verbose)
    pipeline = Pipeline(settings)
    pipeline.pm.register(reporter, name="cli-reporter")
    decks = _load(pipeline, paths, console)
    for deck, _ in decks:
        pipeline.check_mode(deck)
    if provider == "offline" and not quiet:
        console.print("mdslides-prompts: using the built-in offline provider", markup=False)
    stdout = to_stdout or paths == ("-",)
    reports = pipeline.run([d for d, _ in decks], _destination(paths, decks, output, stdout))
    if stdout:
        _emit_stdout(reports[0].deck, reports[0].text)
    if as_json:
        click.echo(json.dumps(_run_summary(reports), ensure_ascii=False, indent=2))
    if any(report.failed or report.error for report in reports):
        raise _Exit(1)


def _run_summary(reports: Sequence[DeckReport]) -> dict[str, Any]:
    return {
        "decks": [
            {
                "path": report.deck.name,
                "format": report.deck.format,
                "destination": str(report.destination) if report.destination else None,
                "written": report.written,
                "error": report.error,
                "slides": [
                    {
                        "index": o.index,
                        "status": o.status.value,
                        "action": o.action.value,
                        "prompt": o.prompt,
                        "error": o.error,
                    }
                    for o in report.outcomes
                ],
            }
            for report in reports
        ],
        "totals": {a.value: sum(r.count(a) for r in reports) for a in Action},
    }


@cli.command()
@_paths_argument
@_deck_options
def check(paths: tuple[str, ...], **deck_options: str | None) -> None:
    """Fail (exit 1) if any slide's prompt is missing, stale or unparsable. No network.

    Hand-edited prompts pass: they are the author's.
    """
    pipeline = Pipeline(_settings(**deck_options))
    console = _console()
    decks = _load(pipeline, paths, console)
    problems = 0
    slides = 0
    for deck, _ in decks:
        for slide in deck.slides:
            slides += 1
            status = slide.status
            if status in _FAILING:
                problems += 1
                line = slide.marker.line if slide.marker else slide.start_line
                why = f" ({slide.problem})" if slide.problem else ""
                click.echo(f"{deck.name}:{line}: slide {slide.index}: {status.value}{why}")
    summary = f"{len(decks)} deck(s), {slides} slides: "
    if problems:
        console.print(
            summary + f"{problems} need a prompt (run: mdslides-prompts run)", markup=False
        )
        raise _Exit(1)
    console.print(summary + "all prompts present and fresh", markup=False)


@cli.command()
@_paths_argument
@_deck_options
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the result instead of writing it.")
@click.option(
    "-o", "--output", metavar="OUT", help="Write to OUT (a file, or a folder for several decks)."
)
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
def strip(
    paths: tuple[str, ...],
    to_stdout: bool,
    output: str | None,
    quiet: bool,
    **deck_options: str | None,
) -> None:
    """Remove every prompt marker, giving back the deck exactly as it was before."""
    if to_stdout and output:
        _fail("--stdout and -o cannot be used together")
    pipeline = Pipeline(_settings(**deck_options))
    console = _console()
    pipeline.pm.register(Reporter(console, quiet=quiet), name="cli-reporter")
    decks = _load(pipeline, paths, console)
    stdout = to_stdout or paths == ("-",)
    reports = pipeline.strip_decks(
        [d for d, _ in decks], _destination(paths, decks, output, stdout)
    )
    if stdout:
        _emit_stdout(reports[0].deck, reports[0].text)
    if any(report.error for report in reports):
        raise _Exit(1)


@cli.command()
@click.argument("path", metavar="PATH")
@_deck_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def inspect(path: str, as_json: bool, **deck_options: str | None) -> None:
    """Show the slides of the deck at PATH as its generator splits them."""
    pipeline = Pipeline(_settings(**deck_options))
    target = Path(path)
    if path == "-":
        deck = pipeline.parse(Deck.from_bytes(sys.stdin.buffer.read()))
    elif target.is_dir():
        _fail(f"{target}: inspect takes one file, not a folder")
    else:
        deck = pipeline.load(target)
    data = _inspect_data(deck)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    from rich.table import Table  # only needed for the table view

    table = Table(title=f"{deck.name} ({deck.format}, {len(deck.slides)} slides)")
    for column in ("#", "lines", "title", "status", "prompt"):
        table.add_column(column, overflow="fold")
    for row in data["slides"]:
        table.add_row(
            str(row["index"]),
            f"{row['start_line']}-{row['end_line']}",
            row["title"] or "",
            row["status"] + (f" ({row['reason']})" if row["reason"] else ""),
            row["prompt"] or "",
        )
    Console(soft_wrap=False).print(table)


def _inspect_data(deck: Deck) -> dict[str, Any]:
    return {
        "path": deck.name,
        "format": deck.format,
        "slides": [
            {
                "index": slide.index,
                "start_line": slide.start_line,
                "end_line": slide.end_line,
                "title": slide.title,
                "prompt": getattr(slide.marker, "prompt", None),
                "status": slide.status.value,
                "reason": slide.skip_reason or slide.problem,
            }
            for slide in deck.slides
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with *argv* (default: ``sys.argv[1:]``) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        cli.main(args=args, prog_name="mdslides-prompts", standalone_mode=False)
    except _Exit as exc:
        if exc.message:
            click.echo(f"mdslides-prompts: {exc.message}", err=True)
        return exc.code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.Abort:
        click.echo("mdslides-prompts: aborted", err=True)
        return 2
    except MdSlidesError as exc:
        click.echo(f"mdslides-prompts: {exc}", err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("mdslides-prompts: interrupted", err=True)
        return 130
    except Exception as exc:  # a bug: still one line, with a way to see the traceback
        if os.environ.get("MDSLIDES_PROMPTS_DEBUG"):
            raise
        click.echo(
            f"mdslides-prompts: internal error: {type(exc).__name__}: {exc} "
            "(set MDSLIDES_PROMPTS_DEBUG=1 for a traceback)",
            err=True,
        )
        return 2
    return 0
