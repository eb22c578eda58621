"""Small helpers for the words of messages: counts with the right plural, sizes in units
people read, and text made safe for rich's markup."""

from __future__ import annotations

__all__ = ["human_size", "plain", "plural"]

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def plural(count: int, word: str, many: str | None = None) -> str:
    """*count* and *word*, in the plural unless *count* is 1: ``plural(1, "slide")`` is
    ``1 slide``, ``plural(2, "entry", "entries")`` is ``2 entries``."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def human_size(size: int) -> str:
    """*size* bytes in the largest binary unit that keeps the number at 1 or more, with
    one decimal below 100: ``512 B``, ``1.5 KiB``, ``20.2 MiB``, ``201 MiB``."""
    if size < 1024:
        return f"{size} B"
    value, power = size / 1024, 1
    while value >= 1024 and power < len(_UNITS) - 1:
        value, power = value / 1024, power + 1
    unit = _UNITS[power]
    return f"{value:.1f} {unit}" if value < 99.95 else f"{value:.0f} {unit}"


def plain(text: object) -> str:
    """*text* with rich's markup escaped, so that ``[red]`` in a title or a path is shown
    as it is written instead of being taken for a style."""
    from rich.markup import escape

    return escape(str(text))
