"""Pandoc slide shows (``pandoc -t revealjs``) and Quarto revealjs: split as pandoc 3.9 does.

pandoc reads the whole deck into blocks first (its ``markdown`` reader) and only then cuts
slides (``Text.Pandoc.Slides`` and ``makeSections``), so this module has two halves:

* a block reader that follows ``Text/Pandoc/Readers/Markdown.hs`` for where each
  top-level block starts and ends: fenced code (```` ``` ```` and ``~~~``, only when
  closed and with a valid info string), YAML metadata blocks anywhere (a mapping between
  ``---`` and ``---``/``...``), lists with their lazy lines, ``:::`` and ``<div>`` divs
  (read recursively), ATX and setext headings (an ATX heading needs a blank line above
  it, because a paragraph runs on to the next blank line), HTML blocks and comments,
  pipe, simple and multiline tables, indented code, block quotes, horizontal rules,
  definition lists, footnotes and link definitions (which make no block at all);
* the slide rules of ``conformance/pandoc/FINDINGS.md``: the slide level is the lowest
  heading level directly followed by something other than a heading or rule (looking into
  divs, skipping the block after a counted heading); ``--slide-level`` (the
  ``slide_level`` setting) comes first, then Quarto's ``slide-level:`` from the deck's YAML
  or its project's ``_quarto.yml`` (else 2), R Markdown an output format's
  ``slide_level:`` if it has one (plain pandoc ignores a ``slide-level:`` key: the level
  is then unknown, and inferred for the split). A top-level heading at or above that level
  starts a slide, so does a horizontal rule (merged with a slide-level heading right
  after it), and so does a div whose first block is such a heading; anything before the
  first of these is a slide of its own. ``::: notes`` divs are speaker notes. The YAML
  title slide is not a source slide.

A prompt is an HTML comment, which pandoc copies into the slide as raw HTML: on its own
line right after the slide's heading, with a blank line after it (unless it ends the
file); in a slide started by a bare rule, after a blank line below the rule; in the slide
of content before the first heading, above that content; in a slide without a heading
whose body opens with a deeper heading, also after that heading. Where the slide level
is inferred and a new block after a heading above that level could change it, the
comment goes inside the heading line instead, right after its text (no space: beamer
keeps one in frame titles), before its closing ``#``s and ``{attributes}``: the heading
keeps its id. Every place is tried first: the deck is read again with a marker there and
must give the same blocks (the marker a block of its own) and the same slides at each
level it may be built with: the known level, or when none is known every level 1-6 and
the inferred one (so a marker never goes between a rule and a heading that merge at that
heading's level). Decks with knitr/Quarto cells are also read with every cell removed
(knitr drops ``include: false`` cells, and ``echo: false`` ones without output), which
must give the same slides too. Otherwise the slide is skipped (as it is below a ``<!--``
that nothing closes, which a marker's ``-->`` would close). Slides whose heading has
``{visibility="hidden"}`` are not shown, and get no prompt.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
import re
from typing import Any, cast

import yaml

from ..config import Settings
from ..deck import Deck, LineSpan, Slide, SlidePrompt, split_lines
from ..detection import Evidence, Strength
from ..hookspecs import hookimpl
from ..marker import (
    MARKER_KEYWORD,
    BadMarker,
    PromptMarker,
    is_marker_candidate,
    parse_marker,
    render_marker,
    strippable,
)
from .lines import PROBE, LineEdits
from .project import config_files, read_config

__all__: list[str] = []

PANDOC = "pandoc"
QUARTO = "quarto"
NAMES = (PANDOC, QUARTO)
_CELL_SUFFIXES = (".qmd", ".rmd")

# --- the block reader ---------------------------------------------------------------------

_BLANK = re.compile(r"[ \t]*")
_FENCE = re.compile(r"( {0,3})(`{3,}|~{3,})[ \t]*(.*)")
_CELL = re.compile(r"(\s*)(`{3,}|~{3,})\s*\{([A-Za-z][A-Za-z0-9_+-]*)(?:[\s,][^}]*)?\}\s*")
_RAW_ATTRIBUTE = re.compile(r"\{[ \t]*=[A-Za-z0-9_-]+[ \t]*\}")
_LANG = re.compile(r"[^`{}\s]+")
_YAML_OPEN = re.compile(r"---[ \t]*")
_YAML_CLOSE = re.compile(r"(---|\.\.\.)[ \t]*")
_BULLET = re.compile(r"( {0,3})([-*+])( |$)")
_NUMBER = r"\d{1,9}|#|[a-zA-Z]|[ivxlcdm]+|[IVXLCDM]+"
_ORDERED = re.compile(rf"( {{0,3}})(?:({_NUMBER})([.)])|\(({_NUMBER})\))( |$)")
_DEFINITION = re.compile(r" {0,3}[:~]( |$)")
_COMMENT_END = re.compile(r"--\s*>")
_INLINE_SPANS = re.compile(r"<!--.*?-->|(`+).+?(?<!`)\1(?!`)")
_TEX_BEGIN = re.compile(r"\\begin\{([^{}]+)\}")
_TEX_MACRO = re.compile(r"\\(?:re)?newcommand|\\providecommand|\\(?:re)?newenvironment|\\def\\")
_QUOTE = re.compile(r" {0,3}>")
_HRULE = re.compile(r"[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*")
_SETEXT = re.compile(r"(=+|-+)[ \t]*")
_ATX = re.compile(r"(#+)(?![.)])(?=[ \t]|$)")
_DIV_OPEN = re.compile(r"(:{3,})[ \t]*(.*?)[ \t]*:*[ \t]*")
_DIV_CLOSE = re.compile(r":{3,}[ \t]*")
_HTML_DIV = re.compile(r"<div(?:\s[^>]*)?>[ \t]*", re.I)
_HTML_DIV_CLOSE = re.compile(r"</div\s*>", re.I)
_HTML_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)(?=[\s/>])")
_VERBATIM = ("pre", "style", "script", "textarea")
_DASHED = re.compile(r" {0,3}(?:-+[ \t]*)+")
_PIPE_BREAK = re.compile(r" {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
_GRID = re.compile(r" {0,3}\+[-=:]+\+")
_NOTE = re.compile(r" {0,3}\[\^[^\]\s^\[]+\]:")
_REFERENCE = re.compile(r" {0,3}\[(?!\^)(?:[^\]\\]|\\.)+\]:[ \t]*(\S.*)?")
_TITLE_LINE = re.compile(r"[ \t]*(\".*\"|'.*'|\(.*\))[ \t]*")
_ATTR_ITEM = re.compile(
    r"#[\w:.-]+|\.[^\W\d_][\w:.-]*|-|[^\W\d_][\w:.-]*="
    r"(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|(?:[^\s}\\]|\\.)*)"
)

_BLOCK_TAGS = frozenset(
    """?xml !doctype address article aside blockquote body canvas caption center col colgroup
    dd details dir div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head
    header hgroup hr html isindex main menu meta noframes nav ol output p pre section summary
    table tbody textarea thead tfoot ul frameset li td th tr script style calloutlist
    bibliolist glosslist itemizedlist orderedlist segmentedlist simplelist variablelist
    caution important note tip warning literallayout programlisting programlistingco screen
    screenco screenshot synopsis example informalexample informalfigure informaltable para
    simpara formalpara equation informalequation mediaobject qandaset procedure task
    cmdsynopsis funcsynopsis classsynopsis epigraph msgset sidebar title case switch default
    """.split()
)
_EITHER_TAGS = frozenset(
    """audio applet button iframe embed del ins progress map area noscript object svg video
    source track script""".split()
)


def _blank(line: str) -> bool:
    return _BLANK.fullmatch(line) is not None


def _attributes_end(text: str, pos: int) -> int | None:
    """End of a pandoc ``{…}`` attribute block starting at *pos*, or ``None``."""
    if pos >= len(text) or text[pos] != "{":
        return None
    pos += 1
    while True:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] == "}":
            return pos + 1
        match = _ATTR_ITEM.match(text, pos)
        if match is None or match.end() == pos:
            return None
        pos = match.end()


def _trailing_attributes(text: str) -> int | None:
    """Where a valid ``{…}`` block that ends *text* (trailing blanks aside) starts."""
    body = text.rstrip(" \t")
    if not body.endswith("}"):
        return None
    start = body.rfind("{")
    while start >= 0:
        if _attributes_end(body, start) == len(body):
            return start
        start = body.rfind("{", 0, start)
    return None


def _expand_tabs(line: str) -> str:
    return line.expandtabs(4) if "\t" in line else line


@dataclass(frozen=True, slots=True)
class _Block:
    """One block of pandoc's AST, with the source lines it comes from (0-based)."""

    kind: str
    """``heading``, ``hr``, ``div``, ``notes`` (a notes div), ``html``, ``para``, ..."""
    start: int
    end: int
    """Last line of the block (inclusive), trailing blank lines excluded."""
    level: int = 0
    """Heading level."""
    empty: bool = False
    """A heading without text."""
    atx: bool = False
    """A ``#`` heading (not an underlined one)."""
    mid: bool = False
    """The block starts in the middle of its first line, after another block."""
    children: tuple[_Block, ...] = ()
    """The blocks inside a div."""
    classes: tuple[str, ...] = ()
    """A div's classes."""


@dataclass
class _Reader:
    """pandoc's block reader, for where blocks start and end (lines are 0-based here)."""

    lines: list[str]
    meta: list[tuple[int, int, Any]] = field(default_factory=list)
    """Every YAML metadata block: first line, last line, parsed value."""
    offsets: list[int] = field(default_factory=list)
    """Where each line starts in :attr:`joined` (filled on first use)."""
    joined: str = ""
    """The lines joined by newlines, for searches across lines."""
    carry: _Block | None = None
    """A block that starts on the last line of the block just read, after it."""
    title_end: int = 0
    """The first line after a pandoc title block (``% Title``), 0 if there is none."""

    def at(self, i: int) -> str:
        return self.lines[i] if 0 <= i < len(self.lines) else ""

    def blank(self, i: int) -> bool:
        return i >= len(self.lines) or _blank(self.lines[i])

    def last_content(self, i: int, floor: int) -> int:
        """The last non-blank line at or before *i* (not before *floor*)."""
        while i > floor and self.blank(i):
            i -= 1
        return i

    def all_blocks(self) -> list[_Block]:
        """Every top-level block of the deck."""
        return self.blocks(self.title_block(), 0, False)[0]

    def title_block(self) -> int:
        """Skip a ``% title``/``% author``/``% date`` block at the top; return the next line."""
        i = 0
        for _ in range(3):
            if not self.at(i).startswith("%"):
                break
            i += 1
            while i < len(self.lines) and self.lines[i].startswith(" ") and not self.blank(i):
                i += 1
        self.title_end = i
        return i

    # --- containers

    def blocks(self, i: int, fenced: int, html_div: bool) -> tuple[list[_Block], int]:
        """Read blocks from line *i* until the end, or a closer of the enclosing div."""
        out: list[_Block] = []
        n = len(self.lines)
        while i < n:
            line = self.lines[i]
            if _blank(line):
                i += 1
                continue
            if self.closes(i, fenced, html_div):
                break
            block, i = self.block(i, fenced, html_div)
            if block is not None:
                out.append(block)
            if self.carry is not None:
                out.append(self.carry)
                i = self.carry.end + 1
                self.carry = None
        return out, i

    def closes(self, i: int, fenced: int, html_div: bool) -> bool:
        line = self.at(i)
        if fenced and _DIV_CLOSE.fullmatch(line):
            return True
        return html_div and _HTML_DIV_CLOSE.match(line) is not None

    def block(self, i: int, fenced: int, html_div: bool) -> tuple[_Block | None, int]:
        """The block that starts at line *i* (``None`` when it makes no AST block)."""
        line = self.lines[i]
        fence = self.fence_end(i)
        if fence is not None:
            return _Block("code", i, fence), fence + 1
        meta = self.yaml(i)
        if meta is not None:
            return None, meta + 1
        if _BULLET.match(line) and not _HRULE.fullmatch(line):
            end = self.list_end(i, fenced, html_div)
            return _Block("list", i, self.last_content(end - 1, i)), end
        if _HTML_DIV.fullmatch(line):
            children, j = self.blocks(i + 1, fenced, True)
            if j < len(self.lines):  # the closing tag
                j += 1
            return self.div(i, j, children, _html_classes(line)), j
        opener = _DIV_OPEN.fullmatch(line)
        if opener and opener.group(2) and self.div_attributes(opener.group(2)) is not None:
            children, j = self.blocks(i + 1, fenced + 1, html_div)
            if j < len(self.lines):
                j += 1
            classes = self.div_attributes(opener.group(2)) or ()
            return self.div(i, j, children, classes), j
        heading = self.heading(i)
        if heading is not None:
            return heading, heading.end + 1
        html = self.html(i, fenced, html_div)
        if html is not None:
            return _Block("html", i, html), html + 1
        table = self.table(i, fenced)
        if table is not None:
            return _Block("table", i, table), table + 1
        if line.startswith("    "):
            return self.indented(i)
        tex = self.tex(i)
        if tex is not None:
            nxt = self.at(tex + 1)
            if nxt.startswith(" ") and not _blank(nxt):
                # pandoc's raw-TeX reader eats the next line's indentation with the newline.
                k = len(nxt) - len(nxt.lstrip(" "))
                atx = _ATX.match(nxt, k)
                if _HRULE.fullmatch(nxt) and not _SETEXT.fullmatch(self.at(tex + 2)):
                    self.carry = _Block("hr", tex + 1, tex + 1)
                elif atx:
                    empty = not _heading_text(nxt[atx.end() :], atx=True)
                    level = atx.end() - k
                    self.carry = _Block(
                        "heading", tex + 1, tex + 1, level=level, empty=empty, atx=True
                    )
                else:
                    end = self.para_end(tex + 1, fenced, html_div, k)
                    self.carry = _Block("para", tex + 1, end)
            return _Block("tex", i, tex), tex + 1
        if _HRULE.fullmatch(line):
            return _Block("hr", i, i), i + 1
        if _ORDERED.match(line) and self.ordered_start(line):
            end = self.list_end(i, fenced, html_div)
            return _Block("list", i, self.last_content(end - 1, i)), end
        definition = self.definition(i, fenced, html_div)
        if definition is not None:
            return _Block("list", i, self.last_content(definition - 1, i)), definition
        if _NOTE.match(line):
            return None, self.note_end(i, fenced, html_div)
        reference = self.reference(i)
        if reference is not None:
            return None, reference
        end = self.para_end(i, fenced, html_div, spans=_QUOTE.match(line) is None)
        return _Block("para", i, end), end + 1

    def div(self, i: int, j: int, children: list[_Block], classes: tuple[str, ...]) -> _Block:
        kind = "notes" if "notes" in classes else "div"
        end = self.last_content(j - 1, i)
        return _Block(kind, i, end, children=tuple(children), classes=classes)

    @staticmethod
    def div_attributes(text: str) -> tuple[str, ...] | None:
        if text.startswith("{"):
            end = _attributes_end(text, 0)
            if end is not None:
                return tuple(m[1:] for m in _ATTR_ITEM.findall(text[:end]) if m[:1] == ".")
        if re.fullmatch(r"\S+", text):
            return (text,)
        return None

    # --- leaf blocks

    def fence_end(self, i: int) -> int | None:
        """Closing line of a fenced code block opened at *i*; ``None`` if it is not one."""
        match = _FENCE.fullmatch(self.lines[i])
        if match is None:
            return None
        marker, info = match.group(2), match.group(3).rstrip(" \t")
        if not _fence_info_ok(info):
            return None
        closer = re.compile(rf" {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*")
        for j in range(i + 1, len(self.lines)):
            if closer.fullmatch(self.lines[j]):
                return j
        return None

    def yaml(self, i: int) -> int | None:
        if not _YAML_OPEN.fullmatch(self.lines[i]) or self.blank(i + 1):
            return None
        for j in range(i + 1, len(self.lines)):
            if _YAML_CLOSE.fullmatch(self.lines[j]):
                break
        else:
            return None
        try:
            value = yaml.safe_load("\n".join(self.lines[i + 1 : j]) + "\n")
        except yaml.YAMLError:
            value = {}  # pandoc stops with an error on such a deck; nothing to split then
        if value is not None and not isinstance(value, dict):
            return None
        self.meta.append((i, j, value or {}))
        return j

    def heading(self, i: int) -> _Block | None:
        line = self.lines[i]
        if _has_block_tag(line):
            return None  # the inline reader stops there, before the heading's end
        if i + 1 < len(self.lines) and _SETEXT.fullmatch(self.lines[i + 1]):
            # pandoc only looks at the next line before it reads the text; a comment or
            # code span can carry the text on, and then the underline must follow it.
            j = self.scan(i, 0)
            if j != i and not _SETEXT.fullmatch(self.at(j + 1)):
                # A comment that carried the text on also takes the blank lines after
                # it: the underline may come after them.
                k = j + 1
                while k < len(self.lines) and _blank(self.lines[k]):
                    k += 1
                closed = self.lines[j].rstrip().endswith("-->")
                if not (closed and k > j + 1 and _SETEXT.fullmatch(self.at(k))):
                    return None
                j = k - 1
            level = 1 if self.lines[j + 1][0] == "=" else 2
            return _Block("heading", i, j + 1, level=level, empty=not _heading_text(line))
        match = _ATX.match(line)
        if match is None:
            return None
        text = _heading_text(line[match.end() :], atx=True)
        end = self.scan(i, match.end())
        return _Block("heading", i, end, level=len(match.group(1)), empty=not text, atx=True)

    def html(self, i: int, fenced: int, html_div: bool) -> int | None:
        """Last line of an HTML block at line *i*; what follows it on that line, if
        anything, is read as a block of its own (kept in :attr:`carry`)."""
        line = self.lines[i]
        if line.startswith("<!--"):
            close = self.comment_end(i, 4)
            if close is None:
                return None
            return self.rest(*close, fenced, html_div)
        match = _HTML_TAG.match(line)
        if match is None or match.group(1).lower() not in _BLOCK_TAGS | _EITHER_TAGS:
            return None
        name = match.group(1).lower()
        if name in _VERBATIM and not line.startswith("</"):
            closer = re.compile(r"</" + name + r"\s*>", re.I)
            for j in range(i, len(self.lines)):
                found = closer.search(self.lines[j], match.end() if j == i else 0)
                if found:
                    return self.rest(j, found.end(), fenced, html_div)
        end = line.find(">")
        return self.rest(i, max(end + 1, match.end()), fenced, html_div)

    def rest(self, j: int, k: int, fenced: int, html_div: bool) -> int:
        """A block that ends at line *j*, column *k*: if more follows on that line, it is
        a block that starts there (a setext heading when the next line underlines it)."""
        rest = self.lines[j][k:]
        if _blank(rest):
            return j
        if _SETEXT.fullmatch(self.at(j + 1)) and not _has_block_tag(rest) and self.scan(j, k) == j:
            level = 1 if self.lines[j + 1][0] == "=" else 2
            text = _heading_text(rest)
            self.carry = _Block("heading", j, j + 1, level=level, empty=not text, mid=True)
        else:
            self.carry = _Block("para", j, self.para_end(j, fenced, html_div, k), mid=True)
        return j

    def tex(self, i: int) -> int | None:
        """Last line of a raw LaTeX block: environments (each up to its ``\\end``, over
        blank lines and headings) and one-line macro definitions, as many as follow each
        other on the next line."""
        end = None
        while i < len(self.lines):
            line = self.lines[i].lstrip(" ") if end is not None else self.lines[i]
            begin = _TEX_BEGIN.match(line)
            close = self.tex_end(i, begin.end(), begin.group(1)) if begin else None
            if close is not None:
                end = close[0]
            elif _TEX_MACRO.match(line) and line.count("{") == line.count("}"):
                end = i
            else:
                break
            i = end + 1
        return end

    def tex_end(self, j: int, k: int, name: str) -> tuple[int, int] | None:
        """Where ``\\end{name}`` closes an environment opened before line *j*, column *k*."""
        end = "\\end{" + name + "}"
        while j < len(self.lines):
            found = self.lines[j].find(end, k)
            if found >= 0:
                return j, found + len(end)
            j, k = j + 1, 0
        return None

    def table(self, i: int, fenced: int) -> int | None:
        if i >= len(self.lines):
            return None
        line = self.lines[i]
        if _pipe_row(line) and _PIPE_BREAK.fullmatch(self.at(i + 1)) and "|" in self.at(i + 1):
            j = i + 2
            while j < len(self.lines) and _pipe_row(self.lines[j]):
                j += 1
            return j - 1
        if _DASHED.fullmatch(line):
            for end in (self.multiline_table(i, fenced, headless=False),
                        self.simple_table(i, fenced, headless=True),
                        self.multiline_table(i, fenced, headless=True)):  # fmt: skip
                if end is not None:
                    return end
        if _DASHED.fullmatch(self.at(i + 1)):
            end = self.simple_table(i, fenced, headless=False)
            if end is not None:
                return end
        if _GRID.match(line):
            j = i
            while j < len(self.lines) and self.lines[j].lstrip(" ")[:1] in ("+", "|"):
                j += 1
            return j - 1
        return None

    def footer(self, j: int) -> bool:
        # A table ends at any dashed line: the line's own newline is its "blank line".
        return j < len(self.lines) and bool(_DASHED.fullmatch(self.lines[j]))

    def row_line(self, j: int, fenced: int) -> bool:
        if self.blank(j) or self.footer(j):
            return False
        return not (fenced and _DIV_CLOSE.fullmatch(self.lines[j]))

    def simple_table(self, i: int, fenced: int, *, headless: bool) -> int | None:
        j = i + 1 if headless else i + 2
        if not self.row_line(j, fenced):
            return None
        while self.row_line(j, fenced):
            j += 1
        if self.footer(j):
            return j
        return None if headless else j - 1

    def multiline_table(self, i: int, fenced: int, *, headless: bool) -> int | None:
        j = i + 1
        if not headless:
            if self.blank(j):
                return None
            while j < len(self.lines) and not _DASHED.fullmatch(self.lines[j]):
                j += 1
            if j >= len(self.lines):
                return None
            j += 1
        if not self.row_line(j, fenced):
            return None
        while True:
            while self.row_line(j, fenced):
                j += 1
            if self.footer(j):
                return j
            if not self.blank(j):
                return None
            while j < len(self.lines) and self.blank(j):
                j += 1
            if not self.row_line(j, fenced):
                return j if self.footer(j) else None

    def indented(self, i: int) -> tuple[_Block, int]:
        j = i
        end = i
        while j < len(self.lines):
            if self.lines[j].startswith("    "):
                end = j
            elif not _blank(self.lines[j]):
                break
            j += 1
        return _Block("code", i, end), end + 1

    def ordered_start(self, line: str) -> bool:
        match = _ORDERED.match(line)
        if match is None:
            return False
        number = match.group(2) or match.group(4) or ""
        if line.lstrip(" ").startswith("p. ") and line.lstrip(" ")[3:4].isdigit():
            return False
        one_space = match.group(3) == "." and (
            (len(number) == 1 and number.isupper()) or number in ("I", "V", "X", "L", "C", "D", "M")
        )
        if one_space and match.group(5) == " ":
            return line[match.end() : match.end() + 1] in ("", " ")
        return True

    def list_start(self, line: str) -> bool:
        if _BULLET.match(line) and not _HRULE.fullmatch(line):
            return True
        return self.ordered_start(line) or _DEFINITION.match(line) is not None

    def list_end(self, i: int, fenced: int, html_div: bool) -> int:
        """First line after the list whose first item starts at *i*."""
        j = i
        n = len(self.lines)
        kind = _item_kind(self.lines[i])
        while j < n and _item_kind(self.lines[j]) == kind and not self.closes(j, fenced, html_div):
            line = self.lines[j]
            match = _BULLET.match(line) or _ORDERED.match(line) or _DEFINITION.match(line)
            assert match is not None
            # Continuation lines are indented like the item's text: marker, one space,
            # and up to three more if text follows them.
            indent = match.end()
            rest = line[indent:]
            extra = len(rest) - len(rest.lstrip(" "))
            if 0 < extra <= 3 and rest.strip():
                indent += extra
            j += 1
            while (
                j < n
                and not self.blank(j)
                and not self.list_start(self.lines[j])
                and self.fence_end(j) is None
                and not self.closes(j, fenced, html_div)
            ):
                j += 1
            while j < n and self.blank(j):
                j += 1
            while (
                j < n and _indent(self.lines[j]) >= indent and not self.closes(j, fenced, html_div)
            ):
                j += 1
                while (
                    j < n
                    and not self.blank(j)
                    and not self.closes(j, fenced, html_div)
                    and (_indent(self.lines[j]) >= indent or not self.list_start(self.lines[j]))
                ):
                    j += 1
                while j < n and self.blank(j):
                    j += 1
            if _DEFINITION.match(self.at(j)) is None and _DEFINITION.match(line):
                nxt = self.definition(j, fenced, html_div)
                return j if nxt is None else nxt
        return j

    def definition(self, i: int, fenced: int, html_div: bool) -> int | None:
        j = i + 1
        if self.blank(j):
            if self.table(j + 1, fenced) is not None:
                return None
            j += 1
        if j >= len(self.lines) or not _DEFINITION.match(self.lines[j]):
            return None
        return self.list_end(j, fenced, html_div)

    def note_end(self, i: int, fenced: int, html_div: bool) -> int:
        j = i + 1
        n = len(self.lines)
        while j < n and not self.blank(j) and not self.closes(j, fenced, html_div):
            j += 1
        while True:
            k = j
            while k < n and self.blank(k):
                k += 1
            if k < n and k > j and self.lines[k].startswith("    "):
                j = k + 1
                while j < n and not self.blank(j) and not self.closes(j, fenced, html_div):
                    j += 1
                continue
            return j

    def reference(self, i: int) -> int | None:
        match = _REFERENCE.fullmatch(self.lines[i])
        if match is None:
            return None
        j = i + 1
        if match.group(1) is None:  # the target is on the next line
            if self.blank(j) or self.lines[j].lstrip().startswith("["):
                return None
            j += 1
        if not self.blank(j) and _TITLE_LINE.fullmatch(self.lines[j]):
            j += 1
        return j

    def para_end(
        self, i: int, fenced: int, html_div: bool, pos: int = 0, *, spans: bool = True
    ) -> int:
        """Last line of the paragraph that starts at line *i* (column *pos*).

        It runs on to a blank line, a backtick fence or a div's closer, except inside a
        code span or an HTML comment, which can hold line breaks (a block quote's lines
        are gathered before such spans are read: *spans* false).
        """
        n = len(self.lines)
        j = self.scan(i, pos) if spans else i
        while True:
            if j + 1 >= n:
                return j
            nxt = self.lines[j + 1]
            if _blank(nxt) or self.closes(j + 1, fenced, html_div):
                return j
            if nxt.startswith("`") and self.fence_end(j + 1) is not None:
                return j
            tag = _HTML_TAG.match(nxt)
            if spans and tag and tag.group(1).lower() in _BLOCK_TAGS and ">" in nxt:
                return j  # the inline reader stops at a block-level tag
            if spans and self.tex(j + 1) is not None and _TEX_BEGIN.match(nxt):
                return j  # and at a LaTeX environment
            j = self.scan(j + 1, 0) if spans else j + 1

    def scan(self, j: int, k: int) -> int:
        """The line where inline text from line *j*, column *k* ends: *j*, or a later line
        when a code span or an HTML comment carries it over line breaks."""
        line = self.lines[j]
        while k < len(line):
            char = line[k]
            if char == "\\" and not line.startswith("\\begin{", k):
                k += 2
                continue
            close = None
            if char == "`":
                run = len(line) - len(line[k:].lstrip("`")) - k
                close = self.code_span_end(j, k + run, run)
                # Unmatched, the first backtick is text and the rest of the run is tried.
                k += run if close is not None else 1
            elif line.startswith("<!--", k):
                close = self.comment_end(j, k + 4)
                k += 4
            elif char == "\\" and (begin := _TEX_BEGIN.match(line, k)):
                close = self.tex_end(j, begin.end(), begin.group(1))
                k = begin.end()
            else:
                k += 1
            if close is not None:
                j, k = close
                line = self.lines[j]
        return j

    def code_span_end(self, j: int, k: int, run: int) -> tuple[int, int] | None:
        """Where a code span opened by *run* backticks ends (line, column after it)."""
        closer = re.compile(rf"(?<!`)`{{{run}}}(?!`)")
        while True:
            found = closer.search(self.lines[j], k)
            if found:
                return j, found.end()
            if j + 1 >= len(self.lines) or self.blank(j + 1):
                return None
            j, k = j + 1, 0

    def comment_end(self, j: int, k: int) -> tuple[int, int] | None:
        """Where an HTML comment opened before column *k* of line *j* ends.

        pandoc lets tagsoup find the end: the first ``--`` that only blanks separate from
        a ``>``. Unless that is exactly ``-->``, pandoc reads no comment at all.
        """
        if not self.offsets:
            total = 0
            for line in self.lines:
                self.offsets.append(total)
                total += len(line) + 1
            self.joined = "\n".join(self.lines)
        found = _COMMENT_END.search(self.joined, self.offsets[j] + k)
        if found is None or found.group(0) != "-->":
            return None
        end = found.end()
        number = bisect.bisect_right(self.offsets, end - 1) - 1
        return number, end - self.offsets[number]


def _item_kind(line: str) -> tuple[str, str] | None:
    """What kind of list item *line* starts: a list goes on only with items of its kind
    (any bullet; numbers of one style with one delimiter)."""
    if _BULLET.match(line) and not _HRULE.fullmatch(line):
        return ("bullet", "")
    if _DEFINITION.match(line):
        return ("definition", "")
    match = _ORDERED.match(line)
    if match is None:
        return None
    number = match.group(2) or match.group(4) or ""
    delim = match.group(3) or "()"
    if number.isdigit() or number == "#":
        style = number if number == "#" else "decimal"
    elif number in ("i", "I") or (len(number) > 1 and number.lower().strip("ivxlcdm") == ""):
        style = "roman" if number.islower() else "Roman"
    else:
        style = "alpha" if number.islower() else "Alpha"
    return (style, delim)


def _pipe_row(line: str) -> bool:
    """Whether *line* has a ``|`` that splits cells (not one in a comment or code span)."""
    return "|" in _INLINE_SPANS.sub("", line)


def _has_block_tag(line: str) -> bool:
    # A tag inside a comment or a code span is the span's text, not a tag.
    line = _INLINE_SPANS.sub(lambda span: " " * len(span.group(0)), line)
    return any(
        m.group(1).lower() in _BLOCK_TAGS and ">" in line[m.end() :]
        for m in _HTML_TAG.finditer(line)
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" ")) if line.strip() else 0


def _fence_info_ok(info: str) -> bool:
    if not info or _RAW_ATTRIBUTE.fullmatch(info):
        return True
    lang = _LANG.match(info)
    rest = info[lang.end() :].lstrip(" \t") if lang else info
    if not rest:
        return True
    return _attributes_end(rest, 0) == len(rest.rstrip(" \t"))


def _html_classes(line: str) -> tuple[str, ...]:
    match = re.search(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", line, re.I)
    if match is None:
        return ()
    return tuple((match.group(1) or match.group(2) or match.group(3) or "").split())


def _heading_text(text: str, *, atx: bool = False) -> str:
    """A heading's text without closing ``#``s and ``{attributes}``."""
    attrs = _trailing_attributes(text)
    if attrs is not None:
        text = text[:attrs]
    text = text.strip(" \t")
    if atx:
        text = re.sub(r"(^|[ \t])#+$", "", text).strip(" \t")
    return text


# --- slides ---------------------------------------------------------------------------------


def _slide_level(blocks: tuple[_Block, ...] | list[_Block]) -> int:
    """``getSlideLevel``: the lowest level of a heading followed by content (6 if none)."""

    def go(least: int, items: tuple[_Block, ...] | list[_Block]) -> int:
        i = 0
        while i < len(items):
            block = items[i]
            if block.kind == "heading" and i + 1 < len(items):
                if block.level < least and items[i + 1].kind not in ("heading", "hr"):
                    least = block.level
                    i += 2
                    continue
            elif block.kind in ("div", "notes"):
                return min(go(least, block.children), go(least, items[i + 1 :]))
            i += 1
        return least

    return go(6, blocks)


def _section_heading(block: _Block) -> _Block | None:
    """The heading a div starts with, if ``makeSections`` makes the div a section."""
    if block.kind not in ("div", "notes") or not block.children:
        return None
    first = block.children[0]
    if first.kind != "heading" or {"column", "columns"} & set(block.classes):
        return None
    if any(b.kind == "heading" and b.level <= first.level for b in block.children[1:]):
        return None
    return first


@dataclass(frozen=True, slots=True)
class _Start:
    kind: str
    """``implicit`` (content before the first heading), ``hr``, ``heading``."""
    line: int
    """First line of the slide (0-based)."""
    heading: _Block | None
    """The slide's heading, if it has one."""
    after: _Block | None
    """The block that follows the heading among its siblings (for the inline form); for
    a slide without a heading, its first block after the rule or its first block."""

    @property
    def host(self) -> _Block | None:
        """The heading a marker may go in or after: the slide's own, or the one that opens
        its body (a heading that starts a slide when the deck is built at its level)."""
        if self.heading is not None:
            return self.heading
        return self.after if self.after is not None and self.after.kind == "heading" else None


def _starts(blocks: list[_Block], level: int) -> list[_Start]:
    """Which top-level blocks start slides (``prepSlides`` + ``makeSections``)."""
    starts: list[_Start] = []
    i = 0
    n = len(blocks)

    def following(items: tuple[_Block, ...] | list[_Block], k: int) -> _Block | None:
        return items[k + 1] if k + 1 < len(items) else None

    while i < n:
        block = blocks[i]
        section = _section_heading(block) if level >= 1 else None
        if block.kind == "hr":
            nxt = following(blocks, i)
            if nxt is not None and nxt.kind == "heading" and nxt.level == level:
                starts.append(_Start("heading", block.start, nxt, following(blocks, i + 1)))
                i += 2
                continue
            starts.append(_Start("hr", block.start, None, following(blocks, i)))
        elif block.kind == "heading" and 1 <= block.level <= level:
            starts.append(_Start("heading", block.start, block, following(blocks, i)))
        elif section is not None and section.level <= level:
            children = block.children
            starts.append(_Start("heading", block.start, section, following(children, 0)))
            for k, child in enumerate(children[1:], 1):
                if child.kind == "heading" and child.level <= level:
                    starts.append(_Start("heading", child.start, child, following(children, k)))
        if not starts:
            starts.append(_Start("implicit", block.start, None, block))
        i += 1
    return starts


_LEVELS = (1, 2, 3, 4, 5, 6)
"""The slide levels a deck may be built with when nothing says which."""


@dataclass(frozen=True, slots=True)
class _World:
    """One way the deck reaches pandoc (its cells kept as code, or removed by knitr)."""

    lines: list[str]
    blocks: list[_Block]
    meta: list[tuple[int, int, Any]]


@dataclass(frozen=True, slots=True)
class _Plan:
    """Where a slide's new marker goes."""

    anchor: int
    """Insert after this line (1-based), or in it for the inline form."""
    inline: int | None = None
    """Column in the anchor line for the inline form, else ``None``."""
    blank_before: bool = False
    """Whether a blank line goes between the anchor and the marker."""


class _Split:
    """A deck split the pandoc way, with what inject and strip need."""

    def __init__(self, deck: Deck, settings: Settings) -> None:
        physical = split_lines(deck.text)
        self.physical = physical
        # pandoc drops a lone '\r': such a line runs on into the next one.
        logical: list[str] = []
        self.first: list[int] = []
        self.last: list[int] = []
        pending: tuple[int, str] | None = None  # first line and text of a joined line
        for number, line in enumerate(physical, 1):
            body = line.rstrip("\r\n")
            if pending is not None:
                body = pending[1] + body
            start = pending[0] if pending is not None else number
            if line.endswith("\r") and not line.endswith("\r\n") and number < len(physical):
                pending = (start, body)
                continue
            pending = None
            logical.append(_expand_tabs(body))
            self.first.append(start)
            self.last.append(number)
        cells = deck.format == QUARTO or (
            deck.path is not None and deck.path.suffix.lower() in _CELL_SUFFIXES
        )
        fences = {k for k, ln in enumerate(logical) if cells and _CELL.fullmatch(ln)}
        # knitr and Quarto turn ```{r} cell fences into plain ones before pandoc
        logical = [_CELL.sub(r"\1\2\3", ln) if k in fences else ln for k, ln in enumerate(logical)]
        self.reader = _Reader(logical)
        self.blocks, _ = self.reader.blocks(self.reader.title_block(), 0, False)
        self.meta = _merged_meta(m[2] for m in self.reader.meta)
        explicit = settings.slide_level
        if explicit is None:
            explicit = (
                _quarto_level(self.meta, deck.path)
                if deck.format == QUARTO
                else _rmarkdown_level(self.meta)
            )
        self.explicit = explicit is not None
        self.level = explicit if explicit is not None else _slide_level(self.blocks)
        self.levels = (self.level,) if self.explicit else _LEVELS
        self.cells = [b for b in _walk(self.blocks) if b.kind == "code" and b.start in fences]
        self.worlds = [_World(self.reader.lines, self.blocks, self.reader.meta)]
        if fences:
            self.worlds.append(self.without_cells(fences))
        self.starts = _starts(self.blocks, self.level)
        if self.starts and self.starts[0].kind == "implicit":
            # Link definitions and footnotes make no block, but they are that slide's text.
            self.starts[0] = replace(self.starts[0], line=self.body_start())
        self.code = self.code_lines()
        self.dangling = self.dangling_comment()

    def without_cells(self, fences: set[int]) -> _World:
        """The deck as pandoc reads it once knitr or Quarto removed every cell (one with
        ``include: false``, or ``echo: false`` and no output, leaves nothing). knitr finds
        cells line by line, from an opening line at *fences* to the next closing fence,
        inside other fences too."""
        lines = list(self.reader.lines)
        k = 0
        while k < len(lines):
            if k not in fences:
                k += 1
                continue
            opener = _FENCE.fullmatch(lines[k])
            mark = opener.group(2) if opener else "```"
            closer = re.compile(rf"[ \t]*{re.escape(mark[0])}{{{len(mark)},}}[ \t]*")
            end = next((j for j in range(k + 1, len(lines)) if closer.fullmatch(lines[j])), None)
            if end is None:
                break
            lines[k : end + 1] = [""] * (end + 1 - k)
            k = end + 1
        reader = _Reader(lines)
        return _World(reader.lines, reader.all_blocks(), reader.meta)

    def body_start(self) -> int:
        """The first line that is neither blank nor in a leading YAML block."""
        ends = {start: end for start, end, _ in self.reader.meta}
        i = 0  # a "% title" block counts, as in the harness
        while True:
            while i < len(self.reader.lines) and self.reader.blank(i):
                i += 1
            if i not in ends:
                return i
            i = ends[i] + 1

    def dangling_comment(self) -> int:
        """The first physical line with a ``<!--`` that pandoc does not read as a comment
        (0 if none): the ``-->`` of a marker written below it could close it."""
        reader = self.reader
        for j, line in enumerate(reader.lines):
            k = line.find("<!--")
            while k >= 0 and self.first[j] not in self.code:
                close = reader.comment_end(j, k + 4)
                if close is None:
                    return self.first[j]
                if close[0] != j:
                    break  # the rest is looked at from the comment's last line on
                k = line.find("<!--", close[1])
        return 0

    def code_lines(self) -> set[int]:
        """Physical lines inside code blocks (a marker-like line there is code)."""
        out: set[int] = set()

        def walk(items: Iterable[_Block]) -> None:
            for block in items:
                if block.kind == "code":
                    for k in range(block.start, block.end + 1):
                        out.update(range(self.first[k], self.last[k] + 1))
                walk(block.children)

        walk(self.blocks)
        return out

    def notes_by_line(self) -> dict[int, str]:
        """The text of each ``::: notes`` div, by its first physical line."""
        out: dict[int, str] = {}

        def walk(items: Iterable[_Block]) -> None:
            for block in items:
                if block.kind == "notes":
                    closed = _DIV_CLOSE.fullmatch(self.reader.lines[block.end]) is not None
                    inner = self.reader.lines[block.start + 1 : block.end + (not closed)]
                    kept = (ln for ln in inner if not is_marker_candidate(ln))
                    out[self.first[block.start]] = "\n".join(kept).strip()
                walk(block.children)

        walk(self.blocks)
        return out

    def front_matter(self) -> tuple[LineSpan | None, Mapping[str, Any]]:
        first_block = self.blocks[0].start if self.blocks else len(self.reader.lines)
        for start, end, value in self.reader.meta:
            if start < first_block and all(_blank(x) for x in self.reader.lines[:start]):
                return LineSpan(self.first[start], self.last[end]), value
        return None, {}

    def ranges(self) -> Iterator[tuple[_Start, int, int]]:
        """Each slide start with its first and last physical line (1-based)."""
        reader = self.reader
        for k, start in enumerate(self.starts):
            nxt = self.starts[k + 1].line if k + 1 < len(self.starts) else len(reader.lines)
            end = reader.last_content(nxt - 1, start.line)
            yield start, self.first[start.line], self.last[max(end, start.line)]

    def plans(self, wanted: list[bool]) -> list[_Plan | None]:
        """Where each slide's new marker goes (``None``: nowhere), for the *wanted* ones.

        Each slide's first place is kept only if the deck, read again with a marker in
        every kept place, gives the same blocks and slides (see :meth:`unchanged_by`):
        pandoc's reader has traps (a rule then text can open a YAML block, text added to
        a dashed line can turn a table's end into a row, '- - -' with text is a list
        item). Usually one more reading says all is well; otherwise each slide's places
        are tried alone, in turn.
        """
        options: list[list[_Plan]] = []
        for want, (start, _, last) in zip(wanted, self.ranges(), strict=True):
            found = self.candidates(start, last) if want else []
            options.append([p for p in found if not (self.dangling and self.dangling <= p.anchor)])
        for k, start in enumerate(self.starts):
            if start.heading is not None and start.heading.mid:
                # It shares its first line with the slide before: a line for one is
                # a line for both.
                options[k] = []
                if k:
                    options[k - 1] = []
        plans = [found[0] if found else None for found in options]
        placed = [p for p in plans if p is not None]
        if placed and not self.unchanged_by(placed):
            plans = [next((p for p in found if self.unchanged_by([p])), None) for found in options]
            if not self.unchanged_by([p for p in plans if p is not None]):
                plans = [None] * len(plans)
        return plans

    def unchanged_by(self, plans: list[_Plan]) -> bool:
        """Whether the deck reads the same with a marker written as each of *plans* says,
        with its cells kept and with them removed: the same blocks, the same slides at
        each level it may be built with, and the same inferred level when none is given."""
        return all(self.same_in(world, plans) for world in self.worlds)

    def same_in(self, world: _World, plans: list[_Plan]) -> bool:
        """:meth:`unchanged_by` for one way the deck reaches pandoc."""
        trial, origin, markers = self.trial(world.lines, plans)
        reader = _Reader(trial)
        blocks = reader.all_blocks()

        def sig(items: Iterable[_Block], moved: list[int | None]) -> tuple[Any, ...]:
            return tuple(
                (b.kind, moved[b.start], moved[b.end], b.level, b.empty, b.classes,
                 sig(b.children, moved))
                for b in items
                if not (moved is origin and b.start in markers and b.end == b.start)
            )  # fmt: skip

        same = cast(list[int | None], list(range(len(world.lines))))
        if sig(blocks, origin) != sig(world.blocks, same):
            return False
        # Each marker is a block of its own, or in a heading: never inside code or text.
        own = {b.start for b in _walk(blocks) if b.start == b.end and b.kind == "html"}
        headings = {b.start for b in _walk(blocks) if b.kind == "heading"}
        inline = {origin.index(self.first.index(p.anchor)) for p in plans if p.inline is not None}
        if not markers <= own or not inline <= headings:
            return False
        metas = [(origin[a], origin[b]) for a, b, _ in reader.meta]
        if metas != [(a, b) for a, b, _ in world.meta]:
            return False
        for level in self.levels:
            if _start_keys(_starts(blocks, level), origin) != _start_keys(
                _starts(world.blocks, level), same
            ):
                return False
        return self.explicit or _slide_level(blocks) == _slide_level(world.blocks)

    def trial(
        self, lines: list[str], plans: list[_Plan]
    ) -> tuple[list[str], list[int | None], set[int]]:
        """*lines* with a probe marker written as each of *plans* says; the line each
        trial line was (``None`` for a new one); the probe lines."""
        trial: list[str] = []
        origin: list[int | None] = []
        markers: set[int] = set()
        inline = {self.first.index(p.anchor): p.inline for p in plans if p.inline is not None}
        after: dict[int, _Plan] = {}
        for p in plans:
            if p.inline is None:
                after[self.last.index(p.anchor) if p.anchor else -1] = p

        def insert(plan: _Plan) -> None:
            if plan.blank_before:
                trial.append("")
                origin.append(None)
            markers.add(len(trial))
            trial.append(PROBE)
            origin.append(None)
            if plan.anchor < len(self.physical):
                trial.append("")
                origin.append(None)

        if -1 in after:
            insert(after[-1])
        for k, line in enumerate(lines):
            column = inline.get(k)
            trial.append(line if column is None else line[:column] + PROBE + line[column:])
            origin.append(k)
            if k in after:
                insert(after[k])
        return trial, origin, markers

    def candidates(self, start: _Start, end: int) -> list[_Plan]:
        """The places a slide's marker may go, best first, each still to be tried.

        After the rule of a slide started by one; above the first block of the content
        before the first heading; after the slide's heading, or in it. A slide without a
        heading whose body opens with a deeper heading (one that starts a slide in a
        build at its level) may also take the marker after or in that heading.
        """
        out: list[_Plan] = []
        if start.kind == "hr":
            out.append(_Plan(self.last[start.line], blank_before=True))
        elif start.kind == "implicit":
            # Before its first block: at its end the comment could follow a pause.
            first = max(start.line, self.reader.title_end)
            anchor = self.first[first] - 1 if first < len(self.first) else end
            if not (anchor == 0 and self.physical[0].endswith("\r") and self.last[0] > 1):
                out.append(_Plan(anchor))  # else new lines would take line 1's lone '\r'
        host = start.host
        if host is None or (start.heading is None and host.level <= self.level):
            return out
        nxt = start.after if start.heading is not None else self.following(host)
        risky = nxt is None or nxt.kind in ("heading", "hr") or _has_heading(nxt)
        if self.explicit or not risky:
            out.append(_Plan(self.last[host.end]))
        inline = self.inline(host)
        return out + ([inline] if inline is not None else [])

    def following(self, block: _Block) -> _Block | None:
        """The top-level block after *block*."""
        k = self.blocks.index(block)
        return self.blocks[k + 1] if k + 1 < len(self.blocks) else None

    def inline(self, heading: _Block) -> _Plan | None:
        """The marker inside *heading*'s line, right after its text (no space: beamer would
        keep it at the end of the frame title), or ``None`` where it cannot go."""
        if heading.empty:
            return None
        line = self.reader.lines[heading.start]
        if heading.atx and heading.end != heading.start:
            return None  # a comment or code span runs on below the heading line
        column = _inline_column(line, atx=heading.atx)
        if self.first[heading.start] != self.last[heading.start]:
            return None  # a heading line broken by a lone '\r': leave it alone
        raw = self.physical[self.first[heading.start] - 1].rstrip("\r\n")
        if raw.expandtabs(4) != line or "\t" in raw[:column]:
            return None
        if (column - len(line[:column].rstrip("\\"))) % 2:
            return None  # a backslash would escape the comment's '<'
        return _Plan(self.first[heading.start], inline=column)


def _start_keys(starts: list[_Start], origin: list[int | None]) -> list[tuple[Any, ...]]:
    """What must stay of each slide start, in original lines (content before the first
    heading is one slide wherever it starts)."""
    return [
        ("implicit",)
        if s.kind == "implicit"
        else (s.kind, origin[s.line], origin[s.heading.start] if s.heading else None)
        for s in starts
    ]


def _walk(blocks: Iterable[_Block]) -> Iterator[_Block]:
    """Every block, those inside divs too, in document order."""
    for block in blocks:
        yield block
        yield from _walk(block.children)


def _has_heading(block: _Block) -> bool:
    return any(c.kind == "heading" or _has_heading(c) for c in block.children)


def _inline_column(line: str, *, atx: bool) -> int:
    """Where the inline marker goes: after the heading text, before ``#``s and attributes."""
    body = line.rstrip(" \t")
    attrs = _trailing_attributes(body)
    if attrs is not None:
        body = body[:attrs].rstrip(" \t")
    if atx:
        opening = len(body) - len(body.lstrip("#"))
        closing = re.search(r"[ \t]+#+$", body)
        if closing and closing.start() > opening:
            body = body[: closing.start()]
    return len(body)


def _merged_meta(values: Iterable[Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for value in values:
        if isinstance(value, dict):
            for key, item in value.items():
                merged.setdefault(str(key), item)
    return merged


def _quarto_level(meta: Mapping[str, Any], path: Path | None) -> int:
    """The deck's ``slide-level:`` (top level or under ``format: revealjs:``), else its
    project's (the nearest ``_quarto.yml``), else Quarto's 2."""
    level = _yaml_level(meta)
    if level is None:
        project = config_files(path, "_quarto.yml")
        level = _yaml_level(read_config(project[0], path)) if project else None
    return 2 if level is None else level


def _yaml_level(meta: Mapping[str, Any]) -> int | None:
    level = _as_level(meta.get("slide-level"))
    fmt = meta.get("format")
    if isinstance(fmt, dict) and isinstance(fmt.get("revealjs"), dict):
        inner = _as_level(fmt["revealjs"].get("slide-level"))
        level = inner if inner is not None else level
    return level


def _rmarkdown_level(meta: Mapping[str, Any]) -> int | None:
    """R Markdown passes an output format's ``slide_level:`` on as ``--slide-level``."""
    output = meta.get("output")
    if isinstance(output, dict):
        for options in output.values():
            if isinstance(options, dict) and _as_level(options.get("slide_level")) is not None:
                return _as_level(options.get("slide_level"))
    return None


def _as_level(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


_ESCAPED = "#"
"""Written as ``\\x23`` in markers: in a would-be YAML block, `` #`` starts a comment."""
_INLINE_MARKER = re.compile(r" ?(<!-- " + MARKER_KEYWORD + r" .*?-->)")


@dataclass
class _Owned:
    """A slide's markers and the source edits that remove them again."""

    markers: list[PromptMarker | BadMarker] = field(default_factory=list)
    drop: set[int] = field(default_factory=set)
    """Marker lines and the blank lines written with them (1-based)."""
    change: dict[int, str] = field(default_factory=dict)
    """Heading lines without their inline marker."""
    kept: set[int] = field(default_factory=set)
    """Lines of the author's flagged markers (and their blank lines), which strip keeps."""


def _owned(split: _Split, start: _Start, first: int, last: int) -> _Owned:
    """Find a slide's markers: comment lines outside code, and one inline in its heading."""
    lines = split.physical
    owned = _Owned()
    heading = split.first[start.host.start] if start.host is not None else None
    for number in range(first, last + 1):
        body = lines[number - 1].rstrip("\r\n")
        if number in split.code:
            continue
        if is_marker_candidate(body):
            marker = parse_marker(body, number)
            taken = {number}
            if number < len(lines) and not lines[number].strip():
                taken.add(number + 1)
            before = number - 1
            if start.kind == "hr" and before > first and not lines[before - 1].strip():
                taken.add(before)
        elif number == heading and (found := _INLINE_MARKER.search(body)):
            marker = parse_marker(found.group(1), number)
            owned.change[number] = body[: found.start()] + body[found.end() :]
            taken = set()
        else:
            continue
        owned.markers.append(marker)
        owned.drop |= taken
        if not strippable(marker):
            owned.kept |= taken | {number}
    return owned


@dataclass(frozen=True, slots=True)
class _Row:
    """One slide as read, before it becomes a :class:`Slide`."""

    start: _Start
    first: int
    last: int
    owned: _Owned
    text: str
    notes: tuple[str, ...]
    title: str | None

    @property
    def wants_marker(self) -> bool:
        """Whether a new marker is to be placed: no marker yet, and something to show."""
        return not self.owned.markers and _visible(self.text, self.notes, self.title)


def _read(deck: Deck, settings: Settings) -> tuple[_Split, list[_Row], list[_Plan | None]]:
    """Split *deck*, read each slide, and place the markers of slides that need one."""
    split = _Split(deck, settings)
    notes_at = split.notes_by_line()
    rows = []
    for start, first, last in split.ranges():
        owned = _owned(split, start, first, last)
        text = "\n".join(
            owned.change.get(n, split.physical[n - 1].rstrip("\r\n"))
            for n in range(first, last + 1)
            if n not in owned.drop
        )
        notes = tuple(notes_at[k] for k in sorted(notes_at) if first <= k <= last)
        title = None
        if start.heading is not None and not start.heading.empty:
            title = _plain(split.reader.lines[start.heading.start], start.heading) or None
        rows.append(_Row(start, first, last, owned, text, notes, title))
    return split, rows, split.plans([row.wants_marker for row in rows])


def _split(deck: Deck, settings: Settings) -> Deck:
    split, rows, plans = _read(deck, settings)
    front, meta = split.front_matter()
    slides = []
    for index, (row, plan) in enumerate(zip(rows, plans, strict=True), 1):
        skip = None
        if not _visible(row.text, row.notes, row.title):
            skip = "empty"
        elif row.start.heading is not None and _hidden(split.reader.lines[row.start.heading.start]):
            skip = 'visibility="hidden": the slide is not shown'
        elif plan is None and not row.owned.markers:
            skip = _no_place(split, row)
        slides.append(
            Slide(
                index=index,
                start_line=row.first,
                end_line=row.last,
                text=row.text,
                title=row.title,
                notes=row.notes,
                markers=tuple(row.owned.markers),
                anchor_line=plan.anchor if plan is not None else row.first - 1,
                skip_reason=skip,
            )
        )
    return replace(deck, slides=tuple(slides), front_matter=front, meta=meta)


_HIDDEN = re.compile(r"""\bvisibility=(["']?)hidden\1(?=[\s}])""")


def _hidden(line: str) -> bool:
    """Whether a heading carries ``{visibility="hidden"}``: Quarto (and reveal.js, from
    pandoc's ``data-visibility``) leave its slide out."""
    attrs = _trailing_attributes(line)
    return attrs is not None and _HIDDEN.search(line, attrs) is not None


def _no_place(split: _Split, row: _Row) -> str:
    """Why a slide that needs a marker got no place for one."""
    body = [
        b for b in split.blocks if row.first <= split.first[b.start] <= row.last and b.kind != "hr"
    ]
    if row.title is None and body and all(b in split.cells for b in body):
        return "only code cells, which knitr and Quarto may remove"
    if not split.explicit and not 0 < split.dangling <= row.last:
        return (
            "no place for a marker that pandoc ignores at every slide level "
            "(give --slide-level if the deck is built with one)"
        )
    return "no place for a marker that pandoc ignores"


def _plain(line: str, heading: _Block) -> str:
    """A heading's text without markup, roughly as pandoc's ``stringify`` gives it."""
    atx = heading.atx
    line = line.lstrip(" ")
    text = _heading_text(line.lstrip("#") if atx else line, atx=atx)
    text = _INLINE_MARKER.sub("", text)
    text = re.sub(r"<!--.*?-->|<[^>]+>", "", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*`]|(?<!\w)_+|_+(?!\w)", "", text)
    return " ".join(text.split())


def _visible(text: str, notes: tuple[str, ...], title: str | None) -> bool:
    if title:
        return True
    body = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    body = re.sub(r"^:::+.*$", "", body, flags=re.M)
    body = re.sub(r"^#+[ \t]*(\{[^}]*\})?[ \t]*$", "", body, flags=re.M)
    body = re.sub(r"^[ \t]*([-*_])([ \t]*\1){2,}[ \t]*$", "", body, flags=re.M)
    for note in notes:
        body = body.replace(note, "", 1)
    return bool(body.strip())


# --- inject and strip -----------------------------------------------------------------------


def _inject(deck: Deck, prompts: Mapping[int, SlidePrompt], settings: Settings) -> str:
    split, rows, plans = _read(deck, settings)
    edits = LineEdits()
    lines = split.physical
    for index, (row, plan) in enumerate(zip(rows, plans, strict=True), 1):
        prompt = prompts.get(index)
        if prompt is None:
            continue
        marker = render_marker(prompt.text, prompt.source_hash, extra=_ESCAPED)
        owned = row.owned
        if owned.markers:
            keep = owned.markers[0].line
            body = lines[keep - 1].rstrip("\r\n")
            if keep in owned.change:
                found = _INLINE_MARKER.search(body)
                assert found is not None
                edits.change[keep] = body[: found.start(1)] + marker + body[found.end(1) :]
            else:
                edits.change[keep] = marker
            for m in owned.markers[1:]:
                if m.line in owned.change:
                    edits.change[m.line] = owned.change[m.line]
                    continue
                near = {m.line - 1, m.line, m.line + 1} & owned.drop
                edits.drop |= {n for n in near if n == m.line or not lines[n - 1].strip()}
            continue
        if plan is None:
            continue
        if plan.inline is not None:
            body = lines[plan.anchor - 1].rstrip("\r\n")
            edits.change[plan.anchor] = body[: plan.inline] + marker + body[plan.inline :]
            continue
        parts = ([""] if plan.blank_before else []) + [marker]
        if plan.anchor < len(lines):
            parts.append("")
        edits.insert[plan.anchor] = "\n".join(parts)
    return edits.apply(deck)


def _strip(deck: Deck, settings: Settings) -> str:
    split = _Split(deck, settings)
    edits = LineEdits()
    for start, first, last in split.ranges():
        owned = _owned(split, start, first, last)
        edits.drop |= owned.drop - owned.kept
        edits.change.update((n, t) for n, t in owned.change.items() if n not in owned.kept)
    return edits.apply(deck)


# --- detection --------------------------------------------------------------------------------

_NOTES_DIV = re.compile(r"^:{3,}[ \t]*(notes|\{[^}\n]*\.notes\b[^}\n]*\})[ \t]*$", re.M)


def _front_matter_value(deck: Deck) -> dict[str, Any] | None:
    lines = deck.text.replace("\r\n", "\n").split("\n")
    if not lines or not _YAML_OPEN.fullmatch(lines[0]):
        return None
    for j in range(1, len(lines)):
        if _YAML_CLOSE.fullmatch(lines[j]):
            try:
                value = yaml.safe_load("\n".join(lines[1:j]))
            except yaml.YAMLError:
                return None
            return value if isinstance(value, dict) else None
    return None


_RMD_SLIDES = re.compile(r"ioslides|slidy|revealjs|beamer|powerpoint", re.I)
_QUARTO_SLIDES = ("revealjs",)
_TITLE_BLOCK = re.compile(r"%[ \t]+\S")


def _names_slides(fmt: Any) -> bool:
    """Whether a Quarto ``format:`` value (a name, a list, or a mapping) names revealjs."""
    if isinstance(fmt, str):
        return fmt in _QUARTO_SLIDES
    if isinstance(fmt, dict | list):
        return any(str(name) in _QUARTO_SLIDES for name in fmt)
    return False


def _quarto_project(deck: Deck) -> Evidence | None:
    """The nearest ``_quarto.yml`` above a ``.qmd``/``.md`` deck, if it renders revealjs."""
    for found in config_files(deck.path, "_quarto.yml")[:1]:
        if _names_slides(read_config(found, deck.path).get("format")):
            signal = f"{found} sets format: revealjs"
            return Evidence((QUARTO,), Strength.DECLARED, signal)
    return None


def _evidence(deck: Deck) -> list[Evidence]:
    suffix = deck.path.suffix.lower() if deck.path is not None else ""
    meta = _front_matter_value(deck) or {}
    signs = []
    output = repr(meta.get("output", ""))
    if "format" in meta:
        if _names_slides(meta["format"]):
            signs.append(Evidence((QUARTO,), Strength.DECLARED, "format: revealjs in the YAML"))
    elif suffix in (".qmd", ".md") and deck.path is not None and deck.path.stem != "README":
        project = _quarto_project(deck)
        signs += [project] if project else []
    if "xaringan" not in output and (match := _RMD_SLIDES.search(output)):
        signal = f"an R Markdown output: {match[0]}"
        signs.append(Evidence((PANDOC,), Strength.DECLARED, signal))
    if "slide-level" in meta:
        signs.append(Evidence((PANDOC,), Strength.DISTINCTIVE, "slide-level: in the YAML"))
    if _NOTES_DIV.search(deck.text):
        signs.append(Evidence((PANDOC,), Strength.DISTINCTIVE, "a ::: notes div"))
    if _TITLE_BLOCK.match(deck.text):
        signs.append(Evidence((PANDOC,), Strength.DISTINCTIVE, "a % title block"))
    return signs


# --- hooks -----------------------------------------------------------------------------------


@hookimpl(trylast=True)
def mdslides_format_names() -> list[str]:
    """This module handles ``pandoc`` and ``quarto``."""
    return list(NAMES)


@hookimpl(trylast=True)
def mdslides_format_evidence(deck: Deck) -> list[Evidence]:
    """Declared: ``format: revealjs`` in the YAML or in the ``_quarto.yml`` of the project
    (Quarto), an R Markdown ``output:`` for slides other than xaringan (pandoc).
    Distinctive for pandoc: ``slide-level:``, a ``::: notes`` div, a ``%`` title block."""
    return _evidence(deck)


@hookimpl(trylast=True)
def mdslides_split_deck(deck: Deck, settings: Settings) -> Deck | None:
    """Split a pandoc or Quarto deck as ``pandoc -t revealjs`` does, at the slide level
    given (``--slide-level``), the deck's own, or else the one pandoc infers."""
    return _split(deck, settings) if deck.format in NAMES else None


@hookimpl(trylast=True)
def mdslides_inject_prompts(
    deck: Deck, prompts: Mapping[int, SlidePrompt], mode: str, settings: Settings
) -> str | None:
    """Write each prompt as an HTML comment after the slide's heading (or in it)."""
    if deck.format not in NAMES or mode != "comment":
        return None
    return _inject(deck, prompts, settings)


@hookimpl(trylast=True)
def mdslides_strip_prompts(deck: Deck, settings: Settings) -> str | None:
    """Remove every marker, with the blank lines written around it."""
    if deck.format not in NAMES:
        return None
    return _strip(deck, settings)
