"""What a run reports: the data the pipeline hands to hooks, the CLI and the Python API.

Plain frozen dataclasses over :mod:`~mdslides_prompts.deck`'s, so that
:mod:`~mdslides_prompts.hookspecs` can name them without depending on the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import enum
from pathlib import Path
from typing import TYPE_CHECKING

from .deck import Deck

if TYPE_CHECKING:
    from .deck import Slide, SlidePrompt, Status
    from .providers.base import PromptRequest, Usage

__all__ = ["Action", "DeckReport", "Destination", "SlideOutcome", "SlidePlan"]


class Action(enum.StrEnum):
    """What a run did with one slide."""

    KEPT = "kept"
    """The slide's prompt was fresh or hand-edited and was left as it is."""
    CACHED = "cached"
    """A new prompt came from the cache."""
    GENERATED = "generated"
    """A new prompt came from the provider."""
    SKIPPED = "skipped"
    """The slide gets no prompt."""
    FAILED = "failed"
    """No prompt could be made; the slide was left as it was."""
    MISSED = "missed"
    """The run reads only the cache (``cache_only``) and it had no answer; the slide was
    left as it was."""


@dataclass(frozen=True, slots=True)
class SlideOutcome:
    """What happened to one slide during a run."""

    index: int
    """The slide's index."""
    status: Status
    """The slide's status before the run."""
    action: Action
    """What the run did."""
    prompt: str | None = None
    """The prompt the slide has after the run, if any."""
    error: str | None = None
    """Why the slide failed, when it did."""
    seconds: float = 0.0
    """Time spent getting the prompt from the cache or the provider, retries and their
    backoff included; not the time queued (:attr:`queued`)."""
    queued: float = 0.0
    """Time the slide waited for a concurrency slot (``--concurrency``) and for client-side
    pacing (``--rpm``) before its requests went out."""
    requests: int = 0
    """Requests sent to the provider for this slide, retries included (and those of the
    deck's art direction, :attr:`art_requests`, when this slide asked for it)."""
    art_requests: int = 0
    """Of :attr:`requests`, those that asked for the deck's art direction (retries
    included): the first slide of a deck that needs a request asks for it."""
    usage: Usage | None = None
    """Tokens the provider reported for the answer, if it did."""
    key: str | None = None
    """The cache key of the slide's request, when a request was built."""
    reason: str | None = None
    """Why the slide was kept or skipped (``fresh``, ``locked: lock list: 3``, ...)."""
    not_sent: bool = False
    """The slide failed without a request: the run had stopped sending before its turn
    (a server that cannot be reached, a wrong key or model)."""

    @property
    def retries(self) -> int:
        """Requests beyond the first, for the slide and for the art direction each."""
        own = self.requests - self.art_requests
        return max(0, own - 1) + max(0, self.art_requests - 1)


@dataclass(frozen=True, slots=True)
class SlidePlan:
    """What a run will do with one slide, decided before anything is asked."""

    slide: Slide
    """The slide."""
    action: Action | None
    """What happens without asking anyone (kept, skipped, failed); ``None`` when the slide
    needs a new prompt from the cache or the provider."""
    reason: str
    """Why, in a few words (``fresh``, ``hand-edited``, ``missing``, ``--force``, ...)."""
    request: PromptRequest | None = None
    """The request, when the slide needs a new prompt."""
    key: str | None = None
    """Its cache key."""
    refresh: bool = False
    """Regenerated on purpose (``--force``, ``--slides``): the cache is not read (unless
    the run reads nothing but the cache)."""
    keep: SlidePrompt | None = None
    """A fresh prompt written back as it is (a no-op unless the marker form changes)."""
    cached: bool | None = None
    """Whether the cache holds an answer for :attr:`key` (``None``: not looked up)."""
    error: str | None = None
    """Why the slide fails before any request, if it does."""


@dataclass(frozen=True, slots=True)
class DeckReport:
    """The result of running over one deck."""

    deck: Deck
    """The deck as it was read and split."""
    text: str
    """The deck's new text (without BOM); equal to ``deck.text`` when nothing changed."""
    outcomes: tuple[SlideOutcome, ...] = ()
    """One outcome per slide, in slide order."""
    destination: Path | None = None
    """Where the text was written, or ``None`` if it was not written to a file."""
    written: bool = False
    """Whether a file was actually (re)written."""
    error: str | None = None
    """Why the deck could not be written (e.g. it was edited meanwhile), if it was not."""
    stripped: bool = False
    """Whether this report comes from removing prompts rather than adding them."""

    @property
    def changed(self) -> bool:
        """Whether the new text differs from the deck's."""
        return self.text != self.deck.text

    @property
    def failed(self) -> tuple[SlideOutcome, ...]:
        """Outcomes of the slides that failed."""
        return tuple(o for o in self.outcomes if o.action is Action.FAILED)

    @property
    def missed(self) -> tuple[SlideOutcome, ...]:
        """Outcomes of the slides the cache had no answer for (``cache_only`` runs)."""
        return tuple(o for o in self.outcomes if o.action is Action.MISSED)

    def count(self, action: Action) -> int:
        """How many slides had *action*."""
        return sum(1 for o in self.outcomes if o.action is action)


Destination = Callable[[Deck], Path | None]
"""Maps a deck to the file its new text goes to (``None``: do not write a file)."""
