"""remark (gnab/remark, also xaringan and backslide): split and inject as its parser does.

remark's lexer (``src/remark/lexer.js``, gnab/remark@be58d65, the code behind
``remark-latest.min.js``) scans the text with one alternation of regexes, earliest match
first: indented code, inline code, ``.class[…]`` content blocks (bracket-matched,
lexed without separators), fences, link definitions, macros, and the separators::

    (?:^|\\n)(---|<!--\\s*break\\s*-->)(?:\\n|$)     a new slide
    (?:^|\\n)(--)(?![^\\n])                       a new slide continuing the previous one
    (?:^|\\n)(\\?{3})(?:\\n|$)                     the rest of the slide is notes

So ``---`` inside fences, indented code or a content block never splits, ``---`` must be
the whole line, and ``Title`` + ``---`` splits. The parser (``parser.js``) reads
``name: value`` lines at the top of a slide and ``<!-- name: value -->`` comments in its
first text as properties: ``layout: true`` makes a template slide, ``exclude: true``
drops the slide. Before lexing, every line loses the indentation all lines share.

A prompt is the usual comment line, right after the slide's leading property lines
(before them it would stop them being properties). Continuation slides (``--``) and
layout templates get no prompt; marked renders the comment as an invisible comment.

xaringan (an ``.Rmd`` file, or a YAML header whose ``output:`` names ``xaringan::``)
reaches remark through rmarkdown and knitr (see :mod:`.knitr`): ``moon_reader``'s
``split_yaml_body`` (yihui/xaringan@3d54b9e) drops everything up to the second ``---``
line, so the YAML header is the deck's front matter, never a slide (after a header
closed by ``...`` the first ``---`` line below it ends what is dropped); knitr's chunks
(``.Rmd`` only: rmarkdown knits no ``.md``) are code whose output only running them
tells, so remark reads each chunk line as a plain text line, or as a blank one when
knitr writes nothing for the chunk (``include=FALSE``). A separator that a
``results='asis'`` chunk prints cannot be known: slides are counted from the source.
remark never drops an empty slide, so a marker-only slide stays the one slide it was;
a slide whose only content is a chunk that writes nothing is ``empty``. The title slide
xaringan makes from the header (``seal``) is not a source slide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
import re
from types import MappingProxyType
from typing import Any

from markdown_it import MarkdownIt

from ..config import Settings
from ..deck import Deck, Slide, SlidePicture, SlidePrompt, split_lines
from ..detection import Evidence, Strength
from ..errors import DeckError
from ..lazyre import lazy_pattern
from ..marker import BadMarker, PromptMarker, is_marker_candidate, parse_marker
from ..placement import Placement, Slot, parse_ratio, picture_value
from . import knitr
from .base import Format
from .lines import (
    PICTURE_PATH,
    PROBE,
    LastRead,
    code_free,
    edit_lines,
    fenced_lines,
    picture_after,
    picture_url,
    place_pictures,
    source_line,
    strip_markers,
    write_markers,
)

__all__ = ["PLUGIN", "Remark"]

NAME = "remark"

# The lexer's block alternation, with remark's group numbers: 1 code, 2 inline code,
# 3 content class, 4 fence (back-referenced), 5-7 link definition, 8-10 macro,
# 11 slide separator, 12 continuation separator, 13 notes separator. JavaScript's
# '$' without the m flag is Python's '\Z'.
_BLOCK = lazy_pattern(
    r"(?:^|\n\n)( {4}[^\n]+\n*)+"
    r"|`([^`].*?)`"
    r"|(?:\\)?((?:\.[a-zA-Z_\-][a-zA-Z\-_0-9]*)+)\["
    r"|(?:^|\n) *(`{3,}|~{3,}) *(?:\S+)? *\n(?:[\s\S]+?)\s*\4 *(?:\n+|\Z)"
    r"|(?:^|\n) *\[([^\]]+)\]: *<?([^\s>]+)>?(?: +[\"(]([^\n]+)[\")])? *(?:\n+|\Z)"
    r"|!\[:([^\] ]+)([^\]]*)\](?:\(([^\)]*)\))?"
    r"|(?:^|\n)(---|<!--\s*break\s*-->)(?:\n|\Z)"
    r"|(?:^|\n)(--)(?![^\n])"
    r"|(?:^|\n)(\?{3})(?:\n|\Z)"
)
_PROPERTY = lazy_pattern(
    r"^\n*([-\w]+):([^$\n]*)|\n*(?:<!--\s*)([-\w]+):([^$\n]*?)(?:\s*-->)", re.I
)
# Block structure only: a title is its heading's raw text, its inline syntax unread.
_HEADINGS = MarkdownIt("commonmark").disable("inline")


@dataclass(frozen=True, slots=True)
class _Cut:
    """A separator (or notes separator) the lexer found, as offsets in the lexed text."""

    kind: str
    """``"slide"``, ``"continue"`` or ``"notes"``."""
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Rmd:
    """How rmarkdown, knitr and xaringan change a deck before remark reads it."""

    knitted: bool
    """knitr runs first (``.Rmd``): its chunks are code."""
    top: bool = True
    """The text starts at the file's top: look for the YAML header there."""
    path: Path | None = None
    """The deck's file, for messages."""


@dataclass(frozen=True, slots=True)
class _View:
    """What remark reads of a deck's source, line for line."""

    lines: list[str]
    """The source lines, endings kept."""
    text: str
    """The text remark's lexer reads (newlines ``\\n``, de-indented), from line
    :attr:`first` on; chunk lines stand in for what knitr writes."""
    model: list[str]
    """:attr:`text`'s lines, without endings."""
    dedented: bool
    """Whether remark took off indentation every line shared."""
    first: int
    """The source line :attr:`text` starts at."""
    header: knitr.Header | None
    """The R Markdown header."""
    code: frozenset[int]
    """Source lines inside knitr chunks."""

    def read(self, number: int) -> str:
        """What remark reads on source line *number* (without its ending)."""
        return self.model[number - self.first]


_CONTINUED = "incremental continuation"
"""The skip reason of a ``--`` slide (which also takes its previous slide's properties)."""
_CHUNK = "knitr chunk"
"""A chunk line as remark's lexer reads it here: plain text with no remark meaning."""
_XARINGAN_SEPARATOR = lazy_pattern(r"---\s*")


def _rmd(deck: Deck) -> _Rmd | None:
    """The R Markdown reading for *deck*, or ``None`` for a plain remark deck."""
    rmd_file = deck.path is not None and deck.path.suffix.lower() in {".rmd", ".rmarkdown"}
    head = knitr.header(split_lines(deck.text))
    if not rmd_file and not (head and knitr.names_output(head.meta, "xaringan")):
        return None
    # Piped in (no file), a deck with a xaringan header is taken to be an .Rmd.
    return _Rmd(knitted=deck.path is None or knitr.knitted(deck.path), path=deck.path)


def _view(source: str, rmd: _Rmd | None) -> _View:
    lines = split_lines(source)
    plain = source.replace("\r\n", "\n").replace("\r", "\n")  # as remark reads CRLF and CR
    if rmd is None:
        return _make_view(lines, plain, 1, None, set())
    model = split_lines(plain)
    code: set[int] = set()
    for chunk in knitr.chunks(lines, rmd.path, top=rmd.top) if rmd.knitted else ():
        for number in range(chunk.start, chunk.end + 1):
            code.add(number)
            ending = "\n" if model[number - 1].endswith("\n") else ""
            model[number - 1] = (_CHUNK if chunk.include else "") + ending
    head = knitr.header(lines) if rmd.top else None
    first = 1 if head is None else head.span.end + 1
    if head is not None and head.closer != "---":
        # xaringan cuts at the second '---' line, wherever it is.
        cut = next(
            (
                n
                for n in range(first, len(lines) + 1)
                if n not in code and _XARINGAN_SEPARATOR.fullmatch(lines[n - 1].rstrip("\r\n"))
            ),
            None,
        )
        if cut is None:
            raise DeckError(
                "xaringan would show the YAML header as slide text: it is closed by '...' "
                "and no '---' line follows; close it with '---'",
                rmd.path,
            )
        first = cut + 1
    return _make_view(lines, "".join(model[first - 1 :]), first, head, code)


def _make_view(
    lines: list[str], read: str, first: int, head: knitr.Header | None, code: set[int]
) -> _View:
    text = _clean(read)
    return _View(lines, text, text.split("\n"), text != read, first, head, frozenset(code))


def _clean(text: str) -> str:
    """remark's ``cleanInput``: drop the indentation every non-blank line shares (the
    line count is unchanged, so line numbers still hold)."""
    widths = [len(m.group(1)) for m in re.finditer(r"^([ \t]*)[^ \t\n]", text, re.M)]
    if not widths or min(widths) == 0:
        return text
    return re.sub(rf"^[ \t]{{0,{min(widths)}}}", "", text, flags=re.M)


def _lex(text: str) -> list[_Cut]:
    """The separators remark's lexer finds in *text*, in order."""
    cuts: list[_Cut] = []
    pos = 0
    while True:
        # JavaScript's lexer cuts the consumed text off, so '^' is the remaining start.
        match = _BLOCK.search(text[pos:])
        if match is None:
            return cuts
        start, end = pos + match.start(), pos + match.end()
        if match.group(3):
            inner = _bracketed(text, end)
            if inner is not None:
                end += inner + 1
        elif match.group(11):
            cuts.append(_Cut("slide", start, end))
        elif match.group(12):
            cuts.append(_Cut("continue", start, end))
        elif match.group(13):
            cuts.append(_Cut("notes", start, end))
        pos = end if end > pos else pos + 1


def _bracketed(text: str, offset: int) -> int | None:
    """Length of the text up to the ``]`` matching an opened ``[``, or ``None``."""
    depth = 1
    pos = offset
    while depth > 0 and pos < len(text):
        depth += {"[": 1, "]": -1}.get(text[pos], 0)
        pos += 1
    return pos - offset - 1 if depth == 0 else None


def _properties(first_text: str) -> dict[str, str]:
    """remark's ``extractProperties`` on a slide's first text."""
    found: dict[str, str] = {}
    source = first_text
    while (match := _PROPERTY.search(source)) is not None:
        source = source[: match.start()] + source[match.end() :]
        if match.group(1) is not None:
            found[match.group(1).strip()] = match.group(2).strip()
        else:
            found[match.group(3).strip()] = match.group(4).strip()
    return found


_CLASS_OPEN = lazy_pattern(r"(?:\\)?((?:\.[a-zA-Z_\-][a-zA-Z\-_0-9]*)+)\[")


def _first_properties(shown: str) -> dict[str, str]:
    """The properties of a slide showing *shown* (its text before the notes): those in
    its first text, before any content class."""
    content_class = _CLASS_OPEN.search(shown)
    return _properties(shown[: content_class.start()] if content_class else shown)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _split(deck: Deck) -> Deck:
    rmd = _rmd(deck)
    view = _view(deck.text, rmd)
    slides = _slides(view)
    lines = view.lines
    # The lexer starts afresh after each separator, so a line added to one slide can only
    # change that slide and the separator ending it: check it on that stretch alone.
    # Unless every line is indented: remark then de-indents the whole text, so a
    # marker anywhere changes everything and only the whole deck tells.
    local = not view.dedented
    part = replace(rmd, top=False) if rmd is not None else None
    whole = _shape(slides)
    checked = []
    for i, slide in enumerate(slides):
        if slide.skip_reason is None and not slide.markers:
            if local:
                first = slide.start_line - 1  # lines before it belong to earlier slides
                last = slides[i + 2].start_line - 1 if i + 2 < len(slides) else len(lines)
                source = "".join(lines[first:last])
                after = slide.anchor_line - first
                reading = part
            else:
                source, after, reading = deck.text, slide.anchor_line, rmd
            probe = edit_lines(source, newline="\n", insert_after={after: PROBE})
            before = _shape(_slides(_view(source, reading))) if local else whole
            if _shape(_slides(_view(probe, reading))) != before:
                # remark's lexer would read the slide differently with a line there.
                slide = replace(slide, skip_reason="no line where a marker keeps the slide")
        checked.append(slide)
    head = view.header
    return replace(
        deck,
        slides=tuple(checked),
        front_matter=head.span if head else None,
        meta=MappingProxyType(dict(head.meta)) if head else deck.meta,
    )


def _shape(slides: list[Slide]) -> list[tuple[str, str | None]]:
    return [(s.text, s.skip_reason) for s in slides]


def _slides(view: _View) -> list[Slide]:
    text = view.text
    offset = view.first - 1
    cuts = _lex(text)
    bounds: list[tuple[int, int, str, int | None]] = []  # start, end, kind, notes offset
    start, kind, notes_from = 0, "slide", None
    for cut in cuts:
        if cut.kind == "notes":
            notes_from = notes_from if notes_from is not None else cut.start
            continue
        bounds.append((start, cut.start, kind, notes_from))
        start, kind, notes_from = cut.end, cut.kind, None
    bounds.append((start, len(text), kind, notes_from))
    slides: list[Slide] = []
    for begin, end, kind, notes_at in bounds:
        first = _line_of(text, begin)
        if begin < len(text) and text[begin] == "\n" and begin > 0 and text[begin - 1] != "\n":
            first += 1  # the line break a '--' leaves belongs to the separator's line
        last = _line_of(text, end - 1) if end > begin else first - 1
        shown = text[begin : notes_at if notes_at is not None else end]
        properties = _first_properties(shown)
        if properties.get("exclude", "").lower() == "true":
            continue
        notes_text = text[notes_at:end] if notes_at is not None else None
        span = (max(first, 1) + offset, last + offset)
        slides.append(_slide(len(slides) + 1, kind, properties, span, shown, notes_text, view))
    return slides


def _slide(
    index: int,
    kind: str,
    properties: Mapping[str, str],
    span: tuple[int, int],
    shown: str,
    notes: str | None,
    view: _View,
) -> Slide:
    first, last = span
    lines = view.lines
    code = fenced_lines(lines[first - 1 : last], first) | view.code
    markers: list[PromptMarker | BadMarker] = [
        parse_marker(lines[n - 1], n)
        for n in range(first, last + 1)
        if n not in code and lines[n - 1].startswith("<!--") and is_marker_candidate(lines[n - 1])
    ]
    marker_lines = {m.line for m in markers}
    picture = (
        picture_after(lines, markers[0], read_picture, closed=False) if len(markers) == 1 else None
    )
    ours = marker_lines | set(picture.numbers if picture else ())
    body = "\n".join(lines[n - 1].rstrip("\r\n") for n in range(first, last + 1) if n not in ours)
    visible = re.sub(r"<!--.*?-->", "", re.sub(r"^\n*([-\w]+:[^\n]*\n*)*", "", shown), flags=re.S)
    skip = None
    if kind == "continue":
        skip = _CONTINUED
    elif properties.get("layout", "").lower() == "true":
        skip = "layout template"
    elif not visible.strip():
        skip = "empty"
    # After the slide's leading property lines: before them it would end them.
    anchor = first - 1
    for n in range(first, last + 1):
        line = view.read(n)  # a chunk that writes nothing ends no property lines
        if n in marker_lines or not line.strip():
            continue
        if not re.match(r"[-\w]+:", line):
            break
        anchor = n
    return Slide(
        index=index,
        start_line=first,
        end_line=last,
        text=body,
        title=_title(shown),
        notes=(notes.strip().removeprefix("???").strip(),) if notes else (),
        markers=tuple(markers),
        anchor_line=anchor,
        skip_reason=skip,
        picture=picture,
    )


_PICTURE = lazy_pattern(rf"<!-- background-image: url\({PICTURE_PATH}\) -->")


def read_picture(line: str) -> tuple[str, str] | None:
    """A picture line of ours (``<!-- background-image: url(…) -->``, a slide property
    remark reads from a comment in the slide's first text): its URL and slot."""
    found = _PICTURE.fullmatch(line)
    return (found["path"], "background") if found else None


def render_picture(picture: SlidePicture) -> str:
    """The picture line for *picture*: the slide's ``background-image`` property."""
    return f"<!-- background-image: url({picture_url(picture.path)}) -->"


def _templates(deck: Deck) -> frozenset[str]:
    """The names other slides take as their ``template:``."""
    return frozenset(
        value for slide in deck.slides if (value := _first_properties(slide.text).get("template"))
    )


def _offers(deck: Deck, slide: Slide) -> tuple[tuple[Slot, ...], str | None]:
    """Where a picture of ours goes on *slide* (its background), or why nowhere: a
    property it sets would reach the slides that take it as their template."""
    name = _first_properties(slide.text).get("name")
    if name and name in _templates(deck):
        return (), f"other slides take it as their template ({name}): they would show it too"
    return (Slot.BACKGROUND,), None


def _title(markdown: str) -> str | None:
    # Content-class brackets are remark's, not Markdown: a '---' inside one is a rule.
    markdown = re.sub(
        r"(?:\\)?(?:\.[a-zA-Z_\-][a-zA-Z\-_0-9]*)+\[|^\]$", "\n", markdown, flags=re.M
    )
    tokens = _HEADINGS.parse(markdown)
    for i, token in enumerate(tokens[:-1]):
        if token.type == "heading_open":
            return tokens[i + 1].content.strip() or None
    return None


# --- plugin --------------------------------------------------------------------------------


_NOTES_LINE = lazy_pattern(r"^\?\?\?[ \t]*$", re.M)
_TEMPLATE = lazy_pattern(r"(?:\A|^---[ \t]*\n)(?:[-\w]+:[^\n]*\n)*layout:[ \t]*true[ \t]*$", re.M)
_CONTINUATION = lazy_pattern(r"^--[ \t]*$", re.M)
# Key lines after a separator: remark's slide properties unless another '---' closes them
# (Slidev's per-slide front matter).
_KEY_LINES = lazy_pattern(r"^---[ \t]*\n((?:[-\w]+:[^\n]*\n)++)(?!---[ \t]*$)", re.M)
_PROPERTY_KEYS = frozenset(
    ("class", "name", "background-image", "background-size", "background-position",
     "count", "template", "seq", "exclude")
)  # fmt: skip
_CONTENT_CLASS = lazy_pattern(r"^\.[a-zA-Z_-][\w-]*(?:\.[a-zA-Z_-][\w-]*)*\[", re.M)


def _property_keys(lines: str) -> bool:
    return any(key in _PROPERTY_KEYS for key in re.findall(r"^([-\w]+):", lines, re.M))


def _sign(strength: Strength, signal: str) -> Evidence:
    return Evidence((NAME,), strength, signal)


class Remark(Format):
    """remark and xaringan decks (``remark``), split as remark's parser does; prompts as
    comments."""

    names = (NAME,)

    def evidence(self, deck: Deck, settings: Settings) -> list[Evidence]:
        """Declared: an R Markdown ``output:`` naming xaringan. Distinctive: ``???`` notes,
        a ``layout: true`` template, slide properties (``class:``…) after two separators or
        more, ``.class[…]`` content blocks. A hint: ``--`` lines (Slides Extended's vertical
        separator too)."""
        signs = []
        head = knitr.header(split_lines(deck.text))
        if head is not None and knitr.names_output(head.meta, "xaringan"):
            signs.append(_sign(Strength.DECLARED, "an R Markdown output: xaringan"))
        text = code_free(deck.text.replace("\r\n", "\n"))
        if _NOTES_LINE.search(text):
            signs.append(_sign(Strength.DISTINCTIVE, "??? notes lines"))
        if "layout:" in text and _TEMPLATE.search(text):
            signs.append(_sign(Strength.DISTINCTIVE, "a layout: true template slide"))
        keyed = [m for m in _KEY_LINES.finditer(text) if _property_keys(m[1])]
        if len(keyed) >= 2:
            signs.append(_sign(Strength.DISTINCTIVE, "slide properties (class:, name:…)"))
        if content := _CONTENT_CLASS.search(text):
            signs.append(_sign(Strength.DISTINCTIVE, f"a content class {content[0]}…]"))
        if _CONTINUATION.search(text):
            signs.append(Evidence((NAME, "slides-extended"), Strength.HINT, "-- lines"))
        return signs

    def split(self, deck: Deck, settings: Settings) -> Deck:
        """Split the deck the way remark's parser does."""
        return _split(deck)

    def placement(self, deck: Deck, slide: Slide, settings: Settings) -> Placement:
        """A ``background-image: url(...)`` property (its own, or its template's: the
        ``layout: true`` slide in force, a ``template:`` named slide) fills the slide; the
        ratio is xaringan's ``nature: ratio:`` (in the R Markdown header), else 4:3."""
        width, height, said = _ratio(deck.meta)
        inherited = _deck_inherited(deck.slides)
        offers, why_none = _offers(deck, slide)
        found = inherited[slide.index - 1].get("background-image")
        picture = picture_value(found[0]) if found else None
        if found is None or picture is None:
            return Placement(
                width=width, height=height, aspect_source=said, offers=offers, why_none=why_none
            )
        value, origin = found
        source = f"background-image: {value}"
        if origin != slide.index:
            source += f" (slide {origin}'s, as its template)"
        where = deck.slides[origin - 1]
        line = source_line(deck, where.start_line, where.end_line, "background-image:")
        return Placement(
            Slot.BACKGROUND, 1.0, width, height, said, picture, source, line,
            offers=offers, why_none=why_none,
        )  # fmt: skip

    def inject(
        self, deck: Deck, prompts: Mapping[int, SlidePrompt], mode: str, settings: Settings
    ) -> str:
        """Write each prompt as a comment line after the slide's property lines."""
        # remark's lexer reads comments too: '.cls[' and '![:' in a prompt would open a
        # block running to the next ']' anywhere after it, across slide separators.
        return write_markers(deck, prompts, extra="[")

    def inject_pictures(
        self, deck: Deck, pictures: Mapping[int, SlidePicture], settings: Settings
    ) -> str:
        """Place each picture as a ``background-image`` property comment on the line
        after its slide's marker (a ``--`` slide that continues it shows it too, as it
        shows every property of the slide it continues)."""
        return place_pictures(deck, pictures, render_picture, closed=False).apply(deck)

    def strip(self, deck: Deck, settings: Settings) -> str:
        """Remove every marker line, with its picture."""
        return strip_markers(deck)


def _ratio(meta: Mapping[str, Any]) -> tuple[float, float, str]:
    """The slide ratio: xaringan's ``nature: ratio:`` in the header's ``output:``, else
    remark's default, 4:3 (a plain remark deck sets it in its page's script)."""
    output = meta.get("output")
    for name, options in output.items() if isinstance(output, dict) else ():
        nature = options.get("nature") if isinstance(options, dict) else None
        given = nature.get("ratio") if isinstance(nature, dict) else None
        ratio = parse_ratio(given)
        if "xaringan" in str(name) and ratio is not None:
            return (*ratio, f"nature: ratio: {given} in the R Markdown header")
    return 4.0, 3.0, "remark's default ratio, 4:3"


_Inherited = tuple[Mapping[str, tuple[str, int]], ...]
_LAST_INHERITED = LastRead[_Inherited]()


def _deck_inherited(slides: tuple[Slide, ...]) -> _Inherited:
    """:func:`_inherited` for a deck's *slides*, found once for them (the placement hook
    is asked about them one by one)."""
    return _LAST_INHERITED.get(
        slides,
        lambda: _inherited(
            tuple(s.text for s in slides), tuple(s.skip_reason == _CONTINUED for s in slides)
        ),
    )


@lru_cache(maxsize=8)
def _inherited(texts: tuple[str, ...], continued: tuple[bool, ...]) -> _Inherited:
    """Each slide's properties as remark gives them (``createSlides``, ``inheritProperties``):
    its own, then its template's (the previous slide for a ``--`` slide, the slide named
    by ``template:``, else the last ``layout: true`` slide unless ``layout: false``), each
    with the index of the slide that wrote it."""
    found: list[Mapping[str, tuple[str, int]]] = []
    layout: Mapping[str, tuple[str, int]] | None = None
    named: dict[str, Mapping[str, tuple[str, int]]] = {}
    previous: Mapping[str, tuple[str, int]] | None = None
    for index, (text, is_continued) in enumerate(zip(texts, continued, strict=True), 1):
        own = _first_properties(_NOTES_LINE.split(text, maxsplit=1)[0])
        kind = own.get("layout", "").lower()
        template = previous if is_continued else named.get(own.get("template", ""))
        if template is None and kind == "false":
            layout = None
        elif template is None and kind != "true":
            template = layout
        mine = {key: (value, index) for key, value in own.items()}
        for key, value in (template or {}).items():
            if key not in ("name", "layout", "count"):
                mine.setdefault(key, value)
        props = MappingProxyType(mine)
        if kind == "true":
            layout = props
        else:
            previous = props
        if own.get("name"):
            named[own["name"]] = props
        found.append(props)
    return tuple(found)


PLUGIN = Remark()
"""The plugin :mod:`~mdslides_prompts.plugins` registers."""
