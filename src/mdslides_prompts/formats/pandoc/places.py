"""Each slide's text, title and notes as the deck is split, its markers, and the place
a new marker goes (or why it has none).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
import re

from ...config import Settings
from ...deck import Deck, PlacedPicture, Slide, SlidePicture, SlidePrompt
from ...errors import PluginError
from ...lazyre import lazy_pattern
from ...marker import (
    MARKER_KEYWORD,
    BadMarker,
    PromptMarker,
    is_marker_candidate,
    parse_marker,
    render_marker,
    strippable,
)
from ..lines import PICTURE_PATH, LastRead, LineEdits, picture_path, picture_url
from .blocks import Block, heading_text, trailing_attributes
from .settings import given_level
from .slides import Plan, Split, Start

__all__: list[str] = []

ESCAPED = "#"
"""Written as ``\\x23`` in markers: in a would-be YAML block, `` #`` starts a comment."""
INLINE_MARKER = lazy_pattern(r" ?(<!-- " + MARKER_KEYWORD + r" .*?-->)")


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
    picture: PlacedPicture | None = None
    """The background we set on the slide's heading (see :func:`_picture_of`)."""


def find_owned(split: Split, start: Start, first: int, last: int) -> _Owned:
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
        elif number == heading and (found := INLINE_MARKER.search(body)):
            marker = parse_marker(found.group(1), number)
            owned.change[number] = body[: found.start()] + body[found.end() :]
            taken = set()
        else:
            continue
        owned.markers.append(marker)
        owned.drop |= taken
        if not strippable(marker):
            owned.kept |= taken | {number}
    if len(owned.markers) == 1 and start.heading is not None:
        _picture_of(split.first[start.heading.start], lines, owned)
    return owned


def _picture_of(line: int, lines: list[str], owned: _Owned) -> None:
    """Read the background we set on the slide's heading (on *line*) into *owned*: the
    heading's text without it goes to ``owned.change``, as an inline marker's does."""
    body = owned.change.get(line, lines[line - 1].rstrip("\r\n"))
    found = read_picture(body)
    if found is None:
        return
    without, url = found
    owned.change[line] = without
    owned.picture = PlacedPicture(line, picture_path(url), "background", lines=0)
    if owned.kept:  # the author's marker keeps its picture, as strip keeps it
        owned.kept.add(line)


_OURS = rf'background-image="{PICTURE_PATH}"'
_ALONE = lazy_pattern(rf"\{{{_OURS}\}}")
_FIRST = lazy_pattern(rf"\{{{_OURS} ")


def read_picture(heading: str) -> tuple[str, str] | None:
    """The background we set on a slide's *heading* line: the line without it and the
    picture's URL, or ``None``. Ours is exactly `` {background-image="…"}`` at the end
    of a heading that had no attributes (trailing blanks after it), or
    ``background-image="…"`` and a blank first in the braces of one that had."""
    start = trailing_attributes(heading)
    if start is None:
        return None
    end = len(heading.rstrip(" \t"))
    alone = _ALONE.fullmatch(heading, start, end)
    if alone is not None and start > 0 and heading[start - 1] == " ":
        return heading[: start - 1] + heading[end:], alone["path"]
    first = _FIRST.match(heading, start)
    if first is not None:
        return heading[: start + 1] + heading[first.end() :], first["path"]
    return None


def with_picture(heading: str, url: str) -> str:
    """*heading* (a line without ours, see :func:`read_picture`) with the background
    *url* set: inside its attribute braces, or in new ones at its end (before any
    trailing blanks)."""
    start = trailing_attributes(heading)
    ours = f'background-image="{url}"'
    if start is not None:
        return f"{heading[: start + 1]}{ours} {heading[start + 1 :]}"
    end = len(heading.rstrip(" \t"))
    return heading[:end] + " {" + ours + "}" + heading[end:]


@dataclass(frozen=True, slots=True)
class _Row:
    """One slide as read, before it becomes a :class:`Slide`."""

    start: Start
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


_Read = tuple[Split, list[_Row], list[Plan | None]]
_LAST_READ = LastRead[_Read]()


def read_deck(deck: Deck, settings: Settings, *, fresh: bool = False) -> _Read:
    """Split *deck*, read each slide, and place the markers of slides that need one.

    The last reading is kept for what follows a split (writing, stripping): the same
    text of the same file at the same slide level, read again by the same run. A split
    reads afresh (*fresh*), so a project file changed since the last run counts.
    Readings are never changed by their users."""
    key = (deck.text, deck.bom, deck.format, deck.path, given_level(settings))
    return _LAST_READ.get(key, lambda: _read_deck(deck, settings), fresh=fresh)


def _read_deck(deck: Deck, settings: Settings) -> _Read:
    split = Split(deck, settings)
    notes_at = split.notes_by_line()
    rows = []
    for start, first, last in split.ranges():
        owned = find_owned(split, start, first, last)
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


def split_deck(deck: Deck, settings: Settings) -> Deck:
    split, rows, plans = read_deck(deck, settings, fresh=True)
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
                picture=row.owned.picture,
            )
        )
    return replace(deck, slides=tuple(slides), front_matter=front, meta=meta)


_HIDDEN = lazy_pattern(r"""\bvisibility=(["']?)hidden\1(?=[\s}])""")


def _hidden(line: str) -> bool:
    """Whether a heading carries ``{visibility="hidden"}``: Quarto (and reveal.js, from
    pandoc's ``data-visibility``) leave its slide out."""
    attrs = trailing_attributes(line)
    return attrs is not None and _HIDDEN.search(line, attrs) is not None


def _no_place(split: Split, row: _Row) -> str:
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


def _plain(line: str, heading: Block) -> str:
    """A heading's text without markup, roughly as pandoc's ``stringify`` gives it."""
    atx = heading.atx
    line = line.lstrip(" ")
    text = heading_text(line.lstrip("#") if atx else line, atx=atx)
    text = INLINE_MARKER.sub("", text)
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


def inject(deck: Deck, prompts: Mapping[int, SlidePrompt], settings: Settings) -> str:
    """*deck*'s text with each of *prompts* written as a marker at its slide's place."""
    split, rows, plans = read_deck(deck, settings)
    edits = LineEdits()
    lines = split.physical
    for index, (row, plan) in enumerate(zip(rows, plans, strict=True), 1):
        prompt = prompts.get(index)
        if prompt is None:
            continue
        marker = render_marker(prompt.text, prompt.source_hash, extra=ESCAPED, flags=prompt.flags)
        owned = row.owned
        if owned.markers:
            keep = owned.markers[0].line
            body = lines[keep - 1].rstrip("\r\n")
            if keep in owned.change:
                found = INLINE_MARKER.search(body)
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


def inject_pictures(deck: Deck, pictures: Mapping[int, SlidePicture], settings: Settings) -> str:
    """*deck*'s text with each picture as the background of its slide's heading.

    :raises PluginError: a slide without a heading of its own (begun by a rule, or the
        content before the first heading): nothing can carry its background
    """
    split, rows, _ = read_deck(deck, settings)
    edits = LineEdits()
    lines = split.physical
    for index, row in enumerate(rows, 1):
        picture = pictures.get(index)
        if picture is None:
            continue
        if row.start.heading is None:
            raise PluginError(f"slide {index} has no heading to carry its background")
        line = split.first[row.start.heading.start]
        body = lines[line - 1].rstrip("\r\n")
        found = read_picture(edits.change.get(line, body))
        bare = found[0] if found is not None else body
        edits.change[line] = with_picture(bare, picture_url(picture.path))
    return edits.apply(deck)


def strip(deck: Deck, settings: Settings) -> str:
    """*deck*'s text without our markers (the author's flagged ones stay)."""
    split = Split(deck, settings)
    edits = LineEdits()
    for start, first, last in split.ranges():
        owned = find_owned(split, start, first, last)
        edits.drop |= owned.drop - owned.kept
        edits.change.update((n, t) for n, t in owned.change.items() if n not in owned.kept)
    return edits.apply(deck)
