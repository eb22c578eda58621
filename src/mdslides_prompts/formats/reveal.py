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

from collections.abc import Mapping
from dataclasses import dataclass, replace
import re
from types import MappingProxyType

from markdown_it import MarkdownIt

from ..config import Settings
from ..deck import Deck, Slide, SlidePrompt, split_lines
from ..errors import UsageError
from ..hookspecs import hookimpl
from ..marker import BadMarker, PromptMarker, is_marker_candidate, parse_marker, render_marker
from .lines import edit_lines, remove_lines

__all__ = ["VARIANTS", "Variant", "js_regex"]


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


VARIANTS: Mapping[str, Variant] = MappingProxyType(
    {
        "revealjs": Variant("revealjs", r"\r?\n---\r?\n", None, r"^\s*notes?:"),
    }
)
"""The supported tools, by format name."""

# What our marker line must never contain in these decks: '<' and '>' (a literal
# '</script>' or '</textarea>' would end the host element) and ':' (so no 'note:',
# '.slide:' or '.element:' can appear in it).
_EXTRA_ESCAPES = "<>:"
_HEADING = MarkdownIt("commonmark")
_FENCE = re.compile(r"^\s*(```|~~~)")


def js_regex(source: str, *, what: str = "separator") -> str:
    """Translate a JavaScript regex source to Python's ``re`` syntax (named groups)."""
    translated = re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", source)
    try:
        re.compile(translated)
    except re.error as exc:
        raise UsageError(f"invalid {what} regex {source!r}: {exc}") from None
    return translated


@dataclass(frozen=True, slots=True)
class _Chunk:
    start: int
    """Offset of the chunk's first character in the text slidify reads."""
    end: int
    """Offset just past its last character."""


def _slidify(text: str, separator: str, vertical: str | None) -> list[_Chunk]:
    """The chunks ``slidify`` cuts, as offsets (horizontal and vertical alike)."""
    pattern = re.compile(separator + (f"|{vertical}" if vertical else ""), re.M)
    chunks = []
    last = 0
    for match in pattern.finditer(text):
        if match.start() == match.end():
            continue  # an empty match would hang the plugin; nothing to cut
        chunks.append(_Chunk(last, match.start()))
        last = match.end()
    chunks.append(_Chunk(last, len(text)))
    return chunks


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for line in split_lines(text):
        starts.append(starts[-1] + len(line))
    return starts


def _line_of(starts: list[int], offset: int) -> int:
    """1-based line holding *offset*."""
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1


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


_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def _dedents(chunk: str) -> bool:
    """Whether the plugin de-indents this chunk (getMarkdownFromSlide): its leading
    whitespace, after one optional line break, is a tab or more than one blank."""
    spaces = re.match(f"\n?([{_JS_SPACE}]*)", chunk)
    tabs = re.match(r"\n?(\t*)", chunk)
    return bool(tabs and tabs.group(1)) or bool(spaces and len(spaces.group(1)) > 1)


def _title(markdown: str) -> str | None:
    tokens = _HEADING.parse(markdown)
    for i, token in enumerate(tokens[:-1]):
        if token.type == "heading_open":
            return tokens[i + 1].content.strip() or None
    return None


def _separators(deck: Deck, settings: Settings) -> tuple[str, str | None, str]:
    variant = VARIANTS[deck.format or "revealjs"]
    separator = settings.separator or variant.separator
    vertical = settings.vertical_separator or variant.vertical
    notes = settings.notes_separator or variant.notes
    return (
        js_regex(separator),
        js_regex(vertical, what="vertical separator") if vertical else None,
        js_regex(notes, what="notes separator"),
    )


def _split(deck: Deck, settings: Settings) -> Deck:
    separator, vertical, notes_separator = _separators(deck, settings)
    text = deck.text
    lines = split_lines(text)
    starts = _line_starts(text)
    notes_re = re.compile(notes_separator, re.M | re.I)
    slides = []
    for index, chunk in enumerate(_slidify(text, separator, vertical), 1):
        first, last = _range(text, starts, chunk)
        markers: list[PromptMarker | BadMarker] = [
            parse_marker(lines[n - 1], n)
            for n in range(first, last + 1)
            if is_marker_candidate(lines[n - 1]) and lines[n - 1].lstrip().startswith("<!--")
        ]
        marker_lines = {m.line for m in markers}
        body = "\n".join(
            lines[n - 1].rstrip("\r\n") for n in range(first, last + 1) if n not in marker_lines
        )
        parts = notes_re.split(body)
        notes = (parts[-1].strip(),) if len(parts) == 2 else ()
        shown = parts[0] if len(parts) == 2 else body
        content = re.sub(r"<!--.*?-->", "", shown, flags=re.S).strip()
        skip = None if content else "empty"
        anchor = first - 1
        if _dedents(text[chunk.start : chunk.end]):
            # A marker as first line would change how the plugin de-indents the slide;
            # the end is safe unless a code fence is still open there.
            anchor = last
            fences = sum(1 for n in range(first, last + 1) if _FENCE.match(lines[n - 1]))
            if fences % 2 and skip is None:
                skip = "no line where a marker keeps the rendering (indented slide, open fence)"
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
            )
        )
    return replace(deck, slides=tuple(slides), front_matter=None)


# --- hooks ---------------------------------------------------------------------------------


@hookimpl(trylast=True)
def mdslides_format_names() -> list[str]:
    """The reveal.js family."""
    return list(VARIANTS)


_REVEAL_SIGNS = re.compile(r"^(notes?:|<!--\s*\.(slide|element):)", re.M | re.I)


@hookimpl(trylast=True)
def mdslides_detect_format(deck: Deck, settings: Settings) -> str | None:
    """reveal.js when separators are given, or the deck has ``Note:`` lines or
    ``<!-- .slide: -->``/``<!-- .element: -->`` comments."""
    if settings.separator or settings.vertical_separator or settings.notes_separator:
        return "revealjs"
    return "revealjs" if _REVEAL_SIGNS.search(deck.text) else None


@hookimpl(trylast=True)
def mdslides_split_deck(deck: Deck, settings: Settings) -> Deck | None:
    """Split a reveal.js-family deck as ``slidify`` does."""
    return _split(deck, settings) if deck.format in VARIANTS else None


@hookimpl(trylast=True)
def mdslides_inject_prompts(
    deck: Deck, prompts: Mapping[int, SlidePrompt], mode: str
) -> str | None:
    """Write each prompt as a comment line at the start of its slide."""
    if deck.format not in VARIANTS or mode != "comment":
        return None
    insert: dict[int, str] = {}
    change: dict[int, str] = {}
    drop: set[int] = set()
    for slide in deck.slides:
        prompt = prompts.get(slide.index)
        if prompt is None:
            continue
        line = render_marker(prompt.text, prompt.source_hash, extra=_EXTRA_ESCAPES)
        if slide.markers:
            change[slide.markers[0].line] = line
            drop.update(m.line for m in slide.markers[1:])
        else:
            insert[slide.anchor_line] = line
    return edit_lines(
        deck.text, newline=deck.newline, insert_after=insert, replace=change, delete=drop
    )


@hookimpl(trylast=True)
def mdslides_strip_prompts(deck: Deck) -> str | None:
    """Remove every marker line."""
    if deck.format not in VARIANTS:
        return None
    return remove_lines(deck.text, {m.line for s in deck.slides for m in s.markers})
