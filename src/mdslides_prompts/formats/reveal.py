"""The reveal.js markdown plugin and the tools built on it: split and inject as ``slidify`` does.

``slidify`` (reveal.js ``plugin/markdown/plugin.js``) is a regular expression over the raw
text, not a Markdown parser: ``new RegExp(separator + '|' + vertical, 'mg')`` is run
from left to right and every match ends a slide (horizontal if the match also matches
``separator``). So ``---`` inside a code fence *does* split, and a slide is exactly the
text between two matches. Notes are what follows the notes separator, only when the
slide splits into exactly two parts. Every rule here is checked against the real plugin
in ``conformance/revealjs/``.

Variants differ only in where the text and the separators come from:

``revealjs``
    an external Markdown file of a host page: defaults ``\\r?\\n---\\r?\\n``, no vertical
    separator, notes ``^\\s*notes?:``; the page's ``data-separator*`` attributes are
    given with ``--separator``, ``--vertical-separator``, ``--notes-separator``.

A prompt is one HTML comment line at the start of its slide (right after the separator
line), which marked renders as an invisible comment, or at the end of the slide where a
first line would change the plugin's de-indentation of the slide.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
import itertools
from pathlib import Path
import re
from types import MappingProxyType
from typing import Any

from markdown_it import MarkdownIt

from ..config import Key, Settings
from ..deck import Deck, LineSpan, Slide, SlidePicture, SlidePrompt, split_lines
from ..detection import Evidence, Strength
from ..errors import DeckError
from ..lazyre import lazy_pattern
from ..marker import BadMarker, PromptMarker, is_marker_candidate, parse_marker, render_marker
from ..placement import Placement, Slot, attributes, picture_value, positive_number
from . import deckfm
from .base import Format
from .hostpage import HostPage, host_pages
from .js import Budget, JsPattern, js_regex
from .lines import (
    PICTURE_PATH,
    PROBE,
    LineEdits,
    code_free,
    edit_lines,
    fenced_lines,
    picture_after,
    picture_url,
    place_pictures,
    source_line,
    strip_markers,
)
from .project import config_files, read_config, search_folders

__all__ = ["PLUGIN", "SEPARATOR_KEYS", "VARIANTS", "Reveal", "Variant", "js_regex"]


@dataclass(frozen=True, slots=True)
class Variant:
    """One tool of the reveal.js family and its defaults."""

    name: str
    """The format name."""
    separator: str
    """Default horizontal separator (JavaScript regex source)."""
    vertical: str | None
    """Default vertical separator, or ``None`` for none."""
    notes: str
    """Default notes separator."""
    front_matter: re.Pattern[str] | None = None
    """How the tool finds its front matter (group ``yaml``; the body starts at the end of
    group ``fm``), or ``None`` if it has none."""
    keys: tuple[str, str, str] = ("separator", "verticalSeparator", "notesSeparator")
    """Front-matter keys (dotted paths) for the three separators."""
    config_file: str | None = None
    """A config file next to the deck (or above it) that may set the separators."""


VARIANTS: Mapping[str, Variant] = MappingProxyType(
    {
        # The plugin's notes default is the JS string "^\\s*notes?:", which loses its
        # backslash: the regex really is ^s*notes?: (verified in conformance/revealjs).
        "revealjs": Variant("revealjs", r"\r?\n---\r?\n", None, r"^s*notes?:"),
        # yaml-front-matter: '---' on line 1, closed by the next line starting with '---'.
        "reveal-md": Variant(
            "reveal-md",
            r"\r?\n---\r?\n",
            r"\r?\n----\r?\n",
            r"^s*notes?:",
            re.compile(r"(?P<fm>---[\n\r](?P<yaml>[\w\W]+?)[\n\r]---)"),
            config_file="reveal-md.json",
        ),
        # python-frontmatter; MkSlides then strips the content before slidify.
        "mkslides": Variant(
            "mkslides",
            r"\r?\n---\r?\n",
            None,
            r"^s*notes?:",
            re.compile(r"(?P<fm>-{3,}[ \t]*\r?\n(?P<yaml>[\w\W]*?)\r?\n-{3,}[ \t]*(?=\r?\n|$))\s*"),
            ("slides.separator", "slides.separator_vertical", "slides.separator_notes"),
            config_file="mkslides.yml",
        ),
        "slides-extended": Variant(
            "slides-extended",
            r"\r?\n---\r?\n",
            r"\r?\n--\r?\n",
            "note:",
            re.compile(r"(?P<fm>---\r?\n(?P<yaml>[\w\W]+?)\r?\n---\r?\n?)"),
        ),
    }
)
"""The supported tools, by format name."""


# What our marker line must never contain in these decks, on top of what every marker
# escapes ('<' and '>': a literal '</textarea>' ends reveal-md's and MkSlides' deck):
# ':' (no 'note:' or '.slide:'), '.element' (moves attributes onto the previous element)
# and runs of blanks (the plugin's de-indentation turns them into line breaks).
_EXTRA_ESCAPES = ":"
_AVOID = (".element", ".slide", "  ")
# Block structure only: a title is its heading's raw text, its inline syntax unread.
_HEADING = MarkdownIt("commonmark").disable("inline")
_FENCE = lazy_pattern(r"^ {0,3}(`{3,}|~{3,})")
# A link reference definition cannot continue a paragraph: the line before it must be
# blank or a heading (or the slide's start).
_BLOCK_END = lazy_pattern(r"\s*$| {0,3}#{1,6}(\s|$)")


@dataclass(frozen=True, slots=True)
class _Chunk:
    start: int
    """Offset of the chunk's first character in the text slidify reads."""
    end: int
    """Offset just past its last character."""


def _slidify(text: str, pattern: JsPattern, offset: int = 0) -> list[_Chunk]:
    """The chunks ``slidify`` cuts from ``text[offset:]`` with the combined separator
    *pattern*, as offsets into *text*."""
    chunks = []
    last = 0
    for start, end in pattern.spans(text[offset:]):
        if start == end:
            continue  # an empty match would hang the plugin; nothing to cut
        chunks.append(_Chunk(offset + last, offset + start))
        last = end
    chunks.append(_Chunk(offset + last, len(text)))
    return chunks


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for line in split_lines(text):
        starts.append(starts[-1] + len(line))
    return starts


def _line_of(starts: list[int], offset: int) -> int:
    """1-based line holding *offset*."""
    return bisect.bisect_right(starts, offset)


def _range(text: str, starts: list[int], chunk: _Chunk) -> tuple[int, int]:
    """The chunk's inclusive line range; a leading line break left over from a separator
    that matched mid-line belongs to the separator's line, not to the chunk."""
    start = chunk.start
    if start < chunk.end and text[start] in "\r\n" and start not in starts:
        start += 2 if text.startswith("\r\n", start) else 1
    first = _line_of(starts, start) if start < len(text) else len(starts)
    if start >= chunk.end:
        return first, first - 1
    return first, _line_of(starts, chunk.end - 1)


@dataclass(frozen=True, slots=True)
class _Scan:
    """A deck's text as its split read it: its lines and where each starts, the chunks
    ``slidify`` cut, and the separator matches between them (by where they end too)."""

    text: str
    body: _Body
    lines: list[str]
    starts: list[int]
    chunks: list[_Chunk]
    gaps: list[tuple[int, int]]
    ends: list[int]

    @classmethod
    def of(cls, text: str, body: _Body) -> _Scan:
        """*text* split with the separators of *body*."""
        chunks = _slidify(text, body.separator, body.offset)
        gaps = [(a.end, b.start) for a, b in itertools.pairwise(chunks)]
        lines = split_lines(text)
        return cls(text, body, lines, _line_starts(text), chunks, gaps, [e for _, e in gaps])


def _anchor(scan: _Scan, index: int, span: tuple[int, int]) -> tuple[int, str] | None:
    """Where a marker goes in slide *index* (0-based) at lines *span*, and its indentation.

    Candidates, in order: before the first non-blank line, indented like it (so the
    plugin de-indents the slide as before); after that line when it is a ``---`` or a
    heading; at the end of the slide, before its notes, unless a fence, comment or
    ``<div>`` is open there. Each is tried by re-running ``slidify`` with the line in
    place: the slides and the notes split must stay the same.
    """
    notes_re = scan.body.notes
    first, last = span
    lines = scan.lines
    body = range(first, last + 1)
    first_text = next((n for n in body if lines[n - 1].strip()), None)
    candidates: list[tuple[int, str]] = []
    if first_text is not None:
        line = lines[first_text - 1]
        indent = _indent(line)
        if indent.count(" ") < 4 and "\t" not in indent:
            candidates.append((first_text - 1, indent))
        if re.match(r" {0,3}(---+|#{1,6}(\s|$))", line):
            candidates.append((first_text, ""))
        notes_at = next((n for n in body if notes_re.match(lines[n - 1])), None)
        end = (notes_at - 1) if notes_at is not None else last
        if not _open_at_end(lines[first - 1 : end]):
            candidates.append((end, ""))
    else:
        candidates.append((first - 1, ""))
    for after, indent in candidates:
        probe = indent + PROBE
        if _keeps_slides(scan, index, after, probe):
            return after, indent
    return None


def _keeps_slides(scan: _Scan, index: int, after: int, line: str) -> bool:
    """Whether *line*, put in after line *after*, leaves the slides and their notes as
    they were, but slide *index*, which takes it."""
    near = _keeps_slides_near(scan, index, after, line)
    return near if near is not None else _keeps_slides_whole(scan, index, after, line)


_REACH = 16
"""More characters than any match of the built-in separators takes (``\r\n----\r\n``: 8)."""


def _keeps_slides_near(scan: _Scan, index: int, after: int, line: str) -> bool | None:
    """:func:`_keeps_slides` for the built-in separators, reading only around the new
    line (``None``: not decidable so, ask :func:`_keeps_slides_whole`).

    A built-in separator match is a few characters, decided by those characters alone
    (no anchor, no look-around): where the text is the same, ``slidify`` finds the same
    matches, once its scan starts from the same place. So the scan of the changed text
    is resumed from the end of the last match well before the new line (where both scans
    stand), and followed past the line until it meets a match of the first scan again,
    moved by the line's length; from there on both scans are the same. The slides stay
    if every match in between is one of the first scan's too, and the notes separator
    splits the slide the line joins as before.
    """
    text, chunks, body = scan.text, scan.chunks, scan.body
    separator = body.separator
    if separator.budget is not None:
        return None  # a separator the user gave: any length, any look-around
    # The changed text is the text with one run of characters put in at `at`.
    first_line = max(after, 1)
    window_start = scan.starts[first_line - 1]
    window = "".join(scan.lines[first_line - 1 : after + 1])
    edited = edit_lines(window, newline="\n", insert_after={0 if after == 0 else 1: line})
    grown = len(edited) - len(window)
    same = next(
        (k for k, (a, b) in enumerate(zip(window, edited, strict=False)) if a != b), len(window)
    )
    at = window_start + same
    added = edited[same : same + grown]
    # The front matter's match ends where slidify starts (0: none).
    if body.variant.front_matter is not None and (body.offset == 0 or at <= body.offset):
        return None  # the line could make or change a front matter: the whole check
    gaps = scan.gaps
    k = bisect.bisect_right(scan.ends, at - _REACH)  # matches 0..k-1 end before the line
    resume = scan.ends[k - 1] if k else body.offset  # both scans stand there: chunk k's start
    # Follow the second scan from `resume` until a match of it, wholly after the line, is a
    # match of the first scan too (moved by the line): both scans go on alike from there.
    width = 4 * _REACH + grown
    while True:
        stop = min(len(text), at + width)
        local = text[resume:at] + added + text[at:stop]
        whole = stop == len(text)
        found: list[tuple[int, int]] = []  # the second scan's matches, in `local`
        meets: int | None = None  # the first scan's match where they meet
        for match in separator.pattern.finditer(local):
            start, end = match.span()
            if not whole and end > len(local) - _REACH:
                break  # what follows the stretch could change it: read further
            found.append((start, end))
            moved = (start + resume - grown, end + resume - grown)
            if start + resume >= at + grown:
                j = bisect.bisect_left(gaps, moved)
                if j < len(gaps) and gaps[j] == moved:
                    meets = j
                    break
        if meets is not None or whole:
            break
        width *= 4
    # The chunks between: the first scan's k..last (up to where they meet), the second's
    # cut from `local` by `found`; the same number, the same lines, but slide `index`,
    # which takes the line.
    last = meets if meets is not None else len(gaps)
    if len(found) - (1 if meets is not None else 0) != last - k:
        return False
    cuts = [0, *(p for span in found[: last - k] for p in span)]
    cuts.append(found[-1][0] if meets is not None else len(local))
    return all(
        _same_slide(
            text[chunks[k + n].start : chunks[k + n].end],
            local[cuts[2 * n] : cuts[2 * n + 1]],
            line if k + n == index else None,
            body.notes,
        )
        for n in range(last - k + 1)
    )


def _same_slide(before: str, now: str, line: str | None, notes: JsPattern) -> bool:
    """Whether the chunk *now* is the chunk *before* (with *line* added, which must not
    change how the notes separator splits it), line endings aside."""
    now_lines = [ln.rstrip("\r\n") for ln in split_lines(now)]
    if line is not None:
        if line not in now_lines or len(notes.split(now)) != len(notes.split(before)):
            return False
        now_lines.remove(line)
    return now_lines == [ln.rstrip("\r\n") for ln in split_lines(before)]


def _keeps_slides_whole(scan: _Scan, index: int, after: int, line: str) -> bool:
    """:func:`_keeps_slides` by re-running ``slidify`` on the whole changed text."""
    text, chunks, body_info = scan.text, scan.chunks, scan.body
    changed = edit_lines(text, newline="\n", insert_after={after: line})
    # A line right under a '---' on line 1 can close a front matter that was not one.
    try:
        front = _front(body_info.variant, changed, Deck(changed))
    except DeckError:
        return False
    if front[0] != body_info.offset:
        return False
    new_chunks = _slidify(changed, body_info.separator, body_info.offset)
    if len(new_chunks) != len(chunks):
        return False
    return all(
        _same_slide(
            text[old.start : old.end],
            changed[new.start : new.end],
            line if number == index else None,
            body_info.notes,
        )
        for number, (old, new) in enumerate(zip(chunks, new_chunks, strict=True))
    )


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _open_at_end(lines: list[str]) -> bool:
    """Whether a code fence, an HTML comment, a ``<div>`` or a raw-text element is still
    open after *lines* (a line added there would land inside it)."""
    fence: str | None = None
    comment = False
    divs = 0
    raw_html = 0  # <pre>, <script>, <style>, <textarea>: HTML blocks ended only by their tag
    for line in lines:
        match = _FENCE.match(line)
        if fence is not None:
            closes = match is not None and match.group(1)[0] == fence[0]
            if closes and match and len(match.group(1)) >= len(fence):
                fence = None if not line.strip().strip(fence[0]) else fence
            continue
        if match and not comment:
            fence = match.group(1)
            continue
        position = 0
        while True:
            if comment:
                close = line.find("-->", position)
                if close < 0:
                    break
                comment, position = False, close + 3
            else:
                opening = line.find("<!--", position)
                if opening < 0:
                    break
                comment, position = True, opening + 4
        divs += len(re.findall(r"<div[\s>]", line, re.I))
        divs -= len(re.findall(r"</div\s*>", line, re.I))
        raw_html += len(re.findall(r"<(pre|script|style|textarea)(\s|>|$)", line, re.I))
        raw_html -= len(re.findall(r"</(pre|script|style|textarea)>", line, re.I))
    return fence is not None or comment or divs > 0 or raw_html > 0


_ATX = lazy_pattern(r" {0,3}#{1,6}(?:[ \t]|$)")


def _title(markdown: str) -> str | None:
    # A slide whose first non-blank line is an ATX heading opens with that heading (no
    # block before it can hold it): that line alone gives the title, the rest unread.
    first = next((ln for ln in markdown.split("\n") if ln.strip(" \t")), None)
    if first is not None and _ATX.match(first):
        markdown = first
    tokens = _HEADING.parse(markdown)
    for i, token in enumerate(tokens[:-1]):
        if token.type == "heading_open":
            return tokens[i + 1].content.strip() or None
    return None


@dataclass(frozen=True, slots=True)
class _Body:
    """Where slidify's input starts in the deck text, and the separators in force."""

    offset: int
    separator: JsPattern
    notes: JsPattern
    front_matter: LineSpan | None
    meta: Mapping[str, Any]
    variant: Variant


def _lookup(data: Mapping[str, Any], dotted: str) -> str | None:
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value if isinstance(value, str) and value else None


def _config(deck: Deck, variant: Variant) -> Mapping[str, Any]:
    """The variant's config file that a run for the deck would read (see
    :mod:`.project`; for plain reveal.js, the host pages that load the deck, see
    :mod:`.hostpage`): the nearest, if every one found sets the same separators.

    :raises DeckError: two of them set different separators (which one the build reads
        is not known)
    """
    found: list[tuple[Path, Mapping[str, Any]]]
    if variant.name == "revealjs":
        found = [(page.path, _page_config(page)) for page in host_pages(deck.path)]
    else:
        found = [(path, read_config(path, deck.path)) for path in _config_files(deck, variant)]
    if not found:
        return {}
    values = {tuple(_lookup(data, key) for key in variant.keys) for _, data in found}
    if len(values) > 1:
        paths = " and ".join(str(path) for path, _ in found)
        raise DeckError(
            f"{paths} set different separators and either may be the one {variant.name} "
            "reads; nothing written: pass --separator (and --vertical-separator, "
            "--notes-separator)",
            deck.path,
        )
    return found[0][1]


def _page_config(page: HostPage) -> Mapping[str, Any]:
    given = (page.separator, page.vertical, page.notes)
    return {k: v for k, v in zip(VARIANTS["revealjs"].keys, given, strict=True) if v is not None}


def _config_files(deck: Deck, variant: Variant) -> tuple[Path, ...]:
    return config_files(deck.path, variant.config_file) if variant.config_file else ()


def _front(variant: Variant, text: str, deck: Deck) -> tuple[int, LineSpan | None, dict[str, Any]]:
    """Where the tool's front matter ends in *text*, its lines and its data (``0, None,
    {}`` when it has none)."""
    match = variant.front_matter.match(text) if variant.front_matter is not None else None
    data = deckfm.yaml_mapping(match.group("yaml")) if match else None
    if match and data is not None:
        closing = match.start("fm") + len(match.group("fm").rstrip("\r\n"))
        return match.end(), LineSpan(1, len(split_lines(text[:closing]))), data
    if match and variant.name == "reveal-md":
        raise DeckError(
            "reveal-md cannot render a deck whose front matter is not a YAML mapping", deck.path
        )
    return 0, None, {}


def _body(deck: Deck, settings: Settings) -> _Body:
    """Front matter, body offset and separators: options > front matter > config > defaults."""
    variant = VARIANTS[deck.format or "revealjs"]
    offset, span, meta = _front(variant, deck.text, deck)
    config = _config(deck, variant)
    defaults = (variant.separator, variant.vertical, variant.notes)
    chosen = [
        option or _lookup(meta, key) or _lookup(config, key) or default
        for option, key, default in zip(
            _given(settings),
            variant.keys,
            defaults,
            strict=True,
        )
    ]
    budget = Budget()
    separator = _pattern(chosen, defaults, (0, 1), budget)
    notes = _pattern(chosen, defaults, (2,), budget, ignore_case=True)
    return _Body(offset, separator, notes, span, MappingProxyType(meta), variant)


_NAMES = ("separator", "vertical separator", "notes separator")


def _pattern(
    chosen: list[str | None],
    defaults: tuple[str | None, ...],
    which: tuple[int, ...],
    budget: Budget,
    *,
    ignore_case: bool = False,
) -> JsPattern:
    """The separators *which* (indexes into :data:`_NAMES`) as one pattern; one the user
    chose (not the tool's default) makes it run within the deck's matching *budget*."""
    used = [(i, source) for i in which if (source := chosen[i])]
    translated = "|".join(js_regex(source, what=_NAMES[i]) for i, source in used)
    given = [f"{_NAMES[i]} {source!r}" for i, source in used if source != defaults[i]]
    what = " or ".join(given) or _NAMES[which[0]]
    return JsPattern.compile(translated, what, budget if given else None, ignore_case=ignore_case)


def _split(deck: Deck, settings: Settings) -> Deck:
    try:
        return _split_slides(deck, settings)
    except TimeoutError as exc:  # a user-supplied separator used up the deck's matching time
        raise DeckError(str(exc), deck.path) from None


def _split_slides(deck: Deck, settings: Settings) -> Deck:
    info = _body(deck, settings)
    text = deck.text
    scan = _Scan.of(text, info)
    lines, starts, chunks = scan.lines, scan.starts, scan.chunks
    slides = []
    for index, chunk in enumerate(chunks, 1):
        first, last = _range(text, starts, chunk)
        code = fenced_lines(lines[first - 1 : last], first)
        markers: list[PromptMarker | BadMarker] = [
            parse_marker(lines[n - 1].lstrip(" \t"), n)
            for n in range(first, last + 1)
            if n not in code
            and is_marker_candidate(lines[n - 1])
            and lines[n - 1].lstrip().startswith(("<!--", "["))
        ]
        picture = (
            picture_after(lines, markers[0], read_picture, closed=False)
            if len(markers) == 1
            else None
        )
        ours = {m.line for m in markers} | set(picture.numbers if picture else ())
        body = "\n".join(
            lines[n - 1].rstrip("\r\n") for n in range(first, last + 1) if n not in ours
        )
        parts = info.notes.split(body)
        notes = (parts[-1].strip(),) if len(parts) == 2 else ()
        shown = parts[0] if len(parts) == 2 else body
        content = re.sub(r"<!--.*?-->", "", shown, flags=re.S).strip()
        skip = None if content else "empty"
        anchor = first - 1
        if skip is None and not markers:
            placed = _anchor(scan, index - 1, (first, last))
            if placed is None:
                skip = "no line where a marker keeps the rendering"
            else:
                anchor = placed[0]
        slides.append(
            Slide(
                index=index,
                start_line=first,
                end_line=last,
                text=body,
                title=_title(shown),
                notes=notes,
                markers=tuple(markers),
                anchor_line=anchor,
                skip_reason=skip,
                picture=picture,
            )
        )
    return deckfm.attach(
        replace(deck, slides=tuple(slides), front_matter=info.front_matter, meta=info.meta)
    )


# --- plugin --------------------------------------------------------------------------------


SEPARATOR_KEYS = (
    Key("separator", "text", "reveal.js horizontal separator", unset="the format's own"),
    Key("vertical-separator", "text", "reveal.js vertical one", unset="the format's own"),
    Key("notes-separator", "text", "reveal.js notes separator", unset="the format's own"),
)
"""The separators (JavaScript regexes, as ``data-separator*``) a build is given; they
win over the deck's front matter and config files."""


def _given(settings: Settings) -> tuple[str | None, str | None, str | None]:
    """The horizontal, vertical and notes separators the settings give, if any."""
    given = [settings.extra.get(key.name) for key in SEPARATOR_KEYS]
    return given[0], given[1], given[2]


_REVEAL_SIGNS = lazy_pattern(r"^(notes?:|<!--\s*\.(slide|element):)", re.M | re.I)
_EXTENDED_SIGNS = lazy_pattern(r"^<!--\s*(slide|element)\s+[\w-]+=", re.M)
_CALLOUT = lazy_pattern(r"^>\s*\[!\w+\]", re.M)
_RULE = lazy_pattern(r"^---[ \t]*$", re.M)
_OBSIDIAN_PLUGINS = ("slides-extended", "obsidian-advanced-slides")
# Front-matter options only Advanced Slides and Slides Extended read.
_EXTENDED_KEYS = lazy_pattern(
    r"^(defaultTemplate|enableChalkboard|enableOverview|enableMenu|enableTimeBar|"
    r"enableCustomControls|enablePointer|enableLinks|timeForPresentation)\s*:",
    re.M,
)


def _evidence(deck: Deck, settings: Settings) -> list[Evidence]:
    """Declared: a reveal.js host page that loads the deck (``data-markdown``), a
    ``reveal-md.json`` or ``mkslides.yml`` a run for the deck would read,
    an Obsidian vault with Slides Extended or Advanced Slides, reveal-md's
    ``revealOptions:`` (each when the deck has a separator to split at). Distinctive:
    MkSlides' front-matter sections, Slides Extended's ``<!-- slide … -->`` comments,
    separators given as options (plain reveal.js). Hints: ``Note:`` lines and
    ``.slide:``/``.element:`` comments (every tool of the family), callouts."""
    text = code_free(deck.text.replace("\r\n", "\n"))
    split = _RULE.search(text) is not None
    signs = []
    for name in ("reveal-md", "mkslides"):
        for path in _config_files(deck, VARIANTS[name])[:1]:
            if split or any(_lookup(read_config(path, deck.path), k) for k in VARIANTS[name].keys):
                signs.append(_sign(name, Strength.DECLARED, f"{path} (read by {name})"))
    for page in host_pages(deck.path)[:1]:
        signal = f"{page.path} loads it (data-markdown)"
        signs.append(_sign("revealjs", Strength.DECLARED, signal))
    vault = _obsidian_plugin(deck)
    if vault is not None and split:
        signs.append(_sign("slides-extended", Strength.DECLARED, vault))
    head = deck.text[:4096] if deck.text.startswith("---") else ""
    if re.search(r"^revealOptions\s*:", head, re.M):
        signs.append(_sign("reveal-md", Strength.DECLARED, "revealOptions: in the front matter"))
    if section := re.search(r"^(slides|revealjs|plugins)\s*:\s*$", head, re.M):
        signal = f"the MkSlides section {section[1]}: in the front matter"
        signs.append(_sign("mkslides", Strength.DISTINCTIVE, signal))
    if option := _EXTENDED_KEYS.search(head):
        signal = f"the Slides Extended option {option[1]}: in the front matter"
        signs.append(_sign("slides-extended", Strength.DISTINCTIVE, signal))
    if comment := _EXTENDED_SIGNS.search(text):
        signs.append(_sign("slides-extended", Strength.DISTINCTIVE, f"{comment[0]}… comments"))
    if _CALLOUT.search(text):
        signs.append(_sign("slides-extended", Strength.HINT, "> [!note] callouts"))
    if any(_given(settings)):
        signs.append(_sign("revealjs", Strength.DISTINCTIVE, "separators given as options"))
    if hint := _REVEAL_SIGNS.search(text):
        signs.append(Evidence(tuple(VARIANTS), Strength.HINT, f"{hint[0].strip()} lines"))
    return signs


def _sign(name: str, strength: Strength, signal: str) -> Evidence:
    return Evidence((name,), strength, signal)


def _obsidian_plugin(deck: Deck) -> str | None:
    """The Obsidian vault around the deck, if it has a slides plugin installed."""
    for folder in search_folders(deck.path):
        plugins = folder / ".obsidian" / "plugins"
        for plugin in _OBSIDIAN_PLUGINS:
            if (plugins / plugin).is_dir():
                return f"the Obsidian vault {folder} has the {plugin} plugin"
    return None


def _inject(deck: Deck, prompts: Mapping[int, SlidePrompt], mode: str) -> str | None:
    """Write each prompt as a marker line at the anchor the split checked with ``slidify``:
    a comment, or (``reference`` mode) a link reference definition where the line before
    ends a block, or (``frontmatter`` mode, tools that read a front matter) an entry of
    the front matter's prompt block (``None`` for a tool that reads none)."""
    edits = LineEdits()
    if mode == "frontmatter":
        if VARIANTS[deck.format or ""].front_matter is None:
            return None
        if deckfm.write(deck, prompts, edits, create=not deck.bom):
            return edits.apply(deck)
    lines = split_lines(deck.text)
    for slide in deck.slides:
        prompt = prompts.get(slide.index)
        if prompt is None:
            continue
        body = deckfm.body_markers(slide)
        after = body[0].line - 1 if body else slide.anchor_line
        closed = after in (0, slide.start_line - 1) or bool(_BLOCK_END.match(lines[after - 1]))
        form = "reference" if mode == "reference" and closed else "comment"
        line = render_marker(
            prompt.text, prompt.source_hash, form=form, extra=_EXTRA_ESCAPES, avoid=_AVOID,
            flags=prompt.flags,
        )  # fmt: skip
        if body:
            at = body[0].line
            edits.change[at] = _indent(lines[at - 1]) + line
            edits.drop.update(m.line for m in body[1:])
            continue
        # Right before the slide's first text line, the marker takes its indentation.
        span = range(slide.start_line, slide.end_line + 1)
        first_text = next((n for n in span if lines[n - 1].strip()), None)
        before_first = first_text is not None and slide.anchor_line == first_text - 1
        indent = _indent(lines[first_text - 1]) if before_first and first_text else ""
        edits.insert[slide.anchor_line] = indent + line
    deckfm.drop_entries(deck, prompts.keys(), edits)
    return edits.apply(deck)


# --- pictures ------------------------------------------------------------------------------

_PICTURE = lazy_pattern(rf'[ \t]*<!-- \.slide: data-background-image="{PICTURE_PATH}" -->')


def read_picture(line: str) -> tuple[str, str] | None:
    """A picture line of ours (``<!-- .slide: data-background-image="…" -->``): its URL
    and slot (the background: reveal.js has no other)."""
    found = _PICTURE.fullmatch(line)
    return (found["path"], "background") if found else None


def _inject_pictures(deck: Deck, pictures: Mapping[int, SlidePicture]) -> str:
    """Each picture as a slide attribute comment after its marker, at its indentation: an
    HTML block the plugin reads as the section's ``data-background-image``."""
    lines = split_lines(deck.text)
    indents = {
        s.index: _indent(lines[s.marker.line - 1]) for s in deck.slides if s.marker is not None
    }

    def render(picture: SlidePicture) -> str:
        url = picture_url(picture.path)
        return f'{indents.get(picture.index, "")}<!-- .slide: data-background-image="{url}" -->'

    return place_pictures(deck, pictures, render, closed=False).apply(deck)


# --- placement -----------------------------------------------------------------------------

_SIZE_PREFIX = {"reveal-md": "revealOptions.", "mkslides": "revealjs.", "slides-extended": ""}
"""Where each tool's reveal.js options (``width``, ``height``) are: reveal-md's front
matter ``revealOptions``, MkSlides' ``revealjs`` (front matter, then ``mkslides.yml``),
Slides Extended's front matter itself. A plain reveal.js page sets them in its script."""
_ATTRIBUTE_COMMENT = {
    "slides-extended": re.compile(r"<!--\s*(?:\.slide:|slide\s)(.*?)-->", re.S),
}
_SLIDE_COMMENT = lazy_pattern(r"<!--\s*\.slide:(.*?)-->", re.S)
_BACKGROUNDS = ("data-background-image", "data-background-video", "data-background-iframe")
"""Attributes whose value is a picture (or a video, or a page) whatever it says."""


def _number(data: Mapping[str, Any], dotted: str) -> float | None:
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return positive_number(value)


@lru_cache(maxsize=8)
def _size(name: str, text: str, path: Path | None) -> tuple[float, float, str]:
    """The slide size the deck's tool reads (see :data:`_SIZE_PREFIX`), else reveal.js's
    default, 960x700."""
    prefix = _SIZE_PREFIX.get(name)
    if prefix is not None:
        variant = VARIANTS[name]
        deck = Deck(text=text, path=path, format=name)
        sources: list[tuple[Mapping[str, Any], str]] = [
            (_front(variant, text, deck)[2], "the front matter")
        ]
        if variant.config_file == "mkslides.yml":
            sources.append((_config(deck, variant), variant.config_file))
        for data, where in sources:
            width, height = _number(data, f"{prefix}width"), _number(data, f"{prefix}height")
            if width and height:
                return width, height, f"{prefix}width and height in {where}"
    return 960.0, 700.0, "reveal.js's default size, 960x700"


def _placement(deck: Deck, slide: Slide) -> Placement:
    """The background a slide's attribute comment (``<!-- .slide: ... -->``; Slides
    Extended's ``<!-- slide ... -->`` too) sets, on the deck's size."""
    name = deck.format or "revealjs"
    width, height, said = _size(name, deck.text, deck.path)
    comments = _ATTRIBUTE_COMMENT.get(name, _SLIDE_COMMENT)
    for match in comments.finditer(code_free(slide.text)):
        given = attributes(match[1])
        for key, value in given.items():
            if key in _BACKGROUNDS and value.strip():
                picture: str | None = value.strip()
            elif key in ("data-background", "bg"):
                picture = picture_value(value)
            else:
                continue
            if picture is not None:
                source = f'{key}="{value}"'
                line = source_line(deck, slide.start_line, slide.end_line, f"{key}=")
                return Placement(
                    Slot.BACKGROUND, 1.0, width, height, said, picture, source, line,
                    offers=_OFFERS,
                )  # fmt: skip
    return Placement(width=width, height=height, aspect_source=said, offers=_OFFERS)


_OFFERS = (Slot.BACKGROUND,)
"""Where a picture of ours goes on a reveal.js slide: its background (there is no split
layout to put it beside the text)."""


class Reveal(Format):
    """The reveal.js family (``revealjs``, ``reveal-md``, ``mkslides``,
    ``slides-extended``), split as ``slidify`` does; prompts as comments, link references
    or front-matter entries. Declares the separator keys."""

    names = tuple(VARIANTS)
    modes = ("comment", "reference", "frontmatter")
    keys = SEPARATOR_KEYS

    def evidence(self, deck: Deck, settings: Settings) -> list[Evidence]:
        """See :func:`_evidence`."""
        return _evidence(deck, settings)

    def split(self, deck: Deck, settings: Settings) -> Deck:
        """Split the deck as ``slidify`` does."""
        return _split(deck, settings)

    def inject(
        self, deck: Deck, prompts: Mapping[int, SlidePrompt], mode: str, settings: Settings
    ) -> str | None:
        """See :func:`_inject`."""
        return _inject(deck, prompts, mode)

    def inject_pictures(
        self, deck: Deck, pictures: Mapping[int, SlidePicture], settings: Settings
    ) -> str:
        """See :func:`_inject_pictures`."""
        return _inject_pictures(deck, pictures)

    def strip(self, deck: Deck, settings: Settings) -> str:
        """Remove every marker line (with its picture) and the front-matter prompt block."""
        return strip_markers(deck, deckfm.strip_lines(deck))

    def placement(self, deck: Deck, slide: Slide, settings: Settings) -> Placement:
        """A ``data-background-image`` (``-video``, ``-iframe``; ``data-background`` or
        Slides Extended's ``bg`` naming a picture, not a colour) fills the slide; the
        size is the tool's ``width`` and ``height`` options, else 960x700."""
        return _placement(deck, slide)


PLUGIN = Reveal()
"""The plugin :mod:`~mdslides_prompts.plugins` registers."""
