"""OpenAI-compatible chat providers.

:class:`ChatProvider` turns a :class:`~.base.PromptRequest` into one chat-completions
call and cleans the answer; the ``infomaniak`` plugin configures one for Infomaniak's
routes, and this module's plugin, ``openai``, for any server that speaks the OpenAI chat
API: OpenAI itself, Ollama, vLLM, LiteLLM, LM Studio, ...

``openai`` reads ``Settings.provider_options``: ``base_url`` (default
``https://api.openai.com/v1``; Ollama: ``http://localhost:11434/v1``) and
``api_key_env``, the name of the environment variable that holds the key (default
``OPENAI_API_KEY``; unset means no key, which local servers accept).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
import os
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..config import Settings
from ..errors import BadAnswer, ProviderError, UsageError
from ..hookspecs import hookimpl
from .answers import BUDGET_PARAM, answer_budget, clean_answer, not_a_prompt
from .base import Answer, ModelInfo, Notify, PromptRequest, Usage
from .options import (
    CLIENT_OPTION_KEYS,
    DEFAULT_PARAMS,
    OPENAI_KEY_ENV,
    ClientOptions,
    Hints,
    validate_params,
)
from .secret import MASK

if TYPE_CHECKING:
    import httpx

    from .http import ChatClient

_HELD = "\ue000"  # a private-use character: stands for a mask while an answer is cleaned

__all__ = [
    "DEFAULT_PARAMS",
    "OPENAI_BASE_URL",
    "OPENAI_KEY_ENV",
    "ChatProvider",
    "OpenAIAccess",
    "bearer_client",
    "check_base_url",
    "check_option_keys",
    "create_openai",
    "openai_access",
]

OPENAI_BASE_URL = "https://api.openai.com/v1"
"""Where ``openai`` goes without a ``base_url``."""


Catalogue = Callable[[Any], list[ModelInfo]]
"""Reads a models-list response into :class:`~.base.ModelInfo` entries."""


def check_option_keys(options: Mapping[str, Any], own: Iterable[str], provider: str) -> None:
    """Refuse ``provider_options`` keys that *provider* does not read (typos, wrong provider)."""
    allowed = {*CLIENT_OPTION_KEYS, *own}
    unknown = sorted(k for k, v in options.items() if v is not None and k not in allowed)
    if unknown:
        raise UsageError(
            f"the {provider} provider does not take {', '.join(unknown)} "
            f"(it takes {', '.join(sorted(allowed))})"
        )


def check_base_url(url: str, what: str, example: str) -> str:
    """*url* without a trailing slash, or :class:`UsageError` if it is not a usable base.

    The value itself is never echoed: it may hold credentials.
    """
    url = url.strip().rstrip("/")
    try:
        _ = urlsplit(url).port  # raises for a port out of range, a broken [IPv6] host, ':abc'
    except ValueError:
        url = ""
    if not re.match(r"(?i)https?://[^/\s]+", url) or re.search(r"\s", url):
        raise UsageError(f"{what} must be an http:// or https:// URL such as {example}")
    if re.search(r"(?i)/chat/completions$|/completions$", url):
        raise UsageError(
            f"{what} must be the API base such as {example}, without /chat/completions"
        )
    return url


def _subject(request: PromptRequest) -> str:
    if request.context.purpose == "art-direction":
        return "the deck's art direction"
    title = request.context.slide_title
    if title:
        return f"slide {title!r}"
    words = request.context.slide_text.split()[:6]
    return f"slide {' '.join(words)!r}" if words else "an untitled slide"


def _openai_catalogue(data: Any) -> list[ModelInfo]:
    items = data.get("data") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise BadAnswer("the models list is not a list")
    models = [
        ModelInfo(str(item["id"]), status=None)
        for item in items
        if isinstance(item, dict) and item.get("id")
    ]
    return sorted(models, key=lambda m: m.name.casefold())


class ChatProvider:
    """A provider that asks an OpenAI-compatible chat-completions route for each prompt.

    :param name: the provider's name (part of the cache key)
    :param model: the model to ask (part of the cache key)
    :param chat_url: the full chat-completions URL
    :param client: the run's HTTP client (pacing, retries, errors)
    :param models_url: where the model catalogue is, if anywhere
    :param catalogue: how to read the catalogue
    :param stream_usage: whether a streamed request asks for the tokens it used
        (``stream_options.include_usage``; not every server takes the field)
    """

    def __init__(
        self,
        *,
        name: str,
        model: str,
        chat_url: str,
        client: ChatClient,
        models_url: str | None = None,
        catalogue: Catalogue = _openai_catalogue,
        stream_usage: bool = True,
    ) -> None:
        self.name = name
        self.model = model
        self.chat_url = chat_url
        self.client = client
        self.models_url = models_url
        self._catalogue = catalogue
        self.stream_usage = stream_usage

    def __repr__(self) -> str:
        return f"<ChatProvider {self.name} model={self.model!r}>"

    def body(self, request: PromptRequest) -> dict[str, Any]:
        """The JSON body for *request*: model, messages, defaults, parameters (less the
        prompt's token budget, which is ours), stream (with a request for token counts,
        unless ``stream_usage`` is off)."""
        body: dict[str, Any] = {"model": self.model}
        body["messages"] = [{"role": m["role"], "content": m["content"]} for m in request.messages]
        body.update(DEFAULT_PARAMS)
        body.update(
            {k: v for k, v in request.params.items() if v is not None and k != BUDGET_PARAM}
        )
        if self.client.options.stream:
            body["stream"] = True
            if self.stream_usage:  # the last chunk then carries "usage" (its choices empty)
                body["stream_options"] = {"include_usage": True}
        return body

    async def generate(self, request: PromptRequest) -> str:
        """Ask the model for *request*'s prompt and return it cleaned (see
        :func:`~.answers.clean_answer`, to :func:`~.answers.answer_budget`); raise
        ``ProviderError`` on failure."""
        return (await self.generate_answer(request)).text

    async def generate_answer(self, request: PromptRequest) -> Answer:
        """:meth:`generate`, with the tokens the server counted and the requests sent."""
        body = self.body(request)
        attempts, waited, usage = 0, 0.0, None
        # A degenerate answer ('# # # #', one word over and over) is asked for once more.
        for last in (False, True):
            try:
                completion = await self.client.complete(self.chat_url, body, _subject(request))
            except ProviderError as exc:
                exc.attempts += attempts
                exc.waited += waited
                raise
            attempts += completion.attempts
            waited += completion.waited
            usage = _add(usage, completion.usage)
            # The content arrives scrubbed. Cleaning would fold the '***' marks to '*'
            # (emphasis), so they are held through it.
            content = completion.content.replace(MASK, _HELD)
            cleaned = clean_answer(content, answer_budget(request))
            prompt = self.client.scrub(cleaned).replace(_HELD, MASK)
            if not prompt:
                error = BadAnswer(
                    "the answer holds no prompt once reasoning, labels and quotes are removed "
                    f"(finish_reason: {completion.finish_reason or 'none given'})"
                )
                error.attempts, error.waited = attempts, waited
                raise error
            degenerate = not_a_prompt(prompt)
            if degenerate is None:
                return Answer(prompt, usage, attempts, waited)
            if last:
                error = BadAnswer(f"{degenerate}, twice: {prompt[:60]!r}")
                error.attempts, error.waited = attempts, waited
                raise error
        raise AssertionError("unreachable")

    async def list_models(self) -> list[ModelInfo]:
        """The chat models the server's catalogue lists."""
        if self.models_url is None:
            raise UsageError(f"the {self.name} provider has no model catalogue")
        return self._catalogue(await self.client.get_json(self.models_url, "the model list"))

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()


def plain_http(base_url: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether every request under *base_url* goes out as plain HTTP: an ``http://``
    address and no proxy variable in *environ* (default: the process's; a proxy may be
    reached over TLS), the ones httpx reads (``*_proxy`` in any case)."""
    if not base_url.lower().startswith("http://"):
        return False
    found = os.environ if environ is None else environ
    return not any(
        value and name.lower().endswith("_proxy") and name.lower() != "no_proxy"
        for name, value in found.items()
    )


def bearer_client(
    key: str,
    env: str,
    settings: Settings,
    hints: Hints,
    notify: Notify | None,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    base_url: str,
    images: bool = False,
) -> ChatClient:
    """The HTTP client of an OpenAI-style provider: *key* (if any, read from the variable
    *env*) as a bearer token, the connection options of *settings*, and *transport*
    (default: the network).

    :param base_url: the API base every request of the client goes under
    :param images: pace it for pictures (``image_rpm``) rather than prompts (``rpm``)
    """
    if not (key.isascii() and key.isprintable()):
        # Such a key cannot go in a header, and the errors about it would quote it.
        raise UsageError(f"{env} holds a line break or a character other than ASCII")
    from .http import ChatClient  # only once a client is needed: httpx is slow to import

    options = ClientOptions.from_mapping(settings.provider_options, settings.concurrency)
    return ChatClient(
        headers={"Authorization": f"Bearer {key}"} if key else {},
        options=replace(options, rpm=options.image_rpm) if images else options,
        hints=hints,
        notify=notify,
        secret=key,
        transport=transport,
        tls=not plain_http(base_url),
    )


@dataclass(frozen=True, slots=True)
class OpenAIAccess:
    """Where an ``openai`` provider goes and with which key, from its settings."""

    base_url: str
    """The API base, without a trailing slash."""
    key: str
    """The key, or ``""`` for none."""
    key_env: str
    """The variable it was read from."""
    hints: Hints
    """What to tell the user after each kind of error."""


def openai_access(settings: Settings, environ: Mapping[str, str]) -> OpenAIAccess:
    """The base URL and key of the ``openai`` provider for *settings* (``base_url``,
    ``api_key_env``), the key read from *environ*; :class:`UsageError` if unusable."""
    options = settings.provider_options
    check_option_keys(options, ("base_url", "api_key_env"), "openai")
    base = check_base_url(
        str(options.get("base_url") or OPENAI_BASE_URL), "--base-url", "http://localhost:11434/v1"
    )
    key_env = options.get("api_key_env")
    if key_env is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(key_env)):
        raise UsageError("--api-key-env takes the NAME of an environment variable, not a key")
    key = environ.get(str(key_env or OPENAI_KEY_ENV), "").strip()
    if key_env is not None and not key:
        raise UsageError(f"{key_env} (named by --api-key-env) is not set or empty")
    env = str(key_env or OPENAI_KEY_ENV)
    hints = Hints(
        auth=f"check the key in ${env} (--api-key-env names the variable)",
        not_found="check --base-url (usually ending in /v1) and --model",
        not_json="check --base-url (usually ending in /v1)",
    )
    return OpenAIAccess(base, key, env, hints)


def create_openai(
    settings: Settings,
    environ: Mapping[str, str],
    notify: Notify | None = None,
    *,
    need_model: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ChatProvider:
    """The ``openai`` provider for *settings*, its key read from *environ*.

    :param need_model: refuse to start without ``settings.model`` (listing models does not
        need one)
    :param transport: what sends the requests (default: the network)
    """
    access = openai_access(settings, environ)
    validate_params(settings.params)
    if need_model and not settings.model:
        raise UsageError(
            "the openai provider needs --model (the name your server serves; list them with "
            "'mdslides-prompts models --provider openai --base-url URL')"
        )
    client = bearer_client(
        access.key, access.key_env, settings, access.hints, notify, transport,
        base_url=access.base_url,
    )  # fmt: skip
    return ChatProvider(
        name="openai",
        model=settings.model or "",
        chat_url=f"{access.base_url}/chat/completions",
        client=client,
        models_url=f"{access.base_url}/models",
    )


@hookimpl(trylast=True)
def mdslides_provider_names() -> list[str]:
    """This module provides ``openai``."""
    return ["openai"]


@hookimpl(trylast=True)
def mdslides_get_provider(name: str, settings: Settings, notify: Notify) -> ChatProvider | None:
    """Create the ``openai`` provider when it is asked for."""
    return create_openai(settings, os.environ, notify) if name == "openai" else None


def _add(total: Usage | None, more: Usage | None) -> Usage | None:
    if total is None or more is None:
        return more or total
    return Usage(
        total.prompt_tokens + more.prompt_tokens, total.completion_tokens + more.completion_tokens
    )
