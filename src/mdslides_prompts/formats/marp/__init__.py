"""Marp (Marpit / marp-core / Marp CLI): detect, split and inject exactly as marp-core does.

Splitting follows marp-core's token stream (marp-team/marpit ``src/markdown/slide.js``;
every rule is checked against marp-core 5.0.2 in ``conformance/marp/``): markdown-it
with CommonMark, HTML blocks and tables; front matter only at byte 0, as
markdown-it-front-matter 0.2.4 reads it (closed by a dash line at least as long as the
opening one or by ``...``; an unclosed block swallows the document; a BOM disables it);
``$$`` math blocks, as Marp CLI and marp-core with a math library parse them; a slide
break at every thematic break at nesting level 0. ``headingDivider`` (front matter or
comment directive, the last one wins for the whole deck) adds a break before every
matching heading, at any nesting level, once anything visible came before it.

Prompts are written as one marker comment per slide (see :mod:`mdslides_prompts.marker`),
right after the line that opens the slide: the separator, the front matter's closing
line, or the heading a ``headingDivider`` splits on (or the block that holds it).
Marp renders nothing for it, but like every HTML comment that is not a directive it
becomes a presenter note of that slide; it never counts as content for
``headingDivider``, and it can never read as a directive.

A comment is a hidden token, and markdown-it's renderer changes the newlines around a
hidden token: a block tag right before it (``<section>`` or the slide's ``<header>``
when that tag opens) loses the newline after it, and a block tag that markdown-it's
generic renderer opens right after it (``<p>``, ``<h1>``, ``<ul>``, ``<table>``, ...)
gets one before it. Where these two changes do not cancel out (a fence, code block,
math block or raw HTML block right after ``---``; a paragraph right after a
``headingDivider`` heading), the comment goes to the first later place in the slide
where they do, at the latest the end of the slide, so that marp-core's HTML stays
byte-identical. A link reference marker leaves no token and stays at the opening line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
import re
from types import MappingProxyType
from typing import Any

from markdown_it.token import Token

from ...config import Settings
from ...deck import (
    BOM,
    Deck,
    LineSpan,
    PlacedPicture,
    Slide,
    SlidePicture,
    SlidePrompt,
    TextLines,
    split_lines,
)
from ...detection import Evidence, Strength
from ...lazyre import lazy_pattern
from ...marker import BadMarker, PromptMarker, is_marker_candidate, parse_marker, render_marker
from ...placement import Placement, Slot
from .. import deckfm, js
from ..base import Format
from ..lines import (
    PICTURE_PATH,
    LineEdits,
    code_free,
    picture_after,
    picture_url,
    place_pictures,
    strip_markers,
)
from .backgrounds import SlideBackgrounds, placements, read_backgrounds
from .parser import (
    COMMENT_TEXT,
    GLOBAL_DIRECTIVES,
    LOCAL_DIRECTIVES,
    comment_kind,
    links_complete,
    parse_heading_divider,
    read_blocks,
    yaml_mapping,
)

__all__ = ["GLOBAL_DIRECTIVES", "LOCAL_DIRECTIVES", "PLUGIN", "Marp", "parse_heading_divider"]

NAME = "marp"
# --- splitting -----------------------------------------------------------------------------

# A table delimiter row of two columns or more, as markdown-it's table rule reads one.
_DELIMITER_ROW = lazy_pattern(
    r" {0,3}(?!-[ \t])\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*[\r\n]*"
)


def _inline_text(token: Token | None) -> str:
    if token is None or not token.children:
        return token.content.strip() if token is not None else ""
    parts = []
    for child in token.children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child))
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _block_comment(token: Token) -> str | None:
    """The note text of a block that Marpit's comment rule takes, else ``None``."""
    if token.type != "html_block" or not token.content.lstrip(" ").startswith("<!--"):
        return None
    match = COMMENT_TEXT.search(token.content)
    # An unclosed comment runs to the end of the document and gives an empty note.
    return match.group(1) if match else ""


def _inline_comments(token: Token) -> list[str]:
    """The insides of the HTML comments in an inline token, in order."""
    if token.type != "inline" or not token.children:
        return []
    matches = (COMMENT_TEXT.fullmatch(c.content) for c in token.children if c.type == "html_inline")
    return [m.group(1) for m in matches if m]


def _inline_hidden(token: Token) -> bool:
    """Marpit's sweep: an inline token with nothing but blanks, comments and background
    images is hidden, and its comments are then not notes."""
    if token.meta.get("plain"):
        return False
    for child in token.children or ():
        if child.type == "softbreak":
            continue
        if child.type == "html_inline" and COMMENT_TEXT.fullmatch(child.content):
            continue
        if child.type == "image" and "bg" in child.content.split():
            continue
        if child.type != "text" or not js.BLANK.fullmatch(child.content):
            return False
    return True


def _hidden(token: Token) -> bool:
    """Whether Marpit's headingDivider counts *token* as nothing (see FINDINGS §3)."""
    if token.hidden or token.type == "front_matter":
        return True
    if token.type == "html_block":
        content = token.content.lstrip(" ")
        return (
            content.startswith("<!--")
            or re.match(r"<style(\s|>|$)", content) is not None
            or js.BLANK.fullmatch(token.content) is not None
        )
    return token.type == "inline" and _inline_hidden(token)


@dataclass(slots=True)
class _Cut:
    """Where a slide begins while the token stream is being cut."""

    start: int
    """First line of the slide."""
    separator: int | None
    """Line of the thematic break before the slide, if a break started it."""
    anchor: int
    """Line after which a new marker goes."""
    kind: str
    """What the anchor line ends: ``start``, ``front_matter``, ``hr``, ``heading`` (all
    closed blocks, after which any block may start) or ``container``/``paragraph``."""
    tokens: list[Token] = field(default_factory=list)
    comment_anchor: int | None = None
    """Line after which a marker comment keeps marp-core's HTML byte for byte, if any."""
    levels: frozenset[int] = frozenset()
    """The heading levels ``headingDivider`` splits the deck at."""
    directives: list[str] = field(default_factory=list)
    """The insides of the slide's directive comments, in order."""


@dataclass(frozen=True, slots=True)
class _Read:
    """What one reading of a deck found."""

    front_matter: LineSpan | None
    meta: dict[str, Any]
    """The front matter's mapping."""
    cuts: tuple[_Cut, ...]
    """Where each slide begins (its tokens let go once the slide was built)."""
    slides: tuple[Slide, ...]
    backgrounds: tuple[SlideBackgrounds, ...]
    """What each slide says of its background (see :mod:`.backgrounds`)."""
    directives: dict[str, Any]
    """The global directives the deck's comments set (``<!-- theme: gaia -->``): they
    apply to the whole deck wherever they are, the last one winning, over the front
    matter's."""


class _Reader:
    """Cuts the token stream where Marpit does (level-0 ``hr`` and headingDivider
    headings) as :func:`~.parser.read_blocks` hands it over, and builds each slide as
    soon as the next one begins: a slide's tokens are let go once it is built.

    ``headingDivider`` applies to the whole deck, the last directive winning, so the
    cuts are made with the levels given (or the front matter's) while the levels the
    deck sets are read; :func:`_read` reads again when they differ.
    """

    def __init__(self, deck: Deck, lines: Sequence[str], levels: frozenset[int] | None) -> None:
        self.deck = deck
        self.lines = lines
        self.given = levels
        self.levels = levels or frozenset()
        """The levels the cuts are made at."""
        self.found = frozenset[int]()
        """The levels the deck sets: the front matter's, then each directive's."""
        self.front_matter: LineSpan | None = None
        self.meta: dict[str, Any] = {}
        self.cuts: list[_Cut] = []
        self.slides: list[Slide] = []
        self.backgrounds: list[SlideBackgrounds] = []
        self.directives: dict[str, Any] = {}
        self.ours: set[int] = set()
        self.header: str | None = None
        self.spot: str | None = None
        self.seen_visible = False
        self.outer: Token | None = None  # the level-0 block the current token belongs to

    def feed(self, tokens: list[Token]) -> None:
        """Take the next tokens of the stream."""
        for token in tokens:
            if not self.cuts:
                self._begin(token)
            self._take(token)
            if token.type not in _COMMENTED:
                continue
            for inner in _comments(token):
                if comment_kind(inner) == "directive":
                    # Comments are in html_block and inline tokens only, which _take
                    # always adds to the last cut.
                    self.cuts[-1].directives.append(inner)
                    value = yaml_mapping(inner, loose=True).get("headingDivider")
                    parsed = parse_heading_divider(value) if value is not None else None
                    if parsed is not None:
                        self.found = parsed

    def close(self) -> _Read:
        """Build the last slide; what the reading found."""
        if not self.cuts:
            self._begin(None)
        self._finish(self.cuts[-1], len(self.lines))
        return _Read(
            self.front_matter, self.meta, tuple(self.cuts), tuple(self.slides),
            tuple(self.backgrounds), self.directives,
        )  # fmt: skip

    def _begin(self, first: Token | None) -> None:
        if first is not None and first.type == "front_matter" and first.map:
            self.front_matter = LineSpan(first.map[0] + 1, first.map[1])
            self.meta = yaml_mapping(first.content, loose=True)
        if "headingDivider" in self.meta:
            self.found = parse_heading_divider(self.meta["headingDivider"]) or frozenset()
        if self.given is None:
            self.levels = self.found
        self.header = _string(self.meta.get("header"), None)
        self.spot = _string(self.meta.get("_header"), None)
        line = self.front_matter.end + 1 if self.front_matter else 1
        kind = "front_matter" if self.front_matter else "start"
        self.cuts.append(_Cut(line, None, line - 1, kind))

    def _take(self, token: Token) -> None:
        if token.level == 0 and token.map is not None:
            self.outer = token
        if token.type == "hr" and token.level == 0 and token.map is not None:
            line = token.map[0] + 1
            self._open(_Cut(line + 1, line, line, "hr"))
            self.seen_visible = True
            return
        if (
            token.type == "heading_open"
            and int(token.tag[1:]) in self.levels
            and self.seen_visible
            and token.map is not None
        ):
            # The marker goes after the heading (or after the block holding it), never
            # between the separator and the heading, which is the previous slide.
            outer = self.outer
            block = token if token.level == 0 or outer is None else outer
            assert block.map is not None
            kind = "heading" if block is token else "container"
            self._open(_Cut(token.map[0] + 1, None, max(block.map[1], token.map[1]), kind))
        if not _hidden(token):
            self.seen_visible = True
        self.cuts[-1].tokens.append(token)

    def _open(self, cut: _Cut) -> None:
        end = (cut.separator if cut.separator is not None else cut.start) - 1
        self._finish(self.cuts[-1], end)
        self.cuts.append(cut)

    def _finish(self, cut: _Cut, end: int) -> None:
        """Build the slide of *cut*, the last one so far, which ends on line *end*."""
        index = len(self.cuts)
        cut.levels = self.levels
        if index == 1 and self.deck.bom and self.front_matter is None:
            # A marker before the first line would follow the BOM and change what line 1 is.
            first_block = next(
                (t for t in cut.tokens if t.level == 0 and t.map and t.type != "html_block"),
                None,
            )
            cut.anchor = first_block.map[1] if first_block and first_block.map else 0
            cut.kind = "paragraph"
        cut.comment_anchor = _comment_anchor(cut, end, self.lines, header=self._header(cut))
        slide = _build_slide(index, cut, end, self.lines)
        self.slides.append(slide)
        if slide.picture:
            self.ours.update(slide.picture.numbers)
        self.backgrounds.append(read_backgrounds(cut.tokens, cut.directives, self.ours))
        for inner in cut.directives:
            values = yaml_mapping(inner, loose=True)
            self.directives.update((k, v) for k, v in values.items() if k in GLOBAL_DIRECTIVES)
        cut.tokens = []
        cut.directives = []

    def _header(self, cut: _Cut) -> bool:
        """Whether Marpit gives the slide a ``<header>`` (a non-empty ``header``
        directive: the front matter's, then each comment's, ``_header`` for its slide
        only)."""
        for inner in cut.directives:
            directives = yaml_mapping(inner, loose=True)
            self.header = _string(directives.get("header"), self.header)
            self.spot = _string(directives.get("_header"), self.spot)
        shown = bool(self.spot if self.spot is not None else self.header)
        self.spot = None
        return shown


def _read(deck: Deck) -> _Read:
    """Read *deck* as marp-core does, a few blocks at a time."""
    # marp-core reads the string as given: a BOM before '---' disables the front matter.
    src = (BOM if deck.bom else "") + deck.text
    # A file holding only a BOM still has one (blank) line for marp-core.
    lines: Sequence[str] = TextLines(deck.text) or ([""] if deck.bom else [])
    levels: frozenset[int] | None = None
    env: dict[str, Any] = {}
    while True:
        reader = _Reader(deck, lines, levels)
        read_blocks(src, reader.feed, env)
        read = reader.close()
        if reader.found == reader.levels and links_complete(env):
            return read
        # A directive after some cut changed headingDivider, or a link used before its
        # definition was read: read again knowing both (neither depends on the cuts).
        levels = reader.found
        env = {"references": env.get("references", {})}


def _split(deck: Deck) -> Deck:
    read = _read(deck)
    # Every run asks each slide's placement next: read it from this parse, not another.
    _remember_placements((deck.text, deck.bom), read)
    settings = MappingProxyType({**read.meta, **read.directives})
    return deckfm.attach(
        replace(deck, front_matter=read.front_matter, meta=settings, slides=read.slides)
    )


_COMMENTED = frozenset({"html_block", "inline"})
"""The tokens that can hold a comment."""


def _comments(token: Token) -> list[str]:
    """The insides of the HTML comments Marpit's comment rule takes in *token*."""
    block = _block_comment(token)
    return [block] if block is not None else _inline_comments(token)


def _string(value: Any, previous: str | None) -> str | None:
    # Marpit's header directive takes strings only and keeps its value otherwise.
    return value if isinstance(value, str) else previous


# Blocks that markdown-it's renderer draws with their own rule, not its generic
# ``renderToken`` (which alone adds or drops newlines next to a hidden token).
_OWN_RULE = frozenset({"fence", "code_block", "html_block", "math_block"})


def _comment_anchor(cut: _Cut, end: int, lines: Sequence[str], *, header: bool) -> int | None:
    """The first line, from the cut's anchor on, after which a marker comment leaves
    marp-core's HTML byte-identical (see the module docstring); ``None`` if none does."""
    tokens = [t for t in cut.tokens if t.type != "prompt_reference"]  # no token in Marp
    starts = [i for i, t in enumerate(tokens) if t.level == 0 and t.map is not None]
    following = [i for i in starts if _first_line(tokens[i]) >= cut.anchor]
    gaps: list[tuple[int, int | None]] = [(cut.anchor, following[0] if following else None)]
    gaps.extend((_first_line(tokens[i]), i) for i in following[1:])
    if following and _end_takes_comment(tokens, starts, end, lines):
        gaps.append((end, None))
    for line, after in gaps:
        before = (len(tokens) if after is None else after) - 1
        if _keeps_html(tokens, before, after, header=header) and not (
            line < len(lines) and _DELIMITER_ROW.fullmatch(lines[line])
        ):
            return line
    return None


def _first_line(token: Token) -> int:
    assert token.map is not None
    return token.map[0]


def _end_takes_comment(
    tokens: Sequence[Token], starts: Sequence[int], end: int, lines: Sequence[str]
) -> bool:
    """Whether a comment line after the slide's last line ends up a block of its own:
    the last block ends in the slide (not so after a split inside a container), and
    on the document's last line it is closed (an unclosed fence or HTML block would
    take the comment in; an HTML block other than a comment ends at a blank line only)."""
    stops = [t.map[1] for t in (tokens[i] for i in starts) if t.map is not None]
    if max(stops) > end:
        return False
    if end < len(lines) or max(stops) < end:
        return True
    last = tokens[starts[-1]]
    if last.type == "fence":
        assert last.map is not None
        closing = f"{re.escape(last.markup[0])}{{{len(last.markup)},}}"
        return last.map[1] - last.map[0] > 1 and bool(
            re.fullmatch(r" {0,3}" + closing + r"[ \t]*[\r\n]*", lines[last.map[1] - 1])
        )
    if last.type == "math_block":
        return bool(last.meta.get("closed"))
    return last.type != "html_block"


def _keeps_html(tokens: Sequence[Token], before: int, after: int | None, *, header: bool) -> bool:
    """Whether a hidden token between ``tokens[before]`` (-1: the slide's opening tag)
    and ``tokens[after]`` (``None``: the slide's closing tag) leaves the HTML as it was."""
    if after is None or _renders_nothing(tokens, after):
        return True
    if before < 0 and not header:  # <section> loses its newline, the next tag adds one
        return tokens[after].type not in _OWN_RULE
    if before >= 0 and _renders_nothing(tokens, before):
        return True  # the next tag has its newline already
    return tokens[after].type in _OWN_RULE  # after a closing tag nothing is lost


def _renders_nothing(tokens: Sequence[Token], index: int) -> bool:
    """Whether Marpit hides ``tokens[index]`` (a paragraph goes with its inline)."""
    token = tokens[index]
    if token.type == "paragraph_open":
        return _inline_hidden(tokens[index + 1])
    if token.type == "paragraph_close":
        return _inline_hidden(tokens[index - 1])
    return token.type != "inline" and _hidden(token)


def _build_slide(index: int, cut: _Cut, end: int, lines: Sequence[str]) -> Slide:
    markers: list[PromptMarker | BadMarker] = []
    notes: list[str] = []
    previous: Token | None = None
    for previous, token in zip([None, *cut.tokens], cut.tokens, strict=False):
        inner = _block_comment(token)
        if token.type == "prompt_reference" and token.map and token.map[1] - token.map[0] == 1:
            markers.append(parse_marker(lines[token.map[0]], token.map[0] + 1))
        elif inner is not None:
            assert token.map is not None
            first, last = token.map
            if token.level == 0 and last - first == 1 and is_marker_candidate(lines[first]):
                markers.append(parse_marker(lines[first], first + 1))
            elif comment_kind(inner) == "note":
                notes.append(inner)
        elif token.type == "inline" and not _inline_hidden(token):
            in_heading = previous is not None and previous.type == "heading_open"
            for inner in _inline_comments(token):
                if in_heading and inner == "fit":
                    continue  # marp-core's fitting header, not a note
                if comment_kind(inner) == "note":
                    notes.append(inner)
    picture = _picture(lines, markers[0], cut, end) if len(markers) == 1 else None
    ours = {m.line for m in markers} | set(picture.numbers if picture else ())
    if isinstance(lines, TextLines):
        text = lines.joined(cut.start, end, ours)
    else:
        text = "\n".join(
            lines[n - 1].rstrip("\r\n") for n in range(cut.start, end + 1) if n not in ours
        )
    title = next(
        (
            _inline_text(cut.tokens[i + 1])
            for i, t in enumerate(cut.tokens[:-1])
            if t.type == "heading_open"
        ),
        None,
    )
    skip = None
    if not COMMENT_TEXT.sub("", text).strip():
        skip = "empty"
    elif not cut.start - 1 <= cut.anchor <= end:
        # A headingDivider split inside a blockquote or list: the block holding the
        # heading ends in a later slide, so no line of this slide can take a comment.
        skip = "no line where a marker keeps the rendering (heading split inside a container)"
    elif not markers and cut.comment_anchor is None:
        # Right above a delimiter row, the marker line (which holds a '|') would be read
        # as a table's header row (markdown-it tries tables before HTML blocks), and
        # elsewhere a comment may change the newlines marp-core writes.
        skip = "no line where a marker keeps the rendering"
    return Slide(
        index=index,
        start_line=cut.start,
        end_line=end,
        text=text,
        title=title or None,
        notes=tuple(notes),
        markers=tuple(markers),
        anchor_line=cut.anchor if cut.comment_anchor is None else cut.comment_anchor,
        skip_reason=skip,
        picture=picture,
    )


_OFFERS = (Slot.BACKGROUND, Slot.RIGHT, Slot.LEFT)
"""Where a picture of ours goes on a Marp slide: a ``bg`` image, full or split."""
_PICTURE = lazy_pattern(rf"!\[bg(?: (?P<side>left|right)(?::\d+%)?)?\]\({PICTURE_PATH}\)")


_HEADING_LINE = lazy_pattern(r" {0,3}(#{1,6})(?:[ \t]|$)")


def _after_heading(lines: Sequence[str], line: int, end: int, levels: frozenset[int]) -> int:
    """Where a picture of ours goes after the marker on *line*, in a slide ending on
    line *end*: right after it, unless the next line below it that is not blank is a
    heading ``headingDivider`` splits at (*levels*), where a picture above it would be
    content that ends the slide there: then after that heading."""
    last = min(end, len(lines))
    below = line + 1  # 1-based
    while below <= last and not lines[below - 1].strip():
        below += 1
    heading = _HEADING_LINE.match(lines[below - 1]) if below <= last else None
    return below if heading and len(heading[1]) in levels else line


def _picture(
    lines: Sequence[str], marker: PromptMarker | BadMarker, cut: _Cut, end: int
) -> PlacedPicture | None:
    """The picture we placed for *marker*'s slide (see :func:`_after_heading`)."""
    at = _after_heading(lines, marker.line, end, cut.levels)
    return picture_after(lines, replace(marker, line=at) if at != marker.line else marker,
                         read_picture)  # fmt: skip


def read_picture(line: str) -> tuple[str, str] | None:
    """A picture line of ours (``![bg](…)``, ``![bg right:40%](…)``): its URL and slot."""
    found = _PICTURE.fullmatch(line)
    return (found["path"], found["side"] or "background") if found else None


def render_picture(picture: SlidePicture) -> str:
    """The picture line for *picture*: a background, or a split one taking its share."""
    url = picture_url(picture.path)
    if picture.slot in ("left", "right"):
        return f"![bg {picture.slot}:{round(picture.share * 100)}%]({url})"
    return f"![bg]({url})"


# --- plugin --------------------------------------------------------------------------------


_MARP_FLAG = lazy_pattern(r"^marp\s*:\s*(true|yes|on)\s*(#.*)?$", re.M | re.I)
_MARP_ONLY = lazy_pattern(
    r"^<!--\s*(_class|_?paginate|headingDivider|_?backgroundColor|_?backgroundImage)\s*:", re.M
)


_CLOSED_ANCHORS = frozenset({"start", "front_matter", "hr", "heading"})


def _takes_front_matter(deck: Deck) -> bool:
    """Whether a front matter can be added to *deck* and keep marp-core's HTML.

    A BOM disables marp-core's front matter, so none can go in front of one; and the
    front matter is a hidden token where a comment before line 1 would be.
    """
    if deck.bom:
        return False
    return deck.front_matter is not None or _read(deck).cuts[0].comment_anchor == 0


class Marp(Format):
    """Marp decks (``marp``), split as marp-core does; prompts as comments, link
    references or front-matter entries."""

    names = (NAME,)
    modes = ("comment", "reference", "frontmatter")

    def evidence(self, deck: Deck, settings: Settings) -> list[Evidence]:
        """``marp: true`` in the front matter (declared); ``headingDivider:`` there or a
        directive comment only Marp reads (distinctive)."""
        signs = []
        head = deck.text[:4096]
        if deck.text.startswith("---"):
            end = re.search(r"^(---|\.\.\.)\s*$", deck.text[3:], re.M)
            block = deck.text[3 : 3 + end.start()] if end else head
            if _MARP_FLAG.search(block):
                signs.append(Evidence((NAME,), Strength.DECLARED, "marp: true in the front matter"))
            if re.search(r"^headingDivider\s*:", block, re.M):
                signs.append(
                    Evidence((NAME,), Strength.DISTINCTIVE, "headingDivider in the front matter")
                )
        directive = _MARP_ONLY.search(code_free(deck.text))
        if directive:
            signs.append(
                Evidence(
                    (NAME,), Strength.DISTINCTIVE, f"the directive comment <!-- {directive[1]}: -->"
                )
            )
        return signs

    def split(self, deck: Deck, settings: Settings) -> Deck:
        """Split the deck the way marp-core does."""
        return _split(deck)

    def inject(
        self, deck: Deck, prompts: Mapping[int, SlidePrompt], mode: str, settings: Settings
    ) -> str:
        """Write each prompt as a marker line, replacing the slide's markers if any.

        ``comment`` mode writes HTML comments (Marp shows them as presenter notes);
        ``reference`` mode writes link reference definitions, invisible in slides and notes,
        wherever the line before is a closed block (else a link definition would continue a
        paragraph, so a comment is written there instead); ``frontmatter`` mode writes them
        all into the front matter (see :mod:`.deckfm`), or comments where it cannot.
        """
        edits = LineEdits()
        if mode == "frontmatter" and deckfm.write(
            deck, prompts, edits, create=_takes_front_matter(deck)
        ):
            return edits.apply(deck)
        # A link reference leaves no token, so it stays at the line that opens the slide.
        cuts = _read(deck).cuts if mode == "reference" else ()
        for slide in deck.slides:
            prompt = prompts.get(slide.index)
            if prompt is None:
                continue
            cut = cuts[slide.index - 1] if cuts else None
            form = "reference" if cut and cut.kind in _CLOSED_ANCHORS else "comment"
            line = render_marker(prompt.text, prompt.source_hash, form=form, flags=prompt.flags)
            body = deckfm.body_markers(slide)
            if body and isinstance(body[0], PromptMarker) and body[0].form == form:
                edits.change[body[0].line] = line
                edits.drop.update(m.line for m in body[1:])
            else:
                # A marker of the other form (or a broken one) may sit where this form is
                # not safe: write the new one at the anchor instead, its picture with it.
                edits.insert[cut.anchor if cut and form == "reference" else slide.anchor_line] = (
                    line + _moved_picture(deck, slide, edits)
                )
                edits.drop.update(m.line for m in body)
        deckfm.drop_entries(deck, prompts.keys(), edits)
        return edits.apply(deck)

    def inject_pictures(
        self, deck: Deck, pictures: Mapping[int, SlidePicture], settings: Settings
    ) -> str:
        """Place each picture after its slide's marker as a ``bg`` image (split to its
        side when it has one), then a blank line: a paragraph Marpit takes out of the
        slide's content and shows as the background."""
        lines = split_lines(deck.text)
        cuts = _read(deck).cuts

        def after(slide: Slide) -> int:
            assert slide.marker is not None  # place_pictures asks only for marked slides
            levels = cuts[slide.index - 1].levels
            return _after_heading(lines, slide.marker.line, slide.end_line, levels)

        return place_pictures(deck, pictures, render_picture, after=after).apply(deck)

    def strip(self, deck: Deck, settings: Settings) -> str:
        """Remove every marker line (with its picture) and the front-matter prompt block."""
        return strip_markers(deck, deckfm.strip_lines(deck))

    def placement(self, deck: Deck, slide: Slide, settings: Settings) -> Placement:
        """The slide's ``![bg]`` images (``left``/``right:N%`` split it) or
        ``backgroundImage`` directive, on the ``size`` the deck chose (see
        :mod:`.backgrounds`)."""
        return replace(_placement(deck, slide), offers=_OFFERS)


def _moved_picture(deck: Deck, slide: Slide, edits: LineEdits) -> str:
    """The lines of *slide*'s picture, dropped where they are, to follow its marker where
    it moves (``""`` when it has none)."""
    if slide.picture is None:
        return ""
    lines = split_lines(deck.text)
    edits.drop.update(slide.picture.numbers)
    return "".join("\n" + lines[n - 1].rstrip("\r\n") for n in slide.picture.numbers)


_PLACED: dict[tuple[str, bool], tuple[Placement, ...]] = {}
"""Every slide's placement for the last few texts read (see :func:`_placement`)."""


def _remember_placements(key: tuple[str, bool], read: _Read) -> None:
    while len(_PLACED) >= 8:
        _PLACED.pop(next(iter(_PLACED)))
    _PLACED[key] = placements(read.meta, read.backgrounds)


def _placement(deck: Deck, slide: Slide) -> Placement:
    """*slide*'s placement, the pictures we placed aside (those the split of the deck's
    text finds): every slide's is read once for each text (the hook asks slide by slide;
    a split leaves them here)."""
    key = (deck.text, deck.bom)
    found = _PLACED.get(key)
    if found is None:  # read more than the last few texts ago: read once more
        _remember_placements(key, _read(Deck(text=deck.text, bom=deck.bom)))
        found = _PLACED[key]
    return found[slide.index - 1] if 0 < slide.index <= len(found) else Placement()


PLUGIN = Marp()
"""The plugin :mod:`~mdslides_prompts.plugins` registers."""
