"""The default message builder: a system prompt for an image-prompt expert and one user
message carrying the slide and its deck context. A plugin may replace it."""

from __future__ import annotations

from collections.abc import Sequence

from .config import Settings
from .deck import Deck, Slide
from .hookspecs import hookimpl
from .providers.base import Message

__all__ = ["LANGUAGE_NAMES", "SYSTEM_PROMPT", "deck_title", "neighbour_titles"]

SYSTEM_PROMPT = (
    "You are an expert at writing prompts for image-generation models. Given one slide of "
    "a presentation and the deck around it, reply with a single prompt, in {language}, of "
    "at most 60 words, describing one illustration for that slide: subject, setting, "
    "composition, lighting, colour palette and visual style. The slide may be written in "
    "another language: convey its ideas in {language}, never copy its wording. Keep the "
    "style consistent with the rest of the deck. Never ask for text, letters, numbers, "
    "logos or captions in the image. Reply with the prompt only: no preamble, no quotes, "
    "no label, no line breaks."
)

LANGUAGE_NAMES = {
    "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "pl": "Polish", "nl": "Dutch", "ro": "Romanian", "cs": "Czech",
    "sv": "Swedish",
}  # fmt: skip
"""Languages a prompt can be written in: those Infomaniak's models support (fully: en, fr,
de, es, it; the rest in part). Prompts default to English whatever the deck's language,
since image models follow English best."""


def deck_title(deck: Deck) -> str | None:
    """The deck's title: front matter ``title``, else the first slide title."""
    title = deck.meta.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    return next((s.title for s in deck.slides if s.title), None)


def neighbour_titles(deck: Deck, slide: Slide) -> tuple[str | None, str | None]:
    """Titles of the slides before and after *slide* (``None`` at the ends or if untitled)."""
    pos = slide.index - 1
    before = deck.slides[pos - 1].title if pos > 0 else None
    after = deck.slides[pos + 1].title if pos + 1 < len(deck.slides) else None
    return before, after


@hookimpl(trylast=True)
def mdslides_build_messages(deck: Deck, slide: Slide, settings: Settings) -> Sequence[Message]:
    """Build the default system and user messages for *slide*."""
    language = LANGUAGE_NAMES.get(settings.language, settings.language)
    lines = []
    title = deck_title(deck)
    if title:
        lines.append(f"Deck title: {title}")
    theme = deck.meta.get("theme")
    if isinstance(theme, str) and theme:
        lines.append(f"Deck theme: {theme}")
    if settings.style:
        lines.append(f"Visual style for every slide: {settings.style}")
    before, after = neighbour_titles(deck, slide)
    if before:
        lines.append(f"Previous slide: {before}")
    if after:
        lines.append(f"Next slide: {after}")
    if slide.title:
        lines.append(f"Slide title: {slide.title}")
    lines.append("Slide content (Markdown):")
    lines.append(slide.text.strip())
    return [
        {"role": "system", "content": SYSTEM_PROMPT.format(language=language)},
        {"role": "user", "content": "\n".join(lines)},
    ]
