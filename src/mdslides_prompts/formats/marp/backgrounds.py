"""Marp's picture slots: background images and the slide size, as Marpit reads them.

An image whose alt text holds the keyword ``bg`` is the slide's background, not an image
in its content (marpit ``src/markdown/background_image/parse.js``); ``left`` or
``right``, with an optional ``:N%``, splits the slide and puts the backgrounds on that
side (50% unless given; the last keyword of the slide wins, ``apply.js``); an image with
a blank URL is ignored. The ``backgroundImage`` directive sets a CSS background: from
its slide on (``_backgroundImage``: that slide only), the front matter's from the first.
The ``size`` global directive picks one of the theme's sizes (the last one wins); the
built-in themes have ``16:9`` (1280x720, the default) and ``4:3`` (960x720).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
import re
from typing import Any

from markdown_it.token import Token

from ...lazyre import lazy_pattern
from ...placement import Placement, Slot, parse_share
from .parser import yaml_mapping

__all__ = ["SlideBackgrounds", "placements", "read_backgrounds"]

SIZES = {"16:9": (1280.0, 720.0), "4:3": (960.0, 720.0)}
"""The sizes of marp-core's built-in themes (``@size`` in default, gaia and uncover)."""

_SPLIT = lazy_pattern(r"(left|right)(?::((?:\d*\.)?\d+%))?")
_URL = lazy_pattern(r"url\(", re.I)


@dataclass(frozen=True, slots=True)
class _Background:
    picture: str
    source: str
    line: int | None


_UNSET = _Background("", "", None)
"""No ``_backgroundImage`` on this slide (a colour there still hides the inherited one)."""


@dataclass(frozen=True, slots=True)
class SlideBackgrounds:
    """What one slide says of its background, read from its tokens."""

    directives: tuple[Mapping[str, Any], ...]
    """Its directive comments' values, in order."""
    image: _Background | None
    """Its first ``bg`` image."""
    split: str | None
    """The side its ``bg`` images split it to (the last one wins)."""
    share: str | None
    """The share of the slide they take (the last one wins)."""


def read_backgrounds(
    tokens: Sequence[Token], directives: Sequence[str], ours: Collection[int] = ()
) -> SlideBackgrounds:
    """What a slide's *tokens* and the insides of its directive comments (*directives*)
    say of its background; the images on the lines *ours* (the pictures we placed) aside."""
    values = tuple(yaml_mapping(c, loose=True) for c in directives)
    return SlideBackgrounds(values, *_images(tokens, ours))


def placements(
    meta: Mapping[str, Any], slides: Sequence[SlideBackgrounds]
) -> tuple[Placement, ...]:
    """The placement of each slide, given the front matter *meta* and what each slide
    says (:func:`read_backgrounds`)."""
    width, height, said = _size(meta, [slide.directives for slide in slides])
    inherited = _css_background(meta, "backgroundImage", None)
    spot = _css_background(meta, "_backgroundImage", _UNSET)
    found = []
    for slide in slides:
        for values in slide.directives:
            inherited = _css_background(values, "backgroundImage", inherited)
            spot = _css_background(values, "_backgroundImage", spot)
        split = slide.split
        picture = slide.image or (inherited if spot is _UNSET else spot)
        slot = Slot(split) if split else Slot.BACKGROUND if picture else Slot.SLIDE
        shown = (picture.picture, picture.source, picture.line) if picture else (None, None, None)
        found.append(
            Placement(slot, parse_share(slide.share) if split else 1.0, width, height, said, *shown)
        )
        spot = _UNSET
    return tuple(found)


def _size(
    meta: Mapping[str, Any], directives: Sequence[Sequence[Mapping[str, Any]]]
) -> tuple[float, float, str]:
    """The slide size: the last ``size`` directive's, if the themes have it."""
    value, where = meta.get("size"), "in the front matter"
    for given in directives:
        for values in given:
            if "size" in values:
                value, where = values["size"], "in a directive comment"
    if value is None:
        return (*SIZES["16:9"], "Marp's default size, 1280x720")
    name = str(value).strip()
    if name in SIZES:
        return (*SIZES[name], f"size: {name} {where}")
    return (*SIZES["16:9"], f"size: {name} {where} is no built-in size; 16:9 assumed")


def _css_background(
    values: Mapping[str, Any], name: str, previous: _Background | None
) -> _Background | None:
    """The picture a ``backgroundImage`` directive called *name* in *values* sets (a
    ``url(...)``; ``None`` for a colour or gradient), or *previous* when it is not set."""
    value = values.get(name)
    if value is None:
        return previous
    if not isinstance(value, str) or not _URL.search(value):
        return None
    return _Background(value, f"{name}: {value}", None)


def _images(
    tokens: Sequence[Token], ours: Collection[int] = ()
) -> tuple[_Background | None, str | None, str | None]:
    """The slide's first background image, and the split side and size its ``bg``
    images give (the last ones win)."""
    first: _Background | None = None
    split: str | None = None
    share: str | None = None
    for token in tokens:
        if token.map and token.map[0] + 1 in ours:
            continue
        for child in token.children or () if token.type == "inline" else ():
            words = child.content.split() if child.type == "image" else []
            url = str(child.attrGet("src") or "")
            if "bg" not in words or not url.strip():
                continue
            if first is None:
                line = token.map[0] + 1 if token.map else None
                first = _Background(url, f"![{child.content}]({url})", line)
            for word in words:
                if matched := _SPLIT.fullmatch(word):
                    split, share = matched[1], matched[2]
    return first, split, share
