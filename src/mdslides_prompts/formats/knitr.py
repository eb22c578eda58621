"""What rmarkdown and knitr do to an R Markdown file before a slide generator reads it.

Shared by the formats that render ``.Rmd`` decks (xaringan on remark, and pandoc's
R Markdown outputs). rmarkdown cannot run here, so these are its rules as coded:

* The YAML header (``partition_yaml_front_matter`` in rmarkdown's ``R/output_format.R``,
  rstudio/rmarkdown@194c2a1): the first line that is ``---`` or ``...`` (trailing
  blanks allowed) must be ``---`` with only blank lines above it; the next such line
  closes the header, which must hold at least one line.
* Only ``.Rmd``/``.Rmarkdown`` (and ``.R``, ``.qmd``) files are knitted
  (``requires_knit`` in ``R/render.R``); a ``.md`` goes to the output format as it is.
* Code chunks (``all_patterns$md`` in knitr's ``R/pattern.R`` and ``group_indices`` in
  ``R/parser.R``, yihui/knitr@646ba86), read line by line with no regard for Markdown
  fences: a chunk opens on ```` ```{engine options} ```` (the engine a word, then nothing
  or a space or comma and anything; tabs, spaces and ``>`` in front) and closes on a
  line of exactly its opening's prefix and backticks. Inside a chunk another header
  with that same prefix and backticks right before its ``{`` starts a new chunk (the
  first one ends unclosed). A closing fence that does not match is code when an exact
  one follows before any chunk header; otherwise knitr stops. A chunk nothing closes
  runs to the end of the file. Inline `` `r expr` `` is replaced in place by its value,
  which only running it tells: it is read as the text it is.

What a chunk becomes (echoed code, output, ``results='asis'`` Markdown, nothing) is only
known by running it; :class:`Chunk` says what its options promise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
import re
from typing import Any

from ..deck import LineSpan
from ..errors import DeckError
from ..lazyre import lazy_pattern
from .deckfm import yaml_mapping

__all__ = ["KNITTED", "Chunk", "Header", "chunks", "header", "names_output"]

KNITTED = frozenset({".rmd", ".rmarkdown", ".r", ".qmd"})
"""File suffixes rmarkdown knits before rendering (lower case)."""

_BEGIN = lazy_pattern(r"([\t >]*`{3,})\s*\{([a-zA-Z0-9_]+)((?: *[ ,].*)?)\}\s*")
_END = lazy_pattern(r"([\t >]*`{3,})\s*")
_DELIMITER = lazy_pattern(r"(---|\.\.\.)\s*")
_FALSE = r"\s*(?:FALSE|F)\b"


@dataclass(frozen=True, slots=True)
class Chunk:
    """One knitr code chunk, as line numbers of the file (1-based, inclusive)."""

    start: int
    """The chunk header line."""
    end: int
    """The closing fence, or the chunk's last line when nothing closes it."""
    closed: bool
    """Whether a closing fence ends the chunk."""
    engine: str
    """The engine named first in the braces (``r``, ``python``, …)."""
    options: str
    """The rest of the braces, as written."""
    include: bool
    """``False`` when knitr writes nothing but an empty line for the chunk:
    ``include=FALSE``, or ``echo=FALSE`` with ``eval=FALSE`` (in the braces or as
    ``#|`` option lines)."""


@dataclass(frozen=True, slots=True)
class Header:
    """An R Markdown YAML header."""

    span: LineSpan
    """Its lines, delimiters included."""
    closer: str
    """Its closing line without the line ending and trailing blanks: ``---`` or ``...``."""
    meta: Mapping[str, Any]
    """Its data when it reads as a YAML mapping, else empty."""


def header(lines: Sequence[str]) -> Header | None:
    """The YAML header rmarkdown reads at the top of *lines* (which keep their endings),
    or ``None``."""
    delimiters = list(
        islice((n for n, line in enumerate(lines, 1) if _DELIMITER.fullmatch(_bare(line))), 2)
    )
    if len(delimiters) < 2 or delimiters[1] - delimiters[0] <= 1:
        return None
    first, last = delimiters[0], delimiters[1]
    if not _bare(lines[first - 1]).startswith("---"):
        return None
    if any(lines[n].strip() for n in range(first - 1)):
        return None
    data = yaml_mapping("".join(lines[first : last - 1]), null_is_empty=True)
    closer = _bare(lines[last - 1]).rstrip()
    return Header(LineSpan(first, last), closer, data or {})


def names_output(meta: Mapping[str, Any], package: str) -> bool:
    """Whether the header's ``output:`` names a format of *package* (``xaringan``, …),
    as a string or as a key of a mapping."""
    output = meta.get("output")
    names = output if isinstance(output, Mapping | list) else [output]
    return any(isinstance(n, str) and n.strip().startswith(f"{package}::") for n in names)


def knitted(path: Path | None) -> bool:
    """Whether rmarkdown knits a file at *path* before rendering it."""
    return path is not None and path.suffix.lower() in KNITTED


def chunks(
    lines: Sequence[str], path: Path | None = None, *, top: bool = True
) -> tuple[Chunk, ...]:
    """The code chunks of *lines* (which keep their endings) paired as knitr pairs them.

    :param path: the file, for the error message
    :param top: whether *lines* start at the file's first line (knitr reads a chunk
        header there with no closing pattern: any closing fence ends that chunk)

    :raises DeckError: where knitr itself stops (a closing fence that matches no opening
        before the next chunk header)
    """
    bare = [_bare(line) for line in lines]
    found: list[Chunk] = []
    opened: tuple[int, str | None, re.Match[str]] | None = None  # line, fence, header

    def close(end: int, closed: bool) -> None:
        assert opened is not None
        start, _, match = opened
        found.append(_chunk(start, end, closed, match, bare))

    for number, line in enumerate(bare, 1):
        begin = _BEGIN.fullmatch(line)
        if opened is None:
            if begin:
                # knitr derives the closing pattern only for a header after line 1.
                opened = (number, begin.group(1) if number > 1 or not top else None, begin)
            continue
        fence = opened[1]
        if begin:
            if fence is None:
                raise _stop(number, line, opened[0], path)
            if line.startswith(fence + "{"):
                close(number - 1, False)
                opened = (number, fence, begin)
            continue
        if _END.fullmatch(line) and _ends(bare, number, fence, opened[0], path):
            close(number, True)
            opened = None
    if opened is not None:
        close(len(bare), False)
    return tuple(found)


def _ends(
    bare: Sequence[str], number: int, fence: str | None, start: int, path: Path | None
) -> bool:
    """knitr's ``match_chunk_end``: whether a closing fence line ends the open chunk."""
    if fence is None:
        return True
    exact = re.compile(re.escape(fence) + r"\s*")
    if exact.fullmatch(bare[number - 1]):
        return True
    later = next(
        (n for n in range(number + 1, len(bare) + 1) if exact.fullmatch(bare[n - 1])), None
    )
    if later is not None:
        between = range(number + 1, later)
        if later == number + 1 or not any(
            re.match(re.escape(fence) + r"`*\{", bare[n - 1]) for n in between
        ):
            return False
    raise _stop(number, bare[number - 1], start, path)


def _stop(number: int, line: str, start: int, path: Path | None) -> DeckError:
    return DeckError(
        f"knitr cannot knit this: the fence on line {number} ({line.strip()!r}) does not "
        f"match the chunk opened on line {start}; give both the same backticks and indent",
        path,
    )


def _chunk(start: int, end: int, closed: bool, match: re.Match[str], bare: Sequence[str]) -> Chunk:
    options = match.group(3)
    off = {
        name for name in ("include", "echo", "eval") if re.search(rf"\b{name}\s*={_FALSE}", options)
    }
    for line in bare[start : end - 1 if closed else end]:
        if not line.startswith("#|"):
            break
        pipe = re.fullmatch(r"#\|\s*(include|echo|eval)\s*:\s*(?:false|no)\s*", line, re.I)
        if pipe:
            off.add(pipe.group(1).lower())
    # Nothing is written for the chunk when it is not included, or neither shown nor run.
    include = "include" not in off and not {"echo", "eval"} <= off
    return Chunk(start, end, closed, match.group(2), options.strip(" ,"), include)


def _bare(line: str) -> str:
    return line.rstrip("\r\n")
