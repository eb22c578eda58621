"""mdslides-prompts: give every slide of a Markdown deck an image-generation prompt.

The Python API is the same pipeline the CLI uses::

    from pathlib import Path
    from mdslides_prompts import Pipeline, Settings

    pipeline = Pipeline(Settings(provider="offline"))
    deck = pipeline.load(Path("talk.md"))
    [report] = pipeline.run([deck], destination=lambda d: d.path)

:func:`settings_for` resolves settings from config files, a deck's front matter and the
environment exactly as the command line does.

Plugins implement hooks from :mod:`mdslides_prompts.hookspecs` with :data:`hookimpl`.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .config import Settings
from .configfile import settings_for
from .deck import Deck, LineSpan, Slide, SlidePrompt, Status
from .errors import (
    AuthenticationFailed,
    BadAnswer,
    CacheError,
    ConcurrentEdit,
    DeckError,
    EndpointNotFound,
    FormatNotFound,
    MdSlidesError,
    PluginError,
    ProviderError,
    ProviderHTTPError,
    ProviderTimeout,
    ProviderUnreachable,
    RateLimited,
    RequestRejected,
    ServerFailed,
    UsageError,
)
from .hookspecs import hookimpl
from .marker import BadMarker, PromptMarker
from .pipeline import Action, DeckReport, Pipeline, SlideOutcome, SlidePlan
from .plugins import get_plugin_manager
from .providers.base import (
    Answer,
    Message,
    ModelInfo,
    Notify,
    PromptContext,
    PromptRequest,
    Provider,
    ProviderEvent,
    Usage,
)

__all__ = [
    "Action",
    "Answer",
    "AuthenticationFailed",
    "BadAnswer",
    "BadMarker",
    "CacheError",
    "ConcurrentEdit",
    "Deck",
    "DeckError",
    "DeckReport",
    "EndpointNotFound",
    "FormatNotFound",
    "LineSpan",
    "MdSlidesError",
    "Message",
    "ModelInfo",
    "Notify",
    "Pipeline",
    "PluginError",
    "PromptContext",
    "PromptMarker",
    "PromptRequest",
    "Provider",
    "ProviderError",
    "ProviderEvent",
    "ProviderHTTPError",
    "ProviderTimeout",
    "ProviderUnreachable",
    "RateLimited",
    "RequestRejected",
    "ServerFailed",
    "Settings",
    "Slide",
    "SlideOutcome",
    "SlidePlan",
    "SlidePrompt",
    "Status",
    "Usage",
    "UsageError",
    "__version__",
    "get_plugin_manager",
    "hookimpl",
    "settings_for",
]
