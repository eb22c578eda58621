"""The commands of the command line (:mod:`mdslides_prompts.cli` loads this module only
when one of them runs, so that ``--help`` stays fast).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
import contextlib
from dataclasses import dataclass, replace
import errno
import json
import os
from pathlib import Path
import stat
import sys
import time
from typing import TYPE_CHECKING, Any, NoReturn, cast

import click

# Only light modules at the top: ``--help`` must not pay for httpx, rich, markdown-it,
# watchdog or sqlite3. The commands import the rest when they run.
from .cli import SUMMARIES, CommandExit, GroupState
from .config import CACHE_DIR_ENV, MODES, Key, Settings
from .errors import MdSlidesError, ProviderError
from .helpformat import SectionedCommand
from .hookspecs import hookimpl
from .marker import strippable
from .providers.options import (
    DEFAULT_MODEL,
    DEFAULT_PARAMS,
    PRODUCT_ENV,
    TOKEN_ENV,
    ClientOptions,
)
from .templates import LANGUAGE_NAMES
from .wording import human_size, plain, plural

if TYPE_CHECKING:
    import pluggy
    from rich.console import Console

    from .controls import Selector
    from .deck import Deck, Slide
    from .detection import Detection
    from .pipeline import DeckReport, Pipeline, SlideOutcome, SlidePlan
    from .progress import RunTotals
    from .providers.base import ModelInfo, ProviderEvent
    from .providers.openai import ChatProvider
    from .watch import DeckRun, WatchEvent

__all__ = ["COMMANDS"]

_FAILING = ("missing", "stale", "unparsable")
"""Values of :class:`~mdslides_prompts.deck.Status` that ``check`` reports."""
_SUMMARY_ORDER = ("generated", "cached", "kept", "skipped", "failed", "missed")
"""Values of :class:`~mdslides_prompts.pipeline.Action`, in the order summaries count them."""


class Reporter:
    """Plugin that turns pipeline events into lines on stderr."""

    def __init__(
        self, console: Console, *, quiet: bool = False, verbose: bool = False, stdout: bool = False
    ) -> None:
        self.console = console
        self.quiet = quiet
        self.verbose = verbose
        self.stdout = stdout
        """Whether the decks go to standard output rather than to files."""
        self.retries: Counter[str] = Counter()
        """Retries seen so far, by short reason (``HTTP 429``, ``timeout``, ...)."""
        self.warned: set[str] = set()
        """Warnings printed so far: each is printed once (a watch session runs many times)."""
        self.failures: set[str] = set()
        """Slide errors printed so far: slides failing alike (a server that cannot be
        reached stops them all) are named together in the deck's summary instead."""
        self.held: dict[int, list[tuple[int, str]]] = {}
        """The ``-v`` line of each slide done so far, by ``id`` of its deck: printed in
        slide order once the deck is done (slides finish in any order)."""

    @hookimpl
    def mdslides_on_warning(self, message: str) -> None:
        """Print each warning once, unless quiet."""
        if not self.quiet and message not in self.warned:
            self.warned.add(message)
            _warn(message, self.console)

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
        """Print failures and cache misses as they happen, and every slide with ``-v``."""
        from .pipeline import Action

        if outcome.action in (Action.FAILED, Action.MISSED):
            if outcome.action is Action.FAILED and outcome.error in self.failures:
                return
            self.failures.add(outcome.error or "")
            self.console.print(
                f"{deck.name}:{slide.start_line}: slide {slide.index} {outcome.action.value}: "
                f"{outcome.error}",
                markup=False,
                highlight=False,
            )
        elif self.verbose and not self.quiet:
            line = f"{deck.name}: slide {slide.index}{_titled(slide)} {_slide_detail(outcome)}"
            self.held.setdefault(id(deck), []).append((slide.index, line))

    def print_held(self, deck: Deck) -> None:
        """Print the ``-v`` lines held for *deck*, in slide order."""
        for _, line in sorted(self.held.pop(id(deck), [])):
            self.console.print(line, markup=False, highlight=False)

    @hookimpl
    def mdslides_on_deck_done(self, report: DeckReport) -> None:
        """The ``-v`` slide lines, then one summary line per deck."""
        self.print_held(report.deck)
        if report.error:
            self.console.print(f"{report.error}", markup=False, highlight=False)
            return
        if self.quiet:  # errors only, but every failed slide named (some were not printed)
            for line in _failure_lines(report):
                self.console.print(line, markup=False, highlight=False)
            return
        if report.stripped:
            self.console.print(_stripped_line(report), markup=False, highlight=False)
            return
        from .pipeline import Action

        counts = ", ".join(
            f"{report.count(Action(action))} {action}"
            for action in _SUMMARY_ORDER
            if report.count(Action(action))
        )
        if report.written:
            where = f"written to {report.destination}"
        elif report.destination is not None:
            where = "unchanged"
        elif report.error is None and self.stdout:
            where = "printed to stdout"
        else:
            where = "not written"
        self.console.print(
            f"{report.deck.name}: {plural(len(report.outcomes), 'slide')} ({counts or 'none'}); "
            f"{where}",
            markup=False,
            highlight=False,
        )
        for line in _failure_lines(report):
            self.console.print(line, markup=False, highlight=False)
        if report.missed:
            numbers = [str(o.index) for o in report.missed]
            which = f"slides {', '.join(numbers)} are" if len(numbers) > 1 else (
                f"slide {numbers[0]} is"
            )  # fmt: skip
            self.console.print(
                f"{report.deck.name}: {which} not in the cache (--cache-only); "
                "run without --cache-only to make the prompts",
                markup=False,
                highlight=False,
            )


def _stripped_line(report: DeckReport) -> str:
    """What ``strip`` did to one deck: ``talk.md: 3 prompt markers removed; written to
    talk.md``, ``...; printed to stdout``, ``talk.md: no prompt markers to remove; unchanged``."""
    removed = sum(strippable(m) for slide in report.deck.slides for m in slide.markers)
    what = "no prompt markers to remove"
    if removed:
        what = f"{plural(removed, 'prompt marker')} removed"
    if report.destination is None:
        state = "printed to stdout"
    elif report.written:
        state = f"written to {report.destination}"
    else:
        state = "unchanged"
    return f"{report.deck.name}: {what}; {state}"


def _failure_lines(report: DeckReport, name: str | None = None) -> list[str]:
    """One line per reason the slides of *report* failed, naming the slides (and those
    that were not sent at all because the run had stopped sending)."""
    by_reason: dict[str, tuple[list[str], list[str]]] = {}
    for outcome in report.failed:
        failed, unsent = by_reason.setdefault(outcome.error or "unknown error", ([], []))
        (unsent if outcome.not_sent else failed).append(str(outcome.index))
    lines = []
    for reason, (failed, unsent) in by_reason.items():
        were = "was" if len(unsent) == 1 else "were"
        if failed and unsent:
            what = f"{_slides(failed)} failed and {', '.join(unsent)} {were} not sent; all kept"
        elif unsent:
            what = f"{_slides(unsent)} {were} not sent and kept"
        else:
            what = f"{_slides(failed)} failed and kept"
        their = "its" if len(failed) + len(unsent) == 1 else "their"
        lines.append(f"{name or report.deck.name}: {what} {their} previous state: {reason}")
    return lines


def _slides(numbers: Sequence[str]) -> str:
    return f"slides {', '.join(numbers)}" if len(numbers) > 1 else f"slide {numbers[0]}"


def _titled(slide: Slide) -> str:
    return f" {slide.title!r}" if slide.title else ""


def _slide_detail(outcome: SlideOutcome) -> str:
    """``generated in 1.24 s (1 request; 412 prompt + 38 completion tokens)``, ``kept (fresh)``."""
    from .pipeline import Action

    action = outcome.action
    if action not in (Action.CACHED, Action.GENERATED):
        return f"{action.value} ({outcome.reason})" if outcome.reason else action.value
    facts = []
    if action is Action.GENERATED:
        facts.append(plural(outcome.requests, "request"))
    if outcome.usage is not None:
        facts.append(
            f"{outcome.usage.prompt_tokens} prompt + {outcome.usage.completion_tokens} "
            "completion tokens"
        )
    if outcome.queued >= 0.05:  # the wait for a slot or the pacer is not the request's time
        facts.insert(0, f"queued {outcome.queued:.2f} s")
    extra = f" ({'; '.join(facts)})" if facts else ""
    return f"{action.value} in {outcome.seconds:.2f} s{extra}"


class _StderrConsole:
    """The rich console on stderr, made on first use: a quiet run that prints nothing never
    imports rich."""

    def __init__(self) -> None:
        self._console: Console | None = None

    def real(self) -> Console:
        if self._console is None:
            from rich.console import Console

            # No emoji: ``deck.md:100:`` is a place in a file, not the :100: shortcode.
            self._console = Console(stderr=True, soft_wrap=True, emoji=False)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


def _console() -> Console:
    return cast("Console", _StderrConsole())


def _fail(message: str, code: int = 2) -> NoReturn:
    raise CommandExit(code, message)


def _no_slide(ref: str, decks: Sequence[Deck]) -> str:
    """What to say when the slide selector *ref* chooses no slide of *decks*."""
    if len(decks) == 1:
        return f"{decks[0].name}: no slide {ref!r} (it has {plural(len(decks[0].slides), 'slide')})"
    return f"none of the {len(decks)} decks has a slide {ref!r}"


def _require_slides(selectors: Iterable[Selector], decks: Sequence[Deck]) -> None:
    """Fail if one of *selectors* chooses no slide in any of *decks* (choosing slides in
    some decks only is fine: ``--slides Summary`` over a folder)."""
    for selector in selectors:
        if decks and not any(selector.matches(s) for deck in decks for s in deck.slides):
            _fail(_no_slide(selector.text, decks))


def _collect(paths: Sequence[str]) -> list[tuple[Path, bool, Path]]:
    """Expand *paths* into (file, explicitly named, root for relative output paths)."""
    from .fileio import find_decks

    found: list[tuple[Path, bool, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend((file, False, path) for file in find_decks(path))
        elif path.exists() or path.is_symlink():  # a broken link or a loop: reading says which
            found.append((path, True, path.parent))
        else:
            _fail(f"{path}: no such file or folder")
    return found


def _destination(
    paths: Sequence[str],
    decks: Sequence[tuple[Deck, Path]],
    output: str | None,
    to_stdout: bool,
    inputs: Sequence[Path] = (),
) -> Callable[[Deck], Path | None]:
    """Where each deck is written: *output* (``-o``) checked against every one of the
    *inputs* (the files found at *paths*, decks or not), stdout, or the deck itself."""
    if to_stdout:
        if len(decks) != 1:
            _fail("--stdout takes exactly one deck")
        return lambda deck: None
    if output is None:
        return lambda deck: deck.path
    sources = _sources(decks, inputs)
    targets = _output_targets(paths, decks, output, sources)

    def to_output(deck: Deck) -> Path:
        from .errors import DeckError

        target = targets[id(deck)]
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeckError(f"cannot create: {exc.strerror or exc}", target.parent) from None
        # Again right before writing: a link made meanwhile must not lead to a source.
        problem = _target_problem(target, sources)
        if problem:
            raise DeckError(f"-o: {problem}; not written", deck.path)
        return target

    return to_output


def _sources(
    decks: Sequence[tuple[Deck, Path]], inputs: Sequence[Path]
) -> dict[tuple[int, int], str]:
    """Every input file by device and inode, with its name: the decks, and the files of the
    inputs that were skipped or could not be read (-o must not overwrite them either)."""
    files = [deck.path for deck, _ in decks if deck.path is not None] + list(inputs)
    sources: dict[tuple[int, int], str] = {}
    for path in files:
        with contextlib.suppress(OSError):
            status = path.stat()
            sources.setdefault((status.st_dev, status.st_ino), str(path))
    return sources


def _output_targets(
    paths: Sequence[str],
    decks: Sequence[tuple[Deck, Path]],
    output: str,
    sources: dict[tuple[int, int], str],
) -> dict[int, Path]:
    """The file ``-o OUTPUT`` sends each deck to, by ``id`` of the deck; a usage error if a
    target is not a regular file, is (or resolves to) a source, or is shared by two decks."""
    out = Path(output)
    # One named file goes to OUT itself (or into OUT if it is a folder); otherwise OUT is a
    # folder that mirrors the inputs.
    single = len(paths) == 1 and Path(paths[0]).is_file()
    if single and out.is_dir():
        out = out / Path(paths[0]).name
    elif list(paths) == ["-"]:
        if out.is_dir():
            _fail(f"-o {output}: a folder; name the file the deck read from stdin goes to")
        single = True
    elif not single and (out.exists() or out.is_symlink()) and not out.is_dir():
        _fail(f"-o {output}: not a folder; with a folder or several decks, -o takes a folder")
    targets: dict[int, Path] = {}
    seen: dict[str, Deck] = {}
    for deck, root in decks:
        target = out if single or deck.path is None else out / deck.path.relative_to(root)
        problem = _target_problem(target, sources)
        if problem:
            _fail(f"-o {output}: {problem}")
        other = seen.setdefault(os.path.realpath(target), deck)
        if other is not deck:
            _fail(f"-o {output}: {other.name} and {deck.name} would both be written to {target}")
        targets[id(deck)] = target
    return targets


def _target_problem(target: Path, sources: dict[tuple[int, int], str]) -> str | None:
    """Why ``-o`` cannot write *target*, or ``None``: sources are the decks by device and
    inode, so a path that reaches one through a link or ``..`` is caught too."""
    try:
        # As the kernel will see it once the folders are made: d/new/../x.md is d/x.md.
        status = Path(os.path.realpath(target)).stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"{target}: symlink loop"
        return f"{target}: {exc.strerror or exc}"
    source = sources.get((status.st_dev, status.st_ino))
    if source is not None:
        return f"{target} is the source {source}; -o never writes to a source"
    if stat.S_ISDIR(status.st_mode):
        return f"{target} is a folder"
    if not stat.S_ISREG(status.st_mode):
        return f"{target} is not a regular file"
    return None


# --- configuration and loading -------------------------------------------------------------


def _plugin_manager() -> pluggy.PluginManager:
    """The run's plugin manager, with the entry points ``--plugins`` pins (if given)."""
    from .plugins import get_plugin_manager

    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(GroupState) if ctx is not None else None
    if state is None:
        return get_plugin_manager()
    if state.pm is None:
        state.pm = get_plugin_manager(only=state.plugins)
    return state.pm


_PLUGIN_KEY_OPTIONS = frozenset({"separator", "vertical-separator", "notes-separator"})
"""Options for keys that built-in format plugins declare (the plugins are not loaded to
show ``--help``, so the options are declared here)."""


def _config_values(options: dict[str, Any]) -> dict[str, Any]:
    """Take the options that are configuration keys out of *options*, by key name."""
    from .configfile import KEYS

    found = {}
    for name in list(options):
        key = name.rstrip("_").replace("_", "-")
        if key in KEYS or key in _PLUGIN_KEY_OPTIONS:
            found[key] = options.pop(name)
    return found


@dataclass(frozen=True, slots=True)
class _Loaded:
    """A deck ready to go, the folder output paths are relative to, and its pipeline."""

    deck: Deck
    root: Path
    pipeline: Pipeline


class _Decks:
    """Reads decks, each with the configuration that applies to it (a
    :class:`~mdslides_prompts.workspace.Workspace`), and reports on the way.

    :param options: configuration keys given on the command line
    :param base: settings that are not configuration (``force``, ``use_cache``, ...)
    :param config: the ``--config`` file, if given
    :param auto: resolve the ``auto`` provider (commands that make prompts)
    :param plugins: load the plugins (see :class:`~mdslides_prompts.workspace.Workspace`)
    """

    def __init__(
        self,
        options: dict[str, Any],
        *,
        base: Settings | None = None,
        config: str | None = None,
        auto: bool = False,
        plugins: bool = True,
    ) -> None:
        from .workspace import Workspace

        self.space = Workspace(
            options,
            base=base,
            config=Path(config) if config else None,
            pm=_plugin_manager() if plugins else None,
            resolve_auto=auto,
            labels={"language": "--prompt-language"},
            plugins=plugins,
        )
        self.inputs: list[Path] = []
        """Every file the paths named or held, read as a deck or not."""
        self.unreadable: list[str] = []
        """Why files found in folders were left out (each line printed as it came): the
        command ends with exit code 1."""

    @property
    def pm(self) -> pluggy.PluginManager:
        """The plugin manager."""
        return self.space.pm

    @property
    def auto_offline(self) -> bool:
        """Whether ``auto`` chose the offline provider (no credentials in the environment)."""
        return self.space.auto == "offline"

    def settings(self, folder: Path, deck: Deck | None = None) -> Settings:
        """The settings for a deck in *folder* (with its front matter, once split)."""
        return self.space.settings(folder, deck)

    def pipeline(self, settings: Settings) -> Pipeline:
        """The pipeline for *settings* (one per distinct settings)."""
        return self.space.pipeline(settings)

    def open(self, raw: Deck, folder: Path) -> tuple[Deck, Pipeline]:
        """Split *raw* and apply its own configuration; the deck and its pipeline."""
        return self.space.open(raw, folder)

    def guess(self, raw: Deck, folder: Path) -> tuple[Deck, Detection | None]:
        """Like :meth:`open`, but a deck of uncertain format is split by the best guess
        (for reports only); the deck and how its format was found (``None``: given)."""
        return self.space.guess(raw, folder)

    def load(
        self,
        paths: Sequence[str],
        console: Console,
        *,
        ignore_unknown: bool = False,
        quiet: bool = False,
        reading: Callable[[Path], None] | None = None,
    ) -> list[_Loaded]:
        """Read, detect and split every deck at *paths*. Files in folders that no format
        claims (and, with *ignore_unknown*, named ones) are skipped with a notice (unless
        *quiet*); a file in a folder that cannot be read or split is reported and left out
        (see :attr:`unreadable`); any other problem stops the run. *reading* is told of
        each file before it is read."""
        from .deck import Deck
        from .errors import DeckError
        from .fileio import read_bytes, read_stream

        if list(paths) == ["-"]:
            raw = Deck.from_bytes(read_stream(sys.stdin.buffer))
            deck, pipeline = self.open(raw, Path.cwd())
            return [_Loaded(deck, Path.cwd(), pipeline)]
        found: list[_Loaded] = []
        errors = []
        collected = _collect(paths)
        self.inputs = [path for path, _, _ in collected]
        for path, explicit, root in collected:
            if reading is not None:
                reading(path)
            try:
                raw = Deck.from_bytes(read_bytes(path), path)
                if (not explicit or ignore_unknown) and not self.space.is_deck(raw, path.parent):
                    if not quiet:
                        console.print(
                            f"{path}: skipped, not a slide deck of a known format", markup=False
                        )
                    continue
                deck, pipeline = self.open(raw, path.parent)
                found.append(_Loaded(deck, root, pipeline))
            except DeckError as exc:
                if explicit:
                    errors.append(str(exc))
                else:  # one bad file in a folder must not stop the others
                    console.print(str(exc), markup=False, highlight=False)
                    self.unreadable.append(str(exc))
            except MdSlidesError as exc:
                errors.append(str(exc))
        if errors:
            _fail("\n".join(errors))
        if not found and self.unreadable:
            raise CommandExit(2)  # said above, one line each
        if not found and not ignore_unknown:
            _fail("no slide decks found in " + ", ".join(paths))
        return found


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
    click.option(
        "--slide-level",
        type=int,
        metavar="N",
        help="pandoc/Quarto: the --slide-level (1-6) the deck is built with.",
    ),
)


_CONFIG_OPTION = click.option(
    "--config",
    "config_file",
    metavar="FILE",
    help="Read the configuration from FILE instead of the nearest .mdslides-prompts.toml "
    "or pyproject.toml.",
)


def _deck_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the options that decide how decks are read: format, separators, config file."""
    for option in reversed((*_DECK_OPTION_LIST, _CONFIG_OPTION)):
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
    default=None,
    help=f"Provider that writes prompts: auto (the default: infomaniak if {TOKEN_ENV} and "
    f"{PRODUCT_ENV} are set, else offline), offline, infomaniak, openai, or a plugin's.",
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
    click.option(
        "--stream/--no-stream", default=None, help="Receive answers as server-sent events."
    ),
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
        default=None,
        help=f"Language of the prompts: {', '.join(LANGUAGE_NAMES)} (default en).",
    ),
    click.option("--style", help="A visual style for every prompt of a deck."),
    click.option(
        "--system-template",
        metavar="FILE",
        help="Template of the system message (variables: see docs/configuration.md).",
    ),
    click.option("--user-template", metavar="FILE", help="Template of the user message."),
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
_ignore_unknown_option = click.option(
    "--ignore-unknown",
    is_flag=True,
    help="Skip named files that are not decks of a known format (for pre-commit).",
)


_OFFLINE_DEPRECATED = (
    "--offline is deprecated and will be removed: it is --cache-only now (cached answers "
    "only); --provider offline is the built-in provider of placeholder prompts"
)
_REAL_PROMPTS = (
    f"set {TOKEN_ENV} and {PRODUCT_ENV} (Infomaniak), or use --provider openai --base-url URL"
)
"""How to get prompts written by a model, for the notices about the offline provider."""


def _offline_notice(console: Console, decks: _Decks, settings: Iterable[Settings]) -> None:
    """Say, once per run, that the prompts will be placeholders (unless the run only reads
    the cache, when no provider is asked)."""
    if any(s.provider == "offline" and not s.cache_only for s in settings):
        why = "no credentials are set, so " if decks.auto_offline else ""
        console.print(
            f"mdslides-prompts: {why}the built-in offline provider writes placeholder prompts "
            f"made from each slide's words; for real ones, {_REAL_PROMPTS}",
            markup=False,
            highlight=False,
        )


def _refuse_placeholders(decks: _Decks, settings: Iterable[Settings]) -> None:
    """In CI or under pre-commit, fail rather than let ``auto`` fall back to placeholder
    prompts for want of credentials: a build would commit or publish them unnoticed.
    Naming the offline provider (option, variable or config file) says they are wanted."""
    where = _unattended(os.environ)
    if where and decks.auto_offline and any(not s.cache_only for s in settings):
        _fail(
            f"{where} with no provider credentials, run writes no placeholder prompts unasked: "
            f"{_REAL_PROMPTS}, or pass --provider offline for placeholders"
        )


def _unattended(environ: Mapping[str, str]) -> str | None:
    """``in CI (CI=true)`` or ``under pre-commit (PRE_COMMIT=1)`` if *environ* says so."""
    if environ.get("PRE_COMMIT", "").strip() not in ("", "0"):
        return f"under pre-commit (PRE_COMMIT={environ['PRE_COMMIT']})"
    if environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off"):
        return f"in CI (CI={environ['CI']})"
    return None


_CACHE_DIR_OPTION = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    default=None,
    help=f"Prompt cache folder (default: config, ${CACHE_DIR_ENV} or the user cache folder).",
)
_NO_CACHE_OPTION = click.option(
    "--no-cache", is_flag=True, help="Neither read nor write the prompt cache."
)
_MODE_OPTION = click.option(
    "--mode",
    type=click.Choice(MODES),
    default=None,
    metavar="MODE",
    help="How prompts are written: comment (the default), reference or frontmatter.",
)
_CONCURRENCY_OPTION = click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=None,
    help="Slides waiting on the provider at once (default 4).",
)


@click.command(cls=SectionedCommand, short_help=SUMMARIES["run"])
@_paths_argument
@_provider_options
@_deck_options
@_CACHE_DIR_OPTION
@_NO_CACHE_OPTION
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
    help="Regenerate only these slides, fresh ones too: numbers, ranges, titles (3,5-7).",
)
@_MODE_OPTION
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
@_ignore_unknown_option
@_CONCURRENCY_OPTION
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
        _fail("--stdout and -o cannot be used together")
    if dry_run and diff:
        _fail("--dry-run and --diff cannot be used together")
    if (dry_run or diff) and (to_stdout or output):
        _fail(f"--{'dry-run' if dry_run else 'diff'} writes nothing, so it takes no --stdout or -o")
    if offline_alias:
        _warn(_OFFLINE_DEPRECATED)
    cache_only = cache_only or offline_alias
    emit = (to_stdout or (paths == ("-",) and not output)) and not (dry_run or diff)
    if as_json and (emit or diff):
        _fail("--json prints on stdout, so it cannot be combined with --stdout, - or --diff")
    from .controls import parse_selectors
    from .progress import RunTotals

    chosen = parse_selectors(slides, "--slides") if slides else ()
    base = Settings(
        provider="auto", use_cache=not no_cache, force=force, cache_only=cache_only or dry_run,
        slides=tuple(s.text for s in chosen) if slides else None,
    )  # fmt: skip
    decks = _Decks(_config_values(options), base=base, config=config_file, auto=True)
    console = _console()
    reporter = Reporter(console, quiet=quiet, verbose=verbose, stdout=emit)
    decks.pm.register(reporter, name="cli-reporter")
    with _reading(console, quiet) as reading:
        loaded = decks.load(
            paths, console, ignore_unknown=ignore_unknown, quiet=quiet, reading=reading
        )
    _require_slides(chosen, [item.deck for item in loaded])
    for item in loaded:
        item.pipeline.check_mode(item.deck)
    destination = (
        (lambda deck: None)
        if diff or dry_run
        else _destination(paths, [(i.deck, i.root) for i in loaded], output, emit, decks.inputs)
    )
    _refuse_placeholders(decks, [item.pipeline.settings for item in loaded])
    if not quiet and not dry_run:
        _offline_notice(console, decks, (item.pipeline.settings for item in loaded))
    if dry_run:
        _dry_run(loaded, console, as_json=as_json, verbose=verbose)
        if decks.unreadable:
            raise CommandExit(1)
        return
    started = time.monotonic()
    reports = _run_all(loaded, destination, console, quiet=quiet)
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
    if emit and reports:
        _emit_stdout(reports[0].deck, reports[0].text)
    if diff:
        sys.stdout.write("".join(unified_diff(r.deck, r.text) for r in reports))
    if as_json:
        click.echo(json.dumps(_run_summary(reports, totals), ensure_ascii=False, indent=2))
    if decks.unreadable or any(r.failed or r.missed or r.error for r in reports):
        raise CommandExit(1)


def _reading(
    console: Console, quiet: bool
) -> contextlib.AbstractContextManager[Callable[[Path], None] | None]:
    """A spinner naming the deck being read, on an interactive terminal unless *quiet*."""
    if quiet or not console.is_terminal:
        return contextlib.nullcontext()
    from .progress import ReadingSpinner

    return ReadingSpinner(console.real() if isinstance(console, _StderrConsole) else console)


def _run_all(
    loaded: Sequence[_Loaded],
    destination: Callable[[Deck], Path | None],
    console: Console,
    *,
    quiet: bool,
) -> list[DeckReport]:
    """Run every deck through its pipeline (decks sharing settings in one run), with a
    progress bar on an interactive terminal; reports in the order of *loaded*."""
    from .progress import PROGRESS_THRESHOLD, ProgressBar

    groups: dict[int, list[_Loaded]] = {}
    for item in loaded:
        groups.setdefault(id(item.pipeline), []).append(item)
    total = sum(len(item.deck.slides) for item in loaded)
    bar = None
    if not quiet and total > PROGRESS_THRESHOLD and console.is_terminal:
        real = console.real() if isinstance(console, _StderrConsole) else console
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
    import difflib

    name = deck.name
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
    from .templates import estimate_tokens

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


def _dry_run(loaded: Sequence[_Loaded], console: Console, *, as_json: bool, verbose: bool) -> None:
    """Print, for every slide that would get a new prompt, what a run would send (every
    slide with *verbose*)."""
    groups: dict[int, list[_Loaded]] = {}
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
        data.append({
            "path": item.deck.name, "format": item.deck.format, "provider": settings.provider,
            "model": settings.model, "slides": rows,
        })  # fmt: skip
    every: list[dict[str, Any]] = [row for deck in data for row in deck["slides"]]
    totals = Counter(row["action"] for row in every)
    tokens = sum(row["estimated_tokens"] or 0 for row in every)
    if as_json:
        summary = {**totals, "estimated_tokens": tokens}
        click.echo(json.dumps({"decks": data, "totals": summary}, ensure_ascii=False, indent=2))
        return
    for deck in data:
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
                for message in row["messages"]:
                    click.echo(f"  --- {message['role']}")
                    click.echo("\n".join(f"  {line}" for line in message["content"].splitlines()))
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
    from .progress import outcome_json, slides_of

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


class WatchReporter(Reporter):
    """Renders watch mode: a short status line per run, errors on one line each.

    Provider events (retries) print as in ``run``; slide lines only with ``-v``.
    """

    @hookimpl
    def mdslides_on_slide_done(self, deck: Deck, slide: Slide, outcome: SlideOutcome) -> None:
        """Every slide with ``-v`` (in slide order once the deck is done); failures are
        summed up in the status line."""
        if self.verbose and not self.quiet:
            line = f"{_short(deck.path)}: slide {slide.index} {outcome.action.value}"
            self.held.setdefault(id(deck), []).append((slide.index, line))

    @hookimpl
    def mdslides_on_deck_done(self, report: DeckReport) -> None:
        """The ``-v`` slide lines: :meth:`on_watch_event` prints the status line, with the
        run's time."""
        self.print_held(report.deck)

    def on_watch_event(self, event: WatchEvent) -> None:
        """Print one watch event."""
        from .watch import DeckFailed, DeckGone, DeckRun, DeckSkipped, Watching

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
                f"mdslides-prompts: watching {plural(len(event.decks), 'deck')} in {where} "
                "(Ctrl-C stops)"
            )
        elif isinstance(event, DeckSkipped):
            self._line(f"{_short(event.path)}: skipped, not a slide deck of a known format")
        elif isinstance(event, DeckGone):
            self._line(f"{_clock()} {_short(event.path)}: gone; it runs again if it comes back")
        elif self.verbose:
            why = "our own write" if event.ours else "same text as after the last run"
            self._line(f"{_clock()} {_short(event.path)}: unchanged ({why})")

    def _run_line(self, event: DeckRun) -> None:
        from .pipeline import Action

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


@click.command(cls=SectionedCommand, short_help=SUMMARIES["watch"])
@_paths_argument
@_provider_options
@_deck_options
@_CACHE_DIR_OPTION
@_NO_CACHE_OPTION
@_MODE_OPTION
@_CONCURRENCY_OPTION
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Print every slide.")
def watch(
    paths: tuple[str, ...],
    config_file: str | None,
    no_cache: bool,
    quiet: bool,
    verbose: bool,
    **options: Any,
) -> None:
    """Keep the prompts of the decks at PATH (files or folders) current while you edit.

    Runs once over every deck, then again on each deck you save, once your edits pause:
    only the slides you changed cost a request. A status line follows each run; errors
    are one line and watching goes on. Ctrl-C stops (exit 0). The configuration is the
    one that applies in the first PATH's folder.
    """
    if "-" in paths:
        _fail("watch needs files or folders, not -")
    from .watch import Watcher

    base = Settings(provider="auto", use_cache=not no_cache)
    decks = _Decks(_config_values(options), base=base, config=config_file, auto=True)
    first = Path(paths[0])
    settings = decks.settings((first if first.is_dir() else first.parent).resolve())
    console = _console()
    reporter = WatchReporter(console, quiet=quiet, verbose=verbose)
    decks.pm.register(reporter, name="cli-reporter")
    pipeline = decks.pipeline(settings)
    watcher = Watcher(pipeline, [Path(p) for p in paths], on_event=reporter.on_watch_event)
    if not quiet:
        _offline_notice(console, decks, [settings])
    try:
        watcher.run()
    except KeyboardInterrupt:
        if not quiet:
            console.print("mdslides-prompts: stopped", markup=False)


@click.command(cls=SectionedCommand, short_help=SUMMARIES["models"])
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
    import asyncio

    from .providers.infomaniak import create_infomaniak
    from .providers.openai import create_openai

    decks = _Decks(_config_values(options))
    settings = replace(decks.settings(Path.cwd()), provider=name)
    if name == "infomaniak":
        catalogue: ChatProvider = create_infomaniak(settings, os.environ, need_product=False)
    elif name == "openai":
        catalogue = create_openai(settings, os.environ, need_model=False)
    else:
        _fail(f"models lists the infomaniak and openai catalogues, not {name!r}'s")
    try:
        found = asyncio.run(_list_models(catalogue))
    except ProviderError as exc:
        raise CommandExit(1, str(exc)) from None
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


@click.command(cls=SectionedCommand, short_help=SUMMARIES["check"])
@_paths_argument
@_deck_options
@_ignore_unknown_option
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
    console = _console()
    decks = _Decks(_config_values(deck_options), config=config_file)
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
@_paths_argument
@_deck_options
@_ignore_unknown_option
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
        _fail("--stdout and -o cannot be used together")
    console = _console()
    decks = _Decks(_config_values(deck_options), config=config_file)
    decks.pm.register(Reporter(console, quiet=quiet), name="cli-reporter")
    loaded = decks.load(paths, console, ignore_unknown=ignore_unknown, quiet=quiet)
    stdout = to_stdout or (paths == ("-",) and not output)
    destination = _destination(
        paths, [(i.deck, i.root) for i in loaded], output, stdout, decks.inputs
    )
    reports = [r for item in loaded for r in item.pipeline.strip_decks([item.deck], destination)]
    if stdout and reports:
        _emit_stdout(reports[0].deck, reports[0].text)
    if decks.unreadable or any(report.error for report in reports):
        raise CommandExit(1)


@click.command(cls=SectionedCommand, short_help=SUMMARIES["inspect"])
@click.argument("path", metavar="PATH")
@_deck_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def inspect(path: str, config_file: str | None, as_json: bool, **deck_options: str | None) -> None:
    """Show the slides of the deck at PATH as its generator splits them."""
    from .deck import Deck
    from .fileio import read_bytes, read_stream

    if Path(path).is_dir():
        _fail(f"{path}: inspect takes one file, not a folder")
    decks = _Decks(_config_values(deck_options), config=config_file)
    if path == "-":
        deck, found = decks.guess(Deck.from_bytes(read_stream(sys.stdin.buffer)), Path.cwd())
    else:
        target = Path(path)
        deck, found = decks.guess(Deck.from_bytes(read_bytes(target), target), target.parent)
    data = _inspect_data(deck, found)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table  # only needed for the table view

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


# --- plugins, configuration, cache -----------------------------------------------------------


@click.command(cls=SectionedCommand, short_help=SUMMARIES["plugins"])
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins(as_json: bool) -> None:
    """List the plugins loaded, with their versions and what they add.

    Installed plugins that are not loaded (pinned out by --plugins or $MDSLIDES_PROMPTS_PLUGINS)
    are listed too.
    """
    from .pipeline import Pipeline
    from .plugins import installed_plugins, plugin_infos

    pm = _plugin_manager()
    offers = Pipeline(Settings(), pm).names_by_plugin()
    loaded = plugin_infos(pm)
    rows: list[dict[str, Any]] = [
        {
            "name": info.name,
            "version": info.version,
            "distribution": info.distribution,
            "builtin": info.builtin,
            "loaded": True,
            "formats": offers.get(info.name, {}).get("formats", []),
            "providers": offers.get(info.name, {}).get("providers", []),
            "hooks": list(info.hooks),
        }
        for info in loaded
    ]
    names = {info.name for info in loaded}
    for ep in installed_plugins():
        if ep.name not in names:
            dist = ep.dist
            rows.append({
                "name": ep.name, "version": dist.version if dist else None,
                "distribution": dist.metadata["name"] if dist else None, "builtin": False,
                "loaded": False, "formats": [], "providers": [], "hooks": [],
            })  # fmt: skip
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        adds = [f"formats: {', '.join(row['formats'])}"] if row["formats"] else []
        adds += [f"providers: {', '.join(row['providers'])}"] if row["providers"] else []
        if not row["loaded"]:
            adds = ["not loaded (pinned out)"]
        elif not adds:
            adds = [f"hooks: {', '.join(h.removeprefix('mdslides_') for h in row['hooks'])}"]
        where = "built-in" if row["builtin"] else f"{row['distribution']} {row['version']}"
        name = row["name"].removeprefix("mdslides_prompts.")
        click.echo(f"{name}  ({where}; {'; '.join(adds)})")


@click.command("config", cls=SectionedCommand, short_help=SUMMARIES["config"])
@click.argument("path", metavar="[PATH]", required=False)
@_provider_options
@_deck_options
@_CACHE_DIR_OPTION
@_MODE_OPTION
@_CONCURRENCY_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def config_command(
    path: str | None, config_file: str | None, as_json: bool, **options: Any
) -> None:
    """Show the configuration that applies to the deck at PATH (default: this folder):
    every key with its value and where that comes from (default, config file, front
    matter, environment, command line)."""
    from .configfile import defaults, origins
    from .deck import Deck
    from .fileio import read_bytes

    target = Path(path) if path else None
    if target is not None and not target.exists():
        _fail(f"{path}: no such file or folder")
    base = Settings(provider="auto")
    decks = _Decks(_config_values(options), base=base, config=config_file)
    deck = None
    if target is not None and target.is_file():
        deck, _ = decks.open(Deck.from_bytes(read_bytes(target), target), target.parent)
    folder = target.parent if target is not None and target.is_file() else (target or Path.cwd())
    found = origins(decks.space.layers(folder, deck))
    default = defaults(base, decks.space.keys)
    rows = []
    for name, key in decks.space.keys.items():
        value, source = found.get(name, (default[name], "default"))
        if key.kind == "template" and value is not None:
            value = f"<{len(value.splitlines())}-line template>"
        rows.append(
            {"key": name, "value": _plain(value), "source": source, "env": key.env,
             "help": key.help, "note": _config_note(key, value)}
        )  # fmt: skip
    config_path = decks.space.files.find(folder)
    if as_json:
        data = {"config_file": str(config_path) if config_path else None, "keys": rows}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"# config file: {config_path or 'none'}")
    for row in rows:
        value, note = json.dumps(row["value"], ensure_ascii=False), row["note"]
        if row["value"] is None:
            value, note = f"({note})", None
        where = f"environment ({row['env']})" if row["source"] == "environment" else row["source"]
        click.echo(f"{row['key']} = {value}  # {where}{f'; {note}' if note else ''}")


def _config_note(key: Key, value: Any) -> str | None:
    """What an unset *value* of *key* means, or what ``auto`` chooses here."""
    from .errors import UsageError
    from .providers.infomaniak import auto_provider

    if value is None:
        return key.unset or "not sent: the server's default"
    if key.name == "provider" and value == "auto":
        try:
            chosen = auto_provider(os.environ)
        except UsageError as exc:
            return str(exc)
        why = "are set" if chosen == "infomaniak" else "are not set"
        return f"{chosen} here: {TOKEN_ENV} and {PRODUCT_ENV} {why}"
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


@click.group(short_help=SUMMARIES["cache"])
def cache() -> None:
    """Look into the prompt cache: where it is, what it holds, why a slide misses."""


def _cache_dir(cache_dir: str | None) -> Path:
    options = {"cache-dir": cache_dir} if cache_dir else {}
    return _Decks(options, plugins=False).settings(Path.cwd()).resolved_cache_dir()


@cache.command("path")
@_CACHE_DIR_OPTION
def cache_path(cache_dir: str | None) -> None:
    """Print the cache folder."""
    click.echo(str(_cache_dir(cache_dir)))


@cache.command("stats", short_help="Count cached answers by provider and model; the cache's size.")
@_CACHE_DIR_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def cache_stats(cache_dir: str | None, as_json: bool) -> None:
    """How many answers the cache holds, by provider and model, and its size."""
    from .cache import IGNORED, CacheEntry, PromptCache

    folder = _cache_dir(cache_dir)
    entries: list[CacheEntry] = []
    size = ignored = 0
    if PromptCache.exists(folder):  # looking creates nothing
        store = PromptCache(folder)
        try:
            entries = list(store.entries())
            size, ignored = store.volume(), store.ignored
        finally:
            store.close()
        _warn(store.warning())
    by_model = Counter(
        f"{e.meta.get('provider', '?')}/{e.meta.get('model', '?')}" if e.meta else "unknown"
        for e in entries
    )
    dates = sorted(str(e.meta["created"]) for e in entries if e.meta.get("created"))
    decks = {str(e.meta["deck"]) for e in entries if e.meta.get("deck")}
    tokens = [e.meta.get("usage") or {} for e in entries]
    data = {
        "path": str(folder),
        "entries": len(entries),
        "bytes": size,
        "decks": len(decks),
        "by_model": dict(by_model.most_common()),
        "oldest": dates[0] if dates else None,
        "newest": dates[-1] if dates else None,
        "prompt_tokens": sum(int(t.get("prompt_tokens", 0)) for t in tokens),
        "completion_tokens": sum(int(t.get("completion_tokens", 0)) for t in tokens),
        "ignored": ignored,
    }
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"path     {data['path']}")
    click.echo(f"entries  {plural(len(entries), 'answer')} for {plural(len(decks), 'deck')}")
    click.echo(f"size     {human_size(size)}")
    if ignored:
        click.echo(f"ignored  {plural(ignored, 'row')} that {'is' if ignored == 1 else 'are'} "
                   f"{IGNORED}")  # fmt: skip
    for model, count in by_model.most_common():
        click.echo(f"model    {model}: {count}")
    if dates:
        click.echo(f"dates    {data['oldest']} .. {data['newest']}")
    if data["prompt_tokens"] or data["completion_tokens"]:
        click.echo(
            f"tokens   {data['prompt_tokens']:,} prompt + {data['completion_tokens']:,} "
            "completion spent on them"
        )


@cache.command("clear")
@_CACHE_DIR_OPTION
@click.option("-y", "--yes", is_flag=True, help="Remove without asking first.")
def cache_clear(cache_dir: str | None, yes: bool) -> None:
    """Remove every cached answer (after asking, unless --yes)."""
    from .cache import IGNORED, PromptCache

    folder = _cache_dir(cache_dir)
    removed = ignored = 0
    if PromptCache.exists(folder):
        store = PromptCache(folder)
        try:
            held = sum(1 for _ in store.entries())  # also counts the rows that are not answers
            ignored = store.ignored
            if held + ignored and not yes:
                _confirm_clear(plural(held + ignored, "cached answer"), folder)
            removed = store.clear()
        finally:
            store.close()
    which = f" ({ignored} of them {IGNORED})" if ignored else ""
    _console().print(
        f"mdslides-prompts: removed {plural(removed, 'cached answer')}{which} from {folder}",
        markup=False,
        highlight=False,
    )


def _confirm_clear(what: str, folder: Path) -> None:
    """Ask whether to remove *what* from the cache in *folder*; leave unless the answer is
    yes. With no one to ask (stdin is not a terminal), refuse: ``--yes`` says it."""
    if not sys.stdin.isatty():
        _fail(f"cache clear would remove {what} from {folder}; pass --yes to remove them")
    if not click.confirm(f"Remove {what} from {folder}?", default=False, err=True):
        _fail("nothing removed", code=1)


def _warn(message: str | None, console: Console | None = None) -> None:
    """Print *message* as a warning on stderr, if there is one."""
    if message is not None:
        out = console if console is not None else _console()
        out.print(f"mdslides-prompts: warning: {message}", markup=False, highlight=False)


@cache.command(
    "explain",
    cls=SectionedCommand,
    short_help="Say why a slide of a deck is or is not in the cache.",
)
@click.argument("deck_path", metavar="DECK")
@click.argument("slide_ref", metavar="SLIDE")
@_provider_options
@_deck_options
@_CACHE_DIR_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def cache_explain(
    deck_path: str, slide_ref: str, config_file: str | None, as_json: bool, **options: Any
) -> None:
    """Say whether SLIDE of DECK (its number or title) is in the cache, and if not, what
    changed since its answer was cached: the slide, a neighbour, the model, a setting."""
    from .controls import parse_selectors, selected
    from .deck import Deck
    from .explain import describe
    from .fileio import read_bytes

    base = Settings(provider="auto", cache_only=True)  # nothing is sent: no credentials needed
    decks = _Decks(_config_values(options), base=base, config=config_file, auto=True)
    decks.pm.register(Reporter(_console()), name="cli-reporter")
    target = Path(deck_path)
    deck, pipeline = decks.open(Deck.from_bytes(read_bytes(target), target), target.parent)
    [selector] = parse_selectors([slide_ref], "SLIDE") or [None]
    slide = next((s for s in deck.slides if selector and selected([selector], s)), None)
    if slide is None:
        _fail(_no_slide(slide_ref, [deck]))
    plan, found = pipeline.explain(deck, slide)
    if as_json:
        data = {
            "path": deck.name, "slide": slide.index, "title": slide.title,
            "status": slide.status.value,
            "run_would": plan.action.value if plan.action else "ask",
            "reason": plan.reason, "key": found.key, "hit": found.hit,
            "provider": found.parts["provider"], "model": found.parts["model"],
            "cached": found.entry.meta.get("created") if found.entry else None,
            "changes": [{"part": c.part, "before": c.before, "after": c.after}
                        for c in found.changes],
        }  # fmt: skip
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{deck.name}: slide {slide.index}{_titled(slide)} is {slide.status.value}")
    if plan.action is not None:
        click.echo(f"a run would leave it: {plan.action.value} ({plan.reason})")
    click.echo(
        f"cache key {found.key[:16]}… ({found.parts['provider']}, model {found.parts['model']})"
    )
    if found.hit:
        when = found.entry.meta.get("created", "an earlier version") if found.entry else "?"
        click.echo(f"hit: answer cached {when}")
        return
    if found.entry is None:
        click.echo("miss: no answer was ever cached for this slide (or the cache was cleared)")
        return
    meta = found.entry.meta
    click.echo(
        f"miss: the closest cached answer (slide {meta.get('slide')}, {meta.get('created')}) "
        f"differs in {plural(len(found.changes), 'part')}:"
    )
    for change in found.changes:
        for line in describe(change):
            click.echo(f"  {line}")


COMMANDS: dict[str, click.Command] = {
    command.name: command
    for command in (run, watch, check, strip, inspect, config_command, models, plugins, cache)
    if command.name
}
"""The commands :mod:`mdslides_prompts.cli` offers, by name."""
