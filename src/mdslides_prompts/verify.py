"""Checks that a format plugin's output leaves the deck's slides as they were.

Every text a plugin writes (prompts in, prompts out) is split again and compared with
the deck it came from, slide by slide, markers aside; the pipeline refuses the text on
any difference.
"""

from __future__ import annotations

from collections.abc import Mapping

from .deck import Deck, Slide, SlidePicture, SlidePrompt
from .marker import PromptMarker, strippable

__all__ = ["layout", "picture_refusal", "refusal"]


def layout(slide: Slide) -> tuple[object, ...]:
    """What two splits of a deck must share to be the same: where each slide is, what it
    says, and whether and where it takes a prompt."""
    return (
        slide.start_line,
        slide.end_line,
        slide.text,
        slide.title,
        slide.notes,
        slide.skip_reason,
        slide.anchor_line,
        slide.markers,
    )


def refusal(
    before: Deck, after: Deck, prompts: Mapping[int, SlidePrompt], *, stripped: bool = False
) -> str | None:
    """Why the text split as *after* must not replace *before*, or ``None`` if it may:
    every slide the same, markers aside; each slide of *prompts* reading back its prompt
    in one marker; with *stripped*, no marker of ours left."""

    # The author's flagged markers stay as they are, but on the slides given a prompt
    # (a forced run replaces a slide's several markers by one).
    def shape(slide: Slide) -> tuple[object, ...]:
        flagged = [
            (m.flags, m.prompt)
            for m in slide.markers
            if isinstance(m, PromptMarker) and not strippable(m)
        ]
        kept = [] if slide.index in prompts else flagged
        return slide.text, slide.skip_reason, kept, None if stripped else _shown(slide)

    if [shape(s) for s in before.slides] != [shape(s) for s in after.slides]:
        return "it would change the deck's slides"
    for slide in after.slides:
        want = prompts.get(slide.index)
        if stripped and any(strippable(m) for m in slide.markers):
            return f"slide {slide.index} still has a marker"
        if want is not None and (len(slide.markers) != 1 or slide.prompt != want.text):
            return f"slide {slide.index} does not read back its prompt"
    return None


def _shown(slide: Slide) -> tuple[str, str] | None:
    return (slide.picture.path, slide.picture.slot) if slide.picture else None


def picture_refusal(before: Deck, after: Deck, pictures: Mapping[int, SlidePicture]) -> str | None:
    """Why the text split as *after* must not replace *before* once *pictures* are
    placed, or ``None`` if it may: every slide the same, its markers too; each slide of
    *pictures* showing its picture in its slot, the others the pictures they had."""

    def shape(slide: Slide) -> tuple[object, ...]:
        return (
            slide.text,
            slide.skip_reason,
            slide.markers
            and [(m.flags, m.prompt) for m in slide.markers if isinstance(m, PromptMarker)],
        )

    if [shape(s) for s in before.slides] != [shape(s) for s in after.slides]:
        return "it would change the deck's slides"
    for old, new in zip(before.slides, after.slides, strict=True):
        want = pictures.get(new.index)
        wanted = (want.path, want.slot) if want is not None else _shown(old)
        if _shown(new) != wanted:
            return f"slide {new.index} does not show its picture"
    return None
