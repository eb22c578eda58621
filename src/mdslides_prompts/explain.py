"""Why a slide's request is, or is not, in the cache.

The cache key is a hash, so a miss alone says nothing. Each cached answer keeps the
key's parts next to it (see :func:`mdslides_prompts.cache.entry_meta`), so a miss can be
compared with the answer cached last time for the same slide: the parts that differ are
the reason (the slide's text, a neighbour's title, the model, a parameter, a template).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .cache import CacheEntry

__all__ = ["Change", "Explanation", "compare", "describe", "explain"]

_CONTEXT_LABELS = {
    "slide_text": "the slide's text",
    "slide_title": "the slide's title",
    "deck_title": "the deck's title",
    "theme": "the deck's theme",
    "language": "the prompt language",
    "style": "the style",
    "art_direction": "the deck's art direction",
    "previous_title": "the previous slide's title",
    "next_title": "the next slide's title",
}


@dataclass(frozen=True, slots=True)
class Change:
    """One part of the cache key that differs from a cached answer's."""

    part: str
    """Which part, in words (``the slide's text``, ``model``, ``parameter temperature``)."""
    before: Any
    """Its value in the cached answer's key."""
    after: Any
    """Its value now."""


@dataclass(frozen=True, slots=True)
class Explanation:
    """Whether a request is cached and, if not, how it differs from the closest answer."""

    key: str
    """The request's cache key."""
    parts: Mapping[str, Any]
    """What the key is made of (see :func:`mdslides_prompts.cache.key_parts`)."""
    hit: bool
    """Whether the cache holds an answer for :attr:`key`."""
    entry: CacheEntry | None
    """The answer for :attr:`key` (a hit), or the closest one cached for the same slide."""
    changes: tuple[Change, ...] = ()
    """What differs from :attr:`entry` (a miss with a close answer)."""


def compare(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[Change, ...]:
    """The differences between two sets of key parts (see
    :func:`mdslides_prompts.cache.key_parts`), most telling first."""
    changes: list[Change] = []
    for part in ("schema", "provider", "model"):
        if before.get(part) != after.get(part):
            label = "cache format version" if part == "schema" else part
            changes.append(Change(label, before.get(part), after.get(part)))
    old_params, new_params = before.get("params") or {}, after.get("params") or {}
    for name in sorted(set(old_params) | set(new_params)):
        if old_params.get(name) != new_params.get(name):
            changes.append(Change(f"parameter {name}", old_params.get(name), new_params.get(name)))
    old_ctx, new_ctx = before.get("context") or {}, after.get("context") or {}
    for name, label in _CONTEXT_LABELS.items():
        if old_ctx.get(name) != new_ctx.get(name):
            changes.append(Change(label, old_ctx.get(name), new_ctx.get(name)))
    old_msgs, new_msgs = before.get("messages") or [], after.get("messages") or []
    if not changes and old_msgs != new_msgs:
        # Same slide and settings, other messages: a template or the message builder.
        for i in range(max(len(old_msgs), len(new_msgs))):
            old = old_msgs[i] if i < len(old_msgs) else None
            new = new_msgs[i] if i < len(new_msgs) else None
            if old != new:
                role = (new or old or {}).get("role", "?")
                before_text, after_text = (old or {}).get("content"), (new or {}).get("content")
                changes.append(
                    Change(f"the {role} message (its template)", before_text, after_text)
                )
    return tuple(changes)


def _same_slide(entry: CacheEntry, deck: str, slide: int, title: str | None, text: str) -> bool:
    meta = entry.meta
    if meta.get("deck") == deck and (
        meta.get("slide") == slide or (title and meta.get("title") == title)
    ):
        return True
    context = meta.get("context")
    return isinstance(context, Mapping) and context.get("slide_text") == text


def explain(
    key: str,
    parts: Mapping[str, Any],
    entries: Iterable[CacheEntry],
    *,
    deck: str,
    slide: int,
    title: str | None,
) -> Explanation:
    """Explain the lookup of *key* (made of *parts*) for slide *slide* of *deck* (its
    resolved path) among the cache's *entries*."""
    candidates: list[tuple[int, str, CacheEntry]] = []
    text = (parts.get("context") or {}).get("slide_text", "")
    for entry in entries:
        if entry.key == key:
            return Explanation(key, parts, True, entry)
        if entry.meta and _same_slide(entry, deck, slide, title, text):
            changes = compare(entry.meta, parts)
            candidates.append((len(changes), str(entry.meta.get("created", "")), entry))
    if not candidates:
        return Explanation(key, parts, False, None)
    fewest = min(count for count, _, _ in candidates)
    _, _, best = max((c for c in candidates if c[0] == fewest), key=lambda c: c[1])
    return Explanation(key, parts, False, best, compare(best.meta, parts))


def describe(change: Change, width: int = 60) -> Sequence[str]:
    """*change* as lines for people: ``model: 'a' -> 'b'``, or a diff for long text."""
    before, after = change.before, change.after
    if (
        isinstance(before, str)
        and isinstance(after, str)
        and ("\n" in before + after or len(before + after) > width)
    ):
        import difflib

        diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1)
        return [f"{change.part} changed:", *(f"  {line}" for line in list(diff)[2:])]
    return [f"{change.part}: {before!r} -> {after!r}"]
