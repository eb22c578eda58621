"""The prompt cache: answers on disk, keyed by everything that decides them.

Each entry holds the prompt and, next to it, what its key was made of (provider, model,
parameters, messages, slide context) plus which deck and slide asked for it and when.
None of it is secret. It lets ``cache explain`` say why a slide misses: which part of
the key differs from the answer last cached for that slide.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
import hashlib
import json
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .deck import Deck, Slide
from .errors import CacheError
from .providers.base import PromptRequest, Usage

__all__ = ["CACHE_SCHEMA", "CacheEntry", "PromptCache", "cache_key", "entry_meta", "key_parts"]

CACHE_SCHEMA = 1
"""Bumped whenever the meaning of a cached answer changes; old entries are then misses."""


def key_parts(provider: str, model: str, request: PromptRequest) -> dict[str, Any]:
    """Everything the cache key is made of, as JSON-ready data."""
    return {
        "schema": CACHE_SCHEMA,
        "provider": provider,
        "model": model,
        "params": dict(request.params),
        "messages": [dict(m) for m in request.messages],
        "context": asdict(request.context),
    }


def cache_key(provider: str, model: str, request: PromptRequest) -> str:
    """A SHA-256 over the schema, provider, model, parameters, messages and context.

    Nothing secret is part of a request, so nothing secret is part of the key.
    """
    payload = key_parts(provider, model, request)
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def deck_location(deck: Deck) -> str:
    """How a cache entry names its deck: the file's real path, or the deck's name."""
    return str(deck.path.resolve()) if deck.path is not None else deck.name


def entry_meta(
    deck: Deck, slide: Slide, provider: str, model: str, request: PromptRequest
) -> dict[str, Any]:
    """What is stored next to an answer: the key's parts and the deck and slide it was for."""
    return {
        **key_parts(provider, model, request),
        "deck": deck_location(deck),
        "slide": slide.index,
        "title": slide.title,
    }


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One cached answer with what it was made from."""

    key: str
    """Its cache key."""
    prompt: str
    """The cached prompt."""
    meta: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """The key's parts (see :func:`key_parts`), ``deck``, ``slide``, ``title``, ``created``
    (ISO 8601, UTC) and ``usage``; empty for entries written by older versions."""


class PromptCache:
    """A thin, typed wrapper over :class:`diskcache.Cache` that maps errors to ours."""

    def __init__(self, directory: Path) -> None:
        import diskcache  # here, not at the top: a run that needs no lookup never opens it

        self.directory = directory
        try:
            self._cache = diskcache.Cache(str(directory))
        except Exception as exc:  # diskcache raises OSError, sqlite3 errors, ...
            raise CacheError(f"cannot open the prompt cache in {directory}: {exc}") from None

    @staticmethod
    def exists(directory: Path) -> bool:
        """Whether *directory* holds a cache (opening one creates it)."""
        import diskcache

        return (directory / str(diskcache.core.DBNAME)).is_file()

    def _error(self, what: str, exc: Exception) -> CacheError:
        return CacheError(f"cannot {what} the prompt cache in {self.directory}: {exc}")

    def get(self, key: str) -> str | None:
        """The cached prompt for *key*, or ``None``."""
        entry = self.entry(key)
        return entry.prompt if entry is not None else None

    def entry(self, key: str) -> CacheEntry | None:
        """The cached entry for *key*, or ``None``."""
        try:
            value = self._cache.get(key)
        except Exception as exc:
            raise self._error("read", exc) from None
        return _entry(key, value)

    def put(
        self,
        key: str,
        prompt: str,
        meta: Mapping[str, Any] | None = None,
        usage: Usage | None = None,
    ) -> None:
        """Remember *prompt* under *key*, with *meta* (see :func:`entry_meta`) beside it."""
        value: dict[str, Any] = {"prompt": prompt, "meta": dict(meta or {})}
        value["meta"]["created"] = datetime.now(UTC).isoformat(timespec="seconds")
        if usage is not None:
            value["meta"]["usage"] = asdict(usage)
        try:
            self._cache.set(key, value)
        except Exception as exc:
            raise self._error("write", exc) from None

    def entries(self) -> Iterator[CacheEntry]:
        """Every entry, in no particular order."""
        try:
            for key in self._cache.iterkeys():
                entry = _entry(key, self._cache.get(key))
                if entry is not None:
                    yield entry
        except Exception as exc:
            raise self._error("read", exc) from None

    def volume(self) -> int:
        """Bytes the cache takes on disk."""
        try:
            return int(self._cache.volume())
        except Exception as exc:
            raise self._error("read", exc) from None

    def clear(self) -> int:
        """Remove every entry; return how many there were."""
        try:
            return int(self._cache.clear())
        except Exception as exc:
            raise self._error("clear", exc) from None

    def __len__(self) -> int:
        return len(self._cache)

    def close(self) -> None:
        """Close the underlying database."""
        self._cache.close()


def _entry(key: Any, value: Any) -> CacheEntry | None:
    if not isinstance(key, str):
        return None
    if isinstance(value, str):  # written before answers carried their metadata
        return CacheEntry(key, value)
    if isinstance(value, dict) and isinstance(value.get("prompt"), str):
        meta = value.get("meta")
        return CacheEntry(
            key, value["prompt"], MappingProxyType(meta if isinstance(meta, dict) else {})
        )
    return None
