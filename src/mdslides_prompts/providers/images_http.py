"""The ``infomaniak`` and ``openai`` image providers: a slide's prompt becomes a picture
through an OpenAI-style images route.

* ``infomaniak``: ``POST {root}/1/ai/{product_id}/openai/images/generations`` (v1 only:
  there is no v2 images route), with the credentials of the ``infomaniak`` chat provider;
  ``style`` is one of Infomaniak's presets.
* ``openai``: ``POST {base_url}/images/generations`` on any OpenAI-compatible server,
  with the ``base_url`` and key of the ``openai`` chat provider.

Both ask for one picture as base64 (``response_format: b64_json``, the only form
Infomaniak sends) and go through the chat providers' client (:mod:`.http`): the same
retries, deadline, fail-fast and secret rules, paced by ``image_rpm`` instead of ``rpm``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
import os
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..hookspecs import hookimpl
from .base import Notify
from .infomaniak import HINTS, PRODUCT_ENV, TOKEN_ENV, infomaniak_access
from .openai import bearer_client, openai_access
from .options import Hints
from .pictures import ImageRequest, Picture
from .wire import parse_picture

if TYPE_CHECKING:
    import httpx

    from .http import ChatClient

__all__ = ["HTTPImageProvider", "create_image_provider", "images_url"]

_RATE_HINT = "lower image-rpm or --concurrency"


def images_url(base_url: str, product_id: str) -> str:
    """Infomaniak's images route for the API root *base_url* and *product_id*."""
    return f"{base_url}/1/ai/{product_id}/openai/images/generations"


class HTTPImageProvider:
    """An image provider that asks an OpenAI-style ``images/generations`` route.

    :param name: the provider's name (part of each picture's cache key)
    :param url: the full images URL
    :param client: the run's HTTP client (pacing, retries, errors)
    :param optional: the request's fields sent when set (``style``, ``seed``)
    """

    def __init__(
        self, *, name: str, url: str, client: ChatClient, optional: tuple[str, ...]
    ) -> None:
        self.name = name
        self.url = url
        self.client = client
        self.optional = optional

    def __repr__(self) -> str:
        return f"<HTTPImageProvider {self.name}>"

    def body(self, request: ImageRequest) -> dict[str, Any]:
        """The JSON body for *request*: one picture, as base64."""
        body: dict[str, Any] = {
            "model": request.model,
            "prompt": request.prompt,
            "size": request.size,
            "n": 1,
            "response_format": "b64_json",
        }
        for field in self.optional:
            value = getattr(request, field)
            if value is not None:
                body[field] = value
        return body

    async def generate_image(self, request: ImageRequest) -> Picture:
        """Ask the server for *request*'s picture; raise ``ProviderError`` on failure."""
        words = request.prompt.split()[:6]
        subject = f"picture {' '.join(words)!r}" if words else "a picture"
        posted = await self.client.post_json(self.url, self.body(request), subject, parse_picture)
        picture = posted.value
        revised = picture.revised_prompt and self.client.scrub(picture.revised_prompt)
        return replace(
            picture, revised_prompt=revised, requests=posted.attempts, waited=posted.waited
        )

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()


def create_image_provider(
    name: str,
    settings: Settings,
    environ: Mapping[str, str],
    notify: Notify | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> HTTPImageProvider | None:
    """The image provider *name* (``infomaniak`` or ``openai``) for *settings*, its
    credentials read from *environ*; ``None`` for another name.

    :param transport: what sends the requests (default: the network)
    """
    if name == "infomaniak":
        access = infomaniak_access(settings, environ)
        hints = replace(
            HINTS,
            not_found=f"check {PRODUCT_ENV} (GET /1/ai lists your AI products) and the image model",
            rejected="check the image model, size and style",
            rate_limited=_RATE_HINT,
        )
        client = bearer_client(
            access.token, TOKEN_ENV, settings, hints, notify, transport,
            base_url=access.base_url, images=True,
        )  # fmt: skip
        url = images_url(access.base_url, access.product_id)
        return HTTPImageProvider(name=name, url=url, client=client, optional=("style",))
    if name == "openai":
        found = openai_access(settings, environ)
        hints = Hints(
            auth=found.hints.auth,
            not_found="check --base-url (usually ending in /v1) and the image model",
            rejected="check the image model, size and style",
            not_json=found.hints.not_json,
            rate_limited=_RATE_HINT,
        )
        client = bearer_client(
            found.key, found.key_env, settings, hints, notify, transport,
            base_url=found.base_url, images=True,
        )  # fmt: skip
        url = f"{found.base_url}/images/generations"
        return HTTPImageProvider(name=name, url=url, client=client, optional=("style", "seed"))
    return None


@hookimpl(trylast=True)
def mdslides_image_provider_names() -> list[str]:
    """This module provides the ``infomaniak`` and ``openai`` image providers."""
    return ["infomaniak", "openai"]


@hookimpl(trylast=True)
def mdslides_get_image_provider(
    name: str, settings: Settings, notify: Notify
) -> HTTPImageProvider | None:
    """Create the ``infomaniak`` or ``openai`` image provider when it is asked for."""
    return create_image_provider(name, settings, os.environ, notify)
