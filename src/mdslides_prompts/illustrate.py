"""From prompt to picture: each slide's picture made, stored and placed (issue 18).

A slide gets a picture when its prompt is there and current (fresh, edited by hand or
locked), its format can place one and the author did not set one already. The picture
is asked for with the slide's prompt at a size that fits where it goes (see
:func:`picture_size`), named by its request in the deck's image store (so the same
request is never sent twice), and placed by the format plugin as its generator shows a
picture (``mdslides_inject_pictures``: after the marker, on the slide's heading, in its
front matter). A picture placed for an earlier prompt stays until asked (``refresh``):
a picture costs far more than a prompt.

:class:`Illustrator` plans and runs it over decks; the CLI's ``images`` command and
``run --images`` are thin adapters over it. :func:`build_sheet` gathers a deck's contact
sheet (see :mod:`~mdslides_prompts.sheet`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
import enum
import io
import math
from pathlib import Path, PurePosixPath
import time
from typing import TYPE_CHECKING

from .config import Settings
from .deck import Deck, Slide, SlidePicture, Status
from .errors import MdSlidesError, PluginError, ProviderError, UsageError
from .fileio import write_atomic, write_text
from .imagestore import ImageStore
from .kinds import slide_kind
from .marker import PromptMarker
from .placement import Placement, Slot
from .providers.pictures import SIZES, ImageProvider, ImageRequest
from .sheet import Card, Sheet, render_sheet
from .visible import plain_text

if TYPE_CHECKING:
    from .pipeline import Pipeline

__all__ = [
    "THUMBNAIL",
    "DeckPictures",
    "Illustrator",
    "PictureAction",
    "PictureOutcome",
    "build_sheet",
    "check_budget",
    "choose_slot",
    "picture_size",
    "sheet_path",
    "spend",
    "to_ask",
    "write_sheet",
]


class PictureAction(enum.StrEnum):
    """What happened to one slide's picture."""

    MADE = "made"
    """Asked for, stored and placed."""
    STORED = "stored"
    """Found in the image store (made before for the same request) and placed."""
    KEPT = "kept"
    """Placed already, for the slide's prompt as it is."""
    OUTDATED = "outdated"
    """Placed for an earlier prompt, kept (``refresh`` replaces it)."""
    WAITING = "waiting"
    """No current prompt to draw from: the slide's prompt is missing or stale."""
    SKIPPED = "skipped"
    """The slide gets no picture (see the reason)."""
    FAILED = "failed"
    """The picture could not be made, stored or placed (see the error)."""


@dataclass(frozen=True, slots=True)
class PictureOutcome:
    """What happened to one slide's picture, or what would (a dry run)."""

    index: int
    """The slide's index."""
    action: PictureAction
    """What happened."""
    reason: str | None = None
    """Why, for the slides left as they are."""
    path: str | None = None
    """The picture's path relative to the deck, when it has one."""
    request: ImageRequest | None = None
    """The request the picture comes from (or would)."""
    slot: str | None = None
    """Where the picture is placed."""
    share: float = 1.0
    """The part of the slide's width a ``left`` or ``right`` picture takes."""
    requests: int = 0
    """Requests sent, retries included."""
    seconds: float = 0.0
    """Time its requests took."""
    error: str | None = None
    """Why it failed."""
    not_sent: bool = False
    """Whether a failure came before any request for it was sent."""


@dataclass(frozen=True, slots=True)
class DeckPictures:
    """One deck's pictures: the outcome of each slide, the deck's new text and where it
    went."""

    deck: Deck
    """The deck as read and split."""
    text: str
    """The new text (equal to ``deck.text`` when nothing was placed)."""
    outcomes: tuple[PictureOutcome, ...] = ()
    """One outcome per slide, in slide order."""
    destination: Path | None = None
    """Where the text was written."""
    written: bool = False
    """Whether a file was (re)written."""
    error: str | None = None
    """Why the deck was not written, if it was not."""

    def count(self, action: PictureAction) -> int:
        """How many slides had *action*."""
        return sum(1 for o in self.outcomes if o.action is action)

    @property
    def failed(self) -> tuple[PictureOutcome, ...]:
        """The outcomes that failed."""
        return tuple(o for o in self.outcomes if o.action is PictureAction.FAILED)


_WIDE_KINDS = frozenset({"title", "section", "closing", "questions"})
"""Kinds of slide (see :mod:`~mdslides_prompts.kinds`) whose picture ``auto`` puts
behind the whole slide: a cover, a heading alone, a last word."""


def choose_slot(
    place: Placement, slide: Slide, setting: str, kind: str | None = None
) -> tuple[Slot, float] | str:
    """Where *slide*'s picture goes, with the part of the slide's width it takes, given
    the format's *place* for it, the ``placement`` *setting* and the slide's *kind*; or
    why it gets none."""
    if setting == "none":
        return "placement is none"
    if not place.offers:
        if place.why_none:
            return place.why_none
        if place.slot is Slot.NONE:
            return "its format shows no pictures"
        return "its format places no pictures yet"
    if place.illustrated:
        return "the author set its picture"
    if place.picture is not None:  # a second picture would share the slot with it
        return f"the author's placeholder {place.picture} holds its place"
    if setting != "auto":
        wanted = Slot(setting)
    elif place.slot in place.offers:
        wanted = place.slot  # the slot the author laid out, a placeholder in it
    else:
        body = slide.text.replace(f"# {slide.title}", "", 1) if slide.title else slide.text
        text = any(c.isalnum() for c in body) and kind not in _WIDE_KINDS
        wanted = Slot.RIGHT if text else Slot.BACKGROUND
    if wanted not in place.offers:
        wanted = place.offers[0]
    share = place.share if wanted is place.slot and place.share < 1 else place.panel
    return (wanted, share if wanted in (Slot.LEFT, Slot.RIGHT) else 1.0)


def picture_size(place: Placement, slot: Slot, share: float) -> str:
    """The size (one of :data:`~.providers.pictures.SIZES`) whose shape is nearest the
    picture's area: full-bleed wide, half a slide square, a narrow panel tall."""
    area = replace(place, slot=slot, share=share).area

    def distance(size: str) -> float:
        width, height = (int(n) for n in size.split("x"))
        return abs(math.log(area) - math.log(width / height))

    return min(SIZES, key=distance)


class Illustrator:
    """Gives the slides of decks their pictures through *pipeline* (the deck's settings,
    format plugins and art direction) and an image provider.

    :param pipeline: the pipeline the decks were split with
    :param provider: the image provider (its ``name`` is part of each picture's key);
        ``None`` to plan only, against the pictures of any provider the plugins offer
    :param refresh: replace pictures placed for an earlier prompt
    """

    def __init__(
        self, pipeline: Pipeline, provider: ImageProvider | None, *, refresh: bool = False
    ):
        self.pipeline = pipeline
        self.provider = provider
        self.refresh = refresh
        self.names = (provider.name,) if provider else tuple(pipeline.image_provider_names())
        """The providers whose pictures count as made for a request (the first names a
        new one)."""

    def store(self, deck: Deck) -> ImageStore:
        """The image store of *deck* (next to it; the working folder for standard input)."""
        return ImageStore.beside(_deck_file(deck), self.pipeline.settings.images_folder)

    def plan(self, deck: Deck) -> list[PictureOutcome]:
        """What a run would do with each slide of *deck*: ``made`` stands for a picture to
        ask for, ``stored`` for one the store has; nothing is asked or written."""
        art = self._art(deck)
        store = self.store(deck)
        return [self._plan_slide(deck, slide, store, art) for slide in deck.slides]

    def _art(self, deck: Deck) -> str | None:
        if not self.pipeline.settings.art_direction:
            return None
        try:
            return self.pipeline.art_direction(deck).text
        except MdSlidesError:  # the prompt provider cannot be reached: no palette hint
            return None

    def _plan_slide(
        self, deck: Deck, slide: Slide, store: ImageStore, art: str | None
    ) -> PictureOutcome:
        status = slide.status
        if status is Status.SKIPPED:
            why = slide.skip_reason or "its marker says skip"
            return PictureOutcome(slide.index, PictureAction.SKIPPED, why)
        if status in (Status.MISSING, Status.STALE):
            why = "no prompt yet" if status is Status.MISSING else "its prompt is stale"
            return PictureOutcome(slide.index, PictureAction.WAITING, f"{why}: run first")
        marker = slide.marker
        if status is Status.UNPARSABLE or not isinstance(marker, PromptMarker):
            return PictureOutcome(slide.index, PictureAction.SKIPPED, slide.problem)
        if not slide.start_line <= marker.line <= slide.end_line:
            return PictureOutcome(
                slide.index, PictureAction.SKIPPED,
                "its prompt is in the deck's front matter: a picture goes in the slide, by "
                "its marker (--mode comment)",
            )  # fmt: skip
        place = self.pipeline.placement(deck, slide) or Placement()
        if marker.placement == "none":
            return PictureOutcome(slide.index, PictureAction.SKIPPED, "its marker says no-picture")
        setting = marker.placement or self.pipeline.settings.placement  # the author's flag wins
        audience = plain_text(self.pipeline.visible(deck, slide), deck.format)
        kind = slide_kind(slide.title, audience, first=slide is deck.slides[0])
        chosen = choose_slot(place, slide, setting, kind)
        if isinstance(chosen, str):
            return PictureOutcome(slide.index, PictureAction.SKIPPED, chosen)
        slot, share = chosen
        request = ImageRequest(
            prompt=marker.prompt, model=self.pipeline.settings.image_model,
            size=picture_size(place, slot, share), style=self.pipeline.settings.image_style,
            art_direction=art,
        )  # fmt: skip
        keys = [request.key(name) for name in self.names]
        found = next((p for p in map(store.find, keys) if p is not None), None)
        path = store.relative(found, _deck_file(deck)) if found else None
        shown = slide.picture
        base = PictureOutcome(
            slide.index, PictureAction.MADE, request=request, slot=slot.value, share=share
        )
        if shown is not None and any(_named(shown.path, key) for key in keys):
            if found is not None:
                return replace(base, action=PictureAction.KEPT, path=shown.path)
            return replace(base, reason="its picture file is missing")
        if shown is not None and (not self.refresh or marker.locked):
            why = "locked" if marker.locked else "--refresh replaces it"
            return replace(
                base, action=PictureAction.OUTDATED, path=shown.path,
                reason=f"placed for an earlier prompt; {why}",
            )  # fmt: skip
        if path is not None:
            return replace(base, action=PictureAction.STORED, path=path)
        return base

    async def arun(
        self, decks: Sequence[Deck], destination: Callable[[Deck], Path | None] | None
    ) -> list[DeckPictures]:
        """Make, store and place the pictures of *decks*; write each deck to
        ``destination(deck)`` (``None``: nowhere). Slides that fail keep what they had.

        :raises UsageError: the run would ask for more pictures than ``max_images``
            (nothing is asked for then)
        """
        provider = self.provider
        if provider is None:
            raise UsageError("no image provider: this illustrator only plans")
        plans = [await asyncio.to_thread(self.plan, deck) for deck in decks]
        check_budget(sum(map(to_ask, plans)), self.pipeline.settings)
        limit = asyncio.Semaphore(self.pipeline.settings.concurrency)
        jobs = [
            self._deck(d, p, provider, destination, limit)
            for d, p in zip(decks, plans, strict=True)
        ]
        return list(await asyncio.gather(*jobs))

    async def _deck(
        self,
        deck: Deck,
        plans: list[PictureOutcome],
        provider: ImageProvider,
        destination: Callable[[Deck], Path | None] | None,
        limit: asyncio.Semaphore,
    ) -> DeckPictures:
        store = self.store(deck)
        outcomes = list(
            await asyncio.gather(*(self._make(provider, store, deck, p, limit) for p in plans))
        )
        pictures = {
            o.index: SlidePicture(o.index, o.path, o.slot or "background", o.share)
            for o in outcomes
            if o.path is not None and o.action in (PictureAction.MADE, PictureAction.STORED)
        }
        text, outcomes = self._place(deck, pictures, outcomes)
        report = DeckPictures(deck, text, tuple(outcomes))
        path = destination(deck) if destination is not None else None
        if path is None:
            return report
        written, error = write_text(deck, text, path)
        return replace(report, destination=path, written=written, error=error)

    async def _make(
        self,
        provider: ImageProvider,
        store: ImageStore,
        deck: Deck,
        plan: PictureOutcome,
        limit: asyncio.Semaphore,
    ) -> PictureOutcome:
        if plan.action is not PictureAction.MADE or plan.request is None:
            return plan
        request = plan.request
        started = time.monotonic()
        try:
            async with limit:
                started = time.monotonic()
                picture = await provider.generate_image(request)
            stored = await asyncio.to_thread(store.put, request.key(self.names[0]), picture)
        except Exception as exc:  # a third-party provider's bug must not lose other slides
            error = str(exc) if isinstance(exc, MdSlidesError) else f"{type(exc).__name__}: {exc}"
            return replace(
                plan, action=PictureAction.FAILED, error=error,
                requests=getattr(exc, "attempts", 0),
                not_sent=isinstance(exc, ProviderError) and not exc.sent,
                seconds=time.monotonic() - started,
            )  # fmt: skip
        path = store.relative(stored.path, _deck_file(deck))
        return replace(
            plan, path=path, requests=picture.requests,
            seconds=max(0.0, time.monotonic() - started - picture.waited),
        )  # fmt: skip

    def _place(
        self, deck: Deck, pictures: dict[int, SlidePicture], outcomes: list[PictureOutcome]
    ) -> tuple[str, list[PictureOutcome]]:
        """Place *pictures* all at once, or one by one when the format refuses that, so
        that a slide whose picture cannot be placed fails alone."""
        try:
            return self.pipeline.place_pictures(deck, pictures), outcomes
        except PluginError:
            pass
        text = deck.text
        placed: dict[int, SlidePicture] = {}
        refused: dict[int, str] = {}
        for index, picture in pictures.items():
            try:
                text = self.pipeline.place_pictures(deck, {**placed, index: picture})
                placed[index] = picture
            except PluginError as exc:
                refused[index] = str(exc).removeprefix(f"{deck.name}: ")
        return text, [
            replace(o, action=PictureAction.FAILED, error=refused[o.index])
            if o.index in refused
            else o
            for o in outcomes
        ]


def to_ask(outcomes: Sequence[PictureOutcome]) -> int:
    """How many of *outcomes* are pictures to ask the provider for."""
    return sum(1 for o in outcomes if o.action is PictureAction.MADE)


def spend(count: int, settings: Settings) -> str | None:
    """What *count* pictures cost at the ``image_price`` setting (``None`` when unset)."""
    if settings.image_price is None:
        return None
    return f"{count} x {settings.image_price:g} = {count * settings.image_price:.2f}"


def check_budget(count: int, settings: Settings) -> None:
    """Refuse a run that would ask for more than ``max_images`` pictures."""
    if settings.max_images and count > settings.max_images:
        cost = spend(count, settings)
        raise UsageError(
            f"{count} pictures to ask for, more than max-images ({settings.max_images})"
            f"{f'; estimated spend {cost}' if cost else ''}: check with --dry-run, then "
            "raise --max-images"
        )


def _deck_file(deck: Deck) -> Path:
    return deck.path if deck.path is not None else Path.cwd() / "deck.md"


def _named(path: str, key: str) -> bool:
    """Whether the picture at *path* is the one stored for *key* (named by its start)."""
    stem = PurePosixPath(path).stem
    return bool(stem) and key.startswith(stem)


# --- the contact sheet ------------------------------------------------------------------------

THUMBNAIL = 360
"""The width, in pixels, of the pictures on a contact sheet."""
_PICTURE_BYTES = 64 * 1024 * 1024
"""The largest picture file a sheet reads (a 1792x1024 PNG is a few MB)."""


def build_sheet(
    pipeline: Pipeline, deck: Deck, outcomes: Sequence[PictureOutcome] | None = None
) -> Sheet:
    """*deck*'s contact sheet (see :mod:`~mdslides_prompts.sheet`): each slide with its
    prompt, status and the picture placed in it, as a thumbnail; *outcomes* (a run's,
    else a plan's) say why a slide has no picture."""
    if outcomes is None:
        outcomes = Illustrator(pipeline, None).plan(deck)
    why = {o.index: o.error or o.reason for o in outcomes}
    try:
        art = pipeline.art_direction(deck).text
    except MdSlidesError:  # the prompt provider cannot be set up: the sheet goes on
        art = None
    folder = _deck_file(deck).parent
    cards = []
    for slide in deck.slides:
        picture, media, problem = None, None, None
        if slide.picture is not None:
            picture, media, problem = _thumbnail(folder / slide.picture.path)
        place = pipeline.placement(deck, slide)
        where = f"picture: {slide.picture.slot}" if slide.picture else (
            place.where if place is not None else None
        )  # fmt: skip
        cards.append(
            Card(
                index=slide.index, title=slide.title,
                text=_below_title(plain_text(pipeline.visible(deck, slide), deck.format), slide),
                prompt=slide.prompt, status=slide.status.value,
                note=problem or slide.problem or why.get(slide.index) or slide.skip_reason,
                placement=where, picture=picture, media_type=media,
            )
        )  # fmt: skip
    placeholder = pipeline.image_provider_name() == "offline"
    return Sheet(deck.name, deck.format, art, tuple(cards), placeholder)


def sheet_path(deck: Path) -> Path:
    """Where the contact sheet of the deck at *deck* goes: ``talk.md`` → ``talk.sheet.html``."""
    return deck.with_name(f"{deck.stem}.sheet.html")


def write_sheet(pipeline: Pipeline, result: DeckPictures) -> Path:
    """Write the contact sheet of *result*'s deck, as *result* left its text, beside the
    deck (see :func:`sheet_path`); where it went.

    :raises MdSlidesError: the deck cannot be split again, or the page cannot be written
    """
    deck = result.deck
    now = pipeline.parse(replace(deck, text=result.text, slides=()))
    path = sheet_path(_deck_file(deck))
    write_atomic(path, render_sheet(build_sheet(pipeline, now, result.outcomes)).encode("utf-8"))
    return path


def _below_title(text: str, slide: Slide) -> str:
    """*text* without the slide's title in front (the card shows it already)."""
    title = slide.title
    return text[len(title) :].strip() if title and text.startswith(title) else text


def _thumbnail(path: Path) -> tuple[bytes | None, str | None, str | None]:
    """The picture at *path* made small for a sheet: its bytes and type, or why not."""
    try:
        if not path.is_file() or path.stat().st_size > _PICTURE_BYTES:
            return None, None, f"picture not found: {path.name}"
        data = path.read_bytes()
    except OSError as exc:
        return None, None, f"picture unreadable: {exc.strerror or exc}"
    from PIL import Image, UnidentifiedImageError  # only for a sheet

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail((THUMBNAIL, THUMBNAIL * 4))
            small = io.BytesIO()
            image.convert("RGB").save(small, "JPEG", quality=82)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        return None, None, f"picture unreadable: {exc}"
    return small.getvalue(), "image/jpeg", None
