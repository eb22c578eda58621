"""What the HTTP providers accept, checked before any client exists: request parameters,
pacing and retry options, error hints, and the defaults ``--help`` shows.

Kept apart from :mod:`mdslides_prompts.providers.http` (and light) so that reading settings
and showing ``--help`` never import the HTTP client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import math
from types import MappingProxyType
from typing import Any

from ..errors import UsageError

__all__ = [
    "CLIENT_OPTION_KEYS",
    "DEFAULT_MODEL",
    "DEFAULT_PARAMS",
    "OPENAI_KEY_ENV",
    "PARAM_RANGES",
    "PRODUCT_ENV",
    "PROFILE_TYPES",
    "TOKEN_ENV",
    "ClientOptions",
    "Hints",
    "validate_params",
]

TOKEN_ENV = "INFOMANIAK_API_TOKEN"
PRODUCT_ENV = "INFOMANIAK_PRODUCT_ID"
OPENAI_KEY_ENV = "OPENAI_API_KEY"
"""Where ``openai`` looks for a key without an ``api_key_env``."""
DEFAULT_MODEL = "mistralai/Ministral-3-14B-Instruct-2512"
"""Infomaniak's default: a fast, non-reasoning chat model (about 1 s per answer); ``--model``
picks another."""

DEFAULT_PARAMS: Mapping[str, Any] = MappingProxyType({"max_tokens": 400, "temperature": 0.7})
"""Sent unless the run's parameters say otherwise: room for a 60-word prompt, some variety."""

PARAM_RANGES: Mapping[str, tuple[type, float, float]] = {
    "max_tokens": (int, 1, 5000),
    "temperature": (float, 0.0, 2.0),
    "top_p": (float, 0.0, 1.0),
    "frequency_penalty": (float, -2.0, 2.0),
    "presence_penalty": (float, -2.0, 2.0),
}
"""Request parameters checked before anything is sent: type, lowest, highest."""

PROFILE_TYPES: tuple[str, ...] = ("creative", "standard", "strict")
"""Values of Infomaniak's ``profile_type`` (v1 route only)."""

CLIENT_OPTION_KEYS = (
    "rpm", "image_rpm", "timeout", "deadline", "max_retries", "retry_backoff", "stream",
)  # fmt: skip
"""Keys of ``Settings.provider_options`` that :class:`ClientOptions` reads."""


def validate_params(params: Mapping[str, Any], *, profile_type: bool = False) -> None:
    """Check request parameters before anything is sent; raise :class:`UsageError`.

    :param params: the parameters (unknown keys pass through unchecked)
    :param profile_type: whether ``profile_type`` is allowed (Infomaniak's v1 route)
    """
    for key, (kind, low, high) in PARAM_RANGES.items():
        if key not in params or params[key] is None:
            continue
        value = params[key]
        ok_type = isinstance(value, int) if kind is int else isinstance(value, int | float)
        if isinstance(value, bool) or not ok_type or not math.isfinite(value):
            raise UsageError(f"{key} must be {'an integer' if kind is int else 'a number'}")
        if not low <= value <= high:
            raise UsageError(f"{key} must be between {low:g} and {high:g}, not {value:g}")
    if params.get("profile_type") is not None:
        if not profile_type:
            raise UsageError(
                "profile_type is only accepted by Infomaniak's v1 route (api version 1)"
            )
        if params["profile_type"] not in PROFILE_TYPES:
            raise UsageError(
                f"profile_type must be one of {', '.join(PROFILE_TYPES)}, "
                f"not {params['profile_type']!r}"
            )


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """How a :class:`~mdslides_prompts.providers.http.ChatClient` paces, waits and retries."""

    rpm: float = 60.0
    """Most requests started per minute, retries included (0: no pacing)."""
    image_rpm: float = 10.0
    """:attr:`rpm` for pictures. Infomaniak publishes no figure for its images route
    (only 60 a minute for its whole API, and "some URI can have an additional custom
    limit"), and a picture takes seconds of GPU where a prompt takes one: one request
    every 6 s keeps a deck's pictures well clear of the whole-API limit."""
    concurrency: int = 4
    """Most connections open at once."""
    timeout: float = 60.0
    """Longest one attempt may take, connecting and reading included (seconds)."""
    deadline: float = 300.0
    """Longest one call may take from its first attempt, retries and waits included."""
    max_retries: int = 5
    """Most retries of one call after its first attempt."""
    retry_backoff: float = 1.0
    """First wait after a transient error; it doubles each retry, up to 16 times itself.
    A 429 without ``Retry-After`` waits 5 times as long (up to 60 times): the limits
    are per minute."""
    retry_after_cap: float = 120.0
    """Longest wait a ``Retry-After`` header can ask for."""
    stream: bool = False
    """Ask for a server-sent-events stream instead of one JSON answer."""

    def __post_init__(self) -> None:
        checks = (
            ("rpm", self.rpm >= 0, "at least 0 (0 turns pacing off)"),
            ("image_rpm", self.image_rpm >= 0, "at least 0 (0 turns pacing off)"),
            ("concurrency", self.concurrency >= 1, "at least 1"),
            ("timeout", self.timeout > 0, "more than 0 seconds"),
            ("deadline", self.deadline > 0, "more than 0 seconds"),
            ("max_retries", 0 <= self.max_retries <= 100, "between 0 and 100"),
            ("retry_backoff", self.retry_backoff >= 0, "at least 0 seconds"),
            ("retry_after_cap", self.retry_after_cap >= 0, "at least 0 seconds"),
        )
        for name, ok, what in checks:
            if not ok or not math.isfinite(float(getattr(self, name))):
                raise UsageError(f"{name} must be {what}, not {getattr(self, name)!r}")

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any], concurrency: int = 4) -> ClientOptions:
        """Build options from ``Settings.provider_options`` (keys of :data:`CLIENT_OPTION_KEYS`)."""
        given = {k: options[k] for k in CLIENT_OPTION_KEYS if options.get(k) is not None}
        numeric = {"rpm": float, "image_rpm": float, "timeout": float, "deadline": float,
                   "retry_backoff": float, "max_retries": int}  # fmt: skip
        for key, kind in numeric.items():
            if key in given:
                value = given[key]
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise UsageError(f"{key} must be a number, not {value!r}")
                if kind is int and value != int(value):
                    raise UsageError(f"{key} must be a whole number, not {value!r}")
                given[key] = kind(value)
        if "stream" in given:
            given["stream"] = bool(given["stream"])
        return cls(concurrency=max(1, concurrency), **given)


@dataclass(frozen=True, slots=True)
class Hints:
    """What to tell the user for each kind of error, in the provider's own terms."""

    auth: str = "check the API key"
    """After 401/403."""
    not_found: str = "check the base URL and the model name"
    """After 404."""
    rejected: str = "check the model name and the request parameters"
    """After 400/422 when the server does not name the parameter."""
    not_json: str = "check the base URL"
    """When a success status comes with a body that is not JSON."""
    rate_limited: str = "lower --rpm or --concurrency"
    """After the last 429."""
