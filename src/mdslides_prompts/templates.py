"""Prompt templates: the built-in system and user templates, the variables a template
can use, and how a template is checked and filled in.

Templates are plain text with ``{variable}`` fields (``{{`` and ``}}`` for literal
braces); the variables are :data:`TEMPLATE_VARIABLES`. A variable with no value (a slide
without a title, the first slide's ``previous_title``) is the empty string. The
configuration checks templates with :func:`check_template`; the default message builder
(:mod:`~mdslides_prompts.messages`) fills them in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import string
from typing import TYPE_CHECKING

from .errors import UsageError

if TYPE_CHECKING:
    from .config import Settings
    from .deck import Deck, Slide
    from .providers.base import Message

__all__ = [
    "LANGUAGE_NAMES",
    "SYSTEM_PROMPT",
    "TEMPLATE_VARIABLES",
    "USER_TEMPLATE",
    "check_template",
    "estimate_tokens",
    "render_template",
    "template_values",
]

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

USER_TEMPLATE = "{context}Slide content (Markdown):\n{slide_text}"
"""The built-in user message template."""

TEMPLATE_VARIABLES = {
    "slide_text": "the slide's Markdown, prompt markers left out",
    "slide_title": "the slide's first heading",
    "deck_title": "front matter title, else the first slide title",
    "theme": "the deck's theme (front matter theme)",
    "style": "the visual style for every slide (style setting)",
    "language": "the language the prompt must be in, by name (English)",
    "language_code": "the same as a code (en)",
    "previous_title": "the title of the slide before",
    "next_title": "the title of the slide after",
    "context": "one line for each of deck title, theme, style, previous, next and slide "
    "title that has a value ('Deck title: ...'), each ending with a line break",
}
"""Variables a prompt template can use, with what they hold."""

LANGUAGE_NAMES = {
    "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "pl": "Polish", "nl": "Dutch", "ro": "Romanian", "cs": "Czech",
    "sv": "Swedish",
}  # fmt: skip
"""Languages a prompt can be written in: those Infomaniak's models support (fully: en, fr,
de, es, it; the rest in part). Prompts default to English whatever the deck's language,
since image models follow English best."""


def template_values(deck: Deck, slide: Slide, settings: Settings) -> dict[str, str]:
    """The value of every :data:`TEMPLATE_VARIABLES` entry for *slide*."""
    theme = deck.meta.get("theme")
    before, after = deck.neighbour_titles(slide)
    values = {
        "slide_text": slide.text.strip(),
        "slide_title": slide.title or "",
        "deck_title": deck.title or "",
        "theme": theme if isinstance(theme, str) else "",
        "style": settings.style or "",
        "language": LANGUAGE_NAMES.get(settings.language, settings.language),
        "language_code": settings.language,
        "previous_title": before or "",
        "next_title": after or "",
    }
    labels = (
        ("Deck title", "deck_title"), ("Deck theme", "theme"),
        ("Visual style for every slide", "style"), ("Previous slide", "previous_title"),
        ("Next slide", "next_title"), ("Slide title", "slide_title"),
    )  # fmt: skip
    lines = [f"{label}: {values[name]}" for label, name in labels if values[name]]
    values["context"] = "".join(f"{line}\n" for line in lines)
    return values


def check_template(template: str, where: str) -> None:
    """Raise :class:`UsageError` (naming *where*) unless *template* only uses known
    variables and its braces are balanced."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise UsageError(f"{where}: {exc} (write {{{{ and }}}} for literal braces)") from None
    for name in fields:
        if name not in TEMPLATE_VARIABLES:
            known = ", ".join(TEMPLATE_VARIABLES)
            shown = f"{{{name}}}" if name else "{}"
            raise UsageError(f"{where}: unknown variable {shown} (known: {known})")


def render_template(template: str, values: Mapping[str, str]) -> str:
    """*template* with its ``{variable}`` fields filled in from *values*."""
    return string.Formatter().vformat(template, (), dict(values))


def estimate_tokens(messages: Sequence[Message]) -> int:
    """A rough count of the tokens *messages* cost: a token per four characters, plus
    four per message (what chat formats add), as OpenAI's rule of thumb has it."""
    return sum(-(-len(m["content"]) // 4) + 4 for m in messages)
