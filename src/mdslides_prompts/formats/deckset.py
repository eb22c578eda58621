"""Deckset: split by its documented rules (it is a closed-source macOS app).

From the bundled "Deckset basics" sample (see ``conformance/lookatme/FINDINGS.md`` §2):
global commands (``footer:``, ``slidenumbers:``, ``slide-dividers:``…) stand on the first
lines with no blank line between them and belong to no slide; a new slide starts at a
line that is exactly ``---`` in column 0 with a blank line (or the file's edge) above and
below, outside fenced code (a tab-indented ``---`` is code); with ``slide-dividers: #, ##``
headings of those levels start slides too. Paragraphs starting with ``^`` are speaker notes.

Deckset's handling of HTML comments is undocumented; a comment that is a paragraph of its
own is the least risky place. So a prompt is a marker line followed by a blank line, put
right after the blank line that opens the slide (the one below its separator, below the
global commands, or the top of the file); strip removes the marker and that blank line.
This placement is not verified against Deckset itself.

A picture of ours is an image alone on the line right after the marker (so the marker's
blank line closes it): ``![](x)`` the background, ``![right](x)`` / ``![left](x)`` that
half, Deckset's documented forms; strip removes it with the marker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
import re

from ..config import Settings
from ..deck import Deck, Slide, SlidePicture, SlidePrompt, split_lines
from ..detection import Evidence, Strength
from ..lazyre import lazy_pattern
from ..marker import BadMarker, PromptMarker, is_marker_candidate, parse_marker
from ..placement import Placement, Slot
from .base import Format
from .lines import (
    PICTURE_PATH,
    code_free,
    fenced_lines,
    picture_after,
    picture_url,
    place_pictures,
    remove_lines,
    source_line,
    stripped_markers,
    write_markers,
)

__all__ = ["COMMANDS", "PLUGIN", "Deckset"]

NAME = "deckset"

COMMANDS = frozenset(
    {
        "footer", "slidenumbers", "slidecount", "autoscale", "build-lists", "theme",
        "slide-dividers", "slide-transition", "background-color", "text", "header",
        "footer-style", "code-language", "fit-header", "presenter-notes", "list",
        "text-strong", "text-emphasis", "header-emphasis", "header-strong", "quote",
        "quote-author", "table-separator", "table", "link", "formula",
    }
)  # fmt: skip
"""Global command names (a first line ``Agenda: today`` is not one, so it stays text)."""

_COMMAND = lazy_pattern(r"([a-z][a-z-]*)\s*:\s*(.*)")
_HEADING = lazy_pattern(r"(#{1,6})\s+(.*?)\s*#*\s*$")


def _blank(line: str | None) -> bool:
    return line is None or not line.strip()


def _commands(lines: list[str]) -> list[tuple[str, str]]:
    """The global command lines that open the deck, as (command, value), repeats included."""
    found: list[tuple[str, str]] = []
    for line in lines:
        match = _COMMAND.fullmatch(line.rstrip("\r\n"))
        if match is None or match.group(1) not in COMMANDS:
            break
        found.append((match.group(1), match.group(2).strip()))
    return found


def _split(deck: Deck) -> Deck:
    lines = split_lines(deck.text)
    commands = _commands(lines)
    code = fenced_lines(lines)
    divider_levels = dict(commands).get("slide-dividers", "")  # the last one counts
    dividers = {len(level) for level in re.findall(r"#+", divider_levels)}

    def at(n: int) -> str | None:
        return lines[n - 1].rstrip("\r\n") if 1 <= n <= len(lines) else None

    # Each slide: (first line, separator line before it or None, anchor line).
    first = len(commands) + 1
    starts: list[tuple[int, int | None, int | None]] = [
        (first, None, (first if _blank(at(first)) and commands else 0 if not commands else None))
    ]
    has_content = False
    for n in range(first, len(lines) + 1):
        line = at(n) or ""
        if n in code:
            has_content = True
            continue
        if line.rstrip() == "---" and _blank(at(n - 1)) and _blank(at(n + 1)):
            starts.append((n + 1, n, n + 1 if n + 1 <= len(lines) else None))
            has_content = False
            continue
        heading = _HEADING.fullmatch(line)
        if heading and len(heading.group(1)) in dividers and has_content:
            starts.append((n, None, n + 1 if _blank(at(n + 1)) and n + 1 <= len(lines) else None))
        if line.strip() and not is_marker_candidate(line):
            has_content = True  # a prompt marker is meant to show nothing
    slides = []
    for index, (start, _, anchor) in enumerate(starts, 1):
        if index < len(starts):
            following = starts[index]
            end = (following[1] if following[1] is not None else following[0]) - 1
        else:
            end = len(lines)
        slides.append(_slide(index, start, end, anchor, lines, code))
    return replace(deck, slides=tuple(slides), front_matter=None)


def _slide(
    index: int, start: int, end: int, anchor: int | None, lines: list[str], code: set[int]
) -> Slide:
    markers: list[PromptMarker | BadMarker] = [
        parse_marker(lines[n - 1], n)
        for n in range(start, end + 1)
        if n not in code and lines[n - 1].startswith("<!--") and is_marker_candidate(lines[n - 1])
    ]
    # A marker, a picture after it and the blank line written after them are ours.
    picture = picture_after(lines, markers[0], read_picture) if len(markers) == 1 else None
    ours = {m.line for m in markers}
    ours |= {n + 1 for n in ours if n < len(lines) and not lines[n].strip()}
    ours |= set(picture.numbers if picture else ())
    body = [lines[n - 1].rstrip("\r\n") for n in range(start, end + 1) if n not in ours]
    text = "\n".join(body)
    paragraphs = re.split(r"\n\s*\n", text)
    notes = tuple(p.strip()[1:].strip() for p in paragraphs if p.strip().startswith("^"))
    shown = "\n\n".join(p for p in paragraphs if not p.strip().startswith("^"))
    visible = re.sub(r"<!--.*?-->|^\[\.[^\]]*\]\s*$", "", shown, flags=re.S | re.M)
    title = next(
        (
            re.sub(r"\[fit\]\s*", "", m.group(2)).strip()
            for n in range(start, end + 1)
            if n not in code and (m := _HEADING.fullmatch(lines[n - 1].rstrip("\r\n")))
        ),
        None,
    )
    skip = None
    if not visible.strip():
        skip = "empty"
    elif anchor is None:
        skip = "no blank line that opens the slide (a marker needs one above it)"
    return Slide(
        index=index,
        start_line=start,
        end_line=end,
        text=text,
        title=title or None,
        notes=notes,
        markers=tuple(markers),
        anchor_line=anchor if anchor is not None else start - 1,
        skip_reason=skip,
        picture=picture,
    )


_PICTURE = lazy_pattern(rf"!\[(?P<side>left|right)?\]\({PICTURE_PATH}\)")


def read_picture(line: str) -> tuple[str, str] | None:
    """A picture line of ours (``![](…)``, ``![right](…)``): its URL and slot."""
    found = _PICTURE.fullmatch(line)
    return (found["path"], found["side"] or "background") if found else None


def render_picture(picture: SlidePicture) -> str:
    """The picture line for *picture*: the background, or the half it is on."""
    side = picture.slot if picture.slot in ("left", "right") else ""
    return f"![{side}]({picture_url(picture.path)})"


_SIZE = "Deckset's default; the app sets the size, not the file"
_IMAGE = lazy_pattern(r"!\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
_IMAGES_ONLY = lazy_pattern(r"[ \t]*(?:!\[[^\]]*\]\([^)]*\)[ \t]*)+")


def _placement(deck: Deck, slide: Slide) -> Placement:
    lines = slide.text.split("\n")
    code = fenced_lines(lines)
    first: tuple[str, str, Slot] | None = None
    for number, line in enumerate(lines, 1):
        if number in code or not _IMAGES_ONLY.fullmatch(line):
            continue
        for image in _IMAGE.finditer(line):
            words = image[1].lower().replace(",", " ").split()
            if "inline" in words or not image[2]:
                continue
            side = next((Slot(w) for w in words if w in ("left", "right")), Slot.BACKGROUND)
            if first is None or (first[2] is Slot.BACKGROUND and side is not Slot.BACKGROUND):
                first = (image[0], image[2], side)
    if first is None:
        return Placement(aspect_source=_SIZE, offers=_OFFERS, panel=0.5)
    source, picture, slot = first
    at = source_line(deck, slide.start_line, slide.end_line, source)
    share = 1.0 if slot is Slot.BACKGROUND else 0.5
    return Placement(slot, share, 16.0, 9.0, _SIZE, picture, source, at, offers=_OFFERS, panel=0.5)


_OFFERS = (Slot.BACKGROUND, Slot.RIGHT, Slot.LEFT)
"""Where a picture of ours goes on a Deckset slide: the background, or a half."""


# --- plugin --------------------------------------------------------------------------------


_SLIDE_COMMAND = lazy_pattern(
    r"^\[\.(column|background-color|build-lists|autoscale|slidenumbers|footer|header|"
    r"hide-footer|text|list|code|slide-transition|code-highlight)\b[^\]\n]*\]\s*$"
    r"|^#{1,6}[ \t]+\[fit\]",
    re.M,
)


def _sign(signal: str) -> Evidence:
    return Evidence((NAME,), Strength.DISTINCTIVE, signal)


class Deckset(Format):
    """Deckset decks (``deckset``), split by its documented rules; prompts as comments."""

    names = (NAME,)

    def evidence(self, deck: Deck, settings: Settings) -> list[Evidence]:
        """Distinctive: a Deckset global command on line 1 (``footer:``, ``slidenumbers:``…),
        a slide command line (``[.column]``, ``[.build-lists: true]``) or a ``[fit]`` heading."""
        signs = []
        if found := _commands(split_lines(deck.text)[:1]):
            signs.append(_sign(f"the global command {found[0][0]}: on line 1"))
        if command := _SLIDE_COMMAND.search(code_free(deck.text)):
            signs.append(_sign(f"the slide command {command[0].strip()!r}"))
        return signs

    def split(self, deck: Deck, settings: Settings) -> Deck:
        """Split the deck by Deckset's documented rules."""
        return _split(deck)

    def placement(self, deck: Deck, slide: Slide, settings: Settings) -> Placement:
        """An image alone on its line is the slide's background (``![fit]`` too), or
        its left or right half with ``![left]``/``![right]``; ``![inline]`` and images
        within text are content. Deckset's slides are 16:9 unless the app says else."""
        return _placement(deck, slide)

    def inject(
        self, deck: Deck, prompts: Mapping[int, SlidePrompt], mode: str, settings: Settings
    ) -> str:
        """Write each prompt as its own paragraph at the start of its slide."""
        return write_markers(deck, prompts, then="\n")  # the marker, then a blank line

    def inject_pictures(
        self, deck: Deck, pictures: Mapping[int, SlidePicture], settings: Settings
    ) -> str:
        """Place each picture on the line after its slide's marker, before the marker's
        blank line."""
        return place_pictures(deck, pictures, render_picture, closed=False).apply(deck)

    def strip(self, deck: Deck, settings: Settings) -> str:
        """Remove every marker, its picture and the blank line written after them."""
        lines = split_lines(deck.text)
        pictures = {s.marker.line: s.picture for s in deck.slides if s.picture and s.marker}
        drop: set[int] = set()
        for marker in stripped_markers(deck):
            drop.add(marker.line)
            if marker.line in pictures:
                drop.update(pictures[marker.line].numbers)
            elif marker.line < len(lines) and not lines[marker.line].strip():
                drop.add(marker.line + 1)
        return remove_lines(deck.text, drop)


PLUGIN = Deckset()
"""The plugin :mod:`~mdslides_prompts.plugins` registers."""
