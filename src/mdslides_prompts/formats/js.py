"""What JavaScript means by whitespace and by a regex, for generators written in it.

Their parsers trim with JavaScript's ``trim()`` and match with ``\\s``, which also take
the BOM and the Unicode spaces and leave U+001C-U+001F and U+0085 alone (Python's
``str.strip()`` does the opposite for both); their separators are JavaScript regexes.
"""

from __future__ import annotations

import re

from ..errors import UsageError

__all__ = ["BLANK", "SPACE_CLASS", "WHITESPACE", "js_regex", "trim", "trim_end"]

WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
"""The characters JavaScript's ``\\s`` and ``trim()`` count as whitespace."""

_CLASS = "".join(f"\\u{ord(ch):04x}" for ch in WHITESPACE)  # escaped, for inside [...]
SPACE_CLASS = f"[{_CLASS}]"
"""A Python regex class matching one JavaScript whitespace character."""
BLANK = re.compile(f"{SPACE_CLASS}*")
"""Matches (with ``fullmatch``) text that JavaScript's ``/^\\s*$/`` calls blank."""
_LINE_ENDS = "\\n\\r\\u2028\\u2029"


def trim(text: str) -> str:
    """JavaScript's ``trim()``."""
    return text.strip(WHITESPACE)


def trim_end(text: str) -> str:
    """JavaScript's ``trimEnd()``."""
    return text.rstrip(WHITESPACE)


def js_regex(source: str, *, multiline: bool = True, what: str = "separator") -> str:
    """Translate a JavaScript regex source into Python ``re`` syntax with the same meaning.

    JavaScript's ``^``/``$`` (with the ``m`` flag) and ``.`` treat ``\\r``, U+2028 and
    U+2029 as line ends too, its ``\\s`` includes the BOM, and its named groups are
    ``(?<name>…)``; without ``m``, ``$`` matches only at the very end.
    """
    out: list[str] = []
    i = 0
    in_class = False
    while i < len(source):
        ch = source[i]
        if ch == "\\" and i + 1 < len(source):
            pair = source[i : i + 2]
            if pair == "\\s":
                out.append(_CLASS if in_class else f"[{_CLASS}]")
            elif pair == "\\S" and not in_class:
                out.append(f"[^{_CLASS}]")
            else:
                out.append(pair)
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
            if source.startswith("^", i + 1):
                out.append("^")
                i += 1
        elif ch == "^":
            out.append(f"(?:(?<=[{_LINE_ENDS}])|\\A)" if multiline else "\\A")
        elif ch == "$":
            out.append(f"(?=[{_LINE_ENDS}]|\\Z)" if multiline else "\\Z")
        elif ch == ".":
            out.append(f"[^{_LINE_ENDS}]")
        elif source.startswith("(?<", i) and source[i + 3 : i + 4] not in ("=", "!"):
            out.append("(?P<")
            i += 3
            continue
        else:
            out.append(ch)
        i += 1
    translated = "".join(out)
    try:
        re.compile(translated)
    except re.error as exc:
        raise UsageError(f"invalid {what} regex {source!r}: {exc}") from None
    return translated
