"""What a run does with a slide, decided from the slide alone, before any request.

Pure decisions over a :class:`~mdslides_prompts.deck.Slide`'s status: the
:class:`~mdslides_prompts.pipeline.Pipeline` calls them, then builds a request only for
the slides they leave undecided.
"""

from __future__ import annotations

from .controls import MARKER_SKIP
from .deck import Slide, SlidePrompt, Status
from .outcomes import Action, SlidePlan

__all__ = ["plan_without_request", "request_reason"]


def plan_without_request(
    slide: Slide, *, chosen: bool = True, force: bool = False, on_purpose: bool = False
) -> SlidePlan | None:
    """The plan for *slide* when it needs no new prompt, else ``None``.

    Skipped and locked slides are left alone; so are slides the run does not choose
    (*chosen*: the ``slides`` setting, a caller's filter), a fresh prompt being written
    back as it is; hand-edited prompts are kept unless *force*; fresh ones unless
    regenerated on purpose (*force*, or *on_purpose*: the ``slides`` setting);
    unparsable markers fail unless *force*.
    """
    status = slide.status
    current = slide.prompt
    if status is Status.SKIPPED:
        return SlidePlan(slide, Action.SKIPPED, slide.skip_reason or MARKER_SKIP)
    if status is Status.LOCKED:
        return SlidePlan(slide, Action.KEPT, f"locked ({slide.lock_reason or 'lock flag'})")
    if not chosen:
        keep = SlidePrompt(slide.index, current, slide.content_hash, slide.flags) if (
            status is Status.FRESH and current is not None
        ) else None  # fmt: skip
        return SlidePlan(slide, Action.KEPT, "not selected", keep=keep)
    if status is Status.EDITED and not force:
        return SlidePlan(slide, Action.KEPT, "hand-edited (--force replaces it)")
    if status is Status.FRESH and not (force or on_purpose):
        keep = SlidePrompt(slide.index, current or "", slide.content_hash, slide.flags)
        return SlidePlan(slide, Action.KEPT, "fresh", keep=keep)
    if status is Status.UNPARSABLE and not force:
        error = f"{slide.problem}; fix or delete it, or rerun with --force"
        return SlidePlan(slide, Action.FAILED, "unparsable", error=error)
    return None


def request_reason(slide: Slide, *, force: bool = False) -> str:
    """Why a slide :func:`plan_without_request` left undecided needs a new prompt:
    its status (``missing``, ``stale``), or what asked for it again."""
    if slide.status in (Status.FRESH, Status.EDITED, Status.UNPARSABLE):
        return "--force" if force else "--slides"
    return slide.status.value
