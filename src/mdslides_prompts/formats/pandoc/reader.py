"""A block reader that follows pandoc's ``Text/Pandoc/Readers/Markdown.hs`` for where each
top-level block of a deck starts and ends: fenced code (only when closed and with a valid
info string), YAML metadata blocks anywhere, lists with their lazy lines, ``:::`` and
``<div>`` divs (read recursively), ATX and setext headings (an ATX heading needs a blank
line above it), HTML blocks and comments, pipe, simple and multiline tables, indented
code, block quotes, horizontal rules, definition lists, footnotes and link definitions
(which make no block at all). It knows nothing of slides.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
import re
from typing import Any

import yaml

from .blocks import (
    ATTR_ITEM,
    ATX,
    BLOCK_TAGS,
    BULLET,
    COMMENT_END,
    DASHED,
    DEFINITION,
    DIV_CLOSE,
    DIV_OPEN,
    EITHER_TAGS,
    FENCE,
    GRID,
    HRULE,
    HTML_DIV,
    HTML_DIV_CLOSE,
    HTML_TAG,
    NOTE,
    ORDERED,
    PIPE_BREAK,
    QUOTE,
    REFERENCE,
    SETEXT,
    TEX_BEGIN,
    TEX_MACRO,
    TITLE_LINE,
    VERBATIM,
    YAML_CLOSE,
    YAML_OPEN,
    Block,
    attributes_end,
    fence_info_ok,
    has_block_tag,
    heading_text,
    html_classes,
    indent_of,
    is_blank,
    item_kind,
    pipe_row,
)

__all__: list[str] = []


@dataclass
class Reader:
    """pandoc's block reader, for where blocks start and end (lines are 0-based here)."""

    lines: list[str]
    meta: list[tuple[int, int, Any]] = field(default_factory=list)
    """Every YAML metadata block: first line, last line, parsed value."""
    offsets: list[int] = field(default_factory=list)
    """Where each line starts in :attr:`joined` (filled on first use)."""
    joined: str = ""
    """The lines joined by newlines, for searches across lines."""
    carry: Block | None = None
    """A block that starts on the last line of the block just read, after it."""
    title_end: int = 0
    """The first line after a pandoc title block (``% Title``), 0 if there is none."""

    def at(self, i: int) -> str:
        return self.lines[i] if 0 <= i < len(self.lines) else ""

    def blank(self, i: int) -> bool:
        return i >= len(self.lines) or is_blank(self.lines[i])

    def last_content(self, i: int, floor: int) -> int:
        """The last non-blank line at or before *i* (not before *floor*)."""
        while i > floor and self.blank(i):
            i -= 1
        return i

    def all_blocks(self) -> list[Block]:
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

    def blocks(self, i: int, fenced: int, html_div: bool) -> tuple[list[Block], int]:
        """Read blocks from line *i* until the end, or a closer of the enclosing div."""
        out: list[Block] = []
        n = len(self.lines)
        while i < n:
            line = self.lines[i]
            if is_blank(line):
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
        if fenced and DIV_CLOSE.fullmatch(line):
            return True
        return html_div and HTML_DIV_CLOSE.match(line) is not None

    def block(self, i: int, fenced: int, html_div: bool) -> tuple[Block | None, int]:
        """The block that starts at line *i* (``None`` when it makes no AST block)."""
        line = self.lines[i]
        fence = self.fence_end(i)
        if fence is not None:
            return Block("code", i, fence), fence + 1
        meta = self.yaml(i)
        if meta is not None:
            return None, meta + 1
        if BULLET.match(line) and not HRULE.fullmatch(line):
            end = self.list_end(i, fenced, html_div)
            return Block("list", i, self.last_content(end - 1, i)), end
        if HTML_DIV.fullmatch(line):
            children, j = self.blocks(i + 1, fenced, True)
            if j < len(self.lines):  # the closing tag
                j += 1
            return self.div(i, j, children, html_classes(line)), j
        opener = DIV_OPEN.fullmatch(line)
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
            return Block("html", i, html), html + 1
        table = self.table(i, fenced)
        if table is not None:
            return Block("table", i, table), table + 1
        if line.startswith("    "):
            return self.indented(i)
        tex = self.tex(i)
        if tex is not None:
            nxt = self.at(tex + 1)
            if nxt.startswith(" ") and not is_blank(nxt):
                # pandoc's raw-TeX reader eats the next line's indentation with the newline.
                k = len(nxt) - len(nxt.lstrip(" "))
                atx = ATX.match(nxt, k)
                if HRULE.fullmatch(nxt) and not SETEXT.fullmatch(self.at(tex + 2)):
                    self.carry = Block("hr", tex + 1, tex + 1)
                elif atx:
                    empty = not heading_text(nxt[atx.end() :], atx=True)
                    level = atx.end() - k
                    self.carry = Block(
                        "heading", tex + 1, tex + 1, level=level, empty=empty, atx=True
                    )
                else:
                    end = self.para_end(tex + 1, fenced, html_div, k)
                    self.carry = Block("para", tex + 1, end)
            return Block("tex", i, tex), tex + 1
        if HRULE.fullmatch(line):
            return Block("hr", i, i), i + 1
        if ORDERED.match(line) and self.ordered_start(line):
            end = self.list_end(i, fenced, html_div)
            return Block("list", i, self.last_content(end - 1, i)), end
        definition = self.definition(i, fenced, html_div)
        if definition is not None:
            return Block("list", i, self.last_content(definition - 1, i)), definition
        if NOTE.match(line):
            return None, self.note_end(i, fenced, html_div)
        reference = self.reference(i)
        if reference is not None:
            return None, reference
        end = self.para_end(i, fenced, html_div, spans=QUOTE.match(line) is None)
        return Block("para", i, end), end + 1

    def div(self, i: int, j: int, children: list[Block], classes: tuple[str, ...]) -> Block:
        kind = "notes" if "notes" in classes else "div"
        end = self.last_content(j - 1, i)
        return Block(kind, i, end, children=tuple(children), classes=classes)

    @staticmethod
    def div_attributes(text: str) -> tuple[str, ...] | None:
        if text.startswith("{"):
            end = attributes_end(text, 0)
            if end is not None:
                return tuple(m[1:] for m in ATTR_ITEM.findall(text[:end]) if m[:1] == ".")
        if re.fullmatch(r"\S+", text):
            return (text,)
        return None

    # --- leaf blocks

    def fence_end(self, i: int) -> int | None:
        """Closing line of a fenced code block opened at *i*; ``None`` if it is not one."""
        match = FENCE.fullmatch(self.lines[i])
        if match is None:
            return None
        marker, info = match.group(2), match.group(3).rstrip(" \t")
        if not fence_info_ok(info):
            return None
        closer = re.compile(rf" {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*")
        for j in range(i + 1, len(self.lines)):
            if closer.fullmatch(self.lines[j]):
                return j
        return None

    def yaml(self, i: int) -> int | None:
        if not YAML_OPEN.fullmatch(self.lines[i]) or self.blank(i + 1):
            return None
        for j in range(i + 1, len(self.lines)):
            if YAML_CLOSE.fullmatch(self.lines[j]):
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

    def heading(self, i: int) -> Block | None:
        line = self.lines[i]
        if has_block_tag(line):
            return None  # the inline reader stops there, before the heading's end
        if i + 1 < len(self.lines) and SETEXT.fullmatch(self.lines[i + 1]):
            # pandoc only looks at the next line before it reads the text; a comment or
            # code span can carry the text on, and then the underline must follow it.
            j = self.scan(i, 0)
            if j != i and not SETEXT.fullmatch(self.at(j + 1)):
                # A comment that carried the text on also takes the blank lines after
                # it: the underline may come after them.
                k = j + 1
                while k < len(self.lines) and is_blank(self.lines[k]):
                    k += 1
                closed = self.lines[j].rstrip().endswith("-->")
                if not (closed and k > j + 1 and SETEXT.fullmatch(self.at(k))):
                    return None
                j = k - 1
            level = 1 if self.lines[j + 1][0] == "=" else 2
            return Block("heading", i, j + 1, level=level, empty=not heading_text(line))
        match = ATX.match(line)
        if match is None:
            return None
        text = heading_text(line[match.end() :], atx=True)
        end = self.scan(i, match.end())
        return Block("heading", i, end, level=len(match.group(1)), empty=not text, atx=True)

    def html(self, i: int, fenced: int, html_div: bool) -> int | None:
        """Last line of an HTML block at line *i*; what follows it on that line, if
        anything, is read as a block of its own (kept in :attr:`carry`)."""
        line = self.lines[i]
        if line.startswith("<!--"):
            close = self.comment_end(i, 4)
            if close is None:
                return None
            return self.rest(*close, fenced, html_div)
        match = HTML_TAG.match(line)
        if match is None or match.group(1).lower() not in BLOCK_TAGS | EITHER_TAGS:
            return None
        name = match.group(1).lower()
        if name in VERBATIM and not line.startswith("</"):
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
        if is_blank(rest):
            return j
        if SETEXT.fullmatch(self.at(j + 1)) and not has_block_tag(rest) and self.scan(j, k) == j:
            level = 1 if self.lines[j + 1][0] == "=" else 2
            text = heading_text(rest)
            self.carry = Block("heading", j, j + 1, level=level, empty=not text, mid=True)
        else:
            self.carry = Block("para", j, self.para_end(j, fenced, html_div, k), mid=True)
        return j

    def tex(self, i: int) -> int | None:
        """Last line of a raw LaTeX block: environments (each up to its ``\\end``, over
        blank lines and headings) and one-line macro definitions, as many as follow each
        other on the next line."""
        end = None
        while i < len(self.lines):
            line = self.lines[i].lstrip(" ") if end is not None else self.lines[i]
            begin = TEX_BEGIN.match(line)
            close = self.tex_end(i, begin.end(), begin.group(1)) if begin else None
            if close is not None:
                end = close[0]
            elif TEX_MACRO.match(line) and line.count("{") == line.count("}"):
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
        if pipe_row(line) and PIPE_BREAK.fullmatch(self.at(i + 1)) and "|" in self.at(i + 1):
            j = i + 2
            while j < len(self.lines) and pipe_row(self.lines[j]):
                j += 1
            return j - 1
        if DASHED.fullmatch(line):
            for end in (self.multiline_table(i, fenced, headless=False),
                        self.simple_table(i, fenced, headless=True),
                        self.multiline_table(i, fenced, headless=True)):  # fmt: skip
                if end is not None:
                    return end
        if DASHED.fullmatch(self.at(i + 1)):
            end = self.simple_table(i, fenced, headless=False)
            if end is not None:
                return end
        if GRID.match(line):
            j = i
            while j < len(self.lines) and self.lines[j].lstrip(" ")[:1] in ("+", "|"):
                j += 1
            return j - 1
        return None

    def footer(self, j: int) -> bool:
        # A table ends at any dashed line: the line's own newline is its "blank line".
        return j < len(self.lines) and bool(DASHED.fullmatch(self.lines[j]))

    def row_line(self, j: int, fenced: int) -> bool:
        if self.blank(j) or self.footer(j):
            return False
        return not (fenced and DIV_CLOSE.fullmatch(self.lines[j]))

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
            while j < len(self.lines) and not DASHED.fullmatch(self.lines[j]):
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

    def indented(self, i: int) -> tuple[Block, int]:
        j = i
        end = i
        while j < len(self.lines):
            if self.lines[j].startswith("    "):
                end = j
            elif not is_blank(self.lines[j]):
                break
            j += 1
        return Block("code", i, end), end + 1

    def ordered_start(self, line: str) -> bool:
        match = ORDERED.match(line)
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
        if BULLET.match(line) and not HRULE.fullmatch(line):
            return True
        return self.ordered_start(line) or DEFINITION.match(line) is not None

    def list_end(self, i: int, fenced: int, html_div: bool) -> int:
        """First line after the list whose first item starts at *i*."""
        j = i
        n = len(self.lines)
        kind = item_kind(self.lines[i])
        while j < n and item_kind(self.lines[j]) == kind and not self.closes(j, fenced, html_div):
            line = self.lines[j]
            match = BULLET.match(line) or ORDERED.match(line) or DEFINITION.match(line)
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
                j < n
                and indent_of(self.lines[j]) >= indent
                and not self.closes(j, fenced, html_div)
            ):
                j += 1
                while (
                    j < n
                    and not self.blank(j)
                    and not self.closes(j, fenced, html_div)
                    and (indent_of(self.lines[j]) >= indent or not self.list_start(self.lines[j]))
                ):
                    j += 1
                while j < n and self.blank(j):
                    j += 1
            if DEFINITION.match(self.at(j)) is None and DEFINITION.match(line):
                nxt = self.definition(j, fenced, html_div)
                return j if nxt is None else nxt
        return j

    def definition(self, i: int, fenced: int, html_div: bool) -> int | None:
        j = i + 1
        if self.blank(j):
            if self.table(j + 1, fenced) is not None:
                return None
            j += 1
        if j >= len(self.lines) or not DEFINITION.match(self.lines[j]):
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
        match = REFERENCE.fullmatch(self.lines[i])
        if match is None:
            return None
        j = i + 1
        if match.group(1) is None:  # the target is on the next line
            if self.blank(j) or self.lines[j].lstrip().startswith("["):
                return None
            j += 1
        if not self.blank(j) and TITLE_LINE.fullmatch(self.lines[j]):
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
            if is_blank(nxt) or self.closes(j + 1, fenced, html_div):
                return j
            if nxt.startswith("`") and self.fence_end(j + 1) is not None:
                return j
            tag = HTML_TAG.match(nxt)
            if spans and tag and tag.group(1).lower() in BLOCK_TAGS and ">" in nxt:
                return j  # the inline reader stops at a block-level tag
            if spans and self.tex(j + 1) is not None and TEX_BEGIN.match(nxt):
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
            elif char == "\\" and (begin := TEX_BEGIN.match(line, k)):
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
        found = COMMENT_END.search(self.joined, self.offsets[j] + k)
        if found is None or found.group(0) != "-->":
            return None
        end = found.end()
        number = bisect.bisect_right(self.offsets, end - 1) - 1
        return number, end - self.offsets[number]
