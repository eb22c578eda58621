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
from .templates import (
    ART_SYSTEM_PROMPT,
    ART_USER_TEMPLATE,
    SYSTEM_PROMPT,
    USER_TEMPLATE,
    render_template,
    template_values,
)
from .visible import visible_text

if TYPE_CHECKING:
    from .config import Settings
    from .deck import Deck, Slide
    from .providers.base import Message, PromptContext

__all__ = ["mdslides_build_art_messages", "mdslides_build_messages", "mdslides_visible_text"]


@hookimpl(trylast=True)
def mdslides_build_messages(settings: Settings, context: PromptContext) -> Sequence[Message]:
    """Build the system and user messages for the slide *context* describes from the
    templates."""
    return _messages(context, settings.system_template or SYSTEM_PROMPT,
                     settings.user_template or USER_TEMPLATE)  # fmt: skip


@hookimpl(trylast=True)
def mdslides_build_art_messages(settings: Settings, context: PromptContext) -> Sequence[Message]:
    """Build the system and user messages asking for the deck's art direction from the
    art-direction templates."""
    return _messages(context, settings.art_template or ART_SYSTEM_PROMPT, ART_USER_TEMPLATE)


def _messages(context: PromptContext, system: str, user: str) -> list[Message]:
    values = template_values(context)
    return [
        {"role": "system", "content": render_template(system, values)},
        {"role": "user", "content": render_template(user, values)},
    ]


@hookimpl(trylast=True)
def mdslides_visible_text(deck: Deck, slide: Slide) -> str:
    """The built-in rules, by the deck's format (see :func:`.visible.visible_text`)."""
    return visible_text(slide.text, deck.format, slide.notes)
