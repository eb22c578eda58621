"""lookatme's reader: mistune 0.8.4's block grammar (the lexer lookatme renders from),
and the deck's YAML meta block as lookatme loads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import re
from typing import Any

import yaml

from ...lazyre import lazy_pattern

__all__: list[str] = []

# --- mistune 0.8.4's block grammar ---------------------------------------------------------
# The patterns are mistune's BlockGrammar, composed the same way (its paragraph pattern
# embeds the others and renumbers their back-references, faithfully wrong in places):
# which of them matches decides where lookatme sees a separator.

_INLINE_TAGS = (
    "a", "em", "strong", "small", "s", "cite", "q", "dfn", "abbr", "data", "time", "code",
    "var", "samp", "kbd", "sub", "sup", "i", "b", "u", "mark", "ruby", "rt", "rp", "bdi",
    "bdo", "span", "br", "wbr", "ins", "del", "img", "font",
)  # fmt: skip
_VALID_END = r"(?!:/|[^\w\s@]*@)\b"
_VALID_ATTR = r"""\s*[a-zA-Z\-](?:\s*\=\s*(?:"[^"]*"|'[^']*'|[^\s'">]+))?"""
_BLOCK_TAG = r"(?!(?:{})\b)\w+{}".format("|".join(_INLINE_TAGS), _VALID_END)

_DEF_LINKS = r' *\[([^^\]]+)\]: *<?([^\s>]+)>?(?: +["(]([^\n]+)[")])? *(?:\n+|$)'
_DEF_FOOTNOTES = r"\[\^([^\]]+)\]: *([^\n]*(?:\n+|$)(?: {1,}[^\n]*(?:\n+|$))*)"
_FENCES = r" *(`{3,}|~{3,}) *([^`\s]+)? *\n([\s\S]+?)\s*\1 *(?:\n+|$)"
_HRULE = r" {0,3}[-*_](?: *[-*_]){2,} *(?:\n+|$)"
_HEADING = r" *(#{1,6}) *([^\n]+?) *#* *(?:\n+|$)"
_LHEADING = r"([^\n]+)\n *(=|-)+ *(?:\n+|$)"
_BLOCK_QUOTE = r"( *>[^\n]+(\n[^\n]+)*\n*)+"
_LIST_BLOCK = (
    r"( *)(?=[*+-]|\d+\.)(([*+-])?(?:\d+\.)?) [\s\S]+?"
    r"(?:"
    r"\n+(?=\1?(?:[-*_] *){3,}(?:\n+|$))"
    rf"|\n+(?={_DEF_LINKS})"
    rf"|\n+(?={_DEF_FOOTNOTES})"
    r"|\n+(?=\1(?(3)\d+\.|[*+-]) )"
    r"|\n{2,}(?! )(?!\1(?:[*+-]|\d+\.) )\n*"
    r"|\s*$)"
)
_PARAGRAPH = r"((?:[^\n]+\n?(?!{}))+)\n*".format(
    "|".join(
        (
            _FENCES.replace(r"\1", r"\2"),
            _LIST_BLOCK.replace(r"\1", r"\3"),
            _HRULE,
            _HEADING,
            _LHEADING,
            _BLOCK_QUOTE,
            _DEF_LINKS,
            _DEF_FOOTNOTES,
            "<" + _BLOCK_TAG,
        )
    )
)
_BLOCK_HTML = r" *(?:{}|{}|{}) *(?:\n{{2,}}|\s*$)".format(
    r"<!--[\s\S]*?-->",
    rf"<({_BLOCK_TAG})((?:{_VALID_ATTR})*?)>([\s\S]*?)<\/\1>",
    rf"<{_BLOCK_TAG}(?:{_VALID_ATTR})*?\s*\/?>",
)

_RULES: dict[str, re.Pattern[str]] = {
    name: lazy_pattern("^" + pattern)
    for name, pattern in {
        "newline": r"\n+",
        "block_code": r"( {4}[^\n]+\n*)+",
        "fences": _FENCES,
        "hrule": _HRULE,
        "heading": _HEADING,
        "nptable": r" *(\S.*\|.*)\n *([-:]+ *\|[-| :]*)\n((?:.*\|.*(?:\n|$))*)\n*",
        "lheading": _LHEADING,
        "block_quote": _BLOCK_QUOTE,
        "list_block": _LIST_BLOCK,
        "block_html": _BLOCK_HTML,
        "def_links": _DEF_LINKS,
        "def_footnotes": _DEF_FOOTNOTES,
        "table": r" *\|(.+)\n *\|( *[-:]+[-| :]*)\n((?: *\|.*(?:\n|$))*)\n*",
        "paragraph": _PARAGRAPH,
        "text": r"[^\n]+",
    }.items()
}
DEFAULT_RULES = (
    "newline", "hrule", "block_code", "fences", "heading", "nptable", "lheading",
    "block_quote", "list_block", "block_html", "def_links", "def_footnotes", "table",
    "paragraph", "text",
)  # fmt: skip
_LIST_RULES = (
    "newline", "block_code", "fences", "lheading", "hrule", "block_quote", "list_block",
    "block_html", "text",
)  # fmt: skip
_FOOTNOTE_RULES = (
    "newline", "block_code", "fences", "heading", "nptable", "lheading", "hrule",
    "block_quote", "list_block", "block_html", "table", "paragraph", "text",
)  # fmt: skip
_MAX_DEPTH = 6
_LIST_ITEM = lazy_pattern(r"^(( *)(?:[*+-]|\d+\.) [^\n]*(?:\n(?!\2(?:[*+-]|\d+\.) )[^\n]*)*)", re.M)
_LIST_BULLET = lazy_pattern(r"^ *(?:[*+-]|\d+\.) +")
_QUOTE_PREFIX = lazy_pattern(r"^ *> ?", re.M)
_CODE_INDENT = lazy_pattern(r"^ {4}", re.M)


@dataclass(frozen=True, slots=True)
class Token:
    """One token of mistune's flat block token stream, with the lines of its match."""

    kind: str
    """mistune's token type (``heading``, ``hrule``, ``close_html``, ...)."""
    line: int
    """Source line where the match that made the token starts."""
    last: int
    """Last source line of that match, trailing blank lines excluded."""
    fields: tuple[Any, ...] = ()
    """What mistune keeps of the match (level and text of a heading, ...)."""

    @property
    def text(self) -> str:
        """The token's text, for the kinds that have one."""
        return str(self.fields[-1]) if self.fields else ""


def _keyify(key: str) -> str:
    # mistune's escape(key.lower(), quote=True) with its "smart" ampersand.
    text = re.sub(r"&(?!#?\w+;)", "&amp;", key.lower())
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace('"', "&quot;").replace("'", "&#39;")
    return re.sub(r"\s+", " ", text)


class Lexer:
    """mistune 0.8.4's ``BlockLexer`` that also records where every match starts.

    Nested texts (block quotes without ``>``, outdented list items, footnotes) keep the
    line structure of their source, so a nested match's line is its parent's plus the
    line breaks before it.
    """

    def __init__(self) -> None:
        self.tokens: list[Token] = []
        self.footnotes: set[str] = set()
        self.list_depth = 0
        self.quote_depth = 0
        self.starts: list[int] = []
        """Lines where a top-level match starts at the beginning of the line."""
        self.links: list[int] = []
        """Lines that begin with a link reference definition (top level, or in a block
        quote, whose text is lexed with the same rules; lists and footnotes have none)."""

    def parse(self, text: str, line: int, rules: Sequence[str], top: bool = False) -> None:
        text = text.rstrip("\n")
        at_line_start = True
        while text:
            for name in rules:
                match = _RULES[name].match(text)
                if match is not None:
                    break
            else:  # pragma: no cover - 'text' or 'newline' always matches
                raise AssertionError("mistune grammar matched nothing")
            if at_line_start:
                if top:
                    self.starts.append(line)
                if name == "def_links":
                    self.links.append(line)
            self._handle(name, match, line)
            consumed = match.group(0)
            line += consumed.count("\n")
            at_line_start = consumed.endswith("\n")
            text = text[len(consumed) :]

    def _add(self, kind: str, match: re.Match[str], line: int, *fields: Any) -> None:
        last = line + match.group(0).rstrip("\n").count("\n")
        self.tokens.append(Token(kind, line, last, fields))

    def _handle(self, name: str, m: re.Match[str], line: int) -> None:
        if name == "newline":
            if len(m.group(0)) > 1:
                self._add("newline", m, line)
        elif name == "block_code":
            self._add("code", m, line, None, _CODE_INDENT.sub("", m.group(0)))
        elif name == "fences":
            self._add("code", m, line, m.group(2), m.group(3))
        elif name == "heading":
            self._add("heading", m, line, len(m.group(1)), m.group(2))
        elif name == "lheading":
            self._add("heading", m, line, 1 if m.group(2) == "=" else 2, m.group(1))
        elif name == "hrule":
            self._add("hrule", m, line)
        elif name == "list_block":
            self._list(m, line)
        elif name == "block_quote":
            self._add("block_quote_start", m, line)
            self.quote_depth += 1
            if self.quote_depth > _MAX_DEPTH:
                self._add("text", m, line, m.group(0))
            else:
                self.parse(_QUOTE_PREFIX.sub("", m.group(0)), line, DEFAULT_RULES)
            self._add("block_quote_end", m, line)
            self.quote_depth -= 1
        elif name == "def_footnotes":
            self._footnote(m, line)
        elif name in ("table", "nptable"):
            self._add("table", m, line, name, m.group(1), m.group(2), m.group(3))
        elif name == "block_html":
            if m.group(1):
                self._add("open_html", m, line, m.group(1), m.group(2), m.group(3))
            else:
                self._add("close_html", m, line, m.group(0))
        elif name == "paragraph":
            self._add("paragraph", m, line, m.group(1).rstrip("\n"))
        elif name == "text":
            self._add("text", m, line, m.group(0))
        # def_links: stored by mistune, no token

    def _list(self, m: re.Match[str], line: int) -> None:
        self._add("list_start", m, line, "." in m.group(2))
        self.list_depth += 1
        if self.list_depth > _MAX_DEPTH:
            self._add("list_item_start", m, line)
            self._add("text", m, line, m.group(0))
            self._add("list_item_end", m, line)
        else:
            cap = m.group(0)
            items = list(_LIST_ITEM.finditer(cap))
            following_loose = False
            for i, item_match in enumerate(items):
                item = item_match.group(1)
                space = len(item)
                item = _LIST_BULLET.sub("", item, count=1)
                if "\n " in item:
                    space -= len(item)
                    item = re.sub(rf"^ {{1,{space}}}", "", item, flags=re.M)
                loose = following_loose
                if not loose and re.search(r"\n\n(?!\s*$)", item):
                    loose = True
                if i != len(items) - 1 and item:
                    following_loose = item[-1] == "\n"
                    loose = loose or following_loose
                kind = "loose_item_start" if loose else "list_item_start"
                self._add(kind, m, line)
                self.parse(item, line + cap.count("\n", 0, item_match.start()), _LIST_RULES)
                self._add("list_item_end", m, line)
        self._add("list_end", m, line)
        self.list_depth -= 1

    def _footnote(self, m: re.Match[str], line: int) -> None:
        key = _keyify(m.group(1))
        if key in self.footnotes:
            return  # mistune keeps the first definition and drops the rest
        self.footnotes.add(key)
        self._add("footnote_start", m, line, key)
        text = m.group(2)
        if "\n" in text:
            lines = text.split("\n")
            indent: int | None = None
            for rest in lines[1:]:
                space = len(rest) - len(rest.lstrip())
                if space and (not indent or space < indent):
                    indent = space
            text = "\n".join([lines[0]] + [rest[indent:] for rest in lines[1:]])
        self.parse(text, line, _FOOTNOTE_RULES)
        self._add("footnote_end", m, line, key)


# --- meta ----------------------------------------------------------------------------------


class _NoDatesLoader(yaml.SafeLoader):
    """lookatme's YAML loader: a safe loader that keeps dates as strings."""


_NoDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def meta_block(lines: Sequence[str]) -> tuple[int, int, list[str]] | None:
    """lookatme's ``parse_meta``: (first ``---`` line, last line it takes, YAML lines)."""
    first: int | None = None
    yaml_lines: list[str] = []
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith("---"):
            if first is not None:
                return first, number, yaml_lines
            first = number
        elif first is not None:
            yaml_lines.append(line)
        elif stripped:
            return None
    if first is None:
        return None
    # Unclosed: it takes every line (a final line break ends the last line, it adds none).
    return first, len(lines) - (1 if len(lines) > 1 and lines[-1] == "" else 0), yaml_lines


def load_meta(yaml_lines: list[str]) -> dict[str, Any]:
    if not yaml_lines:
        return {}
    try:
        data = yaml.load("\n".join(yaml_lines), Loader=_NoDatesLoader)
    except yaml.YAMLError:
        return {}  # lookatme itself stops with an error on such a deck
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}
