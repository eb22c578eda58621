"""The pieces pandoc's markdown reader is built from: line patterns, the block a
reader reports, and small tests on single lines (list items, table rows, HTML tags).
"""

from __future__ import annotations

from dataclasses import dataclass
import re

from ...lazyre import lazy_pattern

__all__: list[str] = []

# --- the block reader ---------------------------------------------------------------------

_BLANK = lazy_pattern(r"[ \t]*")
FENCE = lazy_pattern(r"( {0,3})(`{3,}|~{3,})[ \t]*(.*)")
CELL = lazy_pattern(r"(\s*)(`{3,}|~{3,})\s*\{([A-Za-z][A-Za-z0-9_+-]*)(?:[\s,][^}]*)?\}\s*")
_RAW_ATTRIBUTE = lazy_pattern(r"\{[ \t]*=[A-Za-z0-9_-]+[ \t]*\}")
_LANG = lazy_pattern(r"[^`{}\s]+")
YAML_OPEN = lazy_pattern(r"---[ \t]*")
YAML_CLOSE = lazy_pattern(r"(---|\.\.\.)[ \t]*")
BULLET = lazy_pattern(r"( {0,3})([-*+])( |$)")
_NUMBER = r"\d{1,9}|#|[a-zA-Z]|[ivxlcdm]+|[IVXLCDM]+"
ORDERED = lazy_pattern(rf"( {{0,3}})(?:({_NUMBER})([.)])|\(({_NUMBER})\))( |$)")
DEFINITION = lazy_pattern(r" {0,3}[:~]( |$)")
COMMENT_END = lazy_pattern(r"--\s*>")
_INLINE_SPANS = lazy_pattern(r"<!--.*?-->|(`+).+?(?<!`)\1(?!`)")
TEX_BEGIN = lazy_pattern(r"\\begin\{([^{}]+)\}")
TEX_MACRO = lazy_pattern(r"\\(?:re)?newcommand|\\providecommand|\\(?:re)?newenvironment|\\def\\")
QUOTE = lazy_pattern(r" {0,3}>")
HRULE = lazy_pattern(r"[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*")
SETEXT = lazy_pattern(r"(=+|-+)[ \t]*")
ATX = lazy_pattern(r"(#+)(?![.)])(?=[ \t]|$)")
DIV_OPEN = lazy_pattern(r"(:{3,})[ \t]*(.*?)[ \t]*:*[ \t]*")
DIV_CLOSE = lazy_pattern(r":{3,}[ \t]*")
HTML_DIV = lazy_pattern(r"<div(?:\s[^>]*)?>[ \t]*", re.I)
HTML_DIV_CLOSE = lazy_pattern(r"</div\s*>", re.I)
HTML_TAG = lazy_pattern(r"</?([A-Za-z][A-Za-z0-9]*)(?=[\s/>])")
VERBATIM = ("pre", "style", "script", "textarea")
DASHED = lazy_pattern(r" {0,3}(?:-+[ \t]*)+")
PIPE_BREAK = lazy_pattern(r" {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
GRID = lazy_pattern(r" {0,3}\+[-=:]+\+")
NOTE = lazy_pattern(r" {0,3}\[\^[^\]\s^\[]+\]:")
REFERENCE = lazy_pattern(r" {0,3}\[(?!\^)(?:[^\]\\]|\\.)+\]:[ \t]*(\S.*)?")
TITLE_LINE = lazy_pattern(r"[ \t]*(\".*\"|'.*'|\(.*\))[ \t]*")
ATTR_ITEM = lazy_pattern(
    r"#[\w:.-]+|\.[^\W\d_][\w:.-]*|-|[^\W\d_][\w:.-]*="
    r"(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|(?:[^\s}\\]|\\.)*)"
)

BLOCK_TAGS = frozenset(
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
EITHER_TAGS = frozenset(
    """audio applet button iframe embed del ins progress map area noscript object svg video
    source track script""".split()
)


def is_blank(line: str) -> bool:
    return _BLANK.fullmatch(line) is not None


def attributes_end(text: str, pos: int) -> int | None:
    """End of a pandoc ``{…}`` attribute block starting at *pos*, or ``None``."""
    if pos >= len(text) or text[pos] != "{":
        return None
    pos += 1
    while True:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] == "}":
            return pos + 1
        match = ATTR_ITEM.match(text, pos)
        if match is None or match.end() == pos:
            return None
        pos = match.end()


def trailing_attributes(text: str) -> int | None:
    """Where a valid ``{…}`` block that ends *text* (trailing blanks aside) starts."""
    body = text.rstrip(" \t")
    if not body.endswith("}"):
        return None
    start = body.rfind("{")
    while start >= 0:
        if attributes_end(body, start) == len(body):
            return start
        start = body.rfind("{", 0, start)
    return None


def expand_tabs(line: str) -> str:
    return line.expandtabs(4) if "\t" in line else line


@dataclass(frozen=True, slots=True)
class Block:
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
    children: tuple[Block, ...] = ()
    """The blocks inside a div."""
    classes: tuple[str, ...] = ()
    """A div's classes."""


def item_kind(line: str) -> tuple[str, str] | None:
    """What kind of list item *line* starts: a list goes on only with items of its kind
    (any bullet; numbers of one style with one delimiter)."""
    if BULLET.match(line) and not HRULE.fullmatch(line):
        return ("bullet", "")
    if DEFINITION.match(line):
        return ("definition", "")
    match = ORDERED.match(line)
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


def pipe_row(line: str) -> bool:
    """Whether *line* has a ``|`` that splits cells (not one in a comment or code span)."""
    return "|" in _INLINE_SPANS.sub("", line)


def has_block_tag(line: str) -> bool:
    # A tag inside a comment or a code span is the span's text, not a tag.
    line = _INLINE_SPANS.sub(lambda span: " " * len(span.group(0)), line)
    return any(
        m.group(1).lower() in BLOCK_TAGS and ">" in line[m.end() :] for m in HTML_TAG.finditer(line)
    )


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" ")) if line.strip() else 0


def fence_info_ok(info: str) -> bool:
    if not info or _RAW_ATTRIBUTE.fullmatch(info):
        return True
    lang = _LANG.match(info)
    rest = info[lang.end() :].lstrip(" \t") if lang else info
    if not rest:
        return True
    return attributes_end(rest, 0) == len(rest.rstrip(" \t"))


def html_classes(line: str) -> tuple[str, ...]:
    match = re.search(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", line, re.I)
    if match is None:
        return ()
    return tuple((match.group(1) or match.group(2) or match.group(3) or "").split())


def heading_text(text: str, *, atx: bool = False) -> str:
    """A heading's text without closing ``#``s and ``{attributes}``."""
    attrs = trailing_attributes(text)
    if attrs is not None:
        text = text[:attrs]
    text = text.strip(" \t")
    if atx:
        text = re.sub(r"(^|[ \t])#+$", "", text).strip(" \t")
    return text
