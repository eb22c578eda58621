"""A deck's art direction: one medium, palette, lighting and mood for all its pictures.

Each slide's request carries it and each prompt ends with it (appended by the pipeline
after the slide's part is cut to fit: see :func:`~.providers.answers.with_art`), so the
pictures of a deck look like one set. It comes from the ``style`` setting when one is
given; otherwise from one request per deck (see ``mdslides_build_art_messages``) made of
the deck's title, theme, colours (:func:`~.colours.deck_colours`) and the prompt
language, and cached like any answer: editing a slide never changes it, so it never
makes the other slides ask again. ``art-direction: false`` turns it off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .colours import deck_colours, style_blocks
from .config import Settings
from .deck import Deck
from .providers.answers import art_budget, clip_prompt
from .providers.base import PromptContext, Usage

__all__ = ["ART_PENDING", "ArtDirection", "art_context", "deck_theme", "style_art"]

ART_PENDING = "\u2039the deck's art direction, asked before the first slide\u203a"
"""What a dry run shows in the place of an art direction that is not cached yet."""

Source = Literal["off", "style", "cache", "provider", "pending", "missing", "failed"]


@dataclass(frozen=True, slots=True)
class ArtDirection:
    """A deck's art direction, and where it came from."""

    text: str | None
    """The art direction; ``None`` when there is none (off, pending, missing, failed)."""
    source: Source
    """``off`` (``art-direction: false``), ``style`` (the setting), ``cache``,
    ``provider`` (asked in this run), ``pending`` (not cached: a run asks for it),
    ``missing`` (not cached, and the run only reads the cache) or ``failed``."""
    key: str | None = None
    """Its request's cache key, when it comes from a request."""
    requests: int = 0
    """Requests sent for it in this run, retries included."""
    usage: Usage | None = None
    """Tokens they cost, when the server said."""
    waited: float = 0.0
    """Seconds its requests were held back by client-side pacing."""
    error: str | None = None
    """Why it failed (``failed``)."""
    not_sent: bool = False
    """It failed before its request was sent (the run had stopped sending)."""


def deck_theme(deck: Deck) -> str | None:
    """The deck's theme, if its front matter names one: ``theme``, or a Quarto format's
    (``format: revealjs: theme: moon``); of a list, the first that is not a file."""
    theme = deck.meta.get("theme")
    formats = deck.meta.get("format")
    if theme is None and isinstance(formats, Mapping):
        theme = next(
            (o["theme"] for o in formats.values() if isinstance(o, Mapping) and "theme" in o),
            None,
        )
    if isinstance(theme, list):
        theme = next(
            (t for t in theme if isinstance(t, str) and not t.endswith((".scss", ".css"))), None
        )
    return theme if isinstance(theme, str) else None


def style_art(settings: Settings) -> ArtDirection | None:
    """The art direction the settings decide without a request: ``off``, or the ``style``
    setting on one line, cut to the art direction's CLIP tokens; ``None`` when a request
    must make it."""
    if not settings.art_direction:
        return ArtDirection(None, "off")
    style = " ".join((settings.style or "").split())
    if not style:
        return None
    return ArtDirection(clip_prompt(style, max_tokens=art_budget(settings.params)), "style")


def art_context(deck: Deck, settings: Settings) -> PromptContext:
    """What the art-direction request for *deck* is made of: its title, theme, colours
    and the prompt language, and nothing of its slides' content.

    The colours are those of the deck as a whole, its front matter and its ``<style>``
    blocks: a colour set on one slide (a directive, an attribute) is that slide's, and
    editing it must not give the whole deck a new art direction."""
    theme = deck_theme(deck)
    span = deck.front_matter
    front = "".join(deck.lines()[span.start - 1 : span.end]) if span is not None else ""
    look = "\n".join([front, *style_blocks(deck.text)])
    return PromptContext(
        slide_text="",
        deck_title=deck.title,
        theme=theme,
        language=settings.language,
        purpose="art-direction",
        colours=deck_colours(look, theme),
    )
