"""The deck model: small frozen dataclasses, pure data, no I/O.

A :class:`Deck` is the decoded text of one Markdown file plus what is needed to write
it back byte for byte (BOM, newline style). Once a format plugin has split it, it also
carries its front matter span and its :class:`Slide` objects. Line numbers are 1-based
and inclusive everywhere, as an editor shows them.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
import enum
from pathlib import Path
from types import MappingProxyType
from typing import Any, overload

from .errors import DeckError
from .lazyre import lazy_pattern
from .marker import BadMarker, PromptMarker, content_hash

__all__ = [
    "BOM",
    "Deck",
    "LineSpan",
    "PlacedPicture",
    "Slide",
    "SlidePicture",
    "SlidePrompt",
    "Status",
    "split_lines",
]

BOM = "\ufeff"
_OTHER_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32 (LE)"),  # before UTF-16 (LE): its BOM starts the same
    (b"\x00\x00\xfe\xff", "UTF-32 (BE)"),
    (b"\xff\xfe", "UTF-16 (LE)"),
    (b"\xfe\xff", "UTF-16 (BE)"),
)
"""Byte-order marks of the Unicode encodings a deck is not in, to name them in errors."""
_EMPTY: Mapping[str, Any] = MappingProxyType({})


def split_lines(text: str) -> list[str]:
    """Split *text* into lines that keep their own line ending (``\\n``, ``\\r\\n`` or ``\\r``).

    Unlike :meth:`str.splitlines`, only the three Markdown line endings count, so a form
    feed or a Unicode line separator inside a line stays inside it.
    """
    if "\r" not in text:
        return text.splitlines(keepends=True) if _ONLY_LF.fullmatch(text) else _LINE.findall(text)
    return _LINE.findall(text)


_LINE = lazy_pattern(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_ENDING = lazy_pattern(r"\r\n|\r|\n")


class TextLines(Sequence[str]):
    """The lines of a text as :func:`split_lines` gives them, each sliced from the text
    when it is read: where a deck's lines are only looked up, a list of them would cost
    an object per line, about as much again as the text (or twice as much: a text
    holding one CJK character takes two bytes for each character, its ASCII lines one).
    """

    __slots__ = ("_ends", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._ends = array("q", (m.end() for m in _ENDING.finditer(text)))
        if len(text) > (self._ends[-1] if self._ends else 0):
            self._ends.append(len(text))  # a last line without an ending

    def __len__(self) -> int:
        return len(self._ends)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        ends = self._ends
        if index < 0:
            index += len(ends)
        if not 0 <= index < len(ends):
            raise IndexError("line index out of range")
        return self._text[ends[index - 1] if index else 0 : ends[index]]

    def joined(self, first: int, last: int, leave: Collection[int] = ()) -> str:
        """Lines *first* to *last* (1-based, both included) but those in *leave*, without
        their endings, joined with ``\n``: cut from the text a run of lines at a time."""
        ends = self._ends
        first, last = max(first, 1), min(last, len(ends))
        runs: list[str] = []
        start = first
        for skip in [*sorted(n for n in leave if first <= n <= last), last + 1]:
            if start < skip:
                raw = self._text[ends[start - 2] if start > 1 else 0 : ends[skip - 2]]
                # Each run apart: a run's last \r and the next run's first \n are two endings.
                runs.append(_ENDING.sub("\n", raw) if "\r" in raw else raw)
            start = skip + 1
        text = "".join(runs)
        return text[:-1] if text.endswith("\n") else text


# str.splitlines also breaks at \v, \f, \x1c-\x1e, \x85, \u2028 and \u2029.
_ONLY_LF = lazy_pattern(r"[^\r\v\f\x1c-\x1e\x85\u2028\u2029]*")


@dataclass(frozen=True, slots=True)
class LineSpan:
    """An inclusive, 1-based range of source lines."""

    start: int
    """First line of the span."""
    end: int
    """Last line of the span (``end == start - 1`` for an empty span)."""


class Status(enum.StrEnum):
    """Where a slide's prompt stands, as ``check`` and ``inspect`` report it."""

    MISSING = "missing"
    """The slide needs a prompt and has none."""
    FRESH = "fresh"
    """The prompt was made from the slide as it is now."""
    STALE = "stale"
    """The slide changed since its prompt was made."""
    EDITED = "edited"
    """The author changed the prompt by hand; it is kept."""
    SKIPPED = "skipped"
    """The slide gets no prompt (see :attr:`Slide.skip_reason`)."""
    LOCKED = "locked"
    """The author locked the slide's prompt: it is never regenerated (see
    :attr:`Slide.lock_reason`)."""
    UNPARSABLE = "unparsable"
    """A prompt marker is there but cannot be read (or there are several)."""


@dataclass(frozen=True, slots=True)
class PlacedPicture:
    """A picture we placed in a slide: the lines that show it, right after its marker."""

    line: int
    """1-based source line of the picture's first line."""
    path: str
    """The picture's path as written (relative to the deck, ``/``-separated)."""
    slot: str
    """Where it is placed, as a :class:`~mdslides_prompts.placement.Slot` value."""
    lines: int = 1
    """How many source lines from :attr:`line` on are ours (a picture and the blank line
    that closes it, say)."""

    @property
    def numbers(self) -> range:
        """The source lines the picture takes."""
        return range(self.line, self.line + self.lines)


@dataclass(frozen=True, slots=True)
class Slide:
    """One slide as its generator sees it, with where it stands in the source."""

    index: int
    """1-based position of the slide in the deck."""
    start_line: int
    """First source line of the slide (1-based, inclusive)."""
    end_line: int
    """Last source line of the slide (inclusive); ``start_line - 1`` when it has no line."""
    text: str
    """The slide's Markdown without prompt markers, newlines normalised to ``\\n``."""
    title: str | None = None
    """The slide's first heading as plain text, if it has one."""
    notes: tuple[str, ...] = ()
    """Presenter notes the generator collects for this slide (prompt markers excluded)."""
    markers: tuple[PromptMarker | BadMarker, ...] = ()
    """Prompt markers found in the slide, in source order."""
    anchor_line: int = 0
    """A new marker is inserted after this source line (0 = before the first line)."""
    skip_reason: str | None = None
    """Why the slide gets no prompt (``"empty"``, ...), or ``None`` if it needs one."""
    lock_reason: str | None = None
    """Why the slide's prompt is locked (a ``lock`` list in the configuration), or
    ``None``; a ``lock`` flag in the marker locks it too (see :attr:`status`)."""
    picture: PlacedPicture | None = None
    """The picture we placed after the slide's marker, if any (its lines are not part of
    :attr:`text`)."""

    @property
    def marker(self) -> PromptMarker | BadMarker | None:
        """The slide's prompt marker (the first one if there are several)."""
        return self.markers[0] if self.markers else None

    @property
    def prompt(self) -> str | None:
        """The prompt in the slide's marker, if it has a marker that could be read."""
        marker = self.marker
        return marker.prompt if isinstance(marker, PromptMarker) else None

    @property
    def flags(self) -> tuple[str, ...]:
        """The author's flags of the slide's marker (none without a readable one)."""
        marker = self.marker
        return marker.flags if isinstance(marker, PromptMarker) else ()

    @property
    def content_hash(self) -> str:
        """Short hash of the slide's content, as stored in a marker's ``src=`` field."""
        return content_hash(self.text)

    @property
    def status(self) -> Status:
        """Where this slide's prompt stands; needs no network and no cache."""
        if self.skip_reason is not None:
            return Status.SKIPPED
        if any(isinstance(m, PromptMarker) and m.skip for m in self.markers):
            return Status.SKIPPED
        marker = self.marker
        if self.lock_reason is not None or (
            isinstance(marker, PromptMarker) and marker.locked and len(self.markers) == 1
        ):
            return Status.LOCKED
        if marker is None:
            return Status.MISSING
        if isinstance(marker, BadMarker) or len(self.markers) > 1:
            return Status.UNPARSABLE
        if marker.edited:
            return Status.EDITED
        return Status.FRESH if marker.source_hash == self.content_hash else Status.STALE

    @property
    def problem(self) -> str | None:
        """A one-line explanation when the status is unparsable, else ``None``."""
        if len(self.markers) > 1:
            lines = ", ".join(str(m.line) for m in self.markers)
            return f"{len(self.markers)} prompt markers (lines {lines})"
        if isinstance(self.marker, BadMarker):
            return self.marker.reason
        return None


@dataclass(frozen=True, slots=True)
class SlidePrompt:
    """A prompt to write into one slide."""

    index: int
    """The slide's :attr:`Slide.index`."""
    text: str
    """The image prompt, one line of plain text."""
    source_hash: str
    """:attr:`Slide.content_hash` of the slide the prompt was made from."""
    flags: tuple[str, ...] = ()
    """The author's flags of the slide's marker, written again with the prompt."""


@dataclass(frozen=True, slots=True)
class SlidePicture:
    """A picture to place in one slide, right after its prompt marker."""

    index: int
    """The slide's :attr:`Slide.index`."""
    path: str
    """The picture's path relative to the deck's folder, ``/``-separated."""
    slot: str = "background"
    """Where it goes: ``background``, ``left`` or ``right`` (a
    :class:`~mdslides_prompts.placement.Slot` value)."""
    share: float = 1.0
    """The part of the slide's width a ``left`` or ``right`` picture takes."""


@dataclass(frozen=True, slots=True)
class Deck:
    """One Markdown deck: its text, how to write it back, and (once split) its slides."""

    text: str
    """The decoded text, without the BOM, line endings exactly as in the file."""
    path: Path | None = None
    """Where the deck was read from, if it came from a file."""
    bom: bool = False
    """Whether the file started with a UTF-8 byte order mark."""
    newline: str = "\n"
    """The most common line ending (``\\n``, ``\\r\\n`` or ``\\r``); used for new lines."""
    format: str | None = None
    """The generator the deck is written for (``"marp"``, ...), once known."""
    front_matter: LineSpan | None = None
    """The deck-level front matter, fences included, if the format found one."""
    meta: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    """The parsed deck-level front matter (read-only), with the deck-wide settings its
    format reads elsewhere (Marp's global directives in comments); empty if none."""
    slides: tuple[Slide, ...] = ()
    """The slides, in order, once a format plugin has split the deck."""
    alike: tuple[str, ...] = ()
    """Other formats the deck's signs fit that split it exactly as :attr:`format` does
    (a deck written for one of several generators, which one unknown): whatever is
    written into it is checked against each."""

    @classmethod
    def from_bytes(cls, data: bytes, path: Path | None = None) -> Deck:
        """Decode a deck read from disk; raise :class:`DeckError` if it is not UTF-8."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            encoding = next((name for bom, name in _OTHER_BOMS if data.startswith(bom)), None)
            if encoding is not None:
                raise DeckError(
                    f"{encoding} text with a byte-order mark; save it as UTF-8", path
                ) from None
            raise DeckError(f"not valid UTF-8 (byte {exc.start})", path) from None
        return cls.from_text(text, path)

    @classmethod
    def from_text(cls, text: str, path: Path | None = None) -> Deck:
        """Build a deck from decoded text (a leading BOM is recorded and removed)."""
        bom = text.startswith(BOM)
        if bom:
            text = text[1:]
        if "\x00" in text:
            raise DeckError("contains NUL bytes; is it a binary file?", path)
        return cls(text=text, path=path, bom=bom, newline=_dominant_newline(text))

    @property
    def source(self) -> str:
        """The full text as in the file, BOM included."""
        return BOM + self.text if self.bom else self.text

    def to_bytes(self, text: str | None = None) -> bytes:
        """Encode *text* (default: this deck's) the way the file was: UTF-8, BOM if it had one."""
        body = self.text if text is None else text
        return ((BOM if self.bom else "") + body).encode("utf-8")

    def lines(self) -> list[str]:
        """The text split into lines that keep their endings (see :func:`split_lines`)."""
        return split_lines(self.text)

    @property
    def name(self) -> str:
        """A short name for messages: the path, or ``<stdin>``."""
        return str(self.path) if self.path is not None else "<stdin>"

    @property
    def title(self) -> str | None:
        """The deck's title: front matter ``title``, else the first slide title."""
        title = self.meta.get("title")
        if isinstance(title, str) and title.strip():
            return title.strip()
        return next((s.title for s in self.slides if s.title), None)

    def neighbour_titles(self, slide: Slide) -> tuple[str | None, str | None]:
        """Titles of the slides before and after *slide* (``None`` at the ends or if
        untitled)."""
        pos = slide.index - 1
        before = self.slides[pos - 1].title if pos > 0 else None
        after = self.slides[pos + 1].title if pos + 1 < len(self.slides) else None
        return before, after


def _dominant_newline(text: str) -> str:
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    best = max((lf, "\n"), (crlf, "\r\n"), (cr, "\r"), key=lambda pair: pair[0])
    return best[1] if best[0] else "\n"
