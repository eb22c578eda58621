"""The prompt cache: answers on disk, keyed by everything that decides them."""

from __future__ import annotations

from dataclasses import asdict
import hashlib
import json
from pathlib import Path
from typing import Any

import diskcache

from .errors import CacheError
from .providers.base import PromptRequest

__all__ = ["CACHE_SCHEMA", "PromptCache", "cache_key"]

CACHE_SCHEMA = 1
"""Bumped whenever the meaning of a cached answer changes; old entries are then misses."""


def cache_key(provider: str, model: str, request: PromptRequest) -> str:
    """A SHA-256 over the schema, provider, model, parameters, messages and context.

    Nothing secret is part of a request, so nothing secret is part of the key.
    """
    payload: dict[str, Any] = {
        "schema": CACHE_SCHEMA,
        "provider": provider,
        "model": model,
        "params": dict(request.params),
        "messages": [dict(m) for m in request.messages],
        "context": asdict(request.context),
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class PromptCache:
    """A thin, typed wrapper over :class:`diskcache.Cache` that maps errors to ours."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        try:
            self._cache = diskcache.Cache(str(directory))
        except Exception as exc:  # diskcache raises OSError, sqlite3 errors, ...
            raise CacheError(f"cannot open the prompt cache in {directory}: {exc}") from None

    def get(self, key: str) -> str | None:
        """The cached prompt for *key*, or ``None``."""
        try:
            value = self._cache.get(key)
        except Exception as exc:
            raise CacheError(f"cannot read the prompt cache in {self.directory}: {exc}") from None
        return value if isinstance(value, str) else None

    def put(self, key: str, prompt: str) -> None:
        """Remember *prompt* under *key*."""
        try:
            self._cache.set(key, prompt)
        except Exception as exc:
            raise CacheError(f"cannot write the prompt cache in {self.directory}: {exc}") from None

    def __len__(self) -> int:
        return len(self._cache)

    def close(self) -> None:
        """Close the underlying database."""
        self._cache.close()
