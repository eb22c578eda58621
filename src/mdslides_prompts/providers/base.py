"""What a provider is: the types every provider plugin works with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, Protocol, TypedDict, runtime_checkable

__all__ = ["Message", "PromptContext", "PromptRequest", "Provider"]


class Message(TypedDict):
    """One chat message, already in the JSON shape OpenAI-compatible APIs want."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class PromptContext:
    """What the prompt is about, in structured form, for providers that do not read prose.

    Everything here is derived from the deck and is part of the cache key.
    """

    slide_text: str
    """The slide's Markdown, without prompt markers."""
    slide_title: str | None = None
    """The slide's first heading, if any."""
    deck_title: str | None = None
    """The deck's title (front matter ``title``, or the first heading of the deck)."""
    theme: str | None = None
    """The deck's theme name, if it sets one."""
    language: str = "en"
    """The language the prompt must be written in."""
    style: str | None = None
    """A deck-wide visual style to apply to every prompt, if set."""


@dataclass(frozen=True, slots=True)
class PromptRequest:
    """Everything a provider needs to produce one prompt; exactly what the cache keys on."""

    messages: tuple[Message, ...]
    """The chat messages (system first)."""
    context: PromptContext
    """The same request in structured form."""
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Request parameters (temperature, max_tokens, ...), JSON-serialisable."""


@runtime_checkable
class Provider(Protocol):
    """Something that turns a :class:`PromptRequest` into an image prompt.

    Created once per run by the ``mdslides_get_provider`` hook; ``generate`` may be
    awaited concurrently for several slides, and ``aclose`` is awaited once at the end.
    """

    name: str
    """The provider's name, as passed to ``--provider``."""
    model: str
    """The model that answers; with :attr:`name` it is part of the cache key."""

    async def generate(self, request: PromptRequest) -> str:
        """Return the image prompt for *request*; raise ``ProviderError`` on failure."""
        ...

    async def aclose(self) -> None:
        """Release what the provider holds (HTTP clients, ...)."""
        ...
