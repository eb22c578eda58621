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

import yaml

from ..deck import BOM, Deck, LineSpan, Slide, SlidePrompt, split_lines
from ..detection import Evidence, Strength
from ..errors import PluginError
from ..hookspecs import hookimpl
from ..marker import BadMarker, PromptMarker, is_marker_candidate, parse_marker, render_marker
from .lines import code_free, strip_markers, write_markers

__all__ = ["LOOKATME_KEYS"]

NAME = "lookatme"

LOOKATME_KEYS = frozenset({"styles", "extensions"})
"""Meta keys only lookatme uses (``title``, ``author`` and ``date`` are everyone's)."""


# --- mistune 0.8.4's block grammar ---------------------------------------------------------
# The patterns are mistune's BlockGrammar, composed the same way (its paragraph pattern
# embeds the others and renumbers their back-references, faithfully wrong in places):
# which of them matches decides where lookatme sees a separator.

_INLINE_TAGS = (
    "a", "em", "strong", "small", "s", "cite", "q", "dfn", "abbr", "data", "time", "code",
    "var", "samp", "kbd", "sub", "sup", "i", "b", "u", "mark", "ruby", "rt", "rp", "bdi",
    "bdo", "span", "br", "wbr", "ins", "del", "img", "font",
)  # fmt: skip
_VALID_END = r"(?!:/|[^\w\s@]*@)\b"
_VALID_ATTR = r"""\s*[a-zA-Z\-](?:\s*\=\s*(?:"[^"]*"|'[^']*'|[^\s'">]+))?"""
_BLOCK_TAG = r"(?!(?:{})\b)\w+{}".format("|".join(_INLINE_TAGS), _VALID_END)

_DEF_LINKS = r' *\[([^^\]]+)\]: *<?([^\s>]+)>?(?: +["(]([^\n]+)[")])? *(?:\n+|$)'
_DEF_FOOTNOTES = r"\[\^([^\]]+)\]: *([^\n]*(?:\n+|$)(?: {1,}[^\n]*(?:\n+|$))*)"
_FENCES = r" *(`{3,}|~{3,}) *([^`\s]+)? *\n([\s\S]+?)\s*\1 *(?:\n+|$)"
_HRULE = r" {0,3}[-*_](?: *[-*_]){2,} *(?:\n+|$)"
_HEADING = r" *(#{1,6}) *([^\n]+?) *#* *(?:\n+|$)"
_LHEADING = r"([^\n]+)\n *(=|-)+ *(?:\n+|$)"
_BLOCK_QUOTE = r"( *>[^\n]+(\n[^\n]+)*\n*)+"
_LIST_BLOCK = (
    r"( *)(?=[*+-]|\d+\.)(([*+-])?(?:\d+\.)?) [\s\S]+?"
    r"(?:"
    r"\n+(?=\1?(?:[-*_] *){3,}(?:\n+|$))"
    rf"|\n+(?={_DEF_LINKS})"
    rf"|\n+(?={_DEF_FOOTNOTES})"
    r"|\n+(?=\1(?(3)\d+\.|[*+-]) )"
    r"|\n{2,}(?! )(?!\1(?:[*+-]|\d+\.) )\n*"
    r"|\s*$)"
)
_PARAGRAPH = r"((?:[^\n]+\n?(?!{}))+)\n*".format(
    "|".join(
        (
            _FENCES.replace(r"\1", r"\2"),
            _LIST_BLOCK.replace(r"\1", r"\3"),
            _HRULE,
            _HEADING,
            _LHEADING,
            _BLOCK_QUOTE,
            _DEF_LINKS,
            _DEF_FOOTNOTES,
            "<" + _BLOCK_TAG,
        )
    )
)
_BLOCK_HTML = r" *(?:{}|{}|{}) *(?:\n{{2,}}|\s*$)".format(
    r"<!--[\s\S]*?-->",
    rf"<({_BLOCK_TAG})((?:{_VALID_ATTR})*?)>([\s\S]*?)<\/\1>",
    rf"<{_BLOCK_TAG}(?:{_VALID_ATTR})*?\s*\/?>",
)

_RULES: dict[str, re.Pattern[str]] = {
    name: re.compile("^" + pattern)
    for name, pattern in {
        "newline": r"\n+",
        "block_code": r"( {4}[^\n]+\n*)+",
        "fences": _FENCES,
        "hrule": _HRULE,
        "heading": _HEADING,
        "nptable": r" *(\S.*\|.*)\n *([-:]+ *\|[-| :]*)\n((?:.*\|.*(?:\n|$))*)\n*",
        "lheading": _LHEADING,
        "block_quote": _BLOCK_QUOTE,
        "list_block": _LIST_BLOCK,
        "block_html": _BLOCK_HTML,
        "def_links": _DEF_LINKS,
        "def_footnotes": _DEF_FOOTNOTES,
        "table": r" *\|(.+)\n *\|( *[-:]+[-| :]*)\n((?: *\|.*(?:\n|$))*)\n*",
        "paragraph": _PARAGRAPH,
        "text": r"[^\n]+",
    }.items()
}
_DEFAULT_RULES = (
    "newline", "hrule", "block_code", "fences", "heading", "nptable", "lheading",
    "block_quote", "list_block", "block_html", "def_links", "def_footnotes", "table",
    "paragraph", "text",
)  # fmt: skip
_LIST_RULES = (
    "newline", "block_code", "fences", "lheading", "hrule", "block_quote", "list_block",
    "block_html", "text",
)  # fmt: skip
_FOOTNOTE_RULES = (
    "newline", "block_code", "fences", "heading", "nptable", "lheading", "hrule",
    "block_quote", "list_block", "block_html", "table", "paragraph", "text",
)  # fmt: skip
_MAX_DEPTH = 6
_LIST_ITEM = re.compile(r"^(( *)(?:[*+-]|\d+\.) [^\n]*(?:\n(?!\2(?:[*+-]|\d+\.) )[^\n]*)*)", re.M)
_LIST_BULLET = re.compile(r"^ *(?:[*+-]|\d+\.) +")
_QUOTE_PREFIX = re.compile(r"^ *> ?", re.M)
_CODE_INDENT = re.compile(r"^ {4}", re.M)
_STOP = re.compile(r"<!--\s*stop\s*-->")


@dataclass(frozen=True, slots=True)
class _Token:
    """One token of mistune's flat block token stream, with the lines of its match."""

    kind: str
    """mistune's token type (``heading``, ``hrule``, ``close_html``, ...)."""
    line: int
    """Source line where the match that made the token starts."""
    last: int
    """Last source line of that match, trailing blank lines excluded."""
    fields: tuple[Any, ...] = ()
    """What mistune keeps of the match (level and text of a heading, ...)."""

    @property
    def text(self) -> str:
        """The token's text, for the kinds that have one."""
        return str(self.fields[-1]) if self.fields else ""


def _keyify(key: str) -> str:
    # mistune's escape(key.lower(), quote=True) with its "smart" ampersand.
    text = re.sub(r"&(?!#?\w+;)", "&amp;", key.lower())
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace('"', "&quot;").replace("'", "&#39;")
    return re.sub(r"\s+", " ", text)


class _Lexer:
    """mistune 0.8.4's ``BlockLexer`` that also records where every match starts.

    Nested texts (block quotes without ``>``, outdented list items, footnotes) keep the
    line structure of their source, so a nested match's line is its parent's plus the
    line breaks before it.
    """

    def __init__(self) -> None:
        self.tokens: list[_Token] = []
        self.footnotes: set[str] = set()
        self.list_depth = 0
        self.quote_depth = 0
        self.starts: list[int] = []
        """Lines where a top-level match starts at the beginning of the line."""
        self.links: list[int] = []
        """Lines that begin with a link reference definition (top level, or in a block
        quote, whose text is lexed with the same rules; lists and footnotes have none)."""

    def parse(self, text: str, line: int, rules: Sequence[str], top: bool = False) -> None:
        text = text.rstrip("\n")
        at_line_start = True
        while text:
            for name in rules:
                match = _RULES[name].match(text)
                if match is not None:
                    break
            else:  # pragma: no cover - 'text' or 'newline' always matches
                raise AssertionError("mistune grammar matched nothing")
            if at_line_start:
                if top:
                    self.starts.append(line)
                if name == "def_links":
                    self.links.append(line)
            self._handle(name, match, line)
            consumed = match.group(0)
            line += consumed.count("\n")
            at_line_start = consumed.endswith("\n")
            text = text[len(consumed) :]

    def _add(self, kind: str, match: re.Match[str], line: int, *fields: Any) -> None:
        last = line + match.group(0).rstrip("\n").count("\n")
        self.tokens.append(_Token(kind, line, last, fields))

    def _handle(self, name: str, m: re.Match[str], line: int) -> None:
        if name == "newline":
            if len(m.group(0)) > 1:
                self._add("newline", m, line)
        elif name == "block_code":
            self._add("code", m, line, None, _CODE_INDENT.sub("", m.group(0)))
        elif name == "fences":
            self._add("code", m, line, m.group(2), m.group(3))
        elif name == "heading":
            self._add("heading", m, line, len(m.group(1)), m.group(2))
        elif name == "lheading":
            self._add("heading", m, line, 1 if m.group(2) == "=" else 2, m.group(1))
        elif name == "hrule":
            self._add("hrule", m, line)
        elif name == "list_block":
            self._list(m, line)
        elif name == "block_quote":
            self._add("block_quote_start", m, line)
            self.quote_depth += 1
            if self.quote_depth > _MAX_DEPTH:
                self._add("text", m, line, m.group(0))
            else:
                self.parse(_QUOTE_PREFIX.sub("", m.group(0)), line, _DEFAULT_RULES)
            self._add("block_quote_end", m, line)
            self.quote_depth -= 1
        elif name == "def_footnotes":
            self._footnote(m, line)
        elif name in ("table", "nptable"):
            self._add("table", m, line, name, m.group(1), m.group(2), m.group(3))
        elif name == "block_html":
            if m.group(1):
                self._add("open_html", m, line, m.group(1), m.group(2), m.group(3))
            else:
                self._add("close_html", m, line, m.group(0))
        elif name == "paragraph":
            self._add("paragraph", m, line, m.group(1).rstrip("\n"))
        elif name == "text":
            self._add("text", m, line, m.group(0))
        # def_links: stored by mistune, no token

    def _list(self, m: re.Match[str], line: int) -> None:
        self._add("list_start", m, line, "." in m.group(2))
        self.list_depth += 1
        if self.list_depth > _MAX_DEPTH:
            self._add("list_item_start", m, line)
            self._add("text", m, line, m.group(0))
            self._add("list_item_end", m, line)
        else:
            cap = m.group(0)
            items = list(_LIST_ITEM.finditer(cap))
            following_loose = False
            for i, item_match in enumerate(items):
                item = item_match.group(1)
                space = len(item)
                item = _LIST_BULLET.sub("", item, count=1)
                if "\n " in item:
                    space -= len(item)
                    item = re.sub(rf"^ {{1,{space}}}", "", item, flags=re.M)
                loose = following_loose
                if not loose and re.search(r"\n\n(?!\s*$)", item):
                    loose = True
                if i != len(items) - 1 and item:
                    following_loose = item[-1] == "\n"
                    loose = loose or following_loose
                kind = "loose_item_start" if loose else "list_item_start"
                self._add(kind, m, line)
                self.parse(item, line + cap.count("\n", 0, item_match.start()), _LIST_RULES)
                self._add("list_item_end", m, line)
        self._add("list_end", m, line)
        self.list_depth -= 1

    def _footnote(self, m: re.Match[str], line: int) -> None:
        key = _keyify(m.group(1))
        if key in self.footnotes:
            return  # mistune keeps the first definition and drops the rest
        self.footnotes.add(key)
        self._add("footnote_start", m, line, key)
        text = m.group(2)
        if "\n" in text:
            lines = text.split("\n")
            indent: int | None = None
            for rest in lines[1:]:
                space = len(rest) - len(rest.lstrip())
                if space and (not indent or space < indent):
                    indent = space
            text = "\n".join([lines[0]] + [rest[indent:] for rest in lines[1:]])
        self.parse(text, line, _FOOTNOTE_RULES)
        self._add("footnote_end", m, line, key)


# --- meta ----------------------------------------------------------------------------------


class _NoDatesLoader(yaml.SafeLoader):
    """lookatme's YAML loader: a safe loader that keeps dates as strings."""


_NoDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _meta_block(lines: Sequence[str]) -> tuple[int, int, list[str]] | None:
    """lookatme's ``parse_meta``: (first ``---`` line, last line it takes, YAML lines)."""
    first: int | None = None
    yaml_lines: list[str] = []
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith("---"):
            if first is not None:
                return first, number, yaml_lines
            first = number
        elif first is not None:
            yaml_lines.append(line)
        elif stripped:
            return None
    if first is None:
        return None
    # Unclosed: it takes every line (a final line break ends the last line, it adds none).
    return first, len(lines) - (1 if len(lines) > 1 and lines[-1] == "" else 0), yaml_lines


def _load_meta(yaml_lines: list[str]) -> dict[str, Any]:
    if not yaml_lines:
        return {}
    try:
        data = yaml.load("\n".join(yaml_lines), Loader=_NoDatesLoader)
    except yaml.YAMLError:
        return {}  # lookatme itself stops with an error on such a deck
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}


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
    tokens: tuple[_Token, ...]
    """The tokens lookatme renders for it."""
    fresh: tuple[_Token, ...]
    """The tokens it adds to the part before."""


@dataclass(frozen=True, slots=True)
class _Analysis:
    """What lookatme makes of a text, with the source lines of everything."""

    front_matter: LineSpan | None
    meta: dict[str, Any]
    tokens: tuple[_Token, ...]
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
    block = _meta_block(lines)
    front_matter, meta, body_from = None, {}, 1
    if block is not None:
        front_matter = LineSpan(block[0], block[1])
        meta = _load_meta(block[2])
        body_from = block[1] + 1
    lexer = _Lexer()
    lexer.parse("\n".join(lines[body_from - 1 :]), body_from, _DEFAULT_RULES, top=True)
    tokens = lexer.tokens

    hrules = any(t.kind == "hrule" for t in tokens)
    level = 0
    if not hrules:
        level, title = _smart_split(tokens)
        if title is not None and meta.get("title") in ("", None):
            meta["title"] = title

    def is_split(token: _Token) -> bool:
        if hrules:
            return token.kind == "hrule"
        return token.kind == "heading" and token.fields[0] == level

    groups: list[tuple[int, int, int, list[_Token]]] = []  # start, end, floor, tokens
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
        kept: list[_Token] = []
        fresh: list[_Token] = []
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


def _smart_split(tokens: Sequence[_Token]) -> tuple[int, str | None]:
    """lookatme's ``_scan_for_smart_split``: the heading level that splits (10: none) and
    the deck title a lone first heading gives."""
    counts: dict[int, int] = {}
    first: _Token | None = None
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


def _is_empty(tokens: Sequence[_Token]) -> bool:
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


# --- hooks ---------------------------------------------------------------------------------


@hookimpl(trylast=True)
def mdslides_format_names() -> list[str]:
    """This module handles ``lookatme``."""
    return [NAME]


_STOP = re.compile(r"^<!--\s*stop\s*-->[ \t]*$", re.M)
_CONTRIB_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*(terminal\d*|file)[ \t]*$", re.M)


@hookimpl(trylast=True)
def mdslides_format_evidence(deck: Deck) -> list[Evidence]:
    """Declared: a meta block with ``styles:`` (a mapping) or ``extensions:`` (a list),
    keys only lookatme reads. Distinctive: ``<!-- stop -->`` lines (lookatme's
    progressive slides), ``terminal`` and ``file`` code blocks (its built-in extensions)."""
    signs = []
    block = _meta_block(_lookatme_text(deck).split("\n"))
    meta = _load_meta(block[2]) if block is not None else {}
    if isinstance(meta.get("styles"), dict):
        signs.append(Evidence((NAME,), Strength.DECLARED, "styles: in the meta block"))
    if isinstance(meta.get("extensions"), list):
        signs.append(Evidence((NAME,), Strength.DECLARED, "extensions: in the meta block"))
    if _STOP.search(code_free(deck.text)):
        signs.append(Evidence((NAME,), Strength.DISTINCTIVE, "<!-- stop --> lines"))
    if fence := _CONTRIB_FENCE.search(deck.text):
        signs.append(Evidence((NAME,), Strength.DISTINCTIVE, f"a {fence[2]} code block"))
    return signs


@hookimpl(trylast=True)
def mdslides_split_deck(deck: Deck) -> Deck | None:
    """Split a lookatme deck the way lookatme 2.5.5's parser does."""
    return _split(deck) if deck.format == NAME else None


@hookimpl(trylast=True)
def mdslides_inject_prompts(
    deck: Deck, prompts: Mapping[int, SlidePrompt], mode: str
) -> str | None:
    """Write each prompt as a link reference definition (in ``comment`` mode too: lookatme
    shows HTML comments), in place of the slide's marker or after its anchor line."""
    if deck.format != NAME or mode not in ("comment", "reference"):
        return None
    text = write_markers(deck, prompts, form="reference")
    if _analyse(_lookatme_text(deck, text)).signature != _analyse(_lookatme_text(deck)).signature:
        raise PluginError(f"{deck.name}: lookatme would render the deck differently with markers")
    return text


@hookimpl(trylast=True)
def mdslides_strip_prompts(deck: Deck) -> str | None:
    """Remove every marker line."""
    return strip_markers(deck) if deck.format == NAME else None
