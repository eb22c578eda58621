"""The pipeline: detect → split → messages → cache or provider → inject → write.

This is the only module that calls hooks (always by keyword); everything else is
either a plugin or data. The CLI and library callers use :class:`Pipeline`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
import contextlib
from dataclasses import replace
import itertools
from pathlib import Path
import time
from typing import TYPE_CHECKING

import pluggy

from .art import ART_PENDING, ArtDirection, art_context, deck_theme, style_art
from .cache import PromptCache, cache_key, deck_location, entry_meta, key_parts
from .config import MODES, Settings
from .configfile import hide_config_block
from .controls import apply_controls, parse_selectors, selected
from .deck import Deck, Slide, SlidePicture, SlidePrompt, Status
from .detection import Detection, Evidence, Strength, decide
from .errors import (
    FormatNotFound,
    FormatUncertain,
    MdSlidesError,
    PluginError,
    ProviderError,
    UsageError,
)
from .explain import Explanation, explain
from .fileio import picture_found, read_bytes, write_report
from .formats.lines import code_free
from .kinds import slide_kind
from .marker import strippable
from .outcomes import Action, DeckReport, Destination, SlideOutcome, SlidePlan
from .placement import Placement
from .planning import plan_without_request, request_reason
from .plugins import get_plugin_manager
from .providers.answers import ends_with_art, token_budget, with_art
from .providers.base import (
    Message,
    PromptContext,
    PromptRequest,
    Provider,
    ProviderEvent,
    Usage,
    ask,
)
from .providers.pictures import ImageProvider
from .verify import layout, picture_refusal, refusal
from .visible import plain_text, visible_text

if TYPE_CHECKING:
    import asyncio

__all__ = ["Action", "DeckReport", "Destination", "Pipeline", "SlideOutcome", "SlidePlan"]


WARM_AFTER = 0.05
"""Seconds after the first request is sent that the CLIP tables start being built."""

RESTYLED = "new art direction"
"""Why a fresh prompt is made again: it does not end with the deck's art direction, which
changed (a new title, theme, colour, style or language), and other slides of the deck
get new prompts in this run."""


def _restyled(
    plans: Sequence[SlidePlan | None], has_art: Callable[[str], bool]
) -> tuple[list[SlidePlan | None], set[int]]:
    """*plans* where each fresh prompt kept as it is whose text fails *has_art* needs a
    new prompt (``None``), and the indices of those slides."""
    out: list[SlidePlan | None] = []
    changed: set[int] = set()
    for plan in plans:
        fresh = plan is not None and plan.action is Action.KEPT and plan.reason == "fresh"
        if fresh and plan is not None and not has_art(plan.slide.prompt or ""):
            out.append(None)
            changed.add(plan.slide.index)
        else:
            out.append(plan)
    return out, changed


def _art_error(error: str, action: Action) -> str:
    return error if action is Action.MISSED else f"the deck's art direction: {error}"


def _art_text(art: ArtDirection) -> str | None:
    return ART_PENDING if art.source == "pending" else art.text


def _art_cost(outcome: SlideOutcome, art: ArtDirection, first: bool) -> SlideOutcome:
    """*outcome* with what the deck's art direction cost, for the slide that asked for
    it (*first*); a failed art direction fails that slide, and the others were not sent."""
    if art.source == "failed":
        if not first or art.not_sent:
            return replace(outcome, not_sent=True)
        return replace(outcome, requests=art.requests, art_requests=art.requests, queued=art.waited)
    if not first or not art.requests:
        return outcome
    usage = outcome.usage
    if art.usage is not None:
        before = usage or Usage()
        usage = Usage(
            before.prompt_tokens + art.usage.prompt_tokens,
            before.completion_tokens + art.usage.completion_tokens,
        )
    return replace(
        outcome, requests=outcome.requests + art.requests, art_requests=art.requests,
        usage=usage, queued=outcome.queued + art.waited,
    )  # fmt: skip


def _warm_clip_soon() -> asyncio.Future[None]:
    """Build the CLIP tables every answer's count needs on a thread, once the run's first
    requests are on their way (a thread started with them would slow their sending down),
    while they are away rather than after the first is back; the caller cancels it (never
    waited for: an answer back sooner builds the tables itself)."""
    import asyncio

    from .clip import warm

    async def soon() -> None:
        await asyncio.sleep(WARM_AFTER)
        await asyncio.to_thread(warm)

    task = asyncio.ensure_future(soon())
    task.add_done_callback(lambda done: done.cancelled() or done.exception())
    return task


def _close(provider: Provider) -> None:
    # asyncio is imported where a loop is needed: a run with nothing to ask needs none.
    from . import aio

    aio.run(provider.aclose())


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
        if self.settings.cache_only and not self.settings.use_cache:
            raise UsageError("a run that only reads the cache (--cache-only) cannot turn it off")
        self._skip = parse_selectors(self.settings.skip, "skip")
        self._lock = parse_selectors(self.settings.lock, "lock")
        self._slides = (
            None
            if self.settings.slides is None
            else parse_selectors(self.settings.slides, "slides")
        )
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

    def names_by_plugin(self) -> dict[str, dict[str, list[str]]]:
        """The formats and providers each plugin names, by plugin name."""
        found: dict[str, dict[str, list[str]]] = {}
        for kind, hook in (
            ("formats", self._hook.mdslides_format_names),
            ("providers", self._hook.mdslides_provider_names),
        ):
            for impl in hook.get_hookimpls():
                names = impl.function()
                listed = sorted(map(str, names)) if isinstance(names, Iterable) else []
                found.setdefault(impl.plugin_name, {})[kind] = listed
        return found

    # --- reading -------------------------------------------------------------------------

    def load(self, path: Path) -> Deck:
        """Read, detect and split the deck at *path*."""
        return self.parse(Deck.from_bytes(read_bytes(path), path))

    def parse(self, deck: Deck) -> Deck:
        """Detect *deck*'s format (unless set), split it into slides and apply the skip and
        lock lists and flags (see :meth:`split` and :meth:`controls`)."""
        return self.controls(self.split(deck))

    def controls(self, deck: Deck) -> Deck:
        """*deck* (as :meth:`split` gives it) with the ``skip`` and ``lock`` settings and the
        markers' flags applied to its slides (see :mod:`mdslides_prompts.controls`), and
        the slides whose picture the author set skipped (unless ``include_illustrated``)."""
        return self._illustrated(apply_controls(deck, self._skip, self._lock))

    def _illustrated(self, deck: Deck) -> Deck:
        if self.settings.include_illustrated:
            return deck
        slides = []
        for slide in deck.slides:
            if slide.status not in (Status.SKIPPED, Status.LOCKED):
                place = self.placement(deck, slide)
                reason = place.skip_reason() if place is not None else None
                slide = replace(slide, skip_reason=reason) if reason else slide
            slides.append(slide)
        return replace(deck, slides=tuple(slides))

    def placement(self, deck: Deck, slide: Slide) -> Placement | None:
        """Where *slide*'s picture goes (the ``mdslides_placement`` hook), or ``None`` when
        no plugin says; a picture whose file is missing is a placeholder (not ``found``)."""
        place = self._hook.mdslides_placement(deck=deck, slide=slide, settings=self.settings)
        if not isinstance(place, Placement):
            return None
        if place.picture is not None and not picture_found(place.picture, deck.path):
            return replace(place, found=False)
        return place

    def split(self, deck: Deck) -> Deck:
        """Detect *deck*'s format (unless set) and split it into slides, the deck's own
        configuration left out of its slides' text.

        :raises FormatNotFound: no format has any sign in the deck
        :raises FormatUncertain: the signs do not name one format with confidence (and
            the formats they fit split the deck differently)
        """
        name = deck.format or self.settings.format
        if name is not None:
            return self._split_as(deck, name)
        return self._split_found(deck, self.detect(deck))

    def guess(self, deck: Deck) -> tuple[Deck, Detection | None]:
        """Like :meth:`split`, but a deck whose format is uncertain is split by the best
        guess (for reports, never for writing): the split deck, and the detection
        (``None`` when the format was given)."""
        if deck.format or self.settings.format:
            return self.split(deck), None
        found = self.detect(deck)
        try:
            return self._split_found(deck, found), found
        except FormatUncertain:
            return self._split_as(deck, found.format or ""), found

    def _split_found(self, deck: Deck, found: Detection) -> Deck:
        if found.format is None:
            raise FormatNotFound(
                "cannot tell which slide tool this deck is for; pass --format "
                f"({', '.join(self.format_names())})",
                deck.path,
            )
        if found.confident:
            return self._split_as(deck, found.format)
        # Strong signs for several formats that split the deck alike leave no doubt about
        # where its slides are; hints alone never decide.
        strong = found.deciding[0].strength > Strength.HINT
        alike = self._split_alike(deck, found.candidates) if strong else None
        if alike is None:
            raise FormatUncertain(
                f"not sure which slide tool this deck is for: {found.explain()}; "
                "nothing written: pass --format NAME or set format in the config file",
                deck.path,
            )
        return alike

    def _split_as(self, deck: Deck, name: str, alike: tuple[str, ...] = ()) -> Deck:
        split = self._hook.mdslides_split_deck(
            deck=replace(deck, format=name, slides=(), alike=alike), settings=self.settings
        )
        if not isinstance(split, Deck):
            raise FormatNotFound(f"no plugin can split {name!r} decks", deck.path)
        return hide_config_block(replace(split, alike=alike))

    def _split_alike(self, deck: Deck, names: Sequence[str]) -> Deck | None:
        """*deck* split as the first of *names*, if every one of them (two at least)
        splits it into the same slides; else ``None``."""
        if len(names) < 2:
            return None
        try:
            splits = [self._split_as(deck, name) for name in names]
        except MdSlidesError:
            return None
        shapes = {(s.front_matter, tuple(map(layout, s.slides))) for s in splits}
        if len(shapes) != 1:
            return None
        return replace(splits[0], alike=tuple(names[1:]))

    def detect(self, deck: Deck) -> Detection:
        """Weigh every plugin's signs of *deck*'s format (see :mod:`.detection`)."""
        signs = [
            sign
            for answer in self._hook.mdslides_format_evidence(deck=deck, settings=self.settings)
            for sign in (answer or ())
            if isinstance(sign, Evidence)
        ]
        named = self._hook.mdslides_detect_format(deck=deck, settings=self.settings)
        # The formats shared one code-free copy of the text; the split to come need not
        # carry it too.
        code_free.cache_clear()
        if isinstance(named, str):
            signs.append(Evidence((named,), Strength.DECLARED, f"a plugin recognises {named}"))
        return decide(signs)

    # --- writing -------------------------------------------------------------------------

    def inject(self, deck: Deck, prompts: Mapping[int, SlidePrompt]) -> str:
        """*deck*'s text with *prompts* written in, checked to leave every slide as it was;
        :class:`PluginError` if the format's output is refused."""
        if not prompts:
            return deck.text
        try:
            return self._inject_as(deck, prompts, self.settings.mode)
        except PluginError:
            if self.settings.mode != "frontmatter":
                raise
            # A block the front matter cannot take without changing the slides (one created
            # in front of a deck whose first line is a separator, say): comments instead.
            return self._inject_as(deck, prompts, "comment")

    def _inject_as(self, deck: Deck, prompts: Mapping[int, SlidePrompt], mode: str) -> str:
        text = self._hook.mdslides_inject_prompts(
            deck=deck, prompts=prompts, mode=mode, settings=self.settings
        )
        if not isinstance(text, str):
            raise PluginError(
                f"{deck.name}: no plugin can write prompts into {deck.format!r} decks "
                f"in {mode!r} mode"
            )
        if text != deck.text:  # rewriting fresh prompts as they are changes nothing
            self._verify(deck, text, prompts)
        return text

    def inject_each(
        self, deck: Deck, prompts: Mapping[int, SlidePrompt]
    ) -> tuple[str, dict[int, str]]:
        """Like :meth:`inject`, but a refused output costs only the slides it comes from:
        *deck*'s text with every prompt that can be written, and why each of the others
        could not be, by slide index."""
        refused: dict[int, str] = {}
        _, text = self._fit(deck, {}, deck.text, list(prompts.values()), refused)
        return text, refused

    def _fit(
        self,
        deck: Deck,
        accepted: dict[int, SlidePrompt],
        text: str,
        candidates: list[SlidePrompt],
        refused: dict[int, str],
    ) -> tuple[dict[int, SlidePrompt], str]:
        """Add to *accepted* (whose *text* passed) as many *candidates* as pass with them:
        all at once if they can, else each half in turn, down to single slides (so a few
        refused slides cost a few tries per halving, not one per slide)."""
        if not candidates:
            return accepted, text
        trial = {**accepted, **{p.index: p for p in candidates}}
        try:
            return trial, self.inject(deck, trial)
        except PluginError as exc:
            if len(candidates) == 1:
                refused[candidates[0].index] = str(exc).removeprefix(f"{deck.name}: ")
                return accepted, text
        half = len(candidates) // 2
        accepted, text = self._fit(deck, accepted, text, candidates[:half], refused)
        return self._fit(deck, accepted, text, candidates[half:], refused)

    def place_pictures(self, deck: Deck, pictures: Mapping[int, SlidePicture]) -> str:
        """*deck*'s text with *pictures* placed after their slides' markers, checked to
        leave every slide as it was and to show each picture where it was placed;
        :class:`PluginError` if the format places none or its output is refused."""
        if not pictures:
            return deck.text
        text = self._hook.mdslides_inject_pictures(
            deck=deck, pictures=pictures, settings=self.settings
        )
        if not isinstance(text, str):
            raise PluginError(f"{deck.name}: no plugin can place pictures in {deck.format} decks")
        if text != deck.text:
            for name in (deck.format, *deck.alike):
                after = self.parse(replace(deck, text=text, slides=(), format=name, alike=()))
                before = deck if name == deck.format else self.parse(replace(deck, format=name))
                problem = picture_refusal(before, after, pictures)
                if problem:
                    raise PluginError(
                        f"{deck.name}: {deck.format} plugin output refused: {problem}"
                    )
        return text

    def check_mode(self, deck: Deck) -> None:
        """Fail before any request if *deck*'s format cannot take the chosen mode."""
        probe = self._hook.mdslides_inject_prompts(
            deck=deck, prompts={}, mode=self.settings.mode, settings=self.settings
        )
        if probe is None:
            raise UsageError(
                f"{deck.name}: {deck.format} decks cannot take prompts in "
                f"{self.settings.mode!r} mode; try --mode comment"
            )

    def strip(self, deck: Deck) -> str:
        """*deck*'s text without our prompt markers, checked to leave every slide as it
        was: the author's flagged ones (``skip``, ``lock``) stay, as
        :func:`~mdslides_prompts.marker.strippable` says."""
        if not any(strippable(m) for slide in deck.slides for m in slide.markers):
            return deck.text
        text = self._hook.mdslides_strip_prompts(deck=deck, settings=self.settings)
        if not isinstance(text, str):
            raise PluginError(f"{deck.name}: no plugin can strip {deck.format!r} decks")
        self._verify(deck, text, {}, stripped=True)
        return text

    def _verify(
        self, deck: Deck, text: str, prompts: Mapping[int, SlidePrompt], *, stripped: bool = False
    ) -> None:
        """Re-split *text* (as every format in :attr:`Deck.alike` too) and refuse it
        unless the slides are the same, markers aside."""
        for name in deck.alike:
            self._verify(replace(deck, format=name, alike=()), text, prompts, stripped=stripped)
        after = self.parse(replace(deck, text=text, slides=(), format=deck.format, alike=()))
        problem = refusal(deck, after, prompts, stripped=stripped)
        if problem:
            raise PluginError(f"{deck.name}: {deck.format} plugin output refused: {problem}")

    def explain(self, deck: Deck, slide: Slide) -> tuple[SlidePlan, Explanation]:
        """What a run would do with *slide*, and whether the cache has its answer: if not,
        what differs from the answer cached last for it (see :mod:`mdslides_prompts.explain`)."""
        provider = self.open_provider()
        folder = self.settings.resolved_cache_dir()
        cache = PromptCache(folder) if PromptCache.exists(folder) else None  # creates none
        try:
            art = self._known_art(deck, provider, cache)
            plan = self.plan_slide(deck, slide, provider, art=art)
            request = plan.request or self.request(deck, slide, _art_text(art))
            key = cache_key(provider.name, provider.model, request)
            found = explain(
                key, key_parts(provider.name, provider.model, request),
                cache.entries() if cache is not None else (),
                deck=deck_location(deck), slide=slide.index, title=slide.title,
            )  # fmt: skip
            return plan, found
        finally:
            self._close_cache(cache)
            _close(provider)

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
        decided = [[self._decided(deck, slide, only) for slide in deck.slides] for deck in decks]
        if all(plan is not None for plans in decided for plan in plans):
            # Nothing to ask for: no event loop, provider or cache, so that a rerun whose
            # prompts are all fresh stays as light as reading the decks.
            reports = []
            for deck, plans in zip(decks, decided, strict=True):
                self.check_mode(deck)
                results = []
                for slide, plan in zip(deck.slides, plans, strict=True):
                    assert plan is not None
                    result = self._decided_outcome(plan)
                    self._hook.mdslides_on_slide_done(deck=deck, slide=slide, outcome=result[0])
                    results.append(result)
                reports.append(self._finish(deck, results, destination))
            return reports
        from . import aio  # an event loop only for a run with something to ask

        return aio.run(self._arun(decks, destination, decided, None, self._restyles(only)))

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
        decided = [[self._decided(deck, slide, only) for slide in deck.slides] for deck in decks]
        return await self._arun(decks, destination, decided, provider, self._restyles(only))

    def _restyles(self, only: Callable[[Deck, Slide], bool] | None) -> bool:
        # Slides chosen by the caller (only, --slides) are all a run touches; --force
        # remakes every prompt anyway.
        return only is None and self._slides is None and not self.settings.force

    async def _arun(
        self,
        decks: Sequence[Deck],
        destination: Destination | None,
        decided: Sequence[Sequence[SlidePlan | None]],
        provider: Provider | None,
        restyle: bool = True,
    ) -> list[DeckReport]:
        # Open the provider and the cache only if some slide needs a prompt: a rerun whose
        # prompts are all fresh needs neither (nor the time to import an HTTP client).
        needed = any(plan is None for plans in decided for plan in plans)
        owned = provider is None
        if provider is None and needed:
            provider = self.open_provider()
        use_cache = self.settings.use_cache and needed
        cache = PromptCache(self.settings.resolved_cache_dir()) if use_cache else None
        try:
            reports = []
            for deck, plans in zip(decks, decided, strict=True):
                results = await self._process(deck, provider, cache, plans, restyle)
                reports.append(self._finish(deck, results, destination))
            return reports
        finally:
            if owned and provider is not None:
                await provider.aclose()
            self._close_cache(cache)

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

    def image_provider_names(self) -> list[str]:
        """Names of every image provider the plugins offer."""
        return sorted({n for names in self._hook.mdslides_image_provider_names() for n in names})

    def image_provider_name(self) -> str:
        """The image provider the settings name: ``image_provider``, else the one named
        like the prompt provider, else ``offline``."""
        if self.settings.image_provider:
            return self.settings.image_provider
        names = self.image_provider_names()
        return self.settings.provider if self.settings.provider in names else "offline"

    def open_image_provider(self) -> ImageProvider:
        """Create the image provider :meth:`image_provider_name` names; the caller closes
        it (``aclose``)."""
        name = self.image_provider_name()
        provider = self._hook.mdslides_get_image_provider(
            name=name, settings=self.settings, notify=self._notify
        )
        if provider is None:
            raise UsageError(
                f"unknown image provider {name!r}; choose from "
                f"{', '.join(self.image_provider_names())}"
            )
        if not isinstance(provider, ImageProvider):
            raise PluginError(
                f"the plugin providing {name!r} returned {provider!r}, not an image provider"
            )
        return provider

    def _notify(self, event: ProviderEvent) -> None:
        self._hook.mdslides_on_provider_event(event=event)

    def _close_cache(self, cache: PromptCache | None) -> None:
        """Close *cache*, then report the rows it ignored, if any."""
        if cache is None:
            return
        cache.close()
        warning = cache.warning()
        if warning is not None:
            self._hook.mdslides_on_warning(message=warning)

    def messages(
        self, deck: Deck, slide: Slide, context: PromptContext | None = None
    ) -> list[Message]:
        """The chat messages for *slide* (from the ``mdslides_build_messages`` hook)."""
        messages = self._hook.mdslides_build_messages(
            deck=deck,
            slide=slide,
            settings=self.settings,
            context=context or self.context(deck, slide),
        )
        if not messages:
            raise PluginError(f"{deck.name}: no plugin built messages for slide {slide.index}")
        return list(messages)

    def request(
        self, deck: Deck, slide: Slide, art: str | None = None, *, base: PromptContext | None = None
    ) -> PromptRequest:
        """The full request for *slide*: messages, structured context and parameters
        (*art*: the deck's art direction; by default the one the settings give; *base*:
        the slide's :meth:`context` made before the art direction was known)."""
        if base is None:
            context = self.context(deck, slide, art)
        else:
            context = replace(base, art_direction=self._art_or_style(art))
        return PromptRequest(
            tuple(self.messages(deck, slide, context)), context, self.settings.params
        )

    def visible(self, deck: Deck, slide: Slide) -> str:
        """What the audience sees of *slide*, in Markdown (the ``mdslides_visible_text``
        hook, else the built-in rules)."""
        visible = self._hook.mdslides_visible_text(deck=deck, slide=slide, settings=self.settings)
        if not isinstance(visible, str):  # a plugin's mistake: the built-in rules answer
            visible = visible_text(slide.text, deck.format, slide.notes)
        return visible

    def context(self, deck: Deck, slide: Slide, art: str | None = None) -> PromptContext:
        """What *slide* is about, as the messages and providers take it (*art*: the
        deck's art direction; by default the one the settings give, the style, if any)."""
        art = self._art_or_style(art)
        before, after = deck.neighbour_titles(slide)
        visible = self.visible(deck, slide)
        shown = plain_text(visible, deck.format)
        # The deck's first slide, prompted or not (a cover the author illustrated is still
        # the opening: the next slide is no title slide).
        opening = deck.slides[0] if deck.slides else None
        return PromptContext(
            slide_text=slide.text,
            slide_title=slide.title,
            deck_title=deck.title,
            theme=deck_theme(deck),
            language=self.settings.language,
            style=self.settings.style,
            previous_title=before,
            next_title=after,
            visible_text=visible,
            audience_text=shown,
            kind=slide_kind(slide.title, shown, first=slide is opening),
            notes=slide.notes if self.settings.notes else (),
            placement=place.describe() if (place := self.placement(deck, slide)) else None,
            art_direction=art,
        )

    def _art_or_style(self, art: str | None) -> str | None:
        if art is None:
            decided = style_art(self.settings)
            art = decided.text if decided is not None else None
        return art

    # --- art direction -------------------------------------------------------------------

    def art_request(self, deck: Deck) -> PromptRequest:
        """The request that asks for *deck*'s art direction (see :mod:`.art`)."""
        context = art_context(deck, self.settings)
        messages = self._hook.mdslides_build_art_messages(
            deck=deck, settings=self.settings, context=context
        )
        if not messages:
            raise PluginError(f"{deck.name}: no plugin built messages for the art direction")
        return PromptRequest(tuple(messages), context, self.settings.params)

    def art_direction(self, deck: Deck) -> ArtDirection:
        """*deck*'s art direction as a run would start with it, without asking anything:
        off, the style setting, the cached answer, or ``pending`` (a run asks for it)."""
        decided = style_art(self.settings)
        if decided is not None:
            return decided
        provider = self.open_provider()
        folder = self.settings.resolved_cache_dir()
        cache = PromptCache(folder) if PromptCache.exists(folder) else None  # creates none
        try:
            return self._known_art(deck, provider, cache)
        finally:
            self._close_cache(cache)
            _close(provider)

    def _refresh_art(self) -> bool:
        # A whole deck regenerated on purpose gets a new art direction too; some of its
        # slides (--slides) keep the one the others have.
        return self.settings.force and self._slides is None

    def _known_art(
        self, deck: Deck, provider: Provider, cache: PromptCache | None, *, running: bool = False
    ) -> ArtDirection:
        """*deck*'s art direction from the settings or *cache*, else ``pending`` (or, for
        a run that only reads the cache, *running*, ``missing``; ``failed`` when its
        request cannot be built)."""
        decided = style_art(self.settings)
        if decided is not None:
            return decided
        try:
            key = cache_key(provider.name, provider.model, self.art_request(deck))
        except MdSlidesError as exc:
            return ArtDirection(None, "failed", error=str(exc))
        read = cache is not None and (not self._refresh_art() or self.settings.cache_only)
        text = cache.get(key) if cache is not None and read else None
        if text is not None:
            return ArtDirection(text, "cache", key)
        missing = running and self.settings.cache_only
        return ArtDirection(None, "missing" if missing else "pending", key)

    async def _ask_art(
        self,
        deck: Deck,
        provider: Provider,
        cache: PromptCache | None,
        limit: asyncio.Semaphore,
    ) -> ArtDirection:
        """*deck*'s art direction: known (:meth:`_known_art`), else asked of *provider*
        (and cached); never raises: a failure is an :class:`ArtDirection` that says why."""
        known = self._known_art(deck, provider, cache, running=True)
        if known.source != "pending":
            return known
        import asyncio

        # The first request of the run.
        warming = _warm_clip_soon()
        try:
            request = self.art_request(deck)
            async with limit:
                answer = await ask(provider, request)
            text = answer.text.strip() if isinstance(answer.text, str) else ""
            if not text:
                raise PluginError(f"provider {provider.name!r} returned no art direction")
            if cache is not None:
                meta = {**key_parts(provider.name, provider.model, request),
                        "deck": deck_location(deck), "title": deck.title}  # fmt: skip
                await asyncio.to_thread(cache.put, known.key or "", text, meta, answer.usage)
        except Exception as exc:  # a third-party provider's bug must not lose the run
            error = str(exc) if isinstance(exc, MdSlidesError) else f"{type(exc).__name__}: {exc}"
            unsent = isinstance(exc, ProviderError) and not exc.sent
            return ArtDirection(
                None, "failed", known.key, requests=getattr(exc, "attempts", 0),
                waited=exc.waited if isinstance(exc, ProviderError) else 0.0, error=error,
                not_sent=unsent,
            )  # fmt: skip
        finally:
            # Never waited for: an answer back sooner needs no head start (the count
            # builds the tables itself), and no slide request follows a failed one.
            warming.cancel()
        return ArtDirection(
            text, "provider", known.key, answer.requests, answer.usage, answer.waited
        )

    # --- planning ------------------------------------------------------------------------

    def plan_slide(
        self,
        deck: Deck,
        slide: Slide,
        provider: Provider,
        only: Callable[[Deck, Slide], bool] | None = None,
        art: ArtDirection | None = None,
    ) -> SlidePlan:
        """Decide what a run does with *slide*, building its request if it needs one.

        Skipped and locked slides are left alone; fresh and hand-edited prompts are kept
        unless regenerated on purpose (``force``; ``slides`` for fresh ones); unparsable
        markers fail unless ``force``; the rest need a prompt. Its request carries the
        deck's art direction *art* (by default, the one the settings give, else
        ``pending``); with a pending one the request shows :data:`~.art.ART_PENDING` in
        its place and has no cache key yet.
        """
        plan = self._decided(deck, slide, only)
        if plan is not None:
            return plan
        if art is None:
            art = style_art(self.settings) or ArtDirection(None, "pending")
        return self._request_plan(deck, slide, provider, art)

    def _decided(
        self, deck: Deck, slide: Slide, only: Callable[[Deck, Slide], bool] | None
    ) -> SlidePlan | None:
        """The plan for *slide* if it needs no prompt, else ``None`` (see
        :func:`~mdslides_prompts.planning.plan_without_request`)."""
        chosen = self._slides is None or selected(self._slides, slide) is not None
        if only is not None and not only(deck, slide):
            chosen = False
        return plan_without_request(
            slide, chosen=chosen, force=self.settings.force, on_purpose=self._slides is not None
        )

    def _request_plan(
        self,
        deck: Deck,
        slide: Slide,
        provider: Provider,
        art: ArtDirection,
        why: str | None = None,
        base: PromptContext | None = None,
    ) -> SlidePlan:
        """The plan for a *slide* that needs a prompt: its request and cache key (none
        while the art direction is pending), or its failure when the deck's art
        direction failed or is missing from the cache (*base*: see :meth:`request`)."""
        on_purpose = self.settings.force or self._slides is not None
        reason = why or request_reason(slide, force=self.settings.force)
        if art.source in ("failed", "missing"):
            error = art.error or "no cached answer for the deck's art direction (--cache-only)"
            action = Action.MISSED if art.source == "missing" else Action.FAILED
            return SlidePlan(slide, action, reason, error=_art_error(error, action))
        pending = art.source == "pending"
        try:
            request = self.request(deck, slide, ART_PENDING if pending else art.text, base=base)
        except MdSlidesError as exc:
            return SlidePlan(slide, Action.FAILED, reason, error=str(exc))
        key = None if pending else cache_key(provider.name, provider.model, request)
        return SlidePlan(slide, None, reason, request, key, refresh=on_purpose)

    def plan(
        self, decks: Sequence[Deck], *, only: Callable[[Deck, Slide], bool] | None = None
    ) -> list[list[SlidePlan]]:
        """What :meth:`run` would do with every slide of *decks*, without asking the provider
        or writing anything: one list of plans per deck, with whether the cache holds each
        request's answer (a dry run)."""
        provider = self.open_provider()
        folder = self.settings.resolved_cache_dir()
        # A dry run creates nothing, not even an empty cache.
        cache = (
            PromptCache(folder) if self.settings.use_cache and PromptCache.exists(folder) else None
        )
        try:
            plans = []
            for deck in decks:
                self.check_mode(deck)
                art = self._known_art(deck, provider, cache)
                found = [self.plan_slide(deck, s, provider, only, art) for s in deck.slides]
                found = self._restyle_plan(deck, found, provider, art, only)
                for n, plan in enumerate(found):
                    if plan.key is not None:
                        hit = cache is not None and not plan.refresh and cache.get(plan.key)
                        found[n] = replace(plan, cached=bool(hit))
                plans.append(found)
            return plans
        finally:
            _close(provider)
            self._close_cache(cache)

    def _restyle_plan(
        self,
        deck: Deck,
        plans: list[SlidePlan],
        provider: Provider,
        art: ArtDirection,
        only: Callable[[Deck, Slide], bool] | None,
    ) -> list[SlidePlan]:
        """*plans* as a run would remake them: when some slide needs a request, the fresh
        prompts that do not end with the deck's art direction too (every one of them
        while it is pending: they cannot end with an answer not given yet)."""
        if not self._restyles(only) or not any(p.action is None for p in plans):
            return plans
        text = art.text
        if art.source != "pending" and not text:
            return plans
        _, changed = _restyled(
            plans, lambda prompt: text is not None and ends_with_art(prompt, text)
        )
        return [
            self._request_plan(deck, p.slide, provider, art, RESTYLED)
            if p.slide.index in changed
            else p
            for p in plans
        ]

    # --- running -------------------------------------------------------------------------

    async def _process(
        self,
        deck: Deck,
        provider: Provider | None,
        cache: PromptCache | None,
        decided: Sequence[SlidePlan | None],
        restyle: bool = True,
    ) -> list[tuple[SlideOutcome, SlidePrompt | None]]:
        """Ask for the prompts of *deck*'s slides that need one (``None`` in *decided*);
        with *restyle*, also for its fresh prompts that do not end with the deck's art
        direction, when some slide needs a request (so a deck never mixes two)."""
        import asyncio

        self.check_mode(deck)
        limit = asyncio.Semaphore(max(1, self.settings.concurrency))
        # A few slides under way at a time, beyond those waiting on the provider: started
        # all at once, thousands of slides would each build their request before the first
        # one is done, a progress bar would sit at zero, then jump, and each would hold a
        # task of its own the whole run. So as many workers, each taking the next slide.
        width = max(16, 2 * self.settings.concurrency)

        # The deck's art direction is asked once, before the first slide's request; the
        # first slide that needs one bears its cost (and its failure).
        asked: list[asyncio.Future[ArtDirection]] = []

        async def art() -> ArtDirection:
            if not asked:
                assert provider is not None  # arun opens it when a slide needs a prompt
                asked.append(asyncio.ensure_future(self._ask_art(deck, provider, cache, limit)))
            return await asyncio.shield(asked[0])

        plans = list(decided)
        restyled: set[int] = set()
        # While the art request is away, the first slides to ask for get what their
        # requests need but the art direction (each in turn, letting the request go first).
        prepared: dict[int, PromptContext] = {}

        async def prepare() -> None:
            first = (s for s, p in zip(deck.slides, plans, strict=True) if p is None)
            for slide in itertools.islice(first, width):
                await asyncio.sleep(0)
                if asked and asked[0].done():
                    return
                with contextlib.suppress(MdSlidesError):
                    prepared[slide.index] = self.context(deck, slide, ART_PENDING)

        if restyle and any(plan is None for plan in plans):
            waiting = asyncio.ensure_future(art())
            await prepare()
            text = (await waiting).text
            if text:  # none when it failed (the slides that need it fail) or is off
                plans, restyled = _restyled(plans, lambda prompt: ends_with_art(prompt, text))
        owner = next(
            (slide.index for slide, plan in zip(deck.slides, plans, strict=True) if plan is None),
            None,
        )

        arrived = time.monotonic()  # every slide waits from here for its turn
        # With the art direction known without a request, the slides' are the run's first.
        first = bool(asked) and not asked[0].result().requests
        warming = _warm_clip_soon() if first and owner is not None else None

        async def one(
            slide: Slide, plan: SlidePlan | None
        ) -> tuple[SlideOutcome, SlidePrompt | None]:
            direction = None
            if plan is None:
                assert provider is not None
                direction = await art()
                why = RESTYLED if slide.index in restyled else None
                base = prepared.pop(slide.index, None)
                plan = self._request_plan(deck, slide, provider, direction, why, base)
            outcome, prompt = await self._slide(deck, plan, provider, cache, limit, arrived)
            if direction is not None:
                outcome = _art_cost(outcome, direction, slide.index == owner)
            self._hook.mdslides_on_slide_done(deck=deck, slide=slide, outcome=outcome)
            return outcome, prompt

        results: list[tuple[SlideOutcome, SlidePrompt | None] | None] = [None] * len(plans)
        todo = iter(enumerate(zip(deck.slides, plans, strict=True)))

        async def worker() -> None:
            for n, (slide, plan) in todo:  # one iterator shared: each slide taken once
                results[n] = await one(slide, plan)

        try:
            await asyncio.gather(*(worker() for _ in range(min(width, len(plans)))))
        finally:
            if warming is not None:
                warming.cancel()
        done = [result for result in results if result is not None]
        assert len(done) == len(plans)
        return done

    def _finish(
        self,
        deck: Deck,
        results: Sequence[tuple[SlideOutcome, SlidePrompt | None]],
        destination: Destination | None,
    ) -> DeckReport:
        """Write the prompts of *results* into *deck*, and the deck to its destination."""
        prompts = {p.index: p for _, p in results if p is not None}
        text, refused = self.inject_each(deck, prompts)
        # A fresh prompt whose rewrite is refused is still there as it was: kept.
        outcomes = tuple(
            replace(o, action=Action.FAILED, prompt=None, error=refused[o.index])
            if o.index in refused and o.action in (Action.GENERATED, Action.CACHED)
            else o
            for o, _ in results
        )
        report = DeckReport(deck=deck, text=text, outcomes=outcomes)
        if destination is not None:
            report = write_report(report, destination(deck))
        self._hook.mdslides_on_deck_done(report=report)
        return report

    @staticmethod
    def _decided_outcome(plan: SlidePlan) -> tuple[SlideOutcome, SlidePrompt | None]:
        """The outcome of a slide the run leaves as it is (kept, skipped, failed...)."""
        slide = plan.slide
        assert plan.action is not None
        prompt = slide.prompt if plan.action is Action.KEPT else None
        outcome = SlideOutcome(
            slide.index, slide.status, plan.action, prompt, plan.error, reason=plan.reason
        )
        return outcome, plan.keep

    async def _slide(
        self,
        deck: Deck,
        plan: SlidePlan,
        provider: Provider | None,
        cache: PromptCache | None,
        limit: asyncio.Semaphore,
        arrived: float,
    ) -> tuple[SlideOutcome, SlidePrompt | None]:
        slide = plan.slide
        status = slide.status
        if plan.action is not None:
            return self._decided_outcome(plan)
        assert plan.request is not None and plan.key is not None and provider is not None
        started = time.monotonic()
        requests, usage, queued = 0, None, 0.0
        try:
            read = cache is not None and (not plan.refresh or self.settings.cache_only)
            text = cache.get(plan.key) if cache is not None and read else None
            action = Action.CACHED
            if text is None and self.settings.cache_only:
                return SlideOutcome(
                    slide.index, status, Action.MISSED,
                    error="no cached answer for its request (--cache-only)",
                    seconds=time.monotonic() - started, key=plan.key, reason=plan.reason,
                ), None  # fmt: skip
            if text is None:
                async with limit:
                    started = time.monotonic()  # the request's time, not the wait for a slot
                    queued = started - arrived
                    answer = await ask(provider, plan.request)
                text, usage, requests = answer.text, answer.usage, answer.requests
                started += answer.waited  # nor its wait for the pacer
                queued += answer.waited
                action = Action.GENERATED
                if not isinstance(text, str) or not text.strip():
                    raise PluginError(f"provider {provider.name!r} returned no prompt")
                if cache is not None:
                    meta = entry_meta(deck, slide, provider.name, provider.model, plan.request)
                    # Off the event loop: a database write would hold back the requests
                    # that the other slides are about to send.
                    import asyncio

                    await asyncio.to_thread(cache.put, plan.key, text, meta, usage)
        except Exception as exc:  # a third-party provider's bug must not lose other slides
            error = str(exc) if isinstance(exc, MdSlidesError) else f"{type(exc).__name__}: {exc}"
            waited = exc.waited if isinstance(exc, ProviderError) else 0.0
            unsent = isinstance(exc, ProviderError) and not exc.sent
            return SlideOutcome(
                slide.index, status, Action.FAILED, error=error,
                seconds=max(0.0, time.monotonic() - started - waited),
                queued=queued + waited, requests=getattr(exc, "attempts", 0),
                key=plan.key, reason=plan.reason, not_sent=unsent,
            ), None  # fmt: skip
        art = plan.request.context.art_direction
        if art:
            text = with_art(text, art, token_budget(self.settings.params))
        prompt = SlidePrompt(slide.index, text, slide.content_hash, slide.flags)
        outcome = SlideOutcome(
            slide.index, status, action, text, seconds=time.monotonic() - started,
            queued=queued, requests=requests, usage=usage, key=plan.key, reason=plan.reason,
        )  # fmt: skip
        return outcome, prompt

    def strip_decks(
        self, decks: Iterable[Deck], destination: Destination | None = None
    ) -> list[DeckReport]:
        """Remove our prompt markers from *decks*; write each to ``destination(deck)``.

        A deck whose stripped text is refused is left as it is, with the reason in its
        report's :attr:`~DeckReport.error`; the other decks are still stripped."""
        reports = []
        for deck in decks:
            try:
                report = DeckReport(deck=deck, text=self.strip(deck), stripped=True)
            except PluginError as exc:
                report = DeckReport(deck=deck, text=deck.text, stripped=True, error=str(exc))
            else:
                if destination is not None:
                    report = write_report(report, destination(deck))
            self._hook.mdslides_on_deck_done(report=report)
            reports.append(report)
        return reports
