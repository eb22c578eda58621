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

import importlib
from typing import TYPE_CHECKING, Any

from .about import PLUGINS_ENV as PLUGINS_ENV
from .about import __version__

if TYPE_CHECKING:
    from .config import Key, Settings
    from .deck import Deck, LineSpan, PlacedPicture, Slide, SlidePicture, SlidePrompt, Status
    from .detection import Detection, Evidence, Strength
    from .errors import (
        AuthenticationFailed,
        BadAnswer,
        CacheError,
        CannotConnect,
        ConcurrentEdit,
        DeckError,
        EndpointNotFound,
        FormatNotFound,
        FormatUncertain,
        MalformedAnswer,
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
    from .formats.base import Format
    from .hookspecs import hookimpl
    from .marker import BadMarker, PromptMarker
    from .outcomes import Action, DeckReport, SlideOutcome, SlidePlan
    from .pipeline import Pipeline
    from .placement import Placement, Slot
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
    from .providers.pictures import ImageProvider, ImageRequest, Picture
    from .workspace import Workspace, settings_for

# The public names load on first use (PEP 562), so that ``mdslides-prompts --help`` and a
# run that makes no request import only what they need.
_LAZY = {
    "Settings": ".config",
    "settings_for": ".workspace",
    "Deck": ".deck",
    "LineSpan": ".deck",
    "Slide": ".deck",
    "SlidePicture": ".deck",
    "PlacedPicture": ".deck",
    "SlidePrompt": ".deck",
    "Status": ".deck",
    "Detection": ".detection",
    "Evidence": ".detection",
    "Key": ".config",
    "Strength": ".detection",
    "AuthenticationFailed": ".errors",
    "BadAnswer": ".errors",
    "CacheError": ".errors",
    "CannotConnect": ".errors",
    "ConcurrentEdit": ".errors",
    "DeckError": ".errors",
    "EndpointNotFound": ".errors",
    "Format": ".formats.base",
    "FormatNotFound": ".errors",
    "FormatUncertain": ".errors",
    "MalformedAnswer": ".errors",
    "MdSlidesError": ".errors",
    "PluginError": ".errors",
    "ProviderError": ".errors",
    "ProviderHTTPError": ".errors",
    "ProviderTimeout": ".errors",
    "ProviderUnreachable": ".errors",
    "RateLimited": ".errors",
    "RequestRejected": ".errors",
    "ServerFailed": ".errors",
    "UsageError": ".errors",
    "hookimpl": ".hookspecs",
    "BadMarker": ".marker",
    "PromptMarker": ".marker",
    "Action": ".outcomes",
    "DeckReport": ".outcomes",
    "Pipeline": ".pipeline",
    "Placement": ".placement",
    "Slot": ".placement",
    "SlideOutcome": ".outcomes",
    "SlidePlan": ".outcomes",
    "get_plugin_manager": ".plugins",
    "ImageProvider": ".providers.pictures",
    "ImageRequest": ".providers.pictures",
    "Picture": ".providers.pictures",
    "Answer": ".providers.base",
    "Message": ".providers.base",
    "ModelInfo": ".providers.base",
    "Notify": ".providers.base",
    "PromptContext": ".providers.base",
    "PromptRequest": ".providers.base",
    "Provider": ".providers.base",
    "ProviderEvent": ".providers.base",
    "Usage": ".providers.base",
    "Workspace": ".workspace",
}

__all__ = [
    "Action",
    "Answer",
    "AuthenticationFailed",
    "BadAnswer",
    "BadMarker",
    "CacheError",
    "CannotConnect",
    "ConcurrentEdit",
    "Deck",
    "DeckError",
    "DeckReport",
    "Detection",
    "EndpointNotFound",
    "Evidence",
    "Format",
    "FormatNotFound",
    "FormatUncertain",
    "ImageProvider",
    "ImageRequest",
    "Key",
    "LineSpan",
    "MalformedAnswer",
    "MdSlidesError",
    "Message",
    "ModelInfo",
    "Notify",
    "Picture",
    "Pipeline",
    "PlacedPicture",
    "Placement",
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
    "SlidePicture",
    "SlidePlan",
    "SlidePrompt",
    "Slot",
    "Status",
    "Strength",
    "Usage",
    "UsageError",
    "Workspace",
    "__version__",
    "get_plugin_manager",
    "hookimpl",
    "settings_for",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
