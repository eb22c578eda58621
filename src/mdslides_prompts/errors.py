"""The one exception tree of mdslides-prompts.

Every error the library raises on purpose is an :class:`MdSlidesError`, so a caller
(the CLI among them) needs a single ``except`` clause::

    MdSlidesError
    ├── UsageError            bad option values, unknown provider or format name
    ├── DeckError             a deck that cannot be read, decoded or handled
    │   ├── FormatNotFound    nobody recognised the deck's format
    │   ├── FormatUncertain   the deck's signs do not name one format for sure
    │   └── ConcurrentEdit    the file changed on disk while we were working
    ├── ProviderError         a provider could not produce a prompt for a slide
    │   ├── ProviderHTTPError       the server answered with an HTTP error status
    │   │   ├── AuthenticationFailed    401/403: the token or key is wrong
    │   │   ├── EndpointNotFound        404: wrong product id, base URL or model
    │   │   ├── RequestRejected         400/422: a parameter the server refuses
    │   │   ├── RateLimited             429: too many requests
    │   │   └── ServerFailed            5xx, 408, 409: the server failed
    │   ├── ProviderUnreachable     no answer: connection refused, reset, ...
    │   │   └── ProviderTimeout         no answer in time
    │   └── BadAnswer               an answer that holds no usable prompt
    ├── CacheError            the prompt cache could not be opened or used
    └── PluginError           a plugin broke the hook contract

Messages are complete one-line sentences meant for the user; they never contain
secrets such as API tokens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "AuthenticationFailed",
    "BadAnswer",
    "CacheError",
    "CannotConnect",
    "ConcurrentEdit",
    "DeckError",
    "EndpointNotFound",
    "FormatNotFound",
    "FormatUncertain",
    "MalformedAnswer",
    "MdSlidesError",
    "PluginError",
    "ProviderError",
    "ProviderHTTPError",
    "ProviderTimeout",
    "ProviderUnreachable",
    "RateLimited",
    "RequestRejected",
    "ServerFailed",
    "UsageError",
]


class MdSlidesError(Exception):
    """Root of every error mdslides-prompts raises on purpose."""


class UsageError(MdSlidesError):
    """An option, name or value given by the user is not acceptable."""


class DeckError(MdSlidesError):
    """A deck could not be read, decoded, parsed or written.

    :param message: what went wrong, as a sentence
    :param path: the deck's path, when it came from a file
    """

    def __init__(self, message: str, path: Path | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path is not None else message)


class FormatNotFound(DeckError):
    """No format plugin recognised the deck (or the requested format is unknown)."""


class FormatUncertain(DeckError):
    """The deck's signs do not name one format with confidence: nothing is written."""


class ConcurrentEdit(DeckError):
    """The file changed on disk between our read and our write; nothing was written."""


class ProviderError(MdSlidesError):
    """A provider failed to produce a prompt for a slide."""

    retryable = False
    """Whether the same request may succeed if sent again later."""
    attempts = 0
    """Requests sent before giving up, retries included (0 when none was sent or the
    provider does not count them)."""
    waited = 0.0
    """Seconds the requests were held back by client-side pacing before they went out."""
    sent = True
    """``False`` when no request went out at all because the run had stopped sending (a
    server that cannot be reached, a wrong key or model): the slide was never asked."""


class ProviderHTTPError(ProviderError):
    """The server answered with an HTTP error status.

    :param message: the whole one-line message (server's words and a hint)
    :param status: the HTTP status code
    :param code: the server's error code (``validation_failed``, ...), if it gave one
    :param retry_after: seconds the server asked us to wait (``Retry-After``), if it did
    """

    def __init__(
        self,
        message: str,
        status: int,
        *,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after


class AuthenticationFailed(ProviderHTTPError):
    """401 or 403: the token (or key) is missing, wrong, expired or lacks a scope."""


class EndpointNotFound(ProviderHTTPError):
    """404: the route does not exist (product id, base URL, API version) or the model."""


class RequestRejected(ProviderHTTPError):
    """400 or 422 (or another 4xx): the server refuses the request as it is."""


class RateLimited(ProviderHTTPError):
    """429: too many requests; retried after a wait."""

    retryable = True


class ServerFailed(ProviderHTTPError):
    """5xx, 408 or 409: the server failed or timed out on its side; retried."""

    retryable = True


class ProviderUnreachable(ProviderError):
    """No HTTP answer: connection refused or reset, DNS failure, broken stream; retried."""

    retryable = True


class ProviderTimeout(ProviderUnreachable):
    """No complete answer within the time limit; retried."""


class BadAnswer(ProviderError):
    """An answer with no usable prompt: not JSON, no choices, empty or null content."""


class MalformedAnswer(BadAnswer):
    """A success status with a body that is no answer (not JSON, no choices, no content
    and no reason given): a proxy's page or a server's glitch; retried."""

    retryable = True


class CannotConnect(ProviderUnreachable):
    """No connection could be made to the server (refused, unknown host, no route)."""

    timed_out = False
    """Whether the connection attempt timed out (a busy server may do that too)."""


class CacheError(MdSlidesError):
    """The on-disk prompt cache could not be opened or used."""


class PluginError(MdSlidesError):
    """A plugin returned something that breaks its hook's contract."""
