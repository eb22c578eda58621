"""What JavaScript means by whitespace and by a regex, for generators written in it.

Their parsers trim with JavaScript's ``trim()`` and match with ``\\s``, which also take
the BOM and the Unicode spaces and leave U+001C-U+001F and U+0085 alone (Python's
``str.strip()`` does the opposite for both); their separators are JavaScript regexes.

A regex the user supplies may backtrack for ever on some text (``^(a+)+$`` on a line of
``a`` ending in ``!``), as it would in the browser. Such regexes run on the ``regex``
engine, which can stop a match, within a matching time shared by one deck's regexes
(:class:`Budget`); the built-in ones run on ``re``, without the import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import re
import time
from typing import TYPE_CHECKING, TypeVar

from ..errors import UsageError
from ..lazyre import lazy_pattern

if TYPE_CHECKING:
    import regex

__all__ = [
    "BLANK",
    "MATCH_SECONDS",
    "SPACE_CLASS",
    "WHITESPACE",
    "Budget",
    "JsPattern",
    "js_regex",
    "trim",
    "trim_end",
]

WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
"""The characters JavaScript's ``\\s`` and ``trim()`` count as whitespace."""

_CLASS = "".join(f"\\u{ord(ch):04x}" for ch in WHITESPACE)  # escaped, for inside [...]
SPACE_CLASS = f"[{_CLASS}]"
"""A Python regex class matching one JavaScript whitespace character."""
BLANK = lazy_pattern(f"{SPACE_CLASS}*")
"""Matches (with ``fullmatch``) text that JavaScript's ``/^\\s*$/`` calls blank."""
_LINE_ENDS = "\\n\\r\\u2028\\u2029"
_QUANTIFIER = lazy_pattern(r"\{\d+(,\d*)?\}")
_T = TypeVar("_T")
MATCH_SECONDS = 1.0
"""Matching time the user-supplied regexes of one deck get each time it is split, and
again per million characters they run over (a deck is matched again for every marker
position tried, so a long deck needs more; a sane regex takes well under a tenth of it)."""


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
    ``(?<name>…)``; without ``m``, ``$`` matches only at the very end. A ``{`` that opens
    no quantifier and a ``[`` inside a class are literal, as in JavaScript (the ``regex``
    engine would read fuzzy matching or a POSIX class there).
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
            out.append("\\[" if ch == "[" else ch)
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
        elif ch == "{" and not _QUANTIFIER.match(source, i):
            out.append("\\{")
        else:
            out.append(ch)
        i += 1
    translated = "".join(out)
    try:
        re.compile(translated)
    except re.error as exc:
        raise UsageError(f"invalid {what} regex {source!r}: {exc}") from None
    return translated


class Budget:
    """The matching time of one deck's user-supplied regexes.

    :param seconds: the time they get to start with (see :data:`MATCH_SECONDS`)
    :param per_million: the time they get more for every million characters matched
    """

    __slots__ = ("granted", "left", "per_million")

    def __init__(self, seconds: float = MATCH_SECONDS, per_million: float = MATCH_SECONDS) -> None:
        self.per_million = per_million
        """The time granted per million characters matched."""
        self.granted = seconds
        """The time granted so far."""
        self.left = seconds
        """Seconds left; a match that would need more is stopped."""

    def spend(self, call: Callable[[float], _T], length: int, what: str) -> _T:
        """``call(timeout)`` over *length* characters, its time taken off what is left;
        :class:`TimeoutError` naming *what* once the time is used up."""
        grant = self.per_million * length / 1_000_000
        self.granted += grant
        self.left += grant
        started = time.monotonic()
        try:
            if self.left <= 0:
                raise TimeoutError
            return call(self.left)
        except TimeoutError:
            raise TimeoutError(
                f"{what} took too long (over {self.granted:.3g} s); simplify it"
            ) from None
        finally:
            self.left -= time.monotonic() - started


@dataclass(frozen=True, slots=True)
class JsPattern:
    """A translated JavaScript regex (see :func:`js_regex`) ready to run.

    Built-in patterns run on ``re``; with a :class:`Budget` the pattern runs on the
    ``regex`` engine (``V0``: ``re``'s syntax and meaning) and a match that uses up the
    budget raises :class:`TimeoutError` naming *what*.
    """

    pattern: re.Pattern[str]
    """The pattern on ``re`` (built-in patterns run on it)."""
    what: str = "separator"
    """The pattern as messages name it (``separator '^---$'``)."""
    budget: Budget | None = None
    """The deck's matching time, for a user-supplied pattern; ``None`` for a built-in one."""
    bounded: regex.Pattern[str] | None = None
    """The pattern on the ``regex`` engine, when it has a budget."""

    @classmethod
    def compile(
        cls, translated: str, what: str, budget: Budget | None, *, ignore_case: bool = False
    ) -> JsPattern:
        """Compile *translated* (:func:`js_regex` output), on the ``regex`` engine too if it
        has a *budget*."""
        pattern = re.compile(translated, re.I if ignore_case else 0)
        if budget is None:
            return cls(pattern, what)
        import regex

        flags = regex.V0 | (regex.I if ignore_case else 0)
        return cls(pattern, what, budget, regex.compile(translated, flags))

    def _run(self, call: Callable[[float], _T], text: str) -> _T:
        assert self.budget is not None
        return self.budget.spend(call, len(text), self.what)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The (start, end) of every match in *text*, as ``finditer`` finds them."""
        bounded = self.bounded
        if bounded is None:
            return [m.span() for m in self.pattern.finditer(text)]
        return self._run(
            lambda left: [m.span() for m in bounded.finditer(text, timeout=left)], text
        )

    def match(self, text: str) -> bool:
        """Whether the pattern matches at the start of *text*."""
        bounded = self.bounded
        if bounded is None:
            return self.pattern.match(text) is not None
        return self._run(lambda left: bounded.match(text, timeout=left) is not None, text)

    def split(self, text: str) -> list[str]:
        """*text* split at the matches, with what groups captured (as JavaScript's
        ``split`` does)."""
        bounded = self.bounded
        if bounded is None:
            return self.pattern.split(text)
        return self._run(lambda left: list(bounded.split(text, timeout=left)), text)
