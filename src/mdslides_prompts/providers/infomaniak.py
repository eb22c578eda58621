"""The ``infomaniak`` provider: Infomaniak's AI Tools, OpenAI-compatible chat routes.

Credentials come from the environment, never from settings or files:
``INFOMANIAK_API_TOKEN`` (a token with the AI-tools scope), ``INFOMANIAK_PRODUCT_ID``
(the digits of the AI product, listed by ``GET /1/ai``) and, optionally,
``INFOMANIAK_BASE_URL`` (the API root, ``https://api.infomaniak.com``).

Routes: v2 ``/2/ai/{product_id}/openai/v1/chat/completions`` by default, v1
``/1/ai/{product_id}/openai/chat/completions`` with ``api_version`` 1 (the only one
that takes ``profile_type``). The catalogue is ``GET /1/ai/models``. The model is
configuration: :data:`DEFAULT_MODEL` is a fast chat model of the 2026 catalogue, and
any name is accepted, since Infomaniak replaces models every few months.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import os
import re
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..errors import BadAnswer, UsageError
from ..hookspecs import hookimpl
from .base import ModelInfo, Notify
from .openai import ChatProvider, bearer_client, check_base_url, check_option_keys
from .options import (
    DEFAULT_MODEL,
    PRODUCT_ENV,
    TOKEN_ENV,
    Hints,
    validate_params,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "DEFAULT_MODEL",
    "HINTS",
    "PRODUCT_ENV",
    "TOKEN_ENV",
    "InfomaniakAccess",
    "auto_provider",
    "chat_url",
    "create_infomaniak",
    "infomaniak_access",
    "missing_credentials",
]

BASE_URL_ENV = "INFOMANIAK_BASE_URL"
DEFAULT_BASE_URL = "https://api.infomaniak.com"

HINTS = Hints(
    auth=f"check {TOKEN_ENV}: the token needs the AI-tools scope, and tokens unused for a "
    "year are deactivated",
    not_found=f"check {PRODUCT_ENV} (GET /1/ai lists your AI products), {BASE_URL_ENV}, "
    "--api-version and --model ('mdslides-prompts models' lists the catalogue)",
    rejected="check --model and the request parameters",
    not_json=f"check {BASE_URL_ENV}",
)


def missing_credentials(environ: Mapping[str, str]) -> list[str]:
    """The credential variables that are unset or empty in *environ*."""
    return [name for name in (TOKEN_ENV, PRODUCT_ENV) if not environ.get(name, "").strip()]


def auto_provider(environ: Mapping[str, str]) -> str:
    """``"infomaniak"`` when both credentials are set, ``"offline"`` when neither is.

    Only one of them set is a mistake worth stopping for: falling back to offline would
    write offline prompts the next run keeps as fresh.
    """
    missing = missing_credentials(environ)
    if not missing:
        return "infomaniak"
    if len(missing) == 2:
        return "offline"
    present = TOKEN_ENV if missing == [PRODUCT_ENV] else PRODUCT_ENV
    raise UsageError(
        f"{present} is set but {missing[0]} is not: set it to use Infomaniak, "
        "or pass --provider offline"
    )


def chat_url(base_url: str, product_id: str, api_version: int) -> str:
    """The chat-completions URL of *api_version* (1 or 2)."""
    if api_version == 1:
        return f"{base_url}/1/ai/{product_id}/openai/chat/completions"
    return f"{base_url}/2/ai/{product_id}/openai/v1/chat/completions"


def _api_version(value: Any) -> int:
    if value is None:
        return 2
    if str(value).strip() in ("1", "2"):
        return int(str(value).strip())
    raise UsageError(f"api_version must be 1 or 2, not {value!r}")


def _catalogue(data: Any) -> list[ModelInfo]:
    if not isinstance(data, dict) or data.get("result") != "success":
        raise BadAnswer("the model catalogue is not a {'result': 'success'} answer")
    items = data.get("data")
    if not isinstance(items, list):
        raise BadAnswer("the model catalogue has no list of models")
    models = []
    for item in items:
        if not isinstance(item, dict) or item.get("type") != "llm" or not item.get("name"):
            continue
        meta = item.get("meta")
        status = str(item["info_status"]) if item.get("info_status") else None
        if isinstance(meta, dict) and meta.get("is_beta"):
            status = f"{status}, beta" if status else "beta"
        size = item.get("max_token_input")
        models.append(
            ModelInfo(
                str(item["name"]),
                description=str(item["description"]) if item.get("description") else None,
                max_input_tokens=size if isinstance(size, int) else None,
                status=status,
            )
        )
    return sorted(models, key=lambda m: m.name.casefold())


@dataclass(frozen=True, slots=True)
class InfomaniakAccess:
    """Where the ``infomaniak`` provider goes and with which token, from the environment."""

    base_url: str
    """The API root, without a trailing slash."""
    product_id: str
    """The AI product's digits (``""`` when not needed and not set)."""
    token: str
    """The API token (``""`` when not needed and not set)."""


def infomaniak_access(
    settings: Settings, environ: Mapping[str, str], *, need_product: bool = True
) -> InfomaniakAccess:
    """The API root, product id and token of the ``infomaniak`` provider, read from
    *environ*; :class:`UsageError` if they are missing or unusable, or if *settings* hold
    an option it does not take.

    :param need_product: require the product id and token
    """
    check_option_keys(settings.provider_options, ("api_version",), "infomaniak")
    missing = missing_credentials(environ)
    if need_product and missing:
        raise UsageError(
            f"the infomaniak provider needs {' and '.join(missing)} in the environment"
        )
    product = environ.get(PRODUCT_ENV, "").strip()
    if product and not re.fullmatch(r"\d+", product):
        # Never echo the value: it might be the token pasted in the wrong variable.
        raise UsageError(f"{PRODUCT_ENV} must be the digits of your AI product id")
    base = check_base_url(
        environ.get(BASE_URL_ENV, "").strip() or DEFAULT_BASE_URL, BASE_URL_ENV, DEFAULT_BASE_URL
    )
    if re.search(r"/\d+/ai(/|$)", base):
        raise UsageError(
            f"{BASE_URL_ENV} must be the API root such as {DEFAULT_BASE_URL}, not a route"
        )
    return InfomaniakAccess(base, product, environ.get(TOKEN_ENV, "").strip())


def create_infomaniak(
    settings: Settings,
    environ: Mapping[str, str],
    notify: Notify | None = None,
    *,
    need_product: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ChatProvider:
    """The ``infomaniak`` provider for *settings*, credentials read from *environ*.

    :param need_product: require the product id and token (listing the catalogue needs
        neither)
    :param transport: what sends the requests (default: the network)
    """
    access = infomaniak_access(settings, environ, need_product=need_product)
    version = _api_version(settings.provider_options.get("api_version"))
    validate_params(settings.params, profile_type=version == 1)
    client = bearer_client(
        access.token, TOKEN_ENV, settings, HINTS, notify, transport, base_url=access.base_url
    )
    return ChatProvider(
        name="infomaniak",
        model=settings.model or DEFAULT_MODEL,
        chat_url=chat_url(access.base_url, access.product_id, version),
        client=client,
        models_url=f"{access.base_url}/1/ai/models",
        catalogue=_catalogue,
        stream_usage=version == 2,  # documented for v2 only
    )


@hookimpl(trylast=True)
def mdslides_provider_names() -> list[str]:
    """This module provides ``infomaniak``."""
    return ["infomaniak"]


@hookimpl(trylast=True)
def mdslides_auto_provider(environ: Mapping[str, str]) -> str | None:
    """``auto`` is ``infomaniak`` when both its credentials are set (see
    :func:`auto_provider`)."""
    return "infomaniak" if auto_provider(environ) == "infomaniak" else None


@hookimpl(trylast=True)
def mdslides_get_provider(name: str, settings: Settings, notify: Notify) -> ChatProvider | None:
    """Create the ``infomaniak`` provider when it is asked for (without credentials when
    the run only reads the cache: it never sends a request then)."""
    if name != "infomaniak":
        return None
    return create_infomaniak(settings, os.environ, notify, need_product=not settings.cache_only)
