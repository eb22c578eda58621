"""The command line: a thin adapter from options to :class:`~mdslides_prompts.pipeline.Pipeline`.

Exit codes: 0 success; 1 ``check`` found problems or some slides failed; 2 usage error,
unreadable input or any other error that stopped the run. Errors are one line on stderr.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
import contextlib
import json
import os
from pathlib import Path
import sys
import time
from types import MappingProxyType
from typing import Any, NoReturn

import click
from rich.console import Console

from . import __version__
from .config import CACHE_DIR_ENV, MODES, Settings
from .deck import Deck, Slide, Status
from .errors import MdSlidesError, ProviderError
from .fileio import find_decks, read_bytes
from .hookspecs import hookimpl
from .messages import LANGUAGE_NAMES
from .pipeline import Action, DeckReport, Pipeline, SlideOutcome
from .providers.base import ModelInfo, ProviderEvent
from .providers.http import ClientOptions, validate_params
from .providers.infomaniak import (
    DEFAULT_MODEL,
    PRODUCT_ENV,
    TOKEN_ENV,
    auto_provider,
    create_infomaniak,
)
from .providers.openai import DEFAULT_PARAMS, ChatProvider, create_openai
from .watch import DeckFailed, DeckGone, DeckRun, DeckSkipped, Watcher, WatchEvent, Watching

__all__ = ["main"]

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
        self.retries: Counter[str] = Counter()
        """Retries seen so far, by short reason (``HTTP 429``, ``timeout``, ...)."""

    @hookimpl
    def mdslides_on_provider_event(self, event: ProviderEvent) -> None:
        """Print retries as they happen, and waits with ``-v``."""
        if event.kind == "retry":
            self.retries[event.reason] += 1
        if self.quiet or (event.kind == "wait" and not self.verbose):
            return
        self.console.print(f"mdslides-prompts: {event.message}", markup=False, highlight=False)

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
        for line in _failure_lines(report):
            self.console.print(line, markup=False, highlight=False)


def _failure_lines(report: DeckReport, name: str | None = None) -> list[str]:
    """One line per reason the slides of *report* failed, naming the slides."""
    by_reason: dict[str, list[str]] = {}
    for outcome in report.failed:
        by_reason.setdefault(outcome.error or "unknown error", []).append(str(outcome.index))
    lines = []
    for reason, numbers in by_reason.items():
        which = f"slides {', '.join(numbers)}" if len(numbers) > 1 else f"slide {numbers[0]}"
        their = "their" if len(numbers) > 1 else "its"
        lines.append(
            f"{name or report.deck.name}: {which} failed and kept {their} previous state: {reason}"
        )
    return lines


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
            found.extend((file, False, path) for file in find_decks(path))
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


_PARAM_NAMES = (
    "max_tokens", "temperature", "top_p", "frequency_penalty", "presence_penalty", "profile_type"
)  # fmt: skip
_CONNECTION_NAMES = (
    "api_version", "base_url", "api_key_env", "rpm", "timeout", "deadline", "max_retries",
    "retry_backoff", "stream",
)  # fmt: skip


def _provider_settings(options: dict[str, Any]) -> dict[str, Any]:
    """Move request parameters and connection options out of *options* into the
    ``params`` and ``provider_options`` settings (only those given)."""
    params = {k: v for k in _PARAM_NAMES if (v := options.pop(k, None)) is not None}
    given = {k: options.pop(k, None) for k in _CONNECTION_NAMES}
    # ``--stream`` is a flag whose False means "not given"; ``--rpm 0`` is a value.
    connection = {k: v for k, v in given.items() if v is not None and v is not False}
    validate_params(params, profile_type=True)
    return {"params": MappingProxyType(params), "provider_options": MappingProxyType(connection)}


def _resolve_provider(name: str) -> str:
    """``auto`` becomes infomaniak or offline from the environment; other names stay."""
    return auto_provider(os.environ) if name == "auto" else name


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


_DEFAULTS = ClientOptions()
_CONNECTION_OPTION_LIST = (
    click.option(
        "--base-url", metavar="URL", help="openai: API base (e.g. http://localhost:11434/v1)."
    ),
    click.option(
        "--api-key-env",
        metavar="NAME",
        help="openai: environment variable holding the key (default OPENAI_API_KEY).",
    ),
    click.option(
        "--timeout",
        type=float,
        help=f"Seconds one request may take (default {_DEFAULTS.timeout:g}).",
    ),
)
_PROVIDER_CHOICE = click.option(
    "--provider",
    default="auto",
    show_default=True,
    help=f"Provider that writes prompts: auto (infomaniak if {TOKEN_ENV} and {PRODUCT_ENV} "
    "are set, else offline), offline, infomaniak, openai, or a plugin's.",
)
_PROVIDER_OPTION_LIST = (
    click.option(
        "--model", default=None, help=f"Model name (infomaniak default: {DEFAULT_MODEL})."
    ),
    click.option(
        "--api-version", type=click.Choice(["1", "2"]), help="infomaniak route (default 2)."
    ),
    click.option(
        "--max-tokens",
        type=int,
        help=f"Answer budget, 1-5000 (default {DEFAULT_PARAMS['max_tokens']}).",
    ),
    click.option(
        "--temperature", type=float, help=f"0-2 (default {DEFAULT_PARAMS['temperature']})."
    ),
    click.option("--top-p", type=float, help="0-1."),
    click.option("--frequency-penalty", type=float, help="-2 to 2."),
    click.option("--presence-penalty", type=float, help="-2 to 2."),
    click.option("--profile-type", help="infomaniak v1: creative, standard or strict."),
    click.option("--stream", is_flag=True, help="Receive answers as server-sent events."),
    click.option(
        "--rpm",
        type=float,
        help=f"Most requests per minute (default {_DEFAULTS.rpm:g}; 0: no pacing).",
    ),
    click.option(
        "--deadline",
        type=float,
        help=f"Seconds one slide may take, retries included (default {_DEFAULTS.deadline:g}).",
    ),
    click.option(
        "--max-retries", type=int, help=f"Retries per slide (default {_DEFAULTS.max_retries})."
    ),
    click.option(
        "--retry-backoff",
        type=float,
        help="First wait after a failed request, doubling each time "
        f"(default {_DEFAULTS.retry_backoff:g} s; 5x for 429).",
    ),
    click.option(
        "--prompt-language",
        "language",
        default="en",
        show_default=True,
        help=f"Language of the prompts: {', '.join(LANGUAGE_NAMES)}.",
    ),
    click.option("--style", help="A visual style for every prompt of a deck."),
)


def _connection_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the options that choose and reach the provider."""
    for option in reversed(_CONNECTION_OPTION_LIST):
        command = option(command)
    return command


def _provider_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the options that choose, reach and tune the provider."""
    for option in reversed((_PROVIDER_CHOICE, *_CONNECTION_OPTION_LIST, *_PROVIDER_OPTION_LIST)):
        command = option(command)
    return command


_paths_argument = click.argument("paths", nargs=-1, required=True, metavar="PATH...")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mdslides-prompts")
def cli() -> None:
    """Give every slide of a Markdown deck an image-generation prompt."""


_RUN_OPTION_LIST = (
    click.option(
        "--cache-dir",
        type=click.Path(file_okay=False),
        default=None,
        help=f"Prompt cache folder (default: ${CACHE_DIR_ENV} or the user cache folder).",
    ),
    click.option("--no-cache", is_flag=True, help="Neither read nor write the prompt cache."),
    click.option(
        "--mode",
        type=click.Choice(MODES),
        default="comment",
        show_default=True,
        help="How prompts are written: HTML comments, or link reference definitions.",
    ),
    click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True),
    click.option("-q", "--quiet", is_flag=True, help="Print errors only."),
    click.option("-v", "--verbose", is_flag=True, help="Print every slide."),
)


def _run_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the options that shape a run: cache, mode, concurrency, verbosity."""
    for option in reversed(_RUN_OPTION_LIST):
        command = option(command)
    return command


def _run_settings(
    provider: str, options: dict[str, Any], cache_dir: str | None, **fields: Any
) -> tuple[str, Settings]:
    """The provider actually chosen and the settings of a run, from the provider and deck
    options (taken out of *options*) and the other *fields* of :class:`Settings`."""
    options["language"] = options["language"].lower()
    if options["language"] not in LANGUAGE_NAMES:
        _fail(f"--prompt-language must be one of {', '.join(LANGUAGE_NAMES)}")
    chosen = _resolve_provider(provider)
    provider_settings = _provider_settings(options)  # takes its options out of *options*
    settings = _settings(
        provider=chosen, cache_dir=cache_dir, **provider_settings, **options, **fields
    )
    return chosen, settings


def _offline_notice(console: Console, asked: str, chosen: str) -> None:
    if chosen == "offline":
        unset = f" ({TOKEN_ENV} and {PRODUCT_ENV} are not set)" if asked == "auto" else ""
        console.print(f"mdslides-prompts: using the built-in offline provider{unset}", markup=False)


@cli.command()
@_paths_argument
@_provider_options
@_deck_options
@_run_options
@click.option("--force", is_flag=True, help="Regenerate every prompt, hand-edited ones too.")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the result instead of writing it.")
@click.option(
    "-o", "--output", metavar="OUT", help="Write to OUT (a file, or a folder for several decks)."
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
def run(
    paths: tuple[str, ...],
    provider: str,
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
    **options: Any,
) -> None:
    """Write an image prompt into every slide of the decks at PATH (files or folders).

    Decks are changed in place unless --stdout or -o is given; a file is only rewritten
    when its text changes. A PATH of - reads a deck from stdin and prints the result.
    """
    if to_stdout and output:
        _fail("--stdout and -o cannot be used together")
    if as_json and (to_stdout or paths == ("-",)):
        _fail("--json prints on stdout, so it cannot be combined with --stdout or -")
    chosen, settings = _run_settings(
        provider, options, cache_dir,
        use_cache=not no_cache, force=force, concurrency=concurrency, mode=mode,
    )  # fmt: skip
    console = _console()
    reporter = Reporter(console, quiet=quiet, verbose=verbose)
    pipeline = Pipeline(settings)
    pipeline.pm.register(reporter, name="cli-reporter")
    decks = _load(pipeline, paths, console)
    for deck, _ in decks:
        pipeline.check_mode(deck)
    if not quiet:
        _offline_notice(console, provider, chosen)
    stdout = to_stdout or paths == ("-",)
    reports = pipeline.run([d for d, _ in decks], _destination(paths, decks, output, stdout))
    if reporter.retries and not quiet:
        reasons = ", ".join(f"{n} after {why}" for why, n in reporter.retries.most_common())
        console.print(
            f"mdslides-prompts: {reporter.retries.total()} request(s) retried ({reasons})",
            markup=False,
            highlight=False,
        )
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


class WatchReporter(Reporter):
    """Renders watch mode: a short status line per run, errors on one line each.

    Provider events (retries) print as in ``run``; slide lines only with ``-v``.
    """

    @hookimpl
    def mdslides_on_slide_done(self, deck: Deck, slide: Slide, outcome: SlideOutcome) -> None:
        """Every slide with ``-v``; failures are summed up in the status line."""
        if self.verbose and not self.quiet:
            self._line(f"{_short(deck.path)}: slide {slide.index} {outcome.action.value}")

    @hookimpl
    def mdslides_on_deck_done(self, report: DeckReport) -> None:
        """Nothing: :meth:`on_watch_event` prints the status line, with the run's time."""

    def on_watch_event(self, event: WatchEvent) -> None:
        """Print one watch event."""
        if isinstance(event, DeckRun):
            self._run_line(event)
        elif isinstance(event, DeckFailed):
            error = event.error
            if not error.startswith(str(event.path)):
                error = f"{event.path}: {error}"
            self._line(f"{_clock()} {error.replace(str(event.path), _short(event.path), 1)}")
        elif self.quiet:
            return
        elif isinstance(event, Watching):
            where = ", ".join(_short(path) for path in event.paths)
            self._line(
                f"mdslides-prompts: watching {len(event.decks)} deck(s) in {where} (Ctrl-C stops)"
            )
        elif isinstance(event, DeckSkipped):
            self._line(f"{_short(event.path)}: skipped, not a slide deck of a known format")
        elif isinstance(event, DeckGone):
            self._line(f"{_clock()} {_short(event.path)}: gone; it runs again if it comes back")
        elif self.verbose:
            why = "our own write" if event.ours else "same text as after the last run"
            self._line(f"{_clock()} {_short(event.path)}: unchanged ({why})")

    def _run_line(self, event: DeckRun) -> None:
        report, name = event.report, _short(event.path)
        if event.superseded:
            if not self.quiet:
                self._line(f"{_clock()} {name}: edited during the run; running again")
            return
        if report.error:
            state = f"not written: {report.error}"
        else:
            state = "written" if report.written else "unchanged"
        if not self.quiet or report.error:
            self._line(
                f"{_clock()} {name}: {report.count(Action.GENERATED)} generated, "
                f"{report.count(Action.CACHED)} cached, {report.count(Action.FAILED)} failed; "
                f"{state} ({event.seconds:.2f} s)"
            )
        for line in _failure_lines(report, name):
            self._line(line)

    def _line(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)


def _clock() -> str:
    return time.strftime("%H:%M:%S")


def _short(path: Path | None) -> str:
    """*path* relative to the working directory when it is inside it."""
    if path is None:
        return "<stdin>"
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


@cli.command()
@_paths_argument
@_provider_options
@_deck_options
@_run_options
def watch(
    paths: tuple[str, ...],
    provider: str,
    cache_dir: str | None,
    no_cache: bool,
    mode: str,
    concurrency: int,
    quiet: bool,
    verbose: bool,
    **options: Any,
) -> None:
    """Keep the prompts of the decks at PATH (files or folders) current while you edit.

    Runs once over every deck, then again on each deck you save, once your edits pause:
    only the slides you changed cost a request. A status line follows each run; errors
    are one line and watching goes on. Ctrl-C stops (exit 0).
    """
    if "-" in paths:
        _fail("watch needs files or folders, not -")
    chosen, settings = _run_settings(
        provider, options, cache_dir, use_cache=not no_cache, concurrency=concurrency, mode=mode
    )
    console = _console()
    reporter = WatchReporter(console, quiet=quiet, verbose=verbose)
    pipeline = Pipeline(settings)
    pipeline.pm.register(reporter, name="cli-reporter")
    watcher = Watcher(pipeline, [Path(p) for p in paths], on_event=reporter.on_watch_event)
    if not quiet:
        _offline_notice(console, provider, chosen)
    try:
        watcher.run()
    except KeyboardInterrupt:
        if not quiet:
            console.print("mdslides-prompts: stopped", markup=False)


@cli.command()
@click.option(
    "--provider",
    "name",
    default="infomaniak",
    show_default=True,
    help="infomaniak (GET /1/ai/models, type llm) or openai (GET BASE_URL/models).",
)
@_connection_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def models(name: str, as_json: bool, **options: Any) -> None:
    """List the chat models a provider offers. Needs no product id."""
    settings = _settings(provider=name, **_provider_settings(options))
    if name == "infomaniak":
        catalogue: ChatProvider = create_infomaniak(settings, os.environ, need_product=False)
    elif name == "openai":
        catalogue = create_openai(settings, os.environ, need_model=False)
    else:
        _fail(f"models lists the infomaniak and openai catalogues, not {name!r}'s")
    try:
        found = asyncio.run(_list_models(catalogue))
    except ProviderError as exc:
        raise _Exit(1, str(exc)) from None
    default = DEFAULT_MODEL if name == "infomaniak" else None
    if as_json:
        rows = [{**_model_row(m), "default": m.name == default} for m in found]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for model in found:
        details = [
            "default" if model.name == default else "",
            f"{model.max_input_tokens} input tokens" if model.max_input_tokens else "",
            model.status or "",
            model.description or "",
        ]
        extra = "; ".join(d for d in details if d)
        click.echo(f"{model.name}  ({extra})" if extra else model.name)


async def _list_models(provider: ChatProvider) -> list[ModelInfo]:
    try:
        return await provider.list_models()
    finally:
        await provider.aclose()


def _model_row(model: ModelInfo) -> dict[str, Any]:
    return {
        "name": model.name,
        "description": model.description,
        "max_input_tokens": model.max_input_tokens,
        "status": model.status,
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
