"""What the commands print about a run: the reporters (plugins that turn pipeline events
into lines on stderr, for ``run`` and for ``watch``) and the summary and failure lines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
import contextlib
from pathlib import Path
import time
from typing import TYPE_CHECKING

from ..hookspecs import hookimpl
from ..marker import strippable
from ..outcomes import Action
from ..wording import plural
from .common import warn

if TYPE_CHECKING:
    from rich.console import Console

    from ..deck import Deck, Slide
    from ..outcomes import DeckReport, SlideOutcome
    from ..providers.base import ProviderEvent
    from ..watch import DeckRun, PicturesPlaced, WatchEvent

__all__ = ["Reporter", "WatchReporter", "titled"]

_SUMMARY_ORDER = ("generated", "cached", "kept", "skipped", "failed", "missed")
"""Values of :class:`~mdslides_prompts.outcomes.Action`, in the order summaries count them."""


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
            warn(message, self.console)

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
            line = f"{deck.name}: slide {slide.index}{titled(slide)} {_slide_detail(outcome)}"
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


def titled(slide: Slide) -> str:
    return f" {slide.title!r}" if slide.title else ""


def _slide_detail(outcome: SlideOutcome) -> str:
    """``generated in 1.24 s (1 request; 412 prompt + 38 completion tokens)``, ``kept (fresh)``."""
    action = outcome.action
    if action not in (Action.CACHED, Action.GENERATED):
        return f"{action.value} ({outcome.reason})" if outcome.reason else action.value
    facts = []
    if action is Action.GENERATED:
        own = outcome.requests - outcome.art_requests
        art = f" + {outcome.art_requests} for the art direction" if outcome.art_requests else ""
        facts.append(plural(own, "request") + art)
    if outcome.usage is not None:
        facts.append(
            f"{outcome.usage.prompt_tokens} prompt + {outcome.usage.completion_tokens} "
            "completion tokens"
        )
    if outcome.queued >= 0.05:  # the wait for a slot or the pacer is not the request's time
        facts.insert(0, f"queued {outcome.queued:.2f} s")
    extra = f" ({'; '.join(facts)})" if facts else ""
    return f"{action.value} in {outcome.seconds:.2f} s{extra}"


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
        # Imports watchdog and the formats: not for --help.
        from ..watch import DeckFailed, DeckGone, DeckRun, DeckSkipped, PicturesPlaced, Watching

        if isinstance(event, DeckRun):
            self._run_line(event)
        elif isinstance(event, PicturesPlaced):
            self._pictures_line(event)
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

    def _pictures_line(self, event: PicturesPlaced) -> None:
        from .images import picture_lines

        lines = picture_lines(event.result, dry_run=False, verbose=self.verbose)
        lines[-1] += f" ({event.seconds:.2f} s)"
        for line in lines:
            if not self.quiet or ": error: " in line:
                self._line(f"{_clock()} {line}")

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
