"""The one exception tree of mdslides-prompts.

Every error the library raises on purpose is an :class:`MdSlidesError`, so a caller
(the CLI among them) needs a single ``except`` clause::

    MdSlidesError
    ├── UsageError            bad option values, unknown provider or format name
    ├── DeckError             a deck that cannot be read, decoded or handled
    │   ├── FormatNotFound    nobody recognised the deck's format
    │   └── ConcurrentEdit    the file changed on disk while we were working
    ├── ProviderError         a provider could not produce a prompt for a slide
    ├── CacheError            the prompt cache could not be opened or used
    └── PluginError           a plugin broke the hook contract

Messages are complete one-line sentences meant for the user; they never contain
secrets such as API tokens.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "CacheError",
    "ConcurrentEdit",
    "DeckError",
    "FormatNotFound",
    "MdSlidesError",
    "PluginError",
    "ProviderError",
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


class ConcurrentEdit(DeckError):
    """The file changed on disk between our read and our write; nothing was written."""


class ProviderError(MdSlidesError):
    """A provider failed to produce a prompt for a slide."""


class CacheError(MdSlidesError):
    """The on-disk prompt cache could not be opened or used."""


class PluginError(MdSlidesError):
    """A plugin returned something that breaks its hook's contract."""
