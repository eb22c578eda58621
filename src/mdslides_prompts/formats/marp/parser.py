"""marp-core's reading of a deck, in markdown-it-py: the block rules Marp adds or changes
(front matter at byte 0, ``$$`` math blocks, tables after a BOM, link-reference markers),
lazy inline parsing, and the directives (front matter and comment directives,
``headingDivider``). It knows nothing of slides or markers' places.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
import re
from typing import Any

from markdown_it import MarkdownIt, rules_block, rules_core
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
import yaml

from ...deck import BOM
from ...lazyre import lazy_pattern
from ...marker import is_marker_candidate

__all__: list[str] = []

GLOBAL_DIRECTIVES = frozenset({"theme", "style", "headingDivider", "lang", "size", "math"})
"""Directive names that apply to the whole deck."""

LOCAL_DIRECTIVES = frozenset(
    {
        "paginate", "header", "footer", "class", "backgroundColor", "backgroundImage",
        "backgroundPosition", "backgroundRepeat", "backgroundSize", "color",
    }
)  # fmt: skip
"""Directive names that apply to a slide and the ones after it (``_name``: that slide only)."""


# --- markdown-it setup ---------------------------------------------------------------------


def _front_matter(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """markdown-it-front-matter 0.2.4, as bundled by Marpit: ``---`` (3+ dashes) at byte 0."""
    src = state.src
    if start_line != 0 or not src.startswith("-"):
        return False
    start = state.bMarks[0] + state.tShift[0]
    maximum = state.eMarks[0]
    pos = start
    while pos < maximum and src[pos] == "-":
        pos += 1
    markers = pos - start
    if markers < 3:
        return False
    if silent:
        return True
    line = start_line
    closed = False
    while True:
        line += 1
        if line >= end_line:
            break  # unclosed: the front matter runs to the end of the document
        first = state.bMarks[line] + state.tShift[line]
        last = state.eMarks[line]
        if src[first:last] == "...":
            closed = True
            break
        if first < last and state.sCount[line] < state.blkIndent:
            break
        if first >= last or src[first] != "-" or state.sCount[line] - state.blkIndent >= 4:
            continue
        pos = first
        while pos < last and src[pos] == "-":
            pos += 1
        if pos - first < markers or src[pos:last].strip(" \t"):
            continue
        closed = True
        break
    token = state.push("front_matter", "", 0)
    token.hidden = True
    token.block = True
    token.map = [start_line, line + 1 if closed else line]
    token.content = "\n".join(
        src[state.bMarks[n] : state.eMarks[n]] for n in range(start_line + 1, line)
    )
    token.meta = {"closed": closed}
    state.line = line + 1 if closed else line
    return True


def _math_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """marp-core's ``$$`` display math block: ``---`` inside it is not a break."""
    pos = state.bMarks[start_line] + state.tShift[start_line]
    maximum = state.eMarks[start_line]
    if state.sCount[start_line] - state.blkIndent >= 4 or not state.src.startswith("$$", pos):
        return False
    if silent:
        return True
    first = state.src[pos + 2 : maximum]
    line = start_line
    found = first.rstrip().endswith("$$") and len(first.strip()) >= 2
    while not found:
        line += 1
        if line >= end_line:
            break
        p = state.bMarks[line] + state.tShift[line]
        e = state.eMarks[line]
        if p < e and state.sCount[line] < state.blkIndent:
            break
        if state.src[p:e].rstrip().endswith("$$"):
            found = True
    state.line = line + 1
    token = state.push("math_block", "math", 0)
    token.block = True
    token.map = [start_line, state.line]
    token.meta = {"closed": found}
    return True


def _table_after_bom(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """markdown-it's table rule as JavaScript runs it on a first line that starts with a BOM.

    JS markdown-it ``trim()``s the header row, which drops a BOM (Python's ``strip()``
    keeps it), so ``\ufeff|a|b|`` opens a table there. Start the line after the BOM.
    """
    if start_line != 0 or not state.src.startswith(BOM):
        return False
    state.bMarks[0] += 1
    try:
        return bool(rules_block.table(state, start_line, end_line, silent))
    finally:
        state.bMarks[0] -= 1


def _marker_reference(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """markdown-it's own ``reference`` rule, plus a hidden token when the definition is a
    prompt marker, so that its line is known (definitions leave no token otherwise)."""
    first = state.bMarks[start_line] + state.tShift[start_line]
    if not is_marker_candidate(state.src[first : state.eMarks[start_line]]):
        return False
    if not rules_block.reference(state, start_line, end_line, silent):
        return False
    if not silent:
        token = state.push("prompt_reference", "", 0)
        token.hidden = True
        token.block = True
        token.map = [start_line, state.line]
    return True


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.block.ruler.before(
        "table",
        "front_matter",
        _front_matter,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    md.block.ruler.before(
        "table", "table_after_bom", _table_after_bom, {"alt": ["paragraph", "reference"]}
    )
    md.block.ruler.before("reference", "marker_reference", _marker_reference)
    md.block.ruler.after(
        "blockquote",
        "math_block",
        _math_block,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    md.core.ruler.at("normalize", _normalize)
    md.core.ruler.at("inline", _lazy_inline)
    # First of all block rules, tried at the start of every block: hands the finished
    # level-0 blocks over (see read_blocks); it never takes a line.
    md.block.ruler.before("front_matter", "hand_over", _hand_over)
    return md


def _normalize(state: StateCore) -> None:
    """markdown-it's ``normalize`` (CR LF and CR become LF, NUL becomes U+FFFD) without
    its copy of a text that has neither: its substitution of ``\n`` by ``\n`` copies
    the whole text."""
    if "\r" in state.src or "\0" in state.src:
        rules_core.normalize(state)


# Inline content that holds a word and none of '<' (HTML, comments, autolinks), '!'
# (images) or '&' (entities, which may be blanks) is visible, holds no comment and is not
# a heading: nothing here needs its inline tokens, so they are not made (the inline pass
# is most of the parse time on a large deck).
_NOT_PLAIN = lazy_pattern(r"[<!&]")
_WORD = lazy_pattern(r"\w")


def _lazy_inline(state: StateCore) -> None:
    previous = None
    for token in state.tokens:
        if token.type == "inline":
            content = token.content
            heading = previous is not None and previous.type == "heading_open"
            if not heading and not _NOT_PLAIN.search(content) and _WORD.search(content):
                token.meta["plain"] = True
            else:
                if token.children is None:
                    token.children = []
                if "[" in content and _REFERENCES_AT_FIRST_LINK not in state.env:
                    # A link or image may use a definition the document gives later.
                    known = len(state.env.get("references", ()))
                    state.env[_REFERENCES_AT_FIRST_LINK] = known
                state.md.inline.parse(token.content, state.md, state.env, token.children)
        previous = token


# --- reading a deck a few blocks at a time -------------------------------------------------

_SINK = "mdslides_prompts.sink"
_REFERENCES_AT_FIRST_LINK = "mdslides_prompts.references_at_first_link"


def _hand_over(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    sink = state.env.get(_SINK)
    if sink is not None and not silent and state.level == 0 and state.tokens:
        # At level 0 every block before this line is closed and no rule looks back at
        # the tokens: they can go.
        done = state.tokens[:]
        del state.tokens[:]
        sink(done)
    return False


def read_blocks(src: str, sink: Callable[[list[Token]], None], env: dict[str, Any]) -> None:
    """Parse *src* as ``MD.parse(src, env)`` does, handing the tokens to *sink* in order,
    a run of whole level-0 blocks at a time, each with its inline tokens parsed: the
    document's tokens are never all held at once (a 10,000-slide deck makes 200,000).

    The inline tokens of a run are parsed when it is handed over, with the link
    definitions read so far; :func:`links_complete` then tells whether a later
    definition could have changed them (read again with *env*'s ``references`` given).
    """
    after_block = [
        rule
        for rule in MD.core.ruler.getRules("")
        if rule is not _normalize and rule is not rules_core.block
    ]

    def hand_over(tokens: list[Token]) -> None:
        state = StateCore("", MD, env, tokens)
        for rule in after_block:
            rule(state)
        sink(tokens)

    env[_SINK] = hand_over
    try:
        rest = MD.parse(src, env)
    finally:
        del env[_SINK]
    sink(rest)


def links_complete(env: dict[str, Any]) -> bool:
    """Whether every link or image :func:`read_blocks` parsed with *env* saw every link
    definition of the document."""
    first = env.get(_REFERENCES_AT_FIRST_LINK)
    return first is None or first == len(env.get("references", ()))


MD = _markdown()


# --- directives ----------------------------------------------------------------------------

_MAGIC_COMMENT = lazy_pattern(
    r"^(prettier-ignore(-(start|end))?|markdownlint-((disable|enable).*|capture|restore)"
    r"|lint (disable|enable|ignore).*)$",
    re.S,
)
COMMENT_TEXT = lazy_pattern(r"<!--+\s*(.*?)\s*--+>", re.S)
# A comment can only be a directive if a directive name is followed by a colon in it;
# most comments (notes, prompt markers) are ruled out without a YAML parse.
_MAYBE_DIRECTIVE = lazy_pattern(
    "_?(?:" + "|".join(sorted(GLOBAL_DIRECTIVES | LOCAL_DIRECTIVES)) + r")['\"]?\s*:"
)
_LOOSE_LINE = lazy_pattern(r"^()([\"']?)(_?[A-Za-z]+)\2(\s*:[ \t]*)(.*)$")
"""A directive's ``key: value`` line as Marpit's loose YAML matches it: at the start of
the line (an indented key is a nested mapping's, left alone), the key maybe quoted."""
_YAML_SPECIAL = "\"'[{|>~&*"
"""A value starting with one of these is YAML syntax (a quoted or flow value, a block
scalar, a tag, an anchor or alias): Marpit leaves its line as it is."""


def yaml_mapping(text: str, *, loose: bool = False) -> dict[str, Any]:
    """Parse *text* as YAML with strings only (js-yaml FAILSAFE); non-mappings give ``{}``.

    With *loose*, the value of a ``key: value`` line whose key is a directive is quoted
    first, as Marpit's loose YAML does, so ``class: a: b`` still parses.
    """
    return dict(_yaml_mapping(text, loose))


@lru_cache(maxsize=1024)
def _yaml_mapping(text: str, loose: bool) -> tuple[tuple[str, Any], ...]:
    # A deck's directive comments are read by several passes (split, headers, pictures).
    if loose:
        text = "\n".join(_loosen(line) for line in text.split("\n"))
    try:
        data = yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError:
        return ()
    if not isinstance(data, dict):
        return ()
    return tuple((k, v) for k, v in data.items() if isinstance(k, str))


def _loosen(line: str) -> str:
    match = _LOOSE_LINE.match(line)
    if match is None or not _is_directive_key(match.group(3)) or not match.group(5).strip():
        return line
    value = match.group(5).strip()
    if value[0] in _YAML_SPECIAL:
        return line
    # Marpit escapes the double quotes only: a backslash keeps its YAML meaning.
    quoted = '"' + value.replace('"', '\\"') + '"'
    return (
        f"{match.group(1)}{match.group(2)}{match.group(3)}{match.group(2)}{match.group(4)}{quoted}"
    )


def _is_directive_key(key: str) -> bool:
    return (
        key in GLOBAL_DIRECTIVES
        or key in LOCAL_DIRECTIVES
        or (key.startswith("_") and key[1:] in LOCAL_DIRECTIVES)
    )


@lru_cache(maxsize=4096)
def comment_kind(inner: str) -> str:
    """``"directive"``, ``"magic"`` (lint switches) or ``"note"`` for a comment's inside."""
    if _MAGIC_COMMENT.match(inner):
        return "magic"
    if _MAYBE_DIRECTIVE.search(inner) and any(
        _is_directive_key(key) for key in yaml_mapping(inner, loose=True)
    ):
        return "directive"
    return "note"


def parse_heading_divider(value: Any) -> frozenset[int] | None:
    """The heading levels a ``headingDivider`` value splits on.

    ``None`` means the value is ignored (Marpit keeps the previous setting);
    an empty set means ``false``.
    """
    if isinstance(value, list):
        levels = {_leading_int(str(item)) for item in value}
        return frozenset(level for level in levels if level is not None and 1 <= level <= 6)
    text = str(value).strip()
    if text == "false":
        return frozenset()
    level = _leading_int(text)
    return frozenset(range(1, level + 1)) if level is not None and 1 <= level <= 6 else None


def _leading_int(text: str) -> int | None:
    # JavaScript's parseInt: leading blanks, optional sign, then digits; junk after is ignored.
    match = re.match(r"\s*([+-]?\d+)", text)
    return int(match.group(1)) if match else None
