"""Prompts kept in the deck's own front matter (``--mode frontmatter``), for formats whose
front matter belongs to the whole deck rather than to a slide (Marp, reveal-md, MkSlides,
Slides Extended). Slidev has per-slide front matter and does not use this.

The prompts are one block at the end of the front matter, one line per slide, keyed by
the slide's position; the value carries the hash of the content it was made from, so a
slide moved to another position reads as stale, never as another slide's fresh prompt::

    ---
    marp: true
    image-prompts:
      1: "src=3f2a9c1d sum=7be04a12 | Aerial view of a glacier at dawn"
      3: "src=91c0ffee sum=0b5e33aa | A lighthouse in a storm, oil painting"
    ---

The generators read front matter as configuration and ignore keys they do not know.
A deck without front matter gets one, opened with a comment line saying who made it, so
that stripping the prompts removes exactly what was added. The block is written only
when the front matter is a plain YAML mapping that reads the same with the block as
without it; otherwise the format falls back to its comment marker.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
import copy
from dataclasses import dataclass, replace
from functools import lru_cache
import re
from typing import Any

import yaml

from ..deck import Deck, LineSpan, Slide, SlidePrompt, TextLines, split_lines
from ..lazyre import lazy_pattern
from ..marker import BadMarker, PromptMarker, parse_value, render_value, strippable
from .lines import LineEdits

__all__ = [
    "CREATED",
    "KEY",
    "attach",
    "body_markers",
    "drop_entries",
    "strip_lines",
    "write",
    "yaml_mapping",
]

KEY = "image-prompts"
"""The front-matter key holding the deck's prompts."""
CREATED = "# image prompts by mdslides-prompts"
"""First line of a front matter the tool created (so that strip removes it again)."""

_KEY_LINE = lazy_pattern(rf"{re.escape(KEY)}:[ \t]*")
_ENTRY = lazy_pattern(r"[ \t]+(?P<index>\d+)[ \t]*:[ \t]*(?P<value>.*?)[ \t]*")
_INDENT = "  "


@dataclass(frozen=True, slots=True)
class _Block:
    key_line: int
    """The ``image-prompts:`` line."""
    entries: Mapping[int, tuple[int, ...]]
    """Entry lines by slide index (several when the author duplicated one)."""
    end: int
    """The block's last line."""


def _block(lines: Sequence[str], span: LineSpan | None) -> _Block | None:
    if span is None:
        return None
    for number in range(span.start + 1, span.end):
        if _KEY_LINE.fullmatch(lines[number - 1].rstrip("\r\n")):
            entries: dict[int, list[int]] = {}
            end = number
            for entry in range(number + 1, span.end):
                match = _ENTRY.fullmatch(lines[entry - 1].rstrip("\r\n"))
                if match is None:
                    break
                entries.setdefault(int(match.group("index")), []).append(entry)
                end = entry
            return _Block(number, {i: tuple(n) for i, n in entries.items()}, end)
    return None


def _value(lines: Sequence[str], number: int) -> str:
    match = _ENTRY.fullmatch(lines[number - 1].rstrip("\r\n"))
    assert match is not None
    return match.group("value")


def _whole(lines: list[str], span: LineSpan, block: _Block) -> set[int]:
    """The block's lines, and the front matter's if the tool created it for the block."""
    drop = set(range(block.key_line, block.end + 1))
    made = span.end - span.start >= 2 and lines[span.start].rstrip("\r\n") == CREATED
    if made and span.end - span.start - 2 == block.end - block.key_line + 1:
        drop |= {span.start, span.start + 1, span.end}
    return drop


def attach(deck: Deck) -> Deck:
    """*deck* (already split, its :attr:`~Deck.front_matter` known) with each slide's
    front-matter prompt added in front of its other markers."""
    lines = TextLines(deck.text)
    block = _block(lines, deck.front_matter)
    if block is None:
        return deck
    slides = []
    for slide in deck.slides:
        found: list[PromptMarker | BadMarker] = []
        for number in block.entries.get(slide.index, ()):
            found.append(parse_value(_value(lines, number), number))
        slides.append(replace(slide, markers=(*found, *slide.markers)) if found else slide)
    return replace(deck, slides=tuple(slides))


def body_markers(slide: Slide) -> list[PromptMarker | BadMarker]:
    """The slide's markers that are not front-matter entries."""
    return [m for m in slide.markers if m.form != "frontmatter"]


def yaml_mapping(text: str, *, null_is_empty: bool = False) -> dict[str, Any] | None:
    """*text* read as YAML, if it is a mapping; ``None`` if it is not YAML or no mapping.

    :param null_is_empty: read a document with no value (blank, only comments) as ``{}``
    """
    data = _safe_load(text)
    if data is _NOT_YAML:
        return None
    if data is None and null_is_empty:
        return {}
    # A copy: the cache's own stays as YAML read it, whatever the caller does with it.
    return copy.deepcopy(data) if isinstance(data, dict) else None


_NOT_YAML = object()


@lru_cache(maxsize=1024)  # a deck's blocks are read by its split and again by its writes
def _safe_load(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return _NOT_YAML


def _mapping(lines: Iterable[str]) -> dict[str, Any] | None:
    return yaml_mapping("".join(lines), null_is_empty=True)


def write(
    deck: Deck, prompts: Mapping[int, SlidePrompt], edits: LineEdits, *, create: bool
) -> bool:
    """Add edits that write *prompts* as front-matter entries (dropping those slides'
    other markers); ``False`` (and no edits) when the front matter cannot take them.

    Entries the run does not write (the author's ``3: "skip"``) keep their lines as they
    are; new ones go in slide order among them. An ``image-prompts:`` key of the
    author's own that holds no entries (or not in this form) is left alone: the prompts
    then go into comments, so that ``strip`` gives the deck back as it was.

    :param create: whether a front matter may be added to a deck that has none
    """
    lines = split_lines(deck.text)
    span = deck.front_matter
    block = _block(lines, span)
    indent = _INDENT
    if block is not None and block.entries:  # new entries line up with the author's
        first = lines[min(min(n) for n in block.entries.values()) - 1]
        indent = first[: len(first) - len(first.lstrip(" \t"))]
    rendered = {
        i: f"{indent}{i}: {render_value(p.text, p.source_hash, p.flags)}"
        for i, p in prompts.items()
    }
    if span is None:
        if not create or not rendered:
            return not rendered
        entries = [rendered[i] for i in sorted(rendered)]
        edits.insert[0] = "\n".join(["---", CREATED, f"{KEY}:", *entries, "---"])
    else:
        old = [lines[n - 1] for n in range(span.start + 1, span.end)]
        before = _mapping(old)
        if before is None or (KEY in before and (block is None or not block.entries)):
            return False
        own = LineEdits()
        if block is None:
            entries = [rendered[i] for i in sorted(rendered)]
            if entries:
                own.insert[span.end - 1] = "\n".join([f"{KEY}:", *entries])
        else:
            entries = _merge(lines, block, rendered, len(deck.slides), own)
            if not entries:
                own = LineEdits(drop=_whole(lines, span, block))
        kept = [n for n in range(span.start + 1, span.end) if block is None or not (
            block.key_line <= n <= block.end
        )]  # fmt: skip
        after = _mapping([lines[n - 1] for n in kept] + [f"{KEY}:\n", *(f"{e}\n" for e in entries)])
        before.pop(KEY, None)
        if after is None or {k: v for k, v in after.items() if k != KEY} != before:
            return False
        edits.insert.update(own.insert)
        edits.change.update(own.change)
        edits.drop |= own.drop
    for slide in deck.slides:
        if slide.index in prompts:
            edits.drop.update(m.line for m in body_markers(slide))
    return True


def _merge(
    lines: list[str], block: _Block, rendered: Mapping[int, str], count: int, edits: LineEdits
) -> list[str]:
    """Add edits that put the *rendered* entry lines into *block*: in place of a slide's
    entry (its duplicates go), else before the first entry of a later slide, else at the
    end; the entries of slides past *count* go too, unless the author flagged them.
    Returns the block's entry lines as they will be."""
    pending = {i: rendered[i] for i in sorted(rendered) if i not in block.entries}
    out: list[str] = []
    seen: set[int] = set()
    for number in range(block.key_line + 1, block.end + 1):
        index = _index(lines, number)
        if index in seen or (index > count and _ours(lines, number)):
            edits.drop.add(number)
            continue
        earlier = [i for i in pending if i < index]
        if earlier:
            edits.insert[number - 1] = "\n".join(pending[i] for i in earlier)
            out.extend(pending.pop(i) for i in earlier)
        if index in rendered:
            seen.add(index)
            edits.change[number] = rendered[index]
            out.append(rendered[index])
        else:
            out.append(lines[number - 1].rstrip("\r\n"))
    if pending:
        edits.insert[block.end] = "\n".join(pending.values())
        out.extend(pending.values())
    return out


def _index(lines: list[str], number: int) -> int:
    match = _ENTRY.fullmatch(lines[number - 1].rstrip("\r\n"))
    assert match is not None
    return int(match.group("index"))


def _ours(lines: list[str], number: int) -> bool:
    """Whether the entry at line *number* is one ``strip`` removes (not flagged)."""
    return strippable(parse_value(_value(lines, number), number))


def drop_entries(deck: Deck, indexes: Collection[int], edits: LineEdits) -> None:
    """Add edits that remove the front-matter entries of the slides *indexes*, and of
    slides the deck no longer has unless the author flagged them (the whole block once
    it would be empty, with the front matter if the tool created it)."""
    lines = split_lines(deck.text)
    span = deck.front_matter
    block = _block(lines, span)
    if block is None or span is None or not block.entries:
        return
    count = len(deck.slides)
    going = {
        n
        for i, numbers in block.entries.items()
        for n in numbers
        if i in indexes or (i > count and _ours(lines, n))
    }
    if going == set(range(block.key_line + 1, block.end + 1)):
        edits.drop.update(_whole(lines, span, block))
    else:
        edits.drop.update(going)


def strip_lines(deck: Deck) -> set[int]:
    """The front-matter entries ``strip`` removes: all but the author's flagged ones (and
    the whole block, with a front matter the tool created, when none is left; an empty
    ``image-prompts:`` is the author's and stays)."""
    lines = split_lines(deck.text)
    span = deck.front_matter
    block = _block(lines, span)
    if block is None or span is None or not block.entries:
        return set()
    going = {n for numbers in block.entries.values() for n in numbers if _ours(lines, n)}
    if going == set(range(block.key_line + 1, block.end + 1)):
        return _whole(lines, span, block)
    return going
