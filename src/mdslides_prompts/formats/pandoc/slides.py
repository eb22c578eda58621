"""Where pandoc cuts slides in the blocks the reader found (``Text.Pandoc.Slides`` and
``makeSections``; the rules of ``conformance/pandoc/FINDINGS.md``): the slide level, the
blocks that start slides, and where a marker can go without changing them at every level
the deck may be built with.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
import re
from typing import Any, cast

from ...config import Settings
from ...deck import Deck, LineSpan, split_lines
from ...marker import (
    is_marker_candidate,
)
from ..lines import PROBE
from .blocks import CELL, DIV_CLOSE, FENCE, Block, expand_tabs, is_blank, trailing_attributes
from .reader import Reader
from .settings import CELL_SUFFIXES, QUARTO, given_level, merged_meta, quarto_level, rmarkdown_level

__all__: list[str] = []

# --- slides ---------------------------------------------------------------------------------


def _slide_level(blocks: tuple[Block, ...] | list[Block]) -> int:
    """``getSlideLevel``: the lowest level of a heading followed by content (6 if none)."""

    def go(least: int, items: tuple[Block, ...] | list[Block]) -> int:
        # pandoc: go least (Div _ bs : xs) = min (go least bs) (go least xs). The rest is
        # scanned here in the same loop, with the same least, and each div's own answer
        # kept for the end: no recursion per div (a deck has thousands) and no copies.
        inner: list[int] = []
        i = 0
        while i < len(items):
            block = items[i]
            if block.kind == "heading" and i + 1 < len(items):
                if block.level < least and items[i + 1].kind not in ("heading", "hr"):
                    least = block.level
                    i += 2
                    continue
            elif block.kind in ("div", "notes"):
                inner.append(go(least, block.children))
            i += 1
        return min([least, *inner])

    return go(6, blocks)


def _section_heading(block: Block) -> Block | None:
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
class Start:
    kind: str
    """``implicit`` (content before the first heading), ``hr``, ``heading``."""
    line: int
    """First line of the slide (0-based)."""
    heading: Block | None
    """The slide's heading, if it has one."""
    after: Block | None
    """The block that follows the heading among its siblings (for the inline form); for
    a slide without a heading, its first block after the rule or its first block."""

    @property
    def host(self) -> Block | None:
        """The heading a marker may go in or after: the slide's own, or the one that opens
        its body (a heading that starts a slide when the deck is built at its level)."""
        if self.heading is not None:
            return self.heading
        return self.after if self.after is not None and self.after.kind == "heading" else None


def _starts(blocks: list[Block], level: int) -> list[Start]:
    """Which top-level blocks start slides (``prepSlides`` + ``makeSections``)."""
    starts: list[Start] = []
    i = 0
    n = len(blocks)

    def following(items: tuple[Block, ...] | list[Block], k: int) -> Block | None:
        return items[k + 1] if k + 1 < len(items) else None

    while i < n:
        block = blocks[i]
        section = _section_heading(block) if level >= 1 else None
        if block.kind == "hr":
            nxt = following(blocks, i)
            if nxt is not None and nxt.kind == "heading" and nxt.level == level:
                starts.append(Start("heading", block.start, nxt, following(blocks, i + 1)))
                i += 2
                continue
            starts.append(Start("hr", block.start, None, following(blocks, i)))
        elif block.kind == "heading" and 1 <= block.level <= level:
            starts.append(Start("heading", block.start, block, following(blocks, i)))
        elif section is not None and section.level <= level:
            children = block.children
            starts.append(Start("heading", block.start, section, following(children, 0)))
            for k, child in enumerate(children[1:], 1):
                if child.kind == "heading" and child.level <= level:
                    starts.append(Start("heading", child.start, child, following(children, k)))
        if not starts:
            starts.append(Start("implicit", block.start, None, block))
        i += 1
    return starts


_LEVELS = (1, 2, 3, 4, 5, 6)
"""The slide levels a deck may be built with when nothing says which."""


@dataclass(frozen=True, slots=True)
class _World:
    """One way the deck reaches pandoc (its cells kept as code, or removed by knitr)."""

    lines: list[str]
    blocks: list[Block]
    meta: list[tuple[int, int, Any]]


@dataclass(frozen=True, slots=True)
class Plan:
    """Where a slide's new marker goes."""

    anchor: int
    """Insert after this line (1-based), or in it for the inline form."""
    inline: int | None = None
    """Column in the anchor line for the inline form, else ``None``."""
    blank_before: bool = False
    """Whether a blank line goes between the anchor and the marker."""


class Split:
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
            logical.append(expand_tabs(body))
            self.first.append(start)
            self.last.append(number)
        cells = deck.format == QUARTO or (
            deck.path is not None and deck.path.suffix.lower() in CELL_SUFFIXES
        )
        fences = {k for k, ln in enumerate(logical) if cells and CELL.fullmatch(ln)}
        # knitr and Quarto turn ```{r} cell fences into plain ones before pandoc
        logical = [CELL.sub(r"\1\2\3", ln) if k in fences else ln for k, ln in enumerate(logical)]
        self.reader = Reader(logical)
        self.blocks, _ = self.reader.blocks(self.reader.title_block(), 0, False)
        self.meta = merged_meta(m[2] for m in self.reader.meta)
        explicit = given_level(settings)
        if explicit is None:
            explicit = (
                quarto_level(self.meta, deck.path)
                if deck.format == QUARTO
                else rmarkdown_level(self.meta)
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
            opener = FENCE.fullmatch(lines[k])
            mark = opener.group(2) if opener else "```"
            closer = re.compile(rf"[ \t]*{re.escape(mark[0])}{{{len(mark)},}}[ \t]*")
            end = next((j for j in range(k + 1, len(lines)) if closer.fullmatch(lines[j])), None)
            if end is None:
                break
            lines[k : end + 1] = [""] * (end + 1 - k)
            k = end + 1
        reader = Reader(lines)
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

        def walk(items: Iterable[Block]) -> None:
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

        def walk(items: Iterable[Block]) -> None:
            for block in items:
                if block.kind == "notes":
                    closed = DIV_CLOSE.fullmatch(self.reader.lines[block.end]) is not None
                    inner = self.reader.lines[block.start + 1 : block.end + (not closed)]
                    kept = (ln for ln in inner if not is_marker_candidate(ln))
                    out[self.first[block.start]] = "\n".join(kept).strip()
                walk(block.children)

        walk(self.blocks)
        return out

    def front_matter(self) -> tuple[LineSpan | None, Mapping[str, Any]]:
        first_block = self.blocks[0].start if self.blocks else len(self.reader.lines)
        for start, end, value in self.reader.meta:
            if start < first_block and all(is_blank(x) for x in self.reader.lines[:start]):
                return LineSpan(self.first[start], self.last[end]), value
        return None, {}

    def ranges(self) -> Iterator[tuple[Start, int, int]]:
        """Each slide start with its first and last physical line (1-based)."""
        reader = self.reader
        for k, start in enumerate(self.starts):
            nxt = self.starts[k + 1].line if k + 1 < len(self.starts) else len(reader.lines)
            end = reader.last_content(nxt - 1, start.line)
            yield start, self.first[start.line], self.last[max(end, start.line)]

    def plans(self, wanted: list[bool]) -> list[Plan | None]:
        """Where each slide's new marker goes (``None``: nowhere), for the *wanted* ones.

        Each slide's first place is kept only if the deck, read again with a marker in
        every kept place, gives the same blocks and slides (see :meth:`unchanged_by`):
        pandoc's reader has traps (a rule then text can open a YAML block, text added to
        a dashed line can turn a table's end into a row, '- - -' with text is a list
        item). Usually one more reading says all is well; otherwise each slide's places
        are tried alone, in turn.
        """
        options: list[list[Plan]] = []
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

    def unchanged_by(self, plans: list[Plan]) -> bool:
        """Whether the deck reads the same with a marker written as each of *plans* says,
        with its cells kept and with them removed: the same blocks, the same slides at
        each level it may be built with, and the same inferred level when none is given."""
        return all(self.same_in(world, plans) for world in self.worlds)

    def same_in(self, world: _World, plans: list[Plan]) -> bool:
        """:meth:`unchanged_by` for one way the deck reaches pandoc."""
        trial, origin, markers = self.trial(world.lines, plans)
        reader = Reader(trial)
        blocks = reader.all_blocks()

        def sig(items: Iterable[Block], moved: list[int | None]) -> tuple[Any, ...]:
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
        self, lines: list[str], plans: list[Plan]
    ) -> tuple[list[str], list[int | None], set[int]]:
        """*lines* with a probe marker written as each of *plans* says; the line each
        trial line was (``None`` for a new one); the probe lines."""
        trial: list[str] = []
        origin: list[int | None] = []
        markers: set[int] = set()
        inline = {self.first.index(p.anchor): p.inline for p in plans if p.inline is not None}
        after: dict[int, Plan] = {}
        for p in plans:
            if p.inline is None:
                after[self.last.index(p.anchor) if p.anchor else -1] = p

        def insert(plan: Plan) -> None:
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

    def candidates(self, start: Start, end: int) -> list[Plan]:
        """The places a slide's marker may go, best first, each still to be tried.

        After the rule of a slide started by one; above the first block of the content
        before the first heading; after the slide's heading, or in it. A slide without a
        heading whose body opens with a deeper heading (one that starts a slide in a
        build at its level) may also take the marker after or in that heading.
        """
        out: list[Plan] = []
        if start.kind == "hr":
            out.append(Plan(self.last[start.line], blank_before=True))
        elif start.kind == "implicit":
            # Before its first block: at its end the comment could follow a pause.
            first = max(start.line, self.reader.title_end)
            anchor = self.first[first] - 1 if first < len(self.first) else end
            if not (anchor == 0 and self.physical[0].endswith("\r") and self.last[0] > 1):
                out.append(Plan(anchor))  # else new lines would take line 1's lone '\r'
        host = start.host
        if host is None or (start.heading is None and host.level <= self.level):
            return out
        nxt = start.after if start.heading is not None else self.following(host)
        risky = nxt is None or nxt.kind in ("heading", "hr") or _has_heading(nxt)
        if self.explicit or not risky:
            out.append(Plan(self.last[host.end]))
        inline = self.inline(host)
        return out + ([inline] if inline is not None else [])

    def following(self, block: Block) -> Block | None:
        """The top-level block after *block*."""
        k = self.blocks.index(block)
        return self.blocks[k + 1] if k + 1 < len(self.blocks) else None

    def inline(self, heading: Block) -> Plan | None:
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
        return Plan(self.first[heading.start], inline=column)


def _start_keys(starts: list[Start], origin: list[int | None]) -> list[tuple[Any, ...]]:
    """What must stay of each slide start, in original lines (content before the first
    heading is one slide wherever it starts)."""
    return [
        ("implicit",)
        if s.kind == "implicit"
        else (s.kind, origin[s.line], origin[s.heading.start] if s.heading else None)
        for s in starts
    ]


def _walk(blocks: Iterable[Block]) -> Iterator[Block]:
    """Every block, those inside divs too, in document order."""
    for block in blocks:
        yield block
        yield from _walk(block.children)


def _has_heading(block: Block) -> bool:
    return any(c.kind == "heading" or _has_heading(c) for c in block.children)


def _inline_column(line: str, *, atx: bool) -> int:
    """Where the inline marker goes: after the heading text, before ``#``s and attributes."""
    body = line.rstrip(" \t")
    attrs = trailing_attributes(body)
    if attrs is not None:
        body = body[:attrs].rstrip(" \t")
    if atx:
        opening = len(body) - len(body.lstrip("#"))
        closing = re.search(r"[ \t]+#+$", body)
        if closing and closing.start() > opening:
            body = body[: closing.start()]
    return len(body)
