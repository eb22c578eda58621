"""Render split decks and injections as text, for the fixture files of every format."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from mdslides_prompts import Deck, Pipeline, SlidePrompt, Status


def render_split(pipeline: Pipeline, source: str) -> str:
    """One line per slide: index, line range, status, title, notes and anchor."""
    deck = pipeline.parse(Deck.from_text(source))
    out = []
    if deck.front_matter:
        out.append(f"front matter {deck.front_matter.start}-{deck.front_matter.end}")
    for s in deck.slides:
        parts = [f"{s.index}: {s.start_line}-{s.end_line} {s.status.value}"]
        if s.skip_reason:
            parts.append(f"({s.skip_reason})")
        if s.title:
            parts.append(f"title={s.title!r}")
        if s.notes:
            parts.append(f"notes={list(s.notes)!r}")
        parts.append(f"anchor={s.anchor_line}")
        out.append(" ".join(parts))
    return "\n".join(out) + "\n"


def all_prompts(
    deck: Deck, text: Callable[[int], str] = "prompt for slide {}".format, *, force: bool = True
) -> dict[int, SlidePrompt]:
    """A prompt, ``text(index)``, for every slide of *deck* that a forced run gives one
    (not skipped, not locked); without *force*, none for a slide whose markers cannot
    be read either (several markers, say), as a plain run leaves it."""
    return {
        s.index: SlidePrompt(s.index, text(s.index), s.content_hash)
        for s in deck.slides
        if s.skip_reason is None
        and s.lock_reason is None
        and (force or s.status is not Status.UNPARSABLE)
    }


def inject_all(pipeline: Pipeline, source: str) -> str:
    """Inject 'prompt for slide N' into every slide that needs one."""
    deck = pipeline.parse(Deck.from_text(source))
    return pipeline.inject(deck, all_prompts(deck))


def separators(
    separator: str | None = None,
    vertical_separator: str | None = None,
    notes_separator: str | None = None,
) -> Mapping[str, str]:
    """The reveal.js family's separator keys as :attr:`Settings.extra` holds them."""
    given = {
        "separator": separator,
        "vertical-separator": vertical_separator,
        "notes-separator": notes_separator,
    }
    return MappingProxyType({name: value for name, value in given.items() if value})
