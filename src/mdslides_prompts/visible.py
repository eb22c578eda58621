"""What a slide shows: its text without the syntax its generator hides.

A slide's text (``Slide.text``) is its Markdown as in the file, so it keeps what the
generator reads but never shows: HTML comments (Marp and Slidev directives and notes,
reveal.js ``.slide:`` attributes), Slidev's per-slide front matter and slot markers,
notes sections (``Note:`` in the reveal.js family, ``???`` in remark, ``^`` paragraphs in
Deckset, ``::: notes`` divs in pandoc and Quarto), remark's slide properties and content
classes, Deckset's ``[.command]`` lines and ``[fit]``, pandoc's div fences and attributes,
and HTML tags. :func:`visible_text` removes them, format by format, and leaves fenced code
blocks as they are (a code block shows its text, whatever it looks like).
"""

from __future__ import annotations

from dataclasses import dataclass
import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

from .formats.lines import fenced_lines
from .lazyre import lazy_pattern

__all__ = ["audience_text", "plain_text", "visible_text"]

_COMMENT = lazy_pattern(r"<!--.*?(?:-->|\Z)", re.S)
_STYLE_SCRIPT = lazy_pattern(r"<(style|script)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.S | re.I)
_TAG = lazy_pattern(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>")
_LEADING_FRONT_MATTER = lazy_pattern(r"\A\s*---[ \t]*\n(?:.*?\n)?---[ \t]*(?:\n|\Z)", re.S)
_SLIDEV_SLOT = lazy_pattern(r"^[ \t]*::[\w-]+::[ \t]*$", re.M)
_REVEAL_NOTES = lazy_pattern(r"^[ \t]*notes?:", re.M | re.I)
_REMARK_PROPERTIES = lazy_pattern(r"\A\n*(?:[-\w]+:[^\n]*\n*)*")
_REMARK_NOTES = lazy_pattern(r"^\?{3}[ \t]*$", re.M)
_REMARK_CLASS = lazy_pattern(r"\\?(?:\.[A-Za-z_-][\w-]*)+\[([^\[\]]*)\]")
_DECKSET_COMMAND = lazy_pattern(r"^[ \t]*\[\.[^\]\n]*\][ \t]*$", re.M)
_DECKSET_FIT = lazy_pattern(r"\[fit\]\s*", re.I)
_DECKSET_NOTES = lazy_pattern(r"(?:^|\n)[ \t]*\^[^\n]*(?:\n(?![ \t]*\n)[^\n]*)*")
_PANDOC_NOTES = lazy_pattern(
    r"^(:{3,})[ \t]*(?:notes|\{[^}\n]*\.notes\b[^}\n]*\})[ \t]*\n.*?^\1:*[ \t]*$", re.M | re.S
)
_PANDOC_SPAN = lazy_pattern(r"\[([^\[\]\n]*)\]\{[^{}\n]*\}")
_PANDOC_FENCE = lazy_pattern(r"^[ \t]*:{3,}.*$", re.M)
_PANDOC_ATTRIBUTES = lazy_pattern(r"\{[^{}\n]*[.#=][^{}\n]*\}")
_PANDOC_PAUSE = lazy_pattern(r"^[ \t]*\. \. \.[ \t]*$", re.M)
_QUARTO_SHORTCODE = lazy_pattern(r"\{\{<.*?>\}\}", re.S)
_SLIDEV_INTERPOLATION = lazy_pattern(r"\{\{.*?\}\}", re.S)


@dataclass(frozen=True, slots=True)
class _Rules:
    """How one format hides text: where its notes start (the rest of the slide is
    notes), what it reads at the top of a slide, and what it hides anywhere in prose."""

    notes: re.Pattern[str] | None = None
    head: re.Pattern[str] | None = None
    hidden: tuple[tuple[re.Pattern[str], str], ...] = ()
    """Patterns and what replaces them (``\\1``: a class's or span's content stays)."""


_REVEAL = _Rules(notes=_REVEAL_NOTES)
_PANDOC = _Rules(
    hidden=(
        (_QUARTO_SHORTCODE, ""),
        (_PANDOC_PAUSE, ""),
        (_PANDOC_NOTES, ""),
        (_PANDOC_FENCE, ""),
        (_PANDOC_SPAN, r"\1"),
        (_PANDOC_ATTRIBUTES, ""),
    )
)
_RULES = {
    "slidev": _Rules(
        head=_LEADING_FRONT_MATTER,
        hidden=((_SLIDEV_SLOT, ""), (_SLIDEV_INTERPOLATION, "")),
    ),
    # Content classes nest (.a[.b[x]]): two passes unwrap what authors write.
    "remark": _Rules(
        notes=_REMARK_NOTES,
        head=_REMARK_PROPERTIES,
        hidden=((_REMARK_CLASS, r"\1"), (_REMARK_CLASS, r"\1")),
    ),
    "deckset": _Rules(hidden=((_DECKSET_NOTES, ""), (_DECKSET_COMMAND, ""), (_DECKSET_FIT, ""))),
    "pandoc": _PANDOC,
    "quarto": _PANDOC,
    "reveal-md": _REVEAL,
    "revealjs": _REVEAL,
    "mkslides": _REVEAL,
    "slides-extended": _REVEAL,
}
_SHARED = ((_COMMENT, ""), (_STYLE_SCRIPT, ""), (_TAG, ""))


def visible_text(text: str, fmt: str | None, notes: tuple[str, ...] = ()) -> str:
    """A slide's *text* as the generator *fmt* shows it, Markdown syntax kept; *notes*
    are the notes the format collected for it (``Slide.text`` and ``Slide.notes``).

    The format's notes section goes first (and collected notes that end the slide,
    whatever their separator), then what it reads at the top of a slide, then what it
    hides in prose, then what no format shows: HTML comments, ``<style>`` and
    ``<script>`` elements, and tags (a tag's content stays). Fenced code blocks are kept
    whole. An unknown format gets only the shared rules.
    """
    rules = _RULES.get(fmt or "", _Rules())
    text = _without_notes(text, notes)
    if rules.notes is not None:
        text = text[: _first_outside_code(rules.notes, text)]
    if rules.head is not None:
        text = rules.head.sub("", text, count=1)
    parts = _split_code(text)
    for pattern, replacement in (*rules.hidden, *_SHARED):
        parts = [part if n % 2 else pattern.sub(replacement, part) for n, part in enumerate(parts)]
    return re.sub(r"\n[ \t]*(?:\n[ \t]*)+\n", "\n\n", "".join(parts)).strip()


def _first_outside_code(pattern: re.Pattern[str], text: str) -> int:
    """Where *pattern* first matches *text* outside fenced code (``len(text)`` if not)."""
    code = fenced_lines(text.split("\n"))
    for found in pattern.finditer(text):
        if text.count("\n", 0, found.start()) + 1 not in code:
            return found.start()
    return len(text)


def _without_notes(text: str, notes: tuple[str, ...]) -> str:
    """*text* cut where its last collected note starts, when a note's text is in it and
    only notes come after it (a separator its format's rules do not know)."""
    last = notes[-1].strip() if notes else ""
    at = text.rfind(last) if last else -1
    if at < 0 or text[at + len(last) :].strip():
        return text
    return text[: text.rfind("\n", 0, at) + 1]


def _split_code(text: str) -> list[str]:
    """*text* as alternating prose and code parts (prose first; either may be empty)."""
    lines = text.split("\n")
    code = fenced_lines([line + "\n" for line in lines])
    parts: list[str] = [""]
    for number, line in enumerate(lines, 1):
        if (number in code) != (len(parts) % 2 == 0):
            parts.append("")
        parts[-1] += line + "\n"
    return parts


def audience_text(text: str, fmt: str | None, notes: tuple[str, ...] = ()) -> str:
    """What the audience reads on a slide, as plain text for a model: the slide's
    :func:`visible_text` as :func:`plain_text`."""
    return plain_text(visible_text(text, fmt, notes), fmt)


@functools.cache
def _markdown() -> MarkdownIt:
    """The parser :func:`plain_text` reads slides with (one per process: making one
    takes a third of the time it takes to read a slide)."""
    # markdown-it is imported here: a run that asks for nothing never pays for it.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def plain_text(shown: str, fmt: str | None = None) -> str:
    """*shown* (a slide's Markdown as its generator shows it) without Markdown syntax.
    Headings and paragraphs keep their words, list items a leading ``- `` (or their
    number), quotes a leading ``> ``, tables their cells (`` | `` between them); a
    picture becomes ``[picture: its alt text]`` (*fmt* ``marp``: Marp's image keywords
    left out) and a code block ``[code in LANGUAGE, N lines: names]`` (the names it
    defines, else its first comment, say what it is about); links keep their text.
    """
    tokens = _markdown().parse(shown)
    lines: list[str] = []
    prefix: list[str] = []
    numbers: list[int | None] = []  # per open list: the next item's number, None: bullets
    row: list[str] | None = None
    for token in tokens:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            numbers.append(int(token.attrGet("start") or 1) if kind[0] == "o" else None)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            numbers.pop()
        elif kind == "blockquote_open":
            prefix.append("> ")
        elif kind == "list_item_open":
            number = numbers[-1]
            prefix.append("- " if number is None else f"{number}. ")
            if number is not None:
                numbers[-1] = number + 1
        elif kind in ("blockquote_close", "list_item_close"):
            prefix.pop()
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            lines.append(" | ".join(cell for cell in row if cell))
            row = None
        elif kind in ("fence", "code_block"):
            language = token.info.strip().split(" ")[0].strip("{}.") if token.info else ""
            count = len(token.content.rstrip("\n").split("\n"))
            what = f"code in {language}" if language else "code"
            names = code_names(token.content)
            about = f": {', '.join(names)}" if names else ""
            lines.append(
                f"{''.join(prefix)}[{what}, {count} line{'s' if count != 1 else ''}{about}]"
            )
        elif kind == "inline":
            words = _inline_words(token.children or [], fmt)
            if row is not None:
                row.append(words)
            elif words:
                lines.append("".join(prefix) + words)
    return "\n".join(line.rstrip() for line in lines).strip()


_DEFINED = lazy_pattern(
    r"\b(?:def|class|function|fn|func|struct|enum|interface|trait|module|type|object|"
    r"record|macro|procedure|table|view)\s+([A-Za-z_][\w.]*)",
    re.I,
)
_COMMENT_LINE = lazy_pattern(r"^\s*(?:#+|//+|--|;+|%+)\s*(.+?)\s*$", re.M)


def code_names(code: str, most: int = 3) -> list[str]:
    """What a code block is about, in a few words: the names it defines (functions,
    classes, tables, ...), at most *most*; else the words of its first comment (a shebang
    or a lone mark aside); else nothing."""
    names: list[str] = []
    for found in _DEFINED.finditer(code):
        if found.group(1) not in names:
            names.append(found.group(1))
    if names:
        return names[:most]
    for comment in _COMMENT_LINE.finditer(code):
        words = comment.group(1).split()
        if words and not comment.group(0).lstrip().startswith("#!"):
            return [" ".join(words[:8])]
    return []


# Marp's image keywords (marpit's background and size syntax) are not alt text.
_MARP_IMAGE_WORDS = lazy_pattern(
    r"(?<!\S)(?:bg|left|right|vertical|contain|cover|fit|auto|\d+(?:\.\d+)?%|"
    r"(?:w|h|width|height|left|right):\S+|(?:blur|brightness|contrast|drop-shadow|grayscale|"
    r"hue-rotate|invert|opacity|saturate|sepia)(?::\S+)?)(?!\S)",
    re.I,
)


def _inline_words(children: list[Token], fmt: str | None = None) -> str:
    """An inline token's text: words, pictures by their alt text, line breaks as spaces."""
    out = []
    for child in children:
        if child.type == "image":
            alt = "".join(c.content for c in child.children or []).strip()
            if fmt == "marp":
                alt = " ".join(_MARP_IMAGE_WORDS.sub(" ", alt).split())
            out.append(f"[picture: {alt}]" if alt else "[picture]")
        elif child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return re.sub(r"[ \t]+", " ", "".join(out)).strip()
