"""What a provider is: the types every provider plugin works with."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, Protocol, TypedDict, runtime_checkable

__all__ = [
    "Answer",
    "AnswerProvider",
    "Message",
    "ModelInfo",
    "Notify",
    "PromptContext",
    "PromptRequest",
    "Provider",
    "ProviderEvent",
    "Usage",
]


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
    previous_title: str | None = None
    """The title of the slide before, if it has one (for visual continuity)."""
    next_title: str | None = None
    """The title of the slide after, if it has one."""
    visible_text: str = ""
    """The slide's text as its generator shows it: no notes, directives, front matter or
    layout syntax (see :func:`~mdslides_prompts.visible.visible_text`); empty when the
    caller did not say. Derived from :attr:`slide_text` and the deck's format, so it is
    left out of the cache key (a key stays what it was before this field existed)."""
    audience_text: str = ""
    """What the audience reads on the slide, in plain text: words, ``[picture: alt]``,
    ``[code in LANGUAGE, N lines: names]`` (see :func:`~mdslides_prompts.visible.audience_text`);
    what the default messages send. Derived like :attr:`visible_text`, and left out of
    the cache key for the same reason."""
    notes: tuple[str, ...] = ()
    """The slide's speaker notes, only when the settings send them (``notes: true``);
    empty otherwise."""
    kind: str | None = None
    """What kind of slide it is (``title``, ``agenda``, ``section``, ``code``,
    ``table``, ``quote``, ``questions``, ``closing``; see :mod:`~mdslides_prompts.kinds`),
    or ``None`` for an ordinary content slide."""
    art_direction: str | None = None
    """The deck's art direction (medium, palette, lighting, mood: see
    :mod:`~mdslides_prompts.art`), which the pipeline appends to the slide's prompt;
    ``None`` when the deck has none (``art-direction: false``)."""
    purpose: str = "slide"
    """What is asked: ``"slide"``, one slide's image prompt, or ``"art-direction"``, the
    deck's art direction (then :attr:`slide_text` is empty and the deck's title, theme,
    :attr:`colours` and language are what the answer is made from)."""
    colours: tuple[str, ...] = ()
    """The deck's colours by name (see :func:`~mdslides_prompts.colours.deck_colours`),
    in an art-direction request; empty otherwise."""
    placement: str | None = None
    """Where the slide's picture goes and the shape that fits it ("the right 40% of a
    16:9 slide, a tall 0.71:1 picture; ..."; see
    :meth:`~mdslides_prompts.placement.Placement.describe`), or ``None`` when the format
    shows no pictures or no plugin says."""


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


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens one answer cost, as the server counted them (its ``usage`` object)."""

    prompt_tokens: int = 0
    """Tokens of the messages sent."""
    completion_tokens: int = 0
    """Tokens of the answer."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A prompt with what it cost: what :meth:`AnswerProvider.generate_answer` returns."""

    text: str
    """The image prompt."""
    usage: Usage | None = None
    """Tokens, when the server reported them."""
    requests: int = 1
    """Requests sent for it, retries included."""
    waited: float = 0.0
    """Seconds its requests were held back by client-side pacing (a queue, like the wait
    for a concurrency slot: not counted in the slide's time)."""


@runtime_checkable
class AnswerProvider(Provider, Protocol):
    """A :class:`Provider` that can also say what each prompt cost.

    The pipeline calls :meth:`generate_answer` instead of :meth:`~Provider.generate` when a
    provider has it, to report tokens and requests.
    """

    async def generate_answer(self, request: PromptRequest) -> Answer:
        """Return the image prompt for *request* with its cost; raise ``ProviderError``."""
        ...


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """Something a provider reports while it works, for progress output: a retry or a wait.

    Providers report through the ``notify`` callable that ``mdslides_get_provider``
    receives; the pipeline passes each event on to ``mdslides_on_provider_event``.
    """

    kind: Literal["retry", "wait"]
    """``"retry"``: an attempt failed and will be sent again after :attr:`delay`;
    ``"wait"``: requests are held back (client-side pacing, or a rate limit)."""
    message: str
    """One line for humans; never contains a secret."""
    subject: str = ""
    """What the request is for (the slide's title or first words)."""
    delay: float = 0.0
    """How long, in seconds, before the next attempt."""
    attempt: int = 0
    """For a retry: the number of the attempt that failed (1 = the first)."""
    reason: str = ""
    """Short cause, for counting: ``"HTTP 429"``, ``"timeout"``, ``"connection"``, ..."""


Notify = Callable[[ProviderEvent], None]
"""What a provider calls to report a :class:`ProviderEvent`."""


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One model of a provider's catalogue."""

    name: str
    """The value to pass as ``--model``."""
    description: str | None = None
    """What the catalogue says about it."""
    max_input_tokens: int | None = None
    """The longest input it takes, if the catalogue says."""
    status: str | None = None
    """The catalogue's availability note (``ready``, ``coming_soon``, ``beta``), if any."""


async def ask(provider: Provider, request: PromptRequest) -> Answer:
    """*provider*'s :class:`Answer` to *request* (a bare prompt when it gives only that)."""
    if isinstance(provider, AnswerProvider):
        return await provider.generate_answer(request)
    return Answer(await provider.generate(request))
