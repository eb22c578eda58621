"""Where a pandoc or Quarto slide's picture goes: the output format's slide size and the
slide heading's background attributes.

The size depends on what the deck is built into: Quarto's ``format:`` (in the deck, else
its project's ``_quarto.yml``), R Markdown's ``output:``, else pandoc's reveal.js. reveal.js
takes ``width`` and ``height`` (the format's options, else the deck's top level; Quarto's
default is 1050x700, pandoc's template leaves reveal.js's 960x700); beamer takes
``aspectratio`` (``169``, ``1610``...; 4:3 by default); PowerPoint's default template is
16:9. In reveal.js output a slide heading's ``{background-image="..."}`` (``-video``,
``-iframe``, or the ``data-`` forms) fills the slide; beamer and PowerPoint ignore it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ...deck import Deck, Slide
from ...lazyre import lazy_pattern
from ...placement import Placement, Slot, attributes, picture_value, positive_number
from ..lines import source_line
from .blocks import trailing_attributes
from .settings import QUARTO, front_matter_value, quarto_project

__all__ = ["placement"]

_BEAMER = {
    "1610": (16.0, 10.0), "169": (16.0, 9.0), "149": (14.0, 9.0), "141": (1.41, 1.0),
    "54": (5.0, 4.0), "43": (4.0, 3.0), "32": (3.0, 2.0), "11": (1.0, 1.0),
}  # fmt: skip
"""beamer's ``aspectratio`` class option values."""
_PICTURES = frozenset(
    f"{prefix}background-{kind}"
    for prefix in ("", "data-")
    for kind in ("image", "video", "iframe")
)
_MAYBE_PICTURE = frozenset({"background", "data-background"})
_RULE = lazy_pattern(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*")
_ATX = lazy_pattern(r" {0,3}#{1,6}(?:[ \t]|$)")
_SETEXT = lazy_pattern(r" {0,3}(?:=+|-+)[ \t]*")


def placement(deck: Deck, slide: Slide) -> Placement:
    """*slide*'s placement in the output the deck is built into, with where a picture of
    ours goes: the background, in reveal.js output, of a slide that has a heading."""
    target, width, height, said = _target(deck.format or "", deck.text, deck.path)
    heading = _heading(slide.text) if target == "revealjs" else None
    found = _background(deck, slide, heading) if heading is not None else None
    place = found or Placement(width=width, height=height, aspect_source=said)
    place = replace(place, width=width, height=height, aspect_source=said)
    if heading is not None:
        return replace(place, offers=(Slot.BACKGROUND,))
    if target != "revealjs":
        return replace(place, why_none=f"{target} output shows no slide backgrounds")
    return replace(place, why_none="no heading of its own to carry a background")


def _background(deck: Deck, slide: Slide, heading: str) -> Placement | None:
    """The background the slide's *heading* sets with its attributes, if it does."""
    start = trailing_attributes(heading)
    if start is None:
        return None
    for key, value in attributes(heading[start:]).items():
        picture = value.strip() if key in _PICTURES else None
        picture = picture_value(value) if key in _MAYBE_PICTURE else picture
        if picture:
            source = f'{key}="{value}"'
            line = source_line(deck, slide.start_line, slide.end_line, f"{key}=")
            return Placement(Slot.BACKGROUND, 1.0, picture=picture, source=source, line=line)
    return None


def _heading(text: str) -> str | None:
    """The slide's heading line: its first line but blanks and rules, if a heading."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if not line.strip() or _RULE.fullmatch(line):
            continue
        if _ATX.match(line):
            return line
        below = lines[number + 1] if number + 1 < len(lines) else ""
        return line if _SETEXT.fullmatch(below) else None
    return None


@lru_cache(maxsize=8)
def _target(name: str, text: str, path: Path | None) -> tuple[str, float, float, str]:
    """What the deck is built into (``revealjs``, ``beamer``, ``pptx``), its slide size,
    and what said so."""
    meta = front_matter_value(Deck(text=text, path=path)) or {}
    if name == QUARTO:
        fmt, where = meta.get("format"), "the deck's YAML"
        if fmt is None and (project := quarto_project(path)) is not None:
            fmt, where = project[1].get("format"), str(project[0])
        kind, options = _format(fmt)
        default = (1050.0, 700.0, "Quarto's default revealjs size, 1050x700")
        return _sized(kind or "revealjs", options, meta, default, where)
    kind, options = _format(meta.get("output"))
    if kind is None and "aspectratio" in meta:
        kind = "beamer"
    default = (960.0, 700.0, "reveal.js's default size, 960x700 (pandoc sets none)")
    return _sized(kind or "revealjs", options, meta, default, "the deck's YAML")


def _format(value: Any) -> tuple[str | None, Mapping[str, Any]]:
    """The slide format a ``format:`` or ``output:`` value names first, and its options."""
    if isinstance(value, list):
        value = next((v for v in value if _kind(v if isinstance(v, str) else "")), None)
    if isinstance(value, str):
        return _kind(value), {}
    if isinstance(value, dict):
        for key, options in value.items():
            if (kind := _kind(str(key))) is not None:
                return kind, options if isinstance(options, dict) else {}
    return None, {}


def _kind(name: str) -> str | None:
    if "beamer" in name:
        return "beamer"
    if "pptx" in name or "powerpoint" in name:
        return "pptx"
    return "revealjs" if "revealjs" in name else None


def _sized(
    kind: str,
    options: Mapping[str, Any],
    meta: Mapping[str, Any],
    default: tuple[float, float, str],
    where: str,
) -> tuple[str, float, float, str]:
    if kind == "pptx":
        return kind, 16.0, 9.0, "PowerPoint output: the default template's 16:9"
    if kind == "beamer":
        given = options.get("aspectratio", meta.get("aspectratio"))
        ratio = _BEAMER.get(str(given).strip()) if given is not None else None
        if ratio is None:
            return kind, 4.0, 3.0, "beamer's default aspect ratio, 4:3"
        said = where if given == options.get("aspectratio") else "the deck's YAML"
        return kind, *ratio, f"beamer's aspectratio: {given} in {said}"
    reveal = options.get("reveal_options")  # R Markdown's revealjs_presentation
    sources = ((options, where), (reveal if isinstance(reveal, dict) else {}, where),
               (meta, "the deck's YAML"))  # fmt: skip
    for source, said in sources:
        width, height = positive_number(source.get("width")), positive_number(source.get("height"))
        if width and height:
            return kind, width, height, f"width: {width:g} and height: {height:g} in {said}"
    return kind, *default
