"""Per-slide control: which slides get no prompt, whose prompt is locked, which to redo.

Slides are chosen by *selectors*, the same in every list (``skip``, ``lock`` in the
configuration, ``--slides`` on the command line):

``3``
    the slide numbered 3 (1-based, as ``inspect`` numbers them)
``5-7``
    slides 5, 6 and 7
``Questions?``
    every slide whose title is exactly this text (case and surrounding blanks ignored);
    a title made only of digits cannot be chosen this way, use its number

A marker can carry the author's own flags too (see :mod:`mdslides_prompts.marker`):
``<!-- image-prompt skip -->`` and ``<!-- image-prompt lock src=… sum=… | … -->``.
This module turns lists and flags into each slide's :attr:`~Slide.skip_reason` and
:attr:`~Slide.lock_reason`, which :attr:`~Slide.status` reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
import re

from .deck import Deck, Slide
from .errors import UsageError
from .marker import PromptMarker

__all__ = [
    "MARKER_LOCK",
    "MARKER_SKIP",
    "Selector",
    "apply_controls",
    "parse_selectors",
    "selected",
]

MARKER_SKIP = "skip flag in its marker"
"""The skip reason of a slide whose marker has the ``skip`` flag."""
MARKER_LOCK = "lock flag in its marker"
"""The lock reason of a slide whose marker has the ``lock`` flag."""

_NUMBERS = re.compile(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?")


@dataclass(frozen=True, slots=True)
class Selector:
    """One entry of a slide list: a number, a range of numbers, or a title."""

    text: str
    """The entry as written (``"3"``, ``"5-7"``, ``"Questions?"``)."""
    first: int = 0
    """First slide number of a number or range (0 for a title)."""
    last: int = 0
    """Last slide number of a number or range (0 for a title)."""

    def matches(self, slide: Slide) -> bool:
        """Whether *slide* is one this entry chooses."""
        if self.first:
            return self.first <= slide.index <= self.last
        title = (slide.title or "").strip().casefold()
        return bool(title) and title == self.text.strip().casefold()


def parse_selectors(items: str | Iterable[object], where: str) -> tuple[Selector, ...]:
    """Read a slide list: a comma-separated string (``"3,5-7"``) or a sequence of numbers
    and strings; raise :class:`UsageError` naming *where* for anything else."""
    if isinstance(items, str):
        entries: list[object] = [part for part in items.split(",") if part.strip()]
    elif isinstance(items, Iterable):
        entries = list(items)
    else:
        raise UsageError(f"{where}: must be a list of slide numbers, ranges or titles")
    selectors = []
    for entry in entries:
        if isinstance(entry, bool) or not isinstance(entry, int | str):
            raise UsageError(
                f"{where}: {entry!r} is not a slide number, a range such as 5-7, or a title"
            )
        text = str(entry).strip()
        match = _NUMBERS.fullmatch(text)
        if match is None:
            if not text:
                raise UsageError(f"{where}: an entry is empty")
            selectors.append(Selector(text))
            continue
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if first < 1 or last < first:
            raise UsageError(f"{where}: {text!r} is not a slide number or range (from 1 up)")
        selectors.append(Selector(text, first, last))
    return tuple(selectors)


def selected(selectors: Sequence[Selector], slide: Slide) -> Selector | None:
    """The first of *selectors* that chooses *slide*, or ``None``."""
    return next((s for s in selectors if s.matches(slide)), None)


def apply_controls(deck: Deck, skip: Sequence[Selector], lock: Sequence[Selector]) -> Deck:
    """*deck* with each slide's skip and lock reasons set from the marker flags and the
    *skip* and *lock* lists (a reason the format gave is kept)."""
    slides = []
    for slide in deck.slides:
        skip_reason, lock_reason = slide.skip_reason, slide.lock_reason
        if skip_reason is None:
            if any(isinstance(m, PromptMarker) and m.skip for m in slide.markers):
                skip_reason = MARKER_SKIP
            elif (chosen := selected(skip, slide)) is not None:
                skip_reason = f"skip list: {chosen.text}"
        marker = slide.marker
        if lock_reason is None and skip_reason is None:
            if isinstance(marker, PromptMarker) and marker.locked and len(slide.markers) == 1:
                lock_reason = MARKER_LOCK
            elif (chosen := selected(lock, slide)) is not None:
                lock_reason = f"lock list: {chosen.text}"
        if (skip_reason, lock_reason) != (slide.skip_reason, slide.lock_reason):
            slide = replace(slide, skip_reason=skip_reason, lock_reason=lock_reason)
        slides.append(slide)
    return replace(deck, slides=tuple(slides))
