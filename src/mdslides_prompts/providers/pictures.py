"""What an image provider is: the types every image-provider plugin works with.

A slide's prompt becomes a picture through an :class:`ImageProvider` (issue 18): the
request says the prompt, the model, the size and, when the author asked for them, a
style preset and a seed; the answer is the image's bytes. Everything in a request
decides the picture, so a request's :meth:`~ImageRequest.key` names it in the image
cache; nothing secret is part of it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
import hashlib
import json
from typing import Protocol, runtime_checkable

__all__ = ["SIZES", "ImageProvider", "ImageRequest", "Picture"]

SIZES = ("1792x1024", "1024x1024", "1024x1792")
"""The sizes Infomaniak's images endpoint makes: wide (a full-slide background), square
(half a slide), tall (a narrow side panel)."""


@dataclass(frozen=True, slots=True)
class ImageRequest:
    """One picture to make."""

    prompt: str
    """The slide's image prompt, as written in the deck (its art direction included)."""
    model: str = "flux"
    """The image model."""
    size: str = "1792x1024"
    """``WIDTHxHEIGHT`` in pixels (one of :data:`SIZES` for Infomaniak)."""
    style: str | None = None
    """A style preset the model knows, if the author chose one."""
    seed: int | None = None
    """A seed, for a repeatable picture where the model takes one."""
    art_direction: str | None = None
    """The deck's art direction, when known: already the end of :attr:`prompt` (so it
    is not part of the :meth:`key`); an offline placeholder takes its palette from it."""

    @property
    def width(self) -> int:
        """The width in pixels."""
        return int(self.size.split("x")[0])

    @property
    def height(self) -> int:
        """The height in pixels."""
        return int(self.size.split("x")[1])

    def key(self, provider: str) -> str:
        """A SHA-256 over *provider* and everything that decides the picture (the art
        direction is the prompt's end already): the name of the picture in the image
        store."""
        parts = {"provider": provider, **asdict(self)}
        del parts["art_direction"]
        blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Picture:
    """A made picture."""

    data: bytes
    """The image file's bytes."""
    media_type: str = "image/png"
    """Its type (``image/png``, ``image/jpeg``, ``image/webp``)."""
    revised_prompt: str | None = None
    """The prompt the model says it drew from, when it rewrote it."""
    requests: int = 1
    """Requests sent for it, retries included."""
    waited: float = 0.0
    """Seconds its requests were held back by client-side pacing."""


@runtime_checkable
class ImageProvider(Protocol):
    """Something that turns an :class:`ImageRequest` into a :class:`Picture`.

    Created once per run by the ``mdslides_get_image_provider`` hook; ``generate_image``
    may be awaited concurrently for several slides, and ``aclose`` once at the end.
    """

    name: str
    """The provider's name, as passed to ``--image-provider``."""

    async def generate_image(self, request: ImageRequest) -> Picture:
        """Make the picture for *request*; raise ``ProviderError`` on failure."""
        ...

    async def aclose(self) -> None:
        """Release what the provider holds."""
        ...
