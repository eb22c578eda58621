"""The default message builder: a system prompt for an image-prompt expert and one user
message carrying the slide and its deck context, both rendered from templates the user
can replace (``system-template`` and ``user-template`` in the configuration; see
:mod:`~mdslides_prompts.templates`). A plugin may replace the builder itself, and say
what the audience sees of its own format's slides (the built-in rules answer last).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .hookspecs import hookimpl
from .templates import SYSTEM_PROMPT, USER_TEMPLATE, render_template, template_values
from .visible import visible_text

if TYPE_CHECKING:
    from .config import Settings
    from .deck import Deck, Slide
    from .providers.base import Message, PromptContext

__all__ = ["mdslides_build_messages", "mdslides_visible_text"]


@hookimpl(trylast=True)
def mdslides_build_messages(settings: Settings, context: PromptContext) -> Sequence[Message]:
    """Build the system and user messages for the slide *context* describes from the
    templates."""
    values = template_values(context)
    return [
        {
            "role": "system",
            "content": render_template(settings.system_template or SYSTEM_PROMPT, values),
        },
        {
            "role": "user",
            "content": render_template(settings.user_template or USER_TEMPLATE, values),
        },
    ]


@hookimpl(trylast=True)
def mdslides_visible_text(deck: Deck, slide: Slide) -> str:
    """The built-in rules, by the deck's format (see :func:`.visible.visible_text`)."""
    return visible_text(slide.text, deck.format, slide.notes)
