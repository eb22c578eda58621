"""Scrubbing a secret out of text: the token, any run of 8 of its characters, and the
forms a server may echo it in (base64 of it or of ``Bearer <token>``, percent-encoding).

A server that echoes part of the token, or a model asked to repeat the request, must not
put it in an error line, a JSON report, a deck or the cache. Any 8 consecutive characters
of one of the forms below count as a leak; every maximal run made of such windows becomes
``***``.

Base64 encodes in groups of 3 bytes, so the encoding of a part of the token is a run of
the encoding of the whole token only when the part starts at a multiple of 3; the
encodings of the token cut at its first, second and third character cover every start.
The last group of such an encoding (which depends on where the part ends, and may carry
``=`` padding) can differ: at most 4 characters stay, never enough to rebuild the token.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from urllib.parse import quote

__all__ = ["MASK", "WINDOW", "Scrubber"]

WINDOW = 8
"""The shortest run of a secret's characters that is taken for a leak."""

MASK = "***"
"""What a leak is replaced by."""


def _forms(secret: str) -> list[str]:
    """The secret as a server or a model may write it back."""
    forms = {secret, quote(secret, safe=""), quote(secret, safe="").lower()}
    for text in (secret, f"Bearer {secret}"):
        raw = text.encode("utf-8")
        for shift in range(3):
            for encode in (base64.b64encode, base64.urlsafe_b64encode):
                encoded = encode(raw[shift:]).decode("ascii")
                forms.update((encoded, encoded.rstrip("=")))
    return [form for form in forms if form]


class Scrubber:
    """Replaces every leak of one secret in a text (see the module's docstring)."""

    def __init__(self, secret: str | None) -> None:
        self._secret = secret or ""
        self._windows: frozenset[str] = frozenset()
        if len(self._secret) >= WINDOW:
            self._windows = frozenset(
                form[i : i + WINDOW]
                for form in _forms(self._secret)
                for i in range(len(form) - WINDOW + 1)
            )

    def __bool__(self) -> bool:
        return bool(self._secret)

    def __repr__(self) -> str:  # never the secret, not even its length
        return "<Scrubber>"

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The maximal ``(start, end)`` runs of *text* that leak the secret."""
        if not self._secret:
            return []
        if not self._windows:  # a secret shorter than a window: only the whole of it
            return _merge(_find_all(text, self._secret))
        found = []
        windows = self._windows
        for i in range(len(text) - WINDOW + 1):
            if text[i : i + WINDOW] in windows:
                found.append((i, i + WINDOW))
        return _merge(found)

    def __call__(self, text: str) -> str:
        """*text* with every leak replaced by ``***``."""
        spans = self.spans(text)
        if not spans:
            return text
        parts, last = [], 0
        for start, end in spans:
            parts.append(text[last:start])
            parts.append(MASK)
            last = end
        parts.append(text[last:])
        return "".join(parts)

    def scrub_bytes(self, data: bytes) -> bytes:
        """*data* (UTF-8, or anything else byte for byte) with every leak masked."""
        if not self._secret:
            return data
        text = data.decode("utf-8", "surrogateescape")
        scrubbed = self(text)
        return data if scrubbed == text else scrubbed.encode("utf-8", "surrogateescape")


def _find_all(text: str, needle: str) -> Iterable[tuple[int, int]]:
    start = text.find(needle)
    while start >= 0:
        yield start, start + len(needle)
        start = text.find(needle, start + 1)


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
