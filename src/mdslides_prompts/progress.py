"""What the command line shows while and after a run: a progress bar and the totals.

Part of the CLI adapter (the library never prints): :class:`ProgressBar` is a plugin
that follows the pipeline's events and draws a rich progress bar on an interactive
terminal; :class:`RunTotals` adds up the reports for the end-of-run summary and the
JSON report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from .deck import Deck, Slide
from .hookspecs import hookimpl
from .pipeline import Action, DeckReport, SlideOutcome
from .providers.base import ProviderEvent
from .wording import plain, plural

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console
    from rich.progress import Progress, TaskID

__all__ = [
    "PROGRESS_THRESHOLD",
    "ProgressBar",
    "ReadingSpinner",
    "RunTotals",
    "outcome_json",
    "slides_of",
]

PROGRESS_THRESHOLD = 5
"""A run over more slides than this gets a progress bar (on an interactive terminal)."""


class _Shown:
    """A rich display shown while the ``with`` block runs."""

    _progress: Progress

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._finish()
        self._progress.stop()

    def _finish(self) -> None:
        """Last update before the display stops."""


class ReadingSpinner(_Shown):
    """A spinner with the deck being read and split, shown before the bar (which needs the
    slides counted): splitting a deck of thousands of slides takes seconds. It goes away
    once the decks are read. Use it as a context manager; call it with each file read.

    :param console: where to draw (the CLI's stderr console)
    """

    def __init__(self, console: Console) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.files = 0
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task: TaskID = self._progress.add_task("reading", total=None)

    def __call__(self, path: Path) -> None:
        """Show that *path* is being read (and split)."""
        self.files += 1
        count = f" (file {self.files})" if self.files > 1 else ""
        self._progress.update(self._task, description=f"reading {plain(path.name)}{count}")
        self._progress.refresh()


class ProgressBar(_Shown):
    """Plugin that draws one bar for a run: slides done out of all, with how many came
    from the cache, were generated or failed, and the provider's current waits and
    retries; then, once a deck's slides are all done, that the deck is being written.
    Use it as a context manager around the run.

    :param console: where to draw (the CLI's stderr console)
    :param total: how many slides the run goes through
    """

    def __init__(self, console: Console, total: int) -> None:
        # Here, not at the top: the totals below serve quiet runs, which need no rich.
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.counts = dict.fromkeys(Action, 0)
        self.done: Counter[int] = Counter()
        """Slides done so far, by ``id`` of their deck."""
        self.retries = 0
        self.waiting = ""
        self._wait_until = 0.0
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._task: TaskID = self._progress.add_task("slides", total=total, counts="")

    def _finish(self) -> None:
        self.waiting = ""
        self._refresh()

    def _refresh(self, advance: int = 0) -> None:
        parts = [
            f"{self.counts[action]} {action.value}"
            for action in (Action.CACHED, Action.GENERATED, Action.FAILED, Action.MISSED)
            if self.counts[action] or action in (Action.CACHED, Action.GENERATED)
        ]
        if self.retries:
            parts.append(f"{self.retries} retried")
        if self.waiting and time.monotonic() < self._wait_until:
            parts.append(plain(self.waiting))
        self._progress.update(self._task, advance=advance, counts=" · ".join(parts))

    @hookimpl
    def mdslides_on_slide_done(self, deck: Deck, slide: Slide, outcome: SlideOutcome) -> None:
        """Count the slide and move the bar; after a deck's last slide, say that it is
        being written (putting the prompts in and checking them takes a while)."""
        self.counts[outcome.action] += 1
        self.done[id(deck)] += 1
        name = plain(deck.path.name) if deck.path else "stdin"
        last = self.done[id(deck)] == len(deck.slides)
        self._progress.update(self._task, description=f"writing {name}" if last else name)
        self._refresh(advance=1)
        if last:
            self._progress.refresh()

    @hookimpl
    def mdslides_on_deck_done(self, report: DeckReport) -> None:
        """Name the deck again, now written (or left alone)."""
        deck = report.deck
        self._progress.update(
            self._task, description=plain(deck.path.name) if deck.path else "stdin"
        )

    @hookimpl
    def mdslides_on_provider_event(self, event: ProviderEvent) -> None:
        """Show the wait in progress (a rate limit, pacing, a retry's backoff)."""
        if event.kind == "retry":
            self.retries += 1
            self.waiting = f"retrying in {event.delay:.1f} s ({event.reason})"
            # Shown while the wait lasts (at least a moment, to be seen).
            self._wait_until = time.monotonic() + max(event.delay, 0.5)
        elif event.kind == "wait":
            self.waiting = f"waited {event.delay:.1f} s ({event.reason or 'pacing'})"
            self._wait_until = time.monotonic() + 2.0
        self._refresh()


@dataclass(frozen=True, slots=True)
class RunTotals:
    """What a run did, added up over its decks."""

    decks: int
    """Decks processed."""
    slides: int
    """Slides in them."""
    actions: dict[str, int]
    """Slides by :class:`~mdslides_prompts.pipeline.Action` value."""
    requests: int
    """Requests sent to the provider, retries included."""
    art_requests: int
    """Of :attr:`requests`, those that asked for a deck's art direction."""
    retries: int
    """Requests beyond each slide's first."""
    prompt_tokens: int
    """Tokens sent, as the provider counted them."""
    completion_tokens: int
    """Tokens received."""
    seconds: float
    """Wall-clock time of the run."""

    @classmethod
    def of(cls, reports: Iterable[DeckReport], seconds: float) -> RunTotals:
        """Add up *reports*."""
        reports = list(reports)
        outcomes = [o for r in reports for o in r.outcomes]
        return cls(
            decks=len(reports),
            slides=len(outcomes),
            actions={a.value: sum(1 for o in outcomes if o.action is a) for a in Action},
            requests=sum(o.requests for o in outcomes),
            art_requests=sum(o.art_requests for o in outcomes),
            retries=sum(o.retries for o in outcomes),
            prompt_tokens=sum(o.usage.prompt_tokens for o in outcomes if o.usage),
            completion_tokens=sum(o.usage.completion_tokens for o in outcomes if o.usage),
            seconds=seconds,
        )

    def line(self) -> str:
        """One line for people, e.g. ``20 slides in 1 deck: 15 kept, 5 generated; ...``."""
        done = ", ".join(f"{n} {name}" for name, n in self.actions.items() if n) or "nothing"
        notes = [f"{self.art_requests} for art direction"] if self.art_requests else []
        notes += [f"{self.retries} retried"] if self.retries else []
        retries = f" ({', '.join(notes)})" if notes else ""
        tokens = (
            f"{self.prompt_tokens:,} prompt + {self.completion_tokens:,} completion tokens"
            if self.prompt_tokens or self.completion_tokens
            else "no tokens reported"
        )
        hits = self.actions["cached"]
        return (
            f"{plural(self.slides, 'slide')} in {plural(self.decks, 'deck')}: {done}; "
            f"{plural(hits, 'cache hit')}, {plural(self.requests, 'request')}{retries}, {tokens}; "
            f"{self.seconds:.1f} s"
        )

    def as_json(self) -> dict[str, Any]:
        """The totals as JSON-ready data."""
        return {
            "decks": self.decks,
            "slides": self.slides,
            **self.actions,
            "cache_hits": self.actions["cached"],
            "requests": self.requests,
            "art_requests": self.art_requests,
            "retries": self.retries,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "seconds": round(self.seconds, 3),
        }


def outcome_json(outcome: SlideOutcome, slide: Slide | None) -> dict[str, Any]:
    """One slide of the ``run --json`` report."""
    source = {Action.CACHED: "cache", Action.GENERATED: "provider"}.get(outcome.action)
    return {
        "index": outcome.index,
        "title": slide.title if slide else None,
        "status": outcome.status.value,
        "action": outcome.action.value,
        "source": source,
        "prompt": outcome.prompt,
        "reason": outcome.reason,
        "error": outcome.error,
        "requests": outcome.requests,
        "art_requests": outcome.art_requests,
        "retries": outcome.retries,
        "tokens": (
            {"prompt": outcome.usage.prompt_tokens, "completion": outcome.usage.completion_tokens}
            if outcome.usage
            else None
        ),
        "seconds": round(outcome.seconds, 3),
        "queued": round(outcome.queued, 3),
        "not_sent": outcome.not_sent,
        "cache_key": outcome.key,
    }


def slides_of(report: DeckReport) -> Sequence[Slide | None]:
    """The report's slides in outcome order (``None`` where the deck has no such slide)."""
    by_index = {s.index: s for s in report.deck.slides}
    return [by_index.get(o.index) for o in report.outcomes]
