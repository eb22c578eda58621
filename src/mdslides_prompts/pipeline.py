"""The pipeline: detect → split → messages → cache or provider → inject → write.

This is the only module that calls hooks (always by keyword); everything else is
either a plugin or data. The CLI and library callers use :class:`Pipeline`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
import enum
from pathlib import Path

import pluggy

from .cache import PromptCache, cache_key
from .config import MODES, Settings
from .deck import Deck, Slide, SlidePrompt, Status
from .errors import DeckError, FormatNotFound, MdSlidesError, PluginError, UsageError
from .fileio import read_bytes, write_atomic
from .messages import deck_title, neighbour_titles
from .plugins import get_plugin_manager
from .providers.base import Message, PromptContext, PromptRequest, Provider, ProviderEvent

__all__ = ["Action", "DeckReport", "Pipeline", "SlideOutcome"]


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

    def count(self, action: Action) -> int:
        """How many slides had *action*."""
        return sum(1 for o in self.outcomes if o.action is action)


Destination = Callable[[Deck], Path | None]
"""Maps a deck to the file its new text goes to (``None``: do not write a file)."""


class Pipeline:
    """Runs decks through the hooks with one set of :class:`Settings`.

    :param settings: the run's settings
    :param pm: a plugin manager (default: :func:`get_plugin_manager`)
    """

    def __init__(self, settings: Settings | None = None, pm: pluggy.PluginManager | None = None):
        self.settings = settings or Settings()
        self.pm = pm if pm is not None else get_plugin_manager()
        self._hook = self.pm.hook
        if self.settings.mode not in MODES:
            raise UsageError(f"unknown mode {self.settings.mode!r}; choose from {', '.join(MODES)}")
        if self.settings.format is not None and self.settings.format not in self.format_names():
            raise UsageError(
                f"unknown format {self.settings.format!r}; "
                f"choose from {', '.join(self.format_names())}"
            )

    # --- names ---------------------------------------------------------------------------

    def format_names(self) -> list[str]:
        """Every format the loaded plugins handle, sorted."""
        return sorted({n for names in self._hook.mdslides_format_names() for n in names})

    def provider_names(self) -> list[str]:
        """Every provider the loaded plugins offer, sorted."""
        return sorted({n for names in self._hook.mdslides_provider_names() for n in names})

    # --- reading -------------------------------------------------------------------------

    def load(self, path: Path) -> Deck:
        """Read, detect and split the deck at *path*."""
        return self.parse(Deck.from_bytes(read_bytes(path), path))

    def parse(self, deck: Deck) -> Deck:
        """Detect *deck*'s format (unless set) and split it into slides."""
        name = deck.format or self.settings.format or self.detect(deck)
        if name is None:
            raise FormatNotFound(
                "cannot tell which slide tool this deck is for; pass --format "
                f"({', '.join(self.format_names())})",
                deck.path,
            )
        split = self._hook.mdslides_split_deck(
            deck=replace(deck, format=name, slides=()), settings=self.settings
        )
        if not isinstance(split, Deck):
            raise FormatNotFound(f"no plugin can split {name!r} decks", deck.path)
        return split

    def detect(self, deck: Deck) -> str | None:
        """The format the plugins recognise in *deck*, or ``None``."""
        result = self._hook.mdslides_detect_format(deck=deck, settings=self.settings)
        return result if isinstance(result, str) else None

    # --- writing -------------------------------------------------------------------------

    def inject(self, deck: Deck, prompts: Mapping[int, SlidePrompt]) -> str:
        """*deck*'s text with *prompts* written in, checked to leave every slide as it was."""
        if not prompts:
            return deck.text
        text = self._hook.mdslides_inject_prompts(
            deck=deck, prompts=prompts, mode=self.settings.mode
        )
        if not isinstance(text, str):
            raise PluginError(
                f"{deck.name}: no plugin can write prompts into {deck.format!r} decks "
                f"in {self.settings.mode!r} mode"
            )
        if text != deck.text:  # rewriting fresh prompts as they are changes nothing
            self._verify(deck, text, prompts)
        return text

    def check_mode(self, deck: Deck) -> None:
        """Fail before any request if *deck*'s format cannot take the chosen mode."""
        probe = self._hook.mdslides_inject_prompts(deck=deck, prompts={}, mode=self.settings.mode)
        if probe is None:
            raise UsageError(
                f"{deck.name}: {deck.format} decks cannot take prompts in "
                f"{self.settings.mode!r} mode; try --mode comment"
            )

    def strip(self, deck: Deck) -> str:
        """*deck*'s text without any prompt marker, checked to leave every slide as it was."""
        if not any(slide.markers for slide in deck.slides):
            return deck.text
        text = self._hook.mdslides_strip_prompts(deck=deck)
        if not isinstance(text, str):
            raise PluginError(f"{deck.name}: no plugin can strip {deck.format!r} decks")
        self._verify(deck, text, {}, stripped=True)
        return text

    def _verify(
        self, deck: Deck, text: str, prompts: Mapping[int, SlidePrompt], *, stripped: bool = False
    ) -> None:
        """Re-split *text* and refuse it unless the slides are the same, markers aside."""
        after = self.parse(replace(deck, text=text, slides=(), format=deck.format))
        before_slides = [(s.text, s.skip_reason) for s in deck.slides]
        after_slides = [(s.text, s.skip_reason) for s in after.slides]
        problem = None
        if before_slides != after_slides:
            problem = "it would change the deck's slides"
        else:
            for slide in after.slides:
                marker = slide.marker
                want = prompts.get(slide.index)
                if stripped and slide.markers:
                    problem = f"slide {slide.index} still has a marker"
                elif want is not None and (
                    marker is None
                    or len(slide.markers) != 1
                    or getattr(marker, "prompt", None) != want.text
                ):
                    problem = f"slide {slide.index} does not read back its prompt"
                if problem:
                    break
        if problem:
            raise PluginError(f"{deck.name}: {deck.format} plugin output refused: {problem}")

    # --- running -------------------------------------------------------------------------

    def run(
        self,
        decks: Sequence[Deck],
        destination: Destination | None = None,
        *,
        only: Callable[[Deck, Slide], bool] | None = None,
    ) -> list[DeckReport]:
        """Give every slide of *decks* a prompt; write each deck to ``destination(deck)``.

        Slides that fail keep their previous state; the others are written. Decks must
        already be split (see :meth:`load`).

        :param decks: split decks
        :param destination: where each deck's new text goes (``None``: nowhere)
        :param only: if given, only slides for which it returns true get new prompts
        """
        return asyncio.run(self.arun(decks, destination, only=only))

    async def arun(
        self,
        decks: Sequence[Deck],
        destination: Destination | None = None,
        *,
        only: Callable[[Deck, Slide], bool] | None = None,
        provider: Provider | None = None,
    ) -> list[DeckReport]:
        """The coroutine behind :meth:`run`, for callers that already run an event loop.

        :param provider: a provider from :meth:`open_provider` to use and leave open (so
            several runs share one HTTP client and pacer); by default the run opens its
            own and closes it at the end
        """
        owned = provider is None
        if provider is None:
            provider = self.open_provider()
        cache = PromptCache(self.settings.resolved_cache_dir()) if self.settings.use_cache else None
        try:
            reports = []
            for deck in decks:
                report = await self._process(deck, provider, cache, only)
                if destination is not None:
                    report = self._write(report, destination(deck))
                self._hook.mdslides_on_deck_done(report=report)
                reports.append(report)
            return reports
        finally:
            if owned:
                await provider.aclose()
            if cache is not None:
                cache.close()

    def open_provider(self) -> Provider:
        """Create the provider the settings name; the caller closes it (``aclose``)."""
        name = self.settings.provider
        provider = self._hook.mdslides_get_provider(
            name=name, settings=self.settings, notify=self._notify
        )
        if provider is None:
            raise UsageError(
                f"unknown provider {name!r}; choose from {', '.join(self.provider_names())}"
            )
        if not isinstance(provider, Provider):
            raise PluginError(
                f"the plugin providing {name!r} returned {provider!r}, not a provider"
            )
        return provider

    def _notify(self, event: ProviderEvent) -> None:
        self._hook.mdslides_on_provider_event(event=event)

    def messages(self, deck: Deck, slide: Slide) -> list[Message]:
        """The chat messages for *slide* (from the ``mdslides_build_messages`` hook)."""
        messages = self._hook.mdslides_build_messages(
            deck=deck, slide=slide, settings=self.settings
        )
        if not messages:
            raise PluginError(f"{deck.name}: no plugin built messages for slide {slide.index}")
        return list(messages)

    def request(self, deck: Deck, slide: Slide) -> PromptRequest:
        """The full request for *slide*: messages, structured context and parameters."""
        theme = deck.meta.get("theme")
        before, after = neighbour_titles(deck, slide)
        context = PromptContext(
            slide_text=slide.text,
            slide_title=slide.title,
            deck_title=deck_title(deck),
            theme=theme if isinstance(theme, str) else None,
            language=self.settings.language,
            style=self.settings.style,
            previous_title=before,
            next_title=after,
        )
        return PromptRequest(tuple(self.messages(deck, slide)), context, self.settings.params)

    async def _process(
        self,
        deck: Deck,
        provider: Provider,
        cache: PromptCache | None,
        only: Callable[[Deck, Slide], bool] | None,
    ) -> DeckReport:
        self.check_mode(deck)
        limit = asyncio.Semaphore(max(1, self.settings.concurrency))

        async def one(slide: Slide) -> tuple[SlideOutcome, SlidePrompt | None]:
            outcome, prompt = await self._slide(deck, slide, provider, cache, limit, only)
            self._hook.mdslides_on_slide_done(deck=deck, slide=slide, outcome=outcome)
            return outcome, prompt

        results = await asyncio.gather(*(one(slide) for slide in deck.slides))
        prompts = {p.index: p for _, p in results if p is not None}
        text = self.inject(deck, prompts)
        return DeckReport(deck=deck, text=text, outcomes=tuple(o for o, _ in results))

    async def _slide(
        self,
        deck: Deck,
        slide: Slide,
        provider: Provider,
        cache: PromptCache | None,
        limit: asyncio.Semaphore,
        only: Callable[[Deck, Slide], bool] | None,
    ) -> tuple[SlideOutcome, SlidePrompt | None]:
        status = slide.status
        current = getattr(slide.marker, "prompt", None)
        if status is Status.SKIPPED:
            return SlideOutcome(slide.index, status, Action.SKIPPED), None
        wanted = only is None or only(deck, slide)
        if not wanted or (status in (Status.FRESH, Status.EDITED) and not self.settings.force):
            # A fresh prompt is written again as it is: a no-op, unless the mode changed
            # the marker's form. Hand-edited prompts are never touched.
            keep = None
            if status is Status.FRESH and current is not None:
                keep = SlidePrompt(slide.index, current, slide.content_hash)
            return SlideOutcome(slide.index, status, Action.KEPT, current), keep
        if status is Status.UNPARSABLE and not self.settings.force:
            error = f"{slide.problem}; fix or delete it, or rerun with --force"
            return SlideOutcome(slide.index, status, Action.FAILED, error=error), None
        try:
            request = self.request(deck, slide)
            key = cache_key(provider.name, provider.model, request)
            text = cache.get(key) if cache is not None else None
            action = Action.CACHED
            if text is None:
                async with limit:
                    text = await provider.generate(request)
                action = Action.GENERATED
                if not isinstance(text, str) or not text.strip():
                    raise PluginError(f"provider {provider.name!r} returned no prompt")
                if cache is not None:
                    cache.put(key, text)
        except MdSlidesError as exc:
            return SlideOutcome(slide.index, status, Action.FAILED, error=str(exc)), None
        except Exception as exc:  # a third-party provider's bug must not lose other slides
            error = f"{type(exc).__name__}: {exc}"
            return SlideOutcome(slide.index, status, Action.FAILED, error=error), None
        prompt = SlidePrompt(slide.index, text, slide.content_hash)
        return SlideOutcome(slide.index, status, action, text), prompt

    def _write(self, report: DeckReport, path: Path | None) -> DeckReport:
        if path is None:
            return report
        deck = report.deck
        data = deck.to_bytes(report.text)
        in_place = deck.path is not None and path.resolve() == deck.path.resolve()
        if in_place and not report.changed:
            return replace(report, destination=path)
        expected = deck.to_bytes() if in_place else None
        try:
            written = write_atomic(path, data, expected=expected)
        except DeckError as exc:
            return replace(report, destination=path, error=str(exc))
        return replace(report, destination=path, written=written)

    def strip_decks(
        self, decks: Iterable[Deck], destination: Destination | None = None
    ) -> list[DeckReport]:
        """Remove every prompt marker from *decks*; write each to ``destination(deck)``."""
        reports = []
        for deck in decks:
            report = DeckReport(deck=deck, text=self.strip(deck), stripped=True)
            if destination is not None:
                report = self._write(report, destination(deck))
            self._hook.mdslides_on_deck_done(report=report)
            reports.append(report)
        return reports
