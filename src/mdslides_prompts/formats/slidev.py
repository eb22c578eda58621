"""Slidev: split and inject exactly as ``@slidev/parser`` reads a deck.

The parser is a line scanner (``parseSync``, checked against @slidev/parser 53.0.0 in
``conformance/slidev/``): lines are cut at ``\\r?\\n``; a line whose ``trimEnd()``
starts with ``---`` in column 0 ends the slide, unless the scanner is inside a backtick
fence (closed by a line starting with the same indent and backticks) or a multi-line
HTML comment. When its fourth character is not ``-`` and the next line is not blank,
that separator opens the next slide's front matter, which runs to the next line that is
exactly ``---``. The first slide's front matter is the deck's headmatter. A slide's
note is its last HTML comment, when nothing follows it.

Prompts are written in one of two forms:

front matter (``--mode frontmatter``)
    a key ``imagePrompt: "src=… sum=… | prompt"`` as the first line of the slide's
    front matter; a bare separator gets a block of its own (``---`` / key / ``---``),
    and a first slide without headmatter gets one at the top of the file;
comment (``--mode comment``, the default)
    the usual marker comment as the first line of the slide's body: after its front
    matter, after the blank line that follows a bare separator, or on line 1. It is
    invisible, but becomes part of the slide's content as Slidev's parser sees it.

Each mode falls back to the other on slides where its own form cannot go without
changing what Slidev renders (a comment would become the note of an empty slide; a
flow-style or indented front matter cannot take a key). Hidden slides and ``src:``
import stubs get no prompt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
import re
from types import MappingProxyType
from typing import Any

from ..config import Settings
from ..deck import Deck, LineSpan, PlacedPicture, Slide, SlidePicture, SlidePrompt
from ..detection import Evidence, Strength
from ..errors import DeckError, PluginError
from ..lazyre import lazy_pattern
from ..marker import (
    BadMarker,
    PromptMarker,
    is_marker_candidate,
    parse_marker,
    parse_value,
    render_marker,
    render_value,
    strippable,
)
from ..placement import Placement, Slot, parse_ratio, picture_value
from . import deckfm, js
from .base import Format
from .lines import (
    PICTURE_PATH,
    PROBE,
    LineEdits,
    code_free,
    fenced_lines,
    picture_path,
    picture_url,
    remove_lines,
    source_line,
)

__all__ = ["KEY", "PLUGIN", "Slidev"]

NAME = "slidev"
KEY = "imagePrompt"
"""The front-matter key that holds a slide's prompt (not one Slidev or its layouts use)."""

_FRONT_MATTER = lazy_pattern(r"---.*\r?\n([\s\S]*?)---")
_YAML_BLOCK = lazy_pattern(f"{js.SPACE_CLASS}*```ya?ml([\\s\\S]*?)```")
_NOTE = lazy_pattern(r"<!--([\s\S]*?)-->")
_HEADING = lazy_pattern(r"^(#+) (.*)$", re.M)
_CODE_BLOCK = lazy_pattern(r"^```[\s\S]+?^```", re.M)


def _comment_open_after(line: str, inside: bool) -> bool:
    """Whether an HTML comment is still open at the end of *line*."""
    cursor = 0
    while cursor < len(line):
        if inside:
            end = line.find("-->", cursor)
            if end < 0:
                return True
            inside, cursor = False, end + 3
        else:
            start = line.find("<!--", cursor)
            if start < 0:
                return False
            end = line.find("-->", start + 4)
            if end < 0:
                return True
            cursor = end + 3
    return inside


@dataclass(frozen=True, slots=True)
class _Raw:
    """A slide as the scanner cuts it: 0-based line indexes, *end* exclusive."""

    start: int
    end: int
    fm_end: int | None
    """Index of the line that closes the slide's ``---`` front matter (its opener is
    *start*), if the scanner opened one."""


def _scan(lines: list[str]) -> list[_Raw]:
    """``parseSync``'s loop, over lines already cut at ``\\r?\\n``."""
    raws: list[_Raw] = []
    start = 0
    fm_end: int | None = None
    in_comment = False
    i = 0
    while i < len(lines):
        raw_line = lines[i]
        line = js.trim_end(raw_line)
        if in_comment:
            in_comment = _comment_open_after(raw_line, True)
        elif line.startswith("---"):
            if start != i:
                raws.append(_Raw(start, i, fm_end))
                start, fm_end = i + 1, None
            following = lines[i + 1] if i + 1 < len(lines) else None
            if line[3:4] != "-" and following is not None and js.trim(following):
                start = i
                i += 1
                while i < len(lines) and js.trim_end(lines[i]) != "---":
                    i += 1
                fm_end = i if i < len(lines) else None
        elif line.lstrip(js.WHITESPACE).startswith("```"):
            match = re.match(f"{js.SPACE_CLASS}*`+", line)
            level = match.group(0) if match else "```"
            j = i + 1
            while j < len(lines) and not lines[j].startswith(level):
                j += 1
            if j != len(lines):
                i = j
        else:
            in_comment = _comment_open_after(raw_line, False)
        i += 1
    if start <= len(lines) - 1:
        raws.append(_Raw(start, len(lines), fm_end))
    return raws


@dataclass(frozen=True, slots=True)
class _Parsed:
    """One slide as ``parseSlide`` reads its raw text."""

    fm_text: str | None
    fm: dict[str, Any] | None
    body: str
    content: str
    note: str | None
    title: str | None


@lru_cache(maxsize=2048)  # each slide is read again by every marker placement tried on it
def _parse_slide(raw_text: str) -> _Parsed:
    """``parseSlide``: front matter (or a ```` ```yaml ```` block), content, note, title."""
    match = _FRONT_MATTER.match(raw_text)
    fm_text = None
    body = raw_text
    if match:
        fm_text, body = match.group(1), raw_text[match.end() :]
    else:
        block = _YAML_BLOCK.match(raw_text)
        if block:
            fm_text, body = block.group(1), raw_text[block.end() :]
    fm = deckfm.yaml_mapping(fm_text) if fm_text is not None else None
    content = js.trim(body)
    note = None
    comments = list(_NOTE.finditer(content))
    if comments and comments[-1].end() >= len(content):
        note = js.trim(comments[-1].group(1))
        content = js.trim(content[: comments[-1].start()])
    title = None
    if fm and (fm.get("title") or fm.get("name")):
        title = str(fm.get("title") or fm.get("name"))
    else:
        heading = _HEADING.search(_CODE_BLOCK.sub("", content))
        title = js.trim(heading.group(2)) if heading else None
    return _Parsed(fm_text, fm, body, content, note, title or None)


def _comment_is_invisible(lines: list[str], raw: _Raw, after: int, comment: str) -> bool:
    """Whether a comment line inserted after 0-based line *after* - 1 (that is, before
    line *after*) leaves the slide's scan, content, note and front matter as they were."""
    inside = False
    skip_until = raw.fm_end if raw.fm_end is not None else raw.start - 1
    for n in range(raw.start, after):
        if n > skip_until:
            inside = _comment_open_after(lines[n], inside)
    if inside:
        return False  # the scanner would read our '-->' as the end of that comment
    before = _parse_slide("\n".join(lines[raw.start : raw.end]))
    changed = [*lines[raw.start : after], comment, *lines[after : raw.end]]
    after_parse = _parse_slide("\n".join(changed))
    kept = "\n".join(ln for ln in after_parse.content.split("\n") if ln != comment)
    return (
        after_parse.note == before.note
        and after_parse.fm_text == before.fm_text
        and after_parse.title == before.title
        and js.trim(kept) == before.content
    )


def _marker_from_key(line: str, line_no: int) -> PromptMarker | BadMarker | None:
    """Read ``imagePrompt: "…"``; ``None`` if the line is not our key at all."""
    if not line.startswith(f"{KEY}:"):
        return None
    return parse_value(line.rstrip("\r\n")[len(KEY) + 1 :], line_no)


def render_key(prompt: str, source_hash: str, flags: tuple[str, ...] = ()) -> str:
    """The front-matter line for *prompt* (valid YAML, one line, no ``---``), with the
    author's *flags*."""
    return f"{KEY}: {render_value(prompt, source_hash, flags)}"


@dataclass(frozen=True, slots=True)
class _Plan:
    """Where each form of marker can go in one slide (1-based 'insert after' lines)."""

    key_after: int | None
    """Insert the key (and ``key_block`` lines) after this line, or ``None``: impossible."""
    key_block: str
    """``"key"``: the key alone; ``"close"``: key and a closing ``---``; ``"open"``:
    opener, key and closer (a new headmatter at the top of the file)."""
    comment_after: int | None
    """Insert the comment after this line, or ``None``: impossible."""


def _lines(deck: Deck) -> list[str]:
    """The deck's lines as Slidev cuts them (at ``\r?\n``; the BOM stays on line 1)."""
    if re.search(r"\r(?!\n)", deck.text):
        raise DeckError(
            "has bare carriage returns, which Slidev does not read as line breaks; "
            "convert the line endings first",
            deck.path,
        )
    return re.split(r"\r?\n", deck.source)


def _split(deck: Deck) -> Deck:
    lines = _lines(deck)
    text_lines = re.split(r"\r?\n", deck.text)
    line_count = len(text_lines) - (1 if deck.text.endswith("\n") else 0)
    if not deck.text:
        line_count = 0
    raws = _scan(lines)
    slides = []
    meta: dict[str, Any] = {}
    front: LineSpan | None = None
    for index, raw in enumerate(raws, 1):
        slide, fm = _build(index, raw, text_lines, line_count)
        plan = _plan(index, raw, text_lines, deck.bom)
        if slide.skip_reason is None and plan.key_after is None and plan.comment_after is None:
            slide = replace(slide, skip_reason="no place for a prompt that keeps the rendering")
        slides.append(slide)
        if index == 1 and raw.fm_end is not None and raw.start == 0:
            meta = fm or {}
            front = LineSpan(1, raw.fm_end + 1)
    return replace(deck, slides=tuple(slides), meta=MappingProxyType(meta), front_matter=front)


def _build(
    index: int, raw: _Raw, lines: list[str], line_count: int
) -> tuple[Slide, dict[str, Any] | None]:
    markers: list[PromptMarker | BadMarker] = []
    keep: list[str] = []
    yaml_block = _yaml_block(lines, raw)
    # Only the body is rendered as Markdown: count fences from its first line.
    body_from = (
        max([raw.fm_end if raw.fm_end is not None else raw.start - 1, *(yaml_block or ())]) + 1
    )
    code = fenced_lines(lines[body_from : raw.end], body_from)
    ours: list[tuple[int, re.Match[str]]] = []
    for n in range(raw.start, raw.end):
        line = lines[n]
        in_fm = (raw.fm_end is not None and raw.start < n < raw.fm_end) or (
            yaml_block is not None and yaml_block[0] < n < yaml_block[1]
        )
        if in_fm and (tagged := _PICTURE_LINE.fullmatch(js.trim_end(line))):
            ours.append((n + 1, tagged))
        found = _marker_from_key(line, n + 1) if in_fm else None
        after_fm = n > max([raw.fm_end if raw.fm_end is not None else -1, *(yaml_block or ())])
        candidate = line.startswith("<!--") and is_marker_candidate(line) and n not in code
        if found is None and after_fm and candidate:
            found = parse_marker(line, n + 1)
        if found is not None:
            markers.append(found)
        else:
            keep.append(line)
    ours_text = {lines[n - 1] for n, _ in ours}
    rest = [ln for ln in keep if ln not in ours_text]
    picture = _picture(ours, rest) if len(markers) == 1 else None
    if picture is not None:  # our lines are no part of the slide
        keep = rest
    parsed = _parse_slide("\n".join(keep))
    fm, content, note, title = parsed.fm, parsed.content, parsed.note, parsed.title
    fm_text, body = parsed.fm_text, parsed.body
    skip = None
    if fm and (fm.get("hide") or fm.get("disabled")):
        skip = "hidden"
    elif fm and fm.get("src"):
        skip = "import stub (src:)"
    elif not content and note is None:
        skip = "empty"
    # The text that decides the prompt: front matter (without our key) and body.
    normal_fm = js.trim(fm_text or "")
    text = (f"---\n{normal_fm}\n---\n" if normal_fm else "") + js.trim(body)
    slide = Slide(
        index=index,
        start_line=raw.start + 1,
        end_line=min(raw.end, line_count),
        text=text,
        title=title or None,
        notes=(note,) if note else (),
        markers=tuple(markers),
        anchor_line=raw.start,
        skip_reason=skip,
        picture=picture,
    )
    return slide, fm


# --- pictures ----------------------------------------------------------------------------

_TAG = " # image-prompt"
"""Ends each front-matter line we write for a picture (a YAML comment: Slidev reads the
key, never the comment)."""
_PICTURE_LINE = lazy_pattern(
    rf"(?P<key>layout): (?P<layout>image-right|image-left){re.escape(_TAG)}"
    rf"|(?P<kind>image|background): {PICTURE_PATH}{re.escape(_TAG)}"
)


def _picture(ours: list[tuple[int, re.Match[str]]], keep: list[str]) -> PlacedPicture | None:
    """The picture our tagged front-matter lines set (one ``image:`` or ``background:``,
    after a ``layout:`` of ours if we set one), or ``None`` if they are not one whole."""
    numbers = [n for n, _ in ours]
    if not ours or numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return None
    layouts = [m["layout"] for _, m in ours if m["layout"]]
    keys = [m for _, m in ours if m["kind"]]
    if len(keys) != 1 or len(layouts) > 1 or (layouts and ours[0][1]["layout"] is None):
        return None
    key = keys[0]
    if key["kind"] == "background":
        slot = "background"
    else:
        given = layouts[0] if layouts else _layout_of(keep)
        slot = {"image-right": "right", "image-left": "left"}.get(given or "", "background")
    return PlacedPicture(numbers[0], picture_path(key["path"]), slot, lines=len(ours))


def _layout_of(keep: list[str]) -> str | None:
    """The layout the author's front matter (among *keep*, the slide's other lines) sets."""
    fm = _parse_slide("\n".join(keep)).fm or {}
    return str(fm["layout"]).strip() if fm.get("layout") else None


def _offers(
    deck: Deck, slide: Slide, layout: str, fm: Mapping[str, Any]
) -> tuple[tuple[Slot, ...], str | None]:
    """Where a picture of ours goes on *slide* (its *layout*, its front matter *fm*
    without our lines): the side of an ``image-*`` layout or of one we set where the
    author set none, the first slide's cover background; or why nowhere."""
    if "layout" not in fm and slide.index > 1:
        return (Slot.RIGHT, Slot.LEFT), None
    if layout in ("image-right", "image-left", "image", "cover"):
        return (_LAYOUT_SLOTS[layout][0],), None
    return (), f"its layout ({layout}) has no picture slot"


def _picture_lines(slide: Slide, picture: SlidePicture) -> list[str]:
    """The front-matter lines that set *picture* on *slide*, each tagged as ours."""
    url = picture_url(picture.path)
    fm = _parse_slide(slide.text).fm or {}
    layout = str(fm.get("layout") or ("cover" if slide.index == 1 else "")).strip()
    if layout == "cover":
        return [f"background: {url}{_TAG}"]
    if layout.startswith("image"):
        return [f"image: {url}{_TAG}"]
    side = "left" if picture.slot == "left" else "right"
    return [f"layout: image-{side}{_TAG}", f"image: {url}{_TAG}"]


def _plans(deck: Deck) -> list[_Plan]:
    text_lines = re.split(r"\r?\n", deck.text)
    return [
        _plan(index, raw, text_lines, deck.bom) for index, raw in enumerate(_scan(_lines(deck)), 1)
    ]


def _mapping_body(lines: list[str]) -> bool:
    """Whether a front matter body is empty, comments only, or a block mapping whose first
    significant line is a column-0 ``key:`` (so a key line can go first)."""
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        return re.match(r"[^\s#\-?{\[\"'|>][^:]*:(\s|$)", line) is not None
    return True


def _plan(index: int, raw: _Raw, lines: list[str], bom: bool) -> _Plan:
    first = lines[raw.start] if raw.start < len(lines) else ""
    yaml_block = _yaml_block(lines, raw)
    key_after: int | None = None
    block = "key"
    if raw.fm_end is not None and js.trim_end(lines[raw.fm_end]) == "---":
        body = lines[raw.start + 1 : raw.fm_end]
        proper = bool(body) and _mapping_body(body) and not any("---" in b for b in body)
        if proper and not (index == 1 and raw.start == 0 and bom):
            key_after = raw.start + 1  # right after the opener (1-based line of the opener)
    elif index == 1 and raw.start == 0 and not js.trim_end(first).startswith("---") and not bom:
        key_after, block = 0, "open"
    elif raw.start > 0:
        separator = js.trim_end(lines[raw.start - 1])
        following = lines[raw.start] if raw.start < len(lines) else ""
        if (
            separator.startswith("---")
            and separator[3:4] != "-"
            and not js.trim(following)
            and yaml_block is None
        ):
            key_after, block = raw.start, "close"
    if yaml_block is not None:
        opener, closer = yaml_block
        body = lines[opener + 1 : closer] if closer >= 0 else []
        key_after, block = None, "key"
        if closer >= 0 and body and _mapping_body(body):
            key_after = opener + 1
    # The comment goes first in the body: after the front matter, or after the blank line
    # that follows a bare separator (right after '---' it would open a front matter).
    body_start = raw.fm_end + 1 if raw.fm_end is not None else raw.start
    if yaml_block is not None:
        body_start = yaml_block[1] + 1 if yaml_block[1] >= 0 else raw.end + 1
    if body_start < len(lines) and not js.trim(lines[body_start]) and raw.fm_end is None:
        body_start += 1
    comment_after: int | None = body_start
    rest = [ln for ln in lines[body_start : raw.end] if js.trim(ln)]
    if (
        not rest
        or rest[0][:1] in (" ", "\t")
        or (index == 1 and bom and body_start == 0)
        or (body_start < raw.end and lines[body_start].startswith("---"))
        or body_start > raw.end
        or not _comment_is_invisible(lines, raw, body_start, PROBE)
    ):
        comment_after = None
    return _Plan(key_after, block, comment_after)


def _yaml_block(lines: list[str], raw: _Raw) -> tuple[int, int] | None:
    """The opening and closing fence lines of a slide's ```` ```yaml ```` front matter
    (it counts only without a ``---`` block and only as the slide's first thing)."""
    if raw.fm_end is not None:
        return None
    text = "\n".join(lines[raw.start : raw.end])
    match = _YAML_BLOCK.match(text)
    if match is None:
        return None
    opener = raw.start + text.count("\n", 0, match.start(1))
    closer = raw.start + text.count("\n", 0, match.end(1))
    # Our key goes on its own line after the opener: the fences must be whole lines.
    if (
        not re.fullmatch(f"{js.SPACE_CLASS}*```ya?ml", lines[opener])
        or js.trim(lines[closer]) != "```"
    ):
        return (opener, -1)
    return opener, closer


# --- plugin --------------------------------------------------------------------------------


_SLIDEV_KEYS = lazy_pattern(
    r"^(highlighter|drawings|mdc|canvasWidth|aspectRatio|routerMode|themeConfig|fonts|"
    r"favicon|titleTemplate|download|exportFilename|colorSchema|monaco|lineNumbers|addons|"
    r"defaults|seoMeta|htmlAttrs|remoteAssets|selectable|record|contextMenu|wakeLock|"
    r"presenter|browserExporter|overviewSnapshots|hideInToc)\s*:",
    re.M,
)
# A per-slide front matter block: '---', key lines (nested ones indented), '---'.
_SLIDE_BLOCK = lazy_pattern(
    r"\n---[ \t]*\n((?:[\w-]+:[^\n]*\n|[ \t]+\S[^\n]*\n)+)---[ \t]*(?=\n|$)"
)
_SLIDE_KEYS = frozenset(
    ("layout", "clicks", "clicksStart", "src", "hideInToc", "dragPos", "routeAlias", "zoom",
     "preload", "level", "disabled", "hide")
)  # fmt: skip
_COMPONENT = lazy_pattern(r"<v-(clicks?|after|switch|drag|mark)\b|\sv-click\b|^<<< @/", re.M)


def _sign(strength: Strength, signal: str) -> Evidence:
    return Evidence((NAME,), strength, signal)


_LAYOUT_SLOTS = {
    "image-left": (Slot.LEFT, 0.5, "image"),
    "image-right": (Slot.RIGHT, 0.5, "image"),
    "image": (Slot.BACKGROUND, 1.0, "image"),
    "iframe-left": (Slot.LEFT, 0.5, "url"),
    "iframe-right": (Slot.RIGHT, 0.5, "url"),
    "iframe": (Slot.BACKGROUND, 1.0, "url"),
    "cover": (Slot.BACKGROUND, 1.0, "background"),
}
"""The built-in layouts that give a picture a slot: its side, share, and the key that
sets the picture (the default theme's and seriph's ``cover`` take a ``background``)."""


class Slidev(Format):
    """Slidev decks (``slidev``), split as ``@slidev/parser`` does; prompts as comments or
    per-slide front-matter keys."""

    names = (NAME,)
    modes = ("comment", "frontmatter")

    def evidence(self, deck: Deck, settings: Settings) -> list[Evidence]:
        """Distinctive: headmatter keys only Slidev reads, a per-slide front matter block
        (``---``, ``layout: cover``, ``---``; remark's ``layout: true`` is not one), Slidev's
        click components. A hint: ``transition:`` in the headmatter."""
        text = code_free(deck.text.replace("\r\n", "\n"))
        signs = []
        if text.startswith("---"):
            end = text.find("\n---", 3)
            head = text[: end if end > 0 else 4096]
            if key := _SLIDEV_KEYS.search(head):
                signs.append(_sign(Strength.DISTINCTIVE, f"{key[1]}: in the headmatter"))
            if re.search(r"^transition\s*:", head, re.M):
                signs.append(_sign(Strength.HINT, "transition: in the headmatter"))
        for block in _SLIDE_BLOCK.finditer(text):
            keys = dict(re.findall(r"^([\w-]+):[ \t]*(.*)$", block[1], re.M))
            found = sorted(k for k in keys if k in _SLIDE_KEYS)
            if found and keys.get("layout", "").strip().lower() not in ("true", "false"):
                signs.append(_sign(Strength.DISTINCTIVE, f"a per-slide front matter {found[0]}:"))
                break
        if component := _COMPONENT.search(text):
            signs.append(
                _sign(Strength.DISTINCTIVE, f"{component[0].strip()!r} (a Slidev component)")
            )
        return signs

    def split(self, deck: Deck, settings: Settings) -> Deck:
        """Split the deck the way ``@slidev/parser`` does."""
        return _split(deck)

    def placement(self, deck: Deck, slide: Slide, settings: Settings) -> Placement:
        """The slot of the slide's layout: ``image-left``/``image-right`` (half the slide,
        ``image:``), ``iframe-left``/``iframe-right`` (``url:``), ``image`` and ``iframe``
        (all of it) and ``cover`` (the first slide's default: its ``background:``), on the
        headmatter's ``aspectRatio`` (16/9 by default)."""
        given = deck.meta.get("aspectRatio")
        ratio = parse_ratio(given)
        width, height = ratio or (16.0, 9.0)
        said = f"aspectRatio: {given} in the headmatter" if ratio else "Slidev's default, 16/9"
        fm = _parse_slide(slide.text).fm or {}
        layout = str(fm.get("layout") or ("cover" if slide.index == 1 else "default")).strip()
        offers, why_none = _offers(deck, slide, layout, fm)
        slot, share, key = _LAYOUT_SLOTS.get(layout, (Slot.SLIDE, 1.0, ""))
        if slot is Slot.SLIDE:
            place = Placement(width=width, height=height, aspect_source=said)
            return replace(place, offers=offers, why_none=why_none, panel=0.5)
        picture = picture_value(fm.get(key))
        how = f"layout: {layout}" if "layout" in fm else "the first slide's default cover layout"
        source = f"{key}: {picture} ({how})" if picture is not None else how
        needle = f"{key}:" if picture is not None else "layout:"
        line = source_line(deck, slide.start_line, slide.end_line, needle)
        place = Placement(slot, share, width, height, said, picture, source, line)
        return replace(place, offers=offers, why_none=why_none, panel=0.5)

    def inject_pictures(
        self, deck: Deck, pictures: Mapping[int, SlidePicture], settings: Settings
    ) -> str:
        """Set each picture in its slide's front matter, as the author would: ``image:``
        of an ``image-right``/``image-left`` layout (which we set when the slide has
        none), or the cover's ``background:``; each line tagged ``# image-prompt``, in a
        block of its own where the slide has none (see :func:`_picture_lines`)."""
        plans = _plans(deck)
        edits = LineEdits()
        for slide in deck.slides:
            picture = pictures.get(slide.index)
            if picture is None:
                continue
            plan = plans[slide.index - 1]
            if plan.key_after is None:
                raise PluginError(f"slide {slide.index}: its front matter cannot take a key")
            new = "\n".join(_picture_lines(slide, picture))
            if slide.picture is not None:
                edits.drop.update(slide.picture.numbers)
                block = "key"  # the block is there already
            else:
                block = plan.key_block
            edits.insert[plan.key_after] = {
                "key": new, "close": f"{new}\n---", "open": f"---\n{new}\n---",
            }[block]  # fmt: skip
        return edits.apply(deck)

    def inject(
        self, deck: Deck, prompts: Mapping[int, SlidePrompt], mode: str, settings: Settings
    ) -> str:
        """Write each prompt as a front-matter key or a comment, whichever the mode prefers
        and the slide allows."""
        plans: list[_Plan] | None = None  # read only for a slide that has no marker yet
        edits = LineEdits()
        for slide in deck.slides:
            prompt = prompts.get(slide.index)
            if prompt is None:
                continue
            key = render_key(prompt.text, prompt.source_hash, prompt.flags)
            comment = render_marker(prompt.text, prompt.source_hash, flags=prompt.flags)
            current = slide.marker
            if isinstance(current, PromptMarker) and len(slide.markers) == 1:
                edits.change[current.line] = key if current.form == "frontmatter" else comment
                continue
            plans = _plans(deck) if plans is None else plans
            plan = plans[slide.index - 1]
            edits.drop.update(m.line for m in slide.markers)
            wants_key = mode == "frontmatter" or plan.comment_after is None
            if wants_key and plan.key_after is not None:
                edits.insert[plan.key_after] = {
                    "key": key,
                    "close": f"{key}\n---",
                    "open": f"---\n{key}\n---",
                }[plan.key_block]
            elif plan.comment_after is not None:
                edits.insert[plan.comment_after] = comment
        return edits.apply(deck)

    def strip(self, deck: Deck, settings: Settings) -> str:
        """Remove every marker but the author's flagged ones, and the front matter blocks
        that held nothing else."""
        drop: set[int] = set()
        for slide, raw in zip(deck.slides, _scan(_lines(deck)), strict=True):
            ours = [m for m in slide.markers if strippable(m)]
            drop.update(m.line for m in ours)
            mine = len([m for m in ours if m.form == "frontmatter"])
            if ours and slide.picture is not None:  # a picture goes with its marker
                drop.update(slide.picture.numbers)
                mine += slide.picture.lines
            if mine and raw.fm_end is not None and raw.fm_end - raw.start - 1 == mine:
                # The block holds nothing but our lines: it was made for them.
                drop.add(raw.fm_end + 1)
                if raw.start == 0:
                    drop.add(1)
        return remove_lines(deck.text, drop)


PLUGIN = Slidev()
"""The plugin :mod:`~mdslides_prompts.plugins` registers."""
