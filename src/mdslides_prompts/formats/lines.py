"""Editing a deck by whole source lines, keeping every other byte as it was.

Shared by the format plugins: they decide *where* a marker goes, this module makes
the edit so that :func:`remove_lines` exactly undoes :func:`edit_lines`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
import re
from typing import Generic, TypeVar

from ..deck import Deck, PlacedPicture, Slide, SlidePicture, SlidePrompt, split_lines
from ..errors import PluginError
from ..marker import BadMarker, PromptMarker, render_marker, strippable

__all__ = [
    "PICTURE_PATH",
    "PROBE",
    "LastRead",
    "LineEdits",
    "code_free",
    "edit_lines",
    "fenced_lines",
    "line_ending",
    "picture_after",
    "picture_path",
    "picture_url",
    "place_pictures",
    "remove_lines",
    "source_line",
    "strip_markers",
    "stripped_markers",
    "write_markers",
]

PROBE = render_marker("probe", "00000000")
"""A comment marker line, for checking that a line added at some place keeps the slides."""


def line_ending(line: str) -> str:
    """The line ending of *line* (``""`` for a last line without one)."""
    return line[len(line.rstrip("\r\n")) :]


def edit_lines(
    text: str,
    *,
    newline: str,
    insert_after: Mapping[int, str] | None = None,
    replace: Mapping[int, str] | None = None,
    delete: Collection[int] = (),
) -> str:
    """Insert, replace and delete whole lines of *text* (1-based line numbers).

    :param newline: ending for inserted lines where no neighbouring line gives one
    :param insert_after: new line content by the line it follows (0 = before line 1),
        several lines joined by ``"\\n"``; inserted lines take the ending of the line
        they follow (of line 1 when they go first), and after a last line without an
        ending the last of them becomes the new last line without one
    :param replace: new content by line number; the line keeps its own ending
    :param delete: lines to remove (see :func:`remove_lines`)
    """
    insert_after = insert_after or {}
    replace = replace or {}
    lines = split_lines(text)
    out: list[str] = []
    if 0 in insert_after:
        # Take the first line's own ending: with a bare "\r" before a line that starts
        # with "\n", the two would merge into one "\r\n" and a line would vanish.
        first = line_ending(lines[0]) if lines else ""
        out.extend(part + (first or newline) for part in insert_after[0].split("\n"))
    for number, line in enumerate(lines, 1):
        if number in delete:
            if number in insert_after:  # the new lines take the deleted line's place
                parts = insert_after[number].split("\n")
                ending = line_ending(line)
                out.extend(part + (ending or newline) for part in parts[:-1])
                out.append(parts[-1] + ending)
            else:
                _drop(out, line, number == len(lines))
            continue
        if number in replace:
            line = replace[number] + line_ending(line)
        out.append(line)
        if number in insert_after:
            parts = insert_after[number].split("\n")
            ending = line_ending(line)
            if ending:
                out.extend(part + ending for part in parts)
            else:
                out[-1] = line + newline
                out.extend(part + newline for part in parts[:-1])
                out.append(parts[-1])
    return "".join(out)


def _drop(out: list[str], line: str, is_last: bool) -> None:
    # A deleted last line without an ending takes the ending of the line before it
    # with it, so that the text still ends the way it did before the line was added.
    if is_last and not line_ending(line) and out:
        out[-1] = out[-1][: len(out[-1]) - len(line_ending(out[-1]))]


def remove_lines(text: str, numbers: Collection[int]) -> str:
    """Remove whole lines (1-based); the exact inverse of inserting them with :func:`edit_lines`."""
    return edit_lines(text, newline="\n", delete=numbers)


@dataclass
class LineEdits:
    """The line edits an injection collects before applying them all at once."""

    insert: dict[int, str] = field(default_factory=dict)
    """New lines by the line they follow (see :func:`edit_lines`)."""
    change: dict[int, str] = field(default_factory=dict)
    """Replacement content by line number."""
    drop: set[int] = field(default_factory=set)
    """Lines to remove."""

    def apply(self, deck: Deck) -> str:
        """*deck*'s text with the edits made (new lines take the deck's line ending)."""
        return edit_lines(
            deck.text,
            newline=deck.newline,
            insert_after=self.insert,
            replace=self.change,
            delete=self.drop,
        )


def strip_markers(deck: Deck, also: Collection[int] = ()) -> str:
    """*deck*'s text without the lines of its slides' markers and of the pictures that
    follow them (and the lines *also*), but for the author's flagged ones (see
    :func:`~mdslides_prompts.marker.strippable`): their pictures stay with them."""
    gone = {m.line for m in stripped_markers(deck)}
    pictures = {
        n
        for s in deck.slides
        if s.picture is not None and s.marker is not None and s.marker.line in gone
        for n in s.picture.numbers
    }
    return remove_lines(deck.text, gone | pictures | set(also))


# --- pictures ------------------------------------------------------------------------------

PICTURE_PATH = r"(?P<path>[A-Za-z0-9/._~%-]*[0-9a-f]{24}\.(?:png|jpg|webp))"
"""A picture's path as we write it (see :func:`picture_url`): a name from the image
store (24 hex digits of its request's key), after the folders that lead to it."""


def picture_url(path: str) -> str:
    """*path* as a picture line writes it: percent-encoded but for ``/._-~``, so that
    it needs no quoting in a Markdown link, an HTML attribute or a CSS ``url()``."""
    from urllib.parse import quote

    return quote(path, safe="/._-~")


def picture_path(url: str) -> str:
    """The path a picture line's *url* names (the inverse of :func:`picture_url`)."""
    from urllib.parse import unquote

    return unquote(url)


def picture_after(
    lines: Sequence[str],
    marker: PromptMarker | BadMarker | None,
    read: Callable[[str], tuple[str, str] | None],
    *,
    closed: bool = True,
) -> PlacedPicture | None:
    """The picture we placed right after *marker* (a marker line of its own), if any.

    :param lines: the deck's lines, endings kept
    :param read: the format's reading of one line (without its ending) as a picture
        line of ours: ``(url, slot)``, or ``None``
    :param closed: whether a blank line right after the picture is ours too (see
        :func:`place_pictures`); else it is the author's
    :return: the picture, with the blank line after it when it is ours
    """
    if marker is None or marker.form == "frontmatter" or marker.line >= len(lines):
        return None
    found = read(lines[marker.line].rstrip("\r\n"))
    if found is None:
        return None
    after = marker.line + 1  # 0-based index of the line after the picture
    blank = closed and after < len(lines) and not lines[after].strip()
    return PlacedPicture(marker.line + 1, picture_path(found[0]), found[1], 2 if blank else 1)


def place_pictures(
    deck: Deck,
    pictures: Mapping[int, SlidePicture],
    render: Callable[[SlidePicture], str],
    edits: LineEdits | None = None,
    *,
    closed: bool = True,
    after: Callable[[Slide], int] | None = None,
) -> LineEdits:
    """Collect the edits that give each slide in *pictures* its picture line, rendered by
    *render*, right after the slide's marker line (replacing the picture there).

    :param closed: follow a new picture line with a blank line (a Markdown paragraph
        that the next line must not continue); left out after a last line without an
        ending, where it could not be told apart from no line at all
    :param after: the line a new picture follows in a slide (by default its marker's)
    :raises PluginError: a slide without a marker line of its own (nothing to follow)
    """
    edits = edits if edits is not None else LineEdits()
    lines = split_lines(deck.text)
    for slide in deck.slides:
        picture = pictures.get(slide.index)
        if picture is None:
            continue
        marker = slide.marker
        if marker is None or len(slide.markers) != 1 or marker.form == "frontmatter":
            raise PluginError(f"slide {slide.index} has no marker line to put a picture after")
        line = render(picture)
        if slide.picture is not None:
            edits.change[slide.picture.line] = line
            continue
        at = after(slide) if after is not None else marker.line
        last = at == len(lines) and not line_ending(lines[-1])
        edits.insert[at] = line if last or not closed else line + "\n"
    return edits


def stripped_markers(deck: Deck) -> list[PromptMarker | BadMarker]:
    """The markers of *deck*'s slides that ``strip`` removes, in slide order."""
    return [m for s in deck.slides for m in s.markers if strippable(m)]


_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")


def fenced_lines(lines: Sequence[str], first: int = 1) -> set[int]:
    """Numbers of the lines inside CommonMark fenced code blocks (fence lines included),
    for *lines* numbered from *first*. A marker-looking line there is code, not a marker.
    """
    inside: set[int] = set()
    fence: str | None = None
    for number, line in enumerate(lines, first):
        text = line.rstrip("\r\n")
        match = _FENCE.match(text)
        if fence is None:
            if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                fence = match.group(1)
                inside.add(number)
            continue
        inside.add(number)
        closing = match is not None and match.group(1)[0] == fence[0]
        if closing and match and len(match.group(1)) >= len(fence) and not match.group(2).strip():
            fence = None
    return inside


_Value = TypeVar("_Value")


class LastRead(Generic[_Value]):
    """What a format read last, and for what: a run reads a deck to split it, then asks
    the same of it slide by slide, or again to write it; the reading is made once.

    The key is compared with ``is`` for a deck's slides (a tuple made once per split) and
    with ``==`` otherwise. Nothing read is changed by its users.
    """

    def __init__(self) -> None:
        self._last: tuple[Hashable, _Value] | None = None

    def get(self, key: Hashable, read: Callable[[], _Value], *, fresh: bool = False) -> _Value:
        """The value for *key*: the last one if its key is the same, else ``read()``
        (always with *fresh*), kept for the next call."""
        last = self._last
        if not fresh and last is not None and (last[0] is key or last[0] == key):
            return last[1]
        value = read()
        self._last = (key, value)
        return value


@lru_cache(maxsize=2)
def code_free(text: str) -> str:
    """*text* with every line of its fenced code blocks emptied (the line count kept):
    where detection looks for a generator's syntax, which a code block only quotes."""
    # Remembered for the last two texts: every format's detection asks it of the deck.
    lines = split_lines(text)
    code = fenced_lines(lines)
    return "".join("\n" if n in code else line for n, line in enumerate(lines, 1))


def write_markers(
    deck: Deck,
    prompts: Mapping[int, SlidePrompt],
    *,
    then: str = "",
    form: str = "comment",
    extra: str = "",
) -> str:
    """Give each slide in *prompts* its marker: in place of its first marker (the others
    go), or as a new line after its :attr:`~mdslides_prompts.deck.Slide.anchor_line`.

    :param then: lines written after a new marker, joined by ``"\\n"`` (``"\\n"``: one
        blank line)
    :param form: the marker form (see :func:`~mdslides_prompts.marker.render_marker`)
    :param extra: characters the format needs escaped in the prompt (see there too)
    """
    edits = LineEdits()
    for slide in deck.slides:
        prompt = prompts.get(slide.index)
        if prompt is None:
            continue
        line = render_marker(
            prompt.text, prompt.source_hash, form=form, extra=extra, flags=prompt.flags
        )
        if slide.markers:
            edits.change[slide.markers[0].line] = line
            edits.drop.update(m.line for m in slide.markers[1:])
        else:
            edits.insert[slide.anchor_line] = line + then
    return edits.apply(deck)


def source_line(deck: Deck, first: int, last: int, needle: str) -> int | None:
    """The first line from *first* to *last* of *deck* that holds *needle* (for reports:
    where a slide's picture is set)."""
    lines = split_lines(deck.text)
    return next(
        (n for n in range(max(first, 1), min(last, len(lines)) + 1) if needle in lines[n - 1]),
        None,
    )
