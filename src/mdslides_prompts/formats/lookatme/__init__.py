"""lookatme (d0c-s4vage/lookatme 2.5.5): detect, split and inject exactly as its parser does.

lookatme reads the file as UTF-8 with universal newlines (a BOM is kept) and then
(``lookatme/parser.py``; every rule checked against the real parser, see
``conformance/lookatme/FINDINGS.md`` §1):

* **Meta.** If the first non-blank line starts with ``---`` (after ``strip()``, so a BOM
  prevents it), a YAML block runs to the next such line, or to the end of the file when
  there is none. ``styles:`` and ``extensions:`` are lookatme's own keys.
* **Splitting.** The rest goes through mistune 0.8.4's block lexer (tabs not expanded),
  reproduced here. If the flat token stream holds an ``hrule`` anywhere (block quotes
  and list items included), every hrule ends a slide; otherwise headings of the lowest
  level split ("smart" splitting), a lone top heading being the deck title and no split.
* **Progressive slides.** Each block ``<!-- stop -->`` ends a slide that the next one
  repeats and extends. Like remark's ``--`` continuations, only the first of them with
  content gets a prompt; the later ones are ``incremental continuation``.

HTML comments are *never* hidden in lookatme 2.5.5: a comment block crashes the renderer,
one glued to text is shown, and one may even swallow a separator. So in both ``comment``
mode (the default) and ``reference`` mode a prompt is written as a CommonMark link
reference definition, ``[image-prompt src=… sum=…]: # "…"``, which mistune stores and
renders nothing for (at the top level and in block quotes; list items and footnotes have
no such rule). It goes on its own line, by default right before the slide's first
non-blank line. Every position is checked by lexing the deck again with the line in, and
taken only if lookatme's token stream stays the same and the line reads back as a marker
of this slide (a line right above ``---``, ``===`` or a table row would not); a slide with
no such line gets no prompt. ``frontmatter`` mode is not offered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
import re
from types import MappingProxyType
from typing import Any

from ...config import Settings
from ...deck import BOM, Deck, LineSpan, Slide, SlidePrompt, split_lines
from ...detection import Evidence, Strength
from ...errors import PluginError
from ...lazyre import lazy_pattern
from ...marker import BadMarker, PromptMarker, is_marker_candidate, parse_marker, render_marker
from ...placement import Placement, Slot
from ..base import Format
from ..lines import code_free, strip_markers, write_markers
from .lexer import DEFAULT_RULES, Lexer, Token, load_meta, meta_block

__all__ = ["LOOKATME_KEYS", "PLUGIN", "Lookatme"]

NAME = "lookatme"

LOOKATME_KEYS = frozenset({"styles", "extensions"})
"""Meta keys only lookatme uses (``title``, ``author`` and ``date`` are everyone's)."""


# --- splitting -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Shown:
    """One slide as lookatme shows it: a group between separators, or one progressive
    part of it (parts are cumulative: part k shows the group up to its (k+1)-th stop)."""

    group: int
    """Which group (source slide) it comes from."""
    start: int
    """First line (the group's)."""
    end: int
    """Last line: the line before the part's stop, or the group's last line."""
    reveal: int
    """First line this part adds to the one before (the group's first line for part 0)."""
    floor: int
    """A marker for this part may go after this line or any later line up to ``end``."""
    tokens: tuple[Token, ...]
    """The tokens lookatme renders for it."""
    fresh: tuple[Token, ...]
    """The tokens it adds to the part before."""


@dataclass(frozen=True, slots=True)
class _Analysis:
    """What lookatme makes of a text, with the source lines of everything."""

    front_matter: LineSpan | None
    meta: dict[str, Any]
    tokens: tuple[Token, ...]
    shown: tuple[_Shown, ...]
    groups: tuple[tuple[int, int], ...]
    """First and last line of every group."""
    starts: frozenset[int]
    """Lines where a top-level block starts."""
    links: frozenset[int]
    """Lines that begin with a link reference definition."""

    @property
    def signature(self) -> list[tuple[str, tuple[Any, ...]]]:
        """The token stream without positions: equal streams render the same."""
        return [(t.kind, t.fields) for t in self.tokens]


def _analyse(text: str) -> _Analysis:
    """Split *text* (as lookatme reads it: BOM kept, newlines normalised to ``\\n``)."""
    lines = text.split("\n")
    line_count = len(lines) - (1 if text.endswith("\n") else 0) if text else 0
    block = meta_block(lines)
    front_matter, meta, body_from = None, {}, 1
    if block is not None:
        front_matter = LineSpan(block[0], block[1])
        meta = load_meta(block[2])
        body_from = block[1] + 1
    lexer = Lexer()
    lexer.parse("\n".join(lines[body_from - 1 :]), body_from, DEFAULT_RULES, top=True)
    tokens = lexer.tokens

    hrules = any(t.kind == "hrule" for t in tokens)
    level = 0
    if not hrules:
        level, title = _smart_split(tokens)
        if title is not None and meta.get("title") in ("", None):
            meta["title"] = title

    def is_split(token: Token) -> bool:
        if hrules:
            return token.kind == "hrule"
        return token.kind == "heading" and token.fields[0] == level

    groups: list[tuple[int, int, int, list[Token]]] = []  # start, end, floor, tokens
    start, floor, current = body_from, body_from - 1, []
    for token in tokens:
        if not is_split(token):
            current.append(token)
            continue
        if hrules:
            groups.append((start, token.line - 1, floor, current))
            start, floor, current = token.last + 1, token.line, []
        else:
            if groups or current:
                groups.append((start, token.line - 1, floor, current))
                start = token.line
            floor, current = token.last, [token]
    groups.append((start, max(line_count, start - 1), floor, current))

    shown: list[_Shown] = []
    for index, (first, last, group_floor, group_tokens) in enumerate(groups):
        kept: list[Token] = []
        fresh: list[Token] = []
        reveal, part_floor = first, group_floor
        for token in group_tokens:
            if token.kind == "close_html" and _STOP.match(token.text):
                shown.append(
                    _Shown(index, first, token.line - 1, reveal, part_floor, (*kept,), (*fresh,))
                )
                reveal, part_floor, fresh = token.last + 1, token.last, []
            else:
                kept.append(token)
                fresh.append(token)
        shown.append(_Shown(index, first, last, reveal, part_floor, (*kept,), (*fresh,)))
    return _Analysis(
        front_matter=front_matter,
        meta=meta,
        tokens=tuple(tokens),
        shown=tuple(shown),
        groups=tuple((g[0], g[1]) for g in groups),
        starts=frozenset(lexer.starts),
        links=frozenset(lexer.links),
    )


def _smart_split(tokens: Sequence[Token]) -> tuple[int, str | None]:
    """lookatme's ``_scan_for_smart_split``: the heading level that splits (10: none) and
    the deck title a lone first heading gives."""
    counts: dict[int, int] = {}
    first: Token | None = None
    for token in tokens:
        if token.kind == "heading":
            counts[token.fields[0]] = counts.get(token.fields[0], 0) + 1
            first = first or token
    title = None
    if first is not None and counts[first.fields[0]] == 1:
        title = first.text
        del counts[first.fields[0]]
    return min([*counts, 10]), title


def _lookatme_text(deck: Deck, text: str | None = None) -> str:
    """The text as lookatme's CLI reads it: universal newlines, BOM kept."""
    body = deck.text if text is None else text
    return (BOM if deck.bom else "") + body.replace("\r\n", "\n").replace("\r", "\n")


def _is_empty(tokens: Sequence[Token]) -> bool:
    """Whether lookatme shows nothing but blank lines, comments, a lone BOM, or the
    opening or closing of a list or quote that a separator cut in two."""
    return all(
        t.kind == "newline"
        or t.kind.endswith(("_start", "_end"))
        or (t.kind == "close_html" and t.text.strip().startswith("<!--"))
        or (t.kind == "paragraph" and not t.text.replace(BOM, "").strip())
        for t in tokens
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    """The slide a group's prompt belongs to, and where a new marker could go."""

    index: int
    """Position of the slide in the analysis' ``shown`` list."""
    candidates: tuple[int, ...]
    """Lines after which a marker may go, best first (still to be checked)."""


def _split(deck: Deck) -> Deck:
    text = _lookatme_text(deck)
    analysis = _analyse(text)
    lines = split_lines(deck.text) or ([""] if deck.bom else [])
    prompted = _prompted(analysis)
    markers = _markers(analysis, lines)
    anchors = _anchors(analysis, text, lines, prompted, markers)

    slides = []
    for index, shown in enumerate(analysis.shown):
        group_markers = markers.get(shown.group, [])
        marker_lines = {m.line for m in group_markers}
        body = [
            lines[n - 1].rstrip("\r\n")
            for n in range(shown.start, shown.end + 1)
            if n not in marker_lines
        ]
        skip = None
        if prompted.get(shown.group) != index:
            before = prompted.get(shown.group)
            skip = "incremental continuation" if before is not None and before < index else "empty"
        elif not group_markers and index not in anchors:
            skip = "no line where a marker keeps the slide"
        title = next((t.text for t in shown.tokens if t.kind == "heading"), None)
        slides.append(
            Slide(
                index=index + 1,
                start_line=shown.start,
                end_line=shown.end,
                text="\n".join(body),
                title=title.strip() if title and title.strip() else None,
                markers=tuple(group_markers) if skip is None else (),
                anchor_line=anchors.get(index, shown.floor),
                skip_reason=skip,
            )
        )
    # Markers of a group with no slide to prompt still belong to a slide, so strip finds them.
    for group, found in markers.items():
        if group not in prompted:
            first = next(i for i, s in enumerate(analysis.shown) if s.group == group)
            slides[first] = replace(slides[first], markers=tuple(found))
    return replace(
        deck,
        front_matter=analysis.front_matter,
        meta=MappingProxyType(analysis.meta),
        slides=tuple(slides),
    )


def _prompted(analysis: _Analysis) -> dict[int, int]:
    """For each group, the slide that gets its prompt: the first part that shows something."""
    found: dict[int, int] = {}
    for index, shown in enumerate(analysis.shown):
        if shown.group not in found and not _is_empty(shown.fresh):
            found[shown.group] = index
    return found


def _markers(
    analysis: _Analysis, lines: Sequence[str]
) -> dict[int, list[PromptMarker | BadMarker]]:
    """Prompt markers (link definitions that look like one) by group."""
    found: dict[int, list[PromptMarker | BadMarker]] = {}
    for line in sorted(analysis.links):
        if not is_marker_candidate(lines[line - 1]):
            continue
        group = next((g for g, (a, b) in enumerate(analysis.groups) if a <= line <= b), None)
        if group is not None:
            found.setdefault(group, []).append(parse_marker(lines[line - 1], line))
    return found


_PROBE = render_marker("probe | probe", "00000000", form="reference")
# The '|' makes the probe as risky as any prompt: with a '|' and a delimiter row under
# it, a line would start a table (mistune checks tables before link definitions).
_MAX_TRIES = 12


def _anchors(
    analysis: _Analysis,
    text: str,
    lines: Sequence[str],
    prompted: Mapping[int, int],
    markers: Mapping[int, Sequence[object]],
) -> dict[int, int]:
    """The line after which each slide that needs a new marker gets it, checked by lexing
    the text with the markers in; slides missing from the result have no such line."""
    plans = [
        _plan(analysis, index, lines)
        for group, index in sorted(prompted.items())
        if group not in markers
    ]
    plans = [p for p in plans if p.candidates]
    first_choice = {p.index: p.candidates[0] for p in plans}
    if _keeps(analysis, text, first_choice):
        return first_choice
    accepted: dict[int, int] = {}
    for plan in plans:
        for after in plan.candidates:
            if _keeps(analysis, text, {**accepted, plan.index: after}):
                accepted[plan.index] = after
                break
    return accepted


def _plan(analysis: _Analysis, index: int, lines: Sequence[str]) -> _Plan:
    shown = analysis.shown[index]
    # Before the first block this slide adds, then anywhere else in it.
    first = [
        n - 1
        for n in range(max(shown.reveal, shown.floor + 1), shown.end + 1)
        if n in analysis.starts and lines[n - 1].strip()
    ][:1]
    starts = [n - 1 for n in range(shown.floor + 1, shown.end + 1) if n in analysis.starts]
    others = list(range(shown.floor, shown.end + 1))
    ordered = dict.fromkeys([*first, *starts, *others])  # best first, no repeats
    return _Plan(index, tuple(ordered)[:_MAX_TRIES])


def _keeps(analysis: _Analysis, text: str, inserts: Mapping[int, int]) -> bool:
    """Whether markers after the given lines (by slide) leave lookatme's tokens unchanged
    and each read back as a marker of its slide's group."""
    if not inserts:
        return True
    parts = text.split("\n")
    if text.startswith(BOM) and 0 in inserts.values():
        return False  # it would follow the BOM, which keeps it from being a definition
    for after in sorted(inserts.values(), reverse=True):
        parts.insert(after, _PROBE)
    probed = "\n".join(parts)
    result = _analyse(probed)
    if result.signature != analysis.signature:
        return False
    ordered = sorted(inserts.items(), key=lambda item: item[1])
    for shift, (index, after) in enumerate(ordered):
        line = after + shift + 1
        group = analysis.shown[index].group
        start, end = result.groups[group] if group < len(result.groups) else (0, -1)
        if line not in result.links or not start <= line <= end:
            return False
    return True


# --- plugin --------------------------------------------------------------------------------


_STOP = lazy_pattern(r"^<!--\s*stop\s*-->[ \t]*$", re.M)
_CONTRIB_FENCE = lazy_pattern(r"^ {0,3}(`{3,}|~{3,})[ \t]*(terminal\d*|file)[ \t]*$", re.M)


class Lookatme(Format):
    """lookatme decks (``lookatme``), split as lookatme 2.5.5's parser does; prompts as
    link reference definitions."""

    names = (NAME,)
    modes = ("comment", "reference")

    def evidence(self, deck: Deck, settings: Settings) -> list[Evidence]:
        """Declared: a meta block with ``styles:`` (a mapping) or ``extensions:`` (a list),
        keys only lookatme reads. Distinctive: ``<!-- stop -->`` lines (lookatme's
        progressive slides), ``terminal`` and ``file`` code blocks (its built-in extensions)."""
        signs = []
        block = meta_block(_lookatme_text(deck).split("\n"))
        meta = load_meta(block[2]) if block is not None else {}
        if isinstance(meta.get("styles"), dict):
            signs.append(Evidence((NAME,), Strength.DECLARED, "styles: in the meta block"))
        if isinstance(meta.get("extensions"), list):
            signs.append(Evidence((NAME,), Strength.DECLARED, "extensions: in the meta block"))
        if _STOP.search(code_free(deck.text)):
            signs.append(Evidence((NAME,), Strength.DISTINCTIVE, "<!-- stop --> lines"))
        if fence := _CONTRIB_FENCE.search(deck.text):
            signs.append(Evidence((NAME,), Strength.DISTINCTIVE, f"a {fence[2]} code block"))
        return signs

    def split(self, deck: Deck, settings: Settings) -> Deck:
        """Split the deck the way lookatme 2.5.5's parser does."""
        return _split(deck)

    def placement(self, deck: Deck, slide: Slide, settings: Settings) -> Placement:
        """No picture slot: lookatme draws slides in a terminal (an image is shown as its
        alt text and link), so the request gets no composition line."""
        return Placement(Slot.NONE, aspect_source="a terminal: lookatme shows no pictures")

    def inject(
        self, deck: Deck, prompts: Mapping[int, SlidePrompt], mode: str, settings: Settings
    ) -> str:
        """Write each prompt as a link reference definition (in ``comment`` mode too: lookatme
        shows HTML comments), in place of the slide's marker or after its anchor line."""
        text = write_markers(deck, prompts, form="reference")
        if (
            _analyse(_lookatme_text(deck, text)).signature
            != _analyse(_lookatme_text(deck)).signature
        ):
            raise PluginError(
                f"{deck.name}: lookatme would render the deck differently with markers"
            )
        return text

    def strip(self, deck: Deck, settings: Settings) -> str:
        """Remove every marker line."""
        return strip_markers(deck)


PLUGIN = Lookatme()
"""The plugin :mod:`~mdslides_prompts.plugins` registers."""
