"""Regular expressions compiled on first use.

A module's patterns are compiled when the module is imported, and every run imports the
modules of every format and provider: a few hundred patterns, tens of milliseconds before
the first request, most of them for formats and answers the run never reads.
:func:`lazy_pattern` gives an object that compiles its pattern the first time one of its
methods is asked for and is a :class:`re.Pattern` from then on.
"""

from __future__ import annotations

import re
from typing import Any, cast

__all__ = ["lazy_pattern"]


class _LazyPattern:
    # Once compiled, the pattern's methods and attributes are copied into the instance's
    # dictionary: later lookups find them there, as fast as on the pattern itself.
    _COPIED = ("search", "match", "fullmatch", "sub", "subn", "split", "findall",
               "finditer", "scanner", "pattern", "flags", "groups", "groupindex")  # fmt: skip

    def __init__(self, source: str, flags: int) -> None:
        self._source = source
        self._flags = flags

    @property
    def compiled(self) -> bool:
        """Whether the pattern has been compiled yet."""
        return "pattern" in self.__dict__

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or self.compiled:  # not the pattern's: no such attribute
            raise AttributeError(name)
        compiled = re.compile(self._source, self._flags)
        self.__dict__.update((n, getattr(compiled, n)) for n in self._COPIED)
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy_pattern({self._source!r}, {self._flags!r})"


def lazy_pattern(source: str, flags: int | re.RegexFlag = 0) -> re.Pattern[str]:
    """*source* with *flags*, compiled by :func:`re.compile` when first used: its
    methods and attributes (``search``, ``sub``, ``pattern``, ...) are the compiled
    pattern's. Not for :mod:`re`'s own functions (``re.sub(p, ...)``): call the method."""
    return cast("re.Pattern[str]", _LazyPattern(source, int(flags)))
