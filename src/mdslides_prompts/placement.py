"""Where a slide's picture goes and what shape it is: :class:`Placement`.

Each format plugin reports a slide's placement (the ``mdslides_placement`` hook): the
slot its generator gives a picture (the whole background, or the left, right, top or
bottom part of the slide and its share), the slide's aspect ratio, and whether the
author already set a picture there, with the syntax that said so. The request then asks
for a composition that fits the picture's area (:meth:`Placement.describe`), and a slide
whose picture is set gets no prompt unless the ``include-illustrated`` setting asks for
one (:meth:`Placement.skip_reason`).

Pure data and arithmetic: nothing here reads a deck.
"""

from __future__ import annotations

from dataclasses import dataclass
import enum
import math
import re
from typing import Any

from .lazyre import lazy_pattern

__all__ = [
    "ILLUSTRATED",
    "Placement",
    "Slot",
    "attributes",
    "parse_ratio",
    "parse_share",
    "picture_value",
    "positive_number",
    "read_shape",
]

ILLUSTRATED = "illustrated"
"""How the skip reason of a slide whose picture the author set begins."""


class Slot(enum.StrEnum):
    """Where a slide's picture goes."""

    SLIDE = "slide"
    """No slot of its own: the deck's aspect ratio is all that is known."""
    BACKGROUND = "background"
    """The whole slide, behind its text."""
    LEFT = "left"
    """The left part of the slide, the text beside it."""
    RIGHT = "right"
    """The right part of the slide."""
    TOP = "top"
    """The top part of the slide, the text below it."""
    BOTTOM = "bottom"
    """The bottom part of the slide."""
    NONE = "none"
    """The format shows no pictures at all (a terminal)."""


_SIDES = {
    Slot.LEFT: "the slide's text is on the right",
    Slot.RIGHT: "the slide's text is on the left",
    Slot.TOP: "the slide's text is below it",
    Slot.BOTTOM: "the slide's text is above it",
}


@dataclass(frozen=True, slots=True)
class Placement:
    """One slide's picture slot, on a slide of ``width`` by ``height`` (any unit)."""

    slot: Slot = Slot.SLIDE
    """Where the picture goes."""
    share: float = 1.0
    """The part of the slide's width (left, right) or height (top, bottom) the slot
    takes: ``0.4`` for Marp's ``![bg right:40%]``; 1 for the others."""
    width: float = 16.0
    """The slide's width (pixels, or a ratio's first term)."""
    height: float = 9.0
    """The slide's height."""
    aspect_source: str = "assumed"
    """What says the slide's size: ``size: 4:3 (front matter)``, ``Marp's default``."""
    picture: str | None = None
    """The picture the author set in the slot (its path or URL), if any."""
    source: str | None = None
    """The syntax that set the slot or the picture (``![bg right:40%](photo.jpg)``)."""
    line: int | None = None
    """The source line of :attr:`source`, when known."""
    found: bool = True
    """Whether :attr:`picture` is there (a URL, or a file that exists); a missing file
    is a placeholder for the picture to make (the pipeline checks: see
    :func:`~mdslides_prompts.fileio.picture_found`)."""
    offers: tuple[Slot, ...] = ()
    """The slots the format can place a picture of ours in on this slide, the one it
    prefers first (none: it places no pictures; see ``mdslides_inject_pictures``)."""
    why_none: str | None = None
    """Why the slide takes no picture of ours when its format places pictures on other
    slides (with :attr:`offers` empty)."""
    panel: float = 0.4
    """The part of the slide's width a left or right picture of ours takes (Marp's
    ``right:40%``; Deckset's halves are 0.5)."""

    @property
    def illustrated(self) -> bool:
        """Whether the author already set the slot's picture (a placeholder is not)."""
        return self.picture is not None and self.found

    @property
    def aspect(self) -> str:
        """The slide's aspect ratio: ``16:9`` when it reduces to small whole numbers,
        else ``1.37:1``."""
        return _ratio_text(self.width, self.height)

    @property
    def area(self) -> float:
        """Width over height of the picture's area."""
        if self.slot in (Slot.LEFT, Slot.RIGHT):
            return self.width * self.share / self.height
        if self.slot in (Slot.TOP, Slot.BOTTOM):
            return self.width / (self.height * self.share)
        return self.width / self.height

    @property
    def shape(self) -> str:
        """``wide``, ``tall`` or ``square``: the picture's area, roughly."""
        if self.area > 1.15:
            return "wide"
        return "tall" if self.area < 0.87 else "square"

    @property
    def where(self) -> str:
        """The slot in a few words: ``the right 40%``, ``full-slide background``."""
        if self.slot is Slot.BACKGROUND:
            return "full-slide background"
        if self.slot in _SIDES:
            return f"the {self.slot.value} {_percent(self.share)}"
        return "the slide" if self.slot is Slot.SLIDE else "no picture"

    def describe(self) -> str | None:
        """The request's line: where the picture goes and the composition that fits;
        ``None`` where the format shows no pictures."""
        if self.slot is Slot.NONE:
            return None
        frame = f"a {self.shape} {self.area:.2f}:1 picture"
        slide = f"{_article(self.aspect)} {self.aspect} slide"
        if self.slot is Slot.SLIDE:
            return f"{slide}, {frame}"
        text = f"{self.where} of {slide}, {frame}"
        if self.slot is Slot.BACKGROUND:
            return f"{text}; keep a calm, even area for the title"
        return f"{text}; {_SIDES[self.slot]}"

    @property
    def size(self) -> str:
        """The slide size and what says it: ``16:9 (size: 16:9 in the front matter)``."""
        if self.slot is Slot.NONE:
            return f"none ({self.aspect_source})"
        return f"{self.aspect} ({self.aspect_source})"

    def summary(self) -> str:
        """One line for ``inspect``: slot, aspect, area and the author's picture."""
        if self.slot is Slot.NONE:
            return f"no picture slot ({self.aspect_source})"
        where = "no slot" if self.slot is Slot.SLIDE else self.where
        text = f"{where}, {self.aspect} slide, {self.shape} {self.area:.2f}:1"
        if self.source:
            at = f", line {self.line}" if self.line else ""
            text += f"; {'picture' if self.illustrated else 'slot'}: {_short(self.source)}{at}"
        if self.picture is not None and not self.found:
            text += " (placeholder: no such file)"
        return text

    def skip_reason(self) -> str | None:
        """Why the slide gets no prompt when its picture is set (a line naming the
        picture and the option), else ``None``. No line number: adding a marker above
        must leave it as it is."""
        if self.picture is None or not self.illustrated:
            return None
        said = _short(self.source or self.picture)
        return f"{ILLUSTRATED} by {said}; --include-illustrated prompts it too"

    def as_dict(self) -> dict[str, Any]:
        """The placement as JSON-ready data (``inspect --json``)."""
        return {
            "slot": self.slot.value,
            "share": self.share,
            "aspect": self.aspect,
            "width": self.width,
            "height": self.height,
            "aspect_source": self.aspect_source,
            "area": round(self.area, 2),
            "shape": self.shape,
            "illustrated": self.illustrated,
            "picture": self.picture,
            "found": self.found,
            "source": self.source,
            "line": self.line,
        }


def _ratio_text(width: float, height: float) -> str:
    """``16:10`` as given when the terms are small whole numbers, ``16:9`` for 1280 by
    720, else ``1.37:1``."""
    if width == int(width) and height == int(height):
        common = 1 if width <= 32 and height <= 32 else math.gcd(int(width), int(height))
        w, h = int(width) // common, int(height) // common
        if w <= 32 and h <= 32:
            return f"{w}:{h}"
    return f"{width / height:.2f}:1"


def _article(number: str) -> str:
    """``an`` before a number said with a vowel (8, 11, 18, 80...), else ``a``."""
    return "an" if re.match(r"8|1[18](?!\d)", number) else "a"


def _percent(share: float) -> str:
    return f"{round(share * 100, 1):g}%"


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


_RATIO = lazy_pattern(r"\s*(\d+(?:\.\d+)?)\s*[:/x|]\s*(\d+(?:\.\d+)?)\s*")


def parse_ratio(value: object) -> tuple[float, float] | None:
    """``16:9``, ``16/9``, ``16x9``, ``4|3`` (a pair) or a number (``1.6``) as
    ``(width, height)``; ``None`` for anything else or a zero or negative term."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return (float(value), 1.0) if value > 0 and math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    match = _RATIO.fullmatch(value)
    if match:
        width, height = float(match[1]), float(match[2])
        return (width, height) if width > 0 and height > 0 else None
    try:
        number = float(value)
    except ValueError:
        return None
    return (number, 1.0) if number > 0 and math.isfinite(number) else None


def parse_share(value: str | None, default: float = 0.5) -> float:
    """A percentage (``40%``) as a share of the slide (0.4); *default* when none is
    given; clamped into (0, 1]."""
    if not value:
        return default
    try:
        share = float(value.strip().rstrip("%")) / 100
    except ValueError:
        return default
    return min(1.0, share) if share > 0 else default


_COLOUR = lazy_pattern(
    r"#[0-9a-f]{3,8}|(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\(.*\)|[a-z]+"
    r"|(?:repeating-)?(?:linear|radial|conic)-gradient\(.*\)|none|transparent|inherit",
    re.I | re.S,
)


def picture_value(value: object) -> str | None:
    """*value* (a background setting) when it names a picture (a path, a URL, an
    Obsidian ``[[embed]]``, a CSS ``url(...)``); ``None`` for a colour name, a hex or
    function colour, a gradient, or no text. A lone word is a colour name, as the
    generators read ``data-background="aquamarine"``."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or _COLOUR.fullmatch(value):
        return None
    return value


_ATTRIBUTE = lazy_pattern(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>}]+))""")


def attributes(text: str) -> dict[str, str]:
    """The ``name="value"`` pairs of *text* (quoted with ``"`` or ``'``, or bare), by
    lower-case name; the first of a name wins."""
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(text):
        value = next(v for v in match.group(2, 3, 4) if v is not None)
        found.setdefault(match[1].lower(), value)
    return found


def positive_number(value: object) -> float | None:
    """*value* as a number above zero (``1280``, ``"1280"``), else ``None`` (``"100%"``)."""
    if isinstance(value, str):
        text = value.strip()
        value = float(text) if re.fullmatch(r"\d+(?:\.\d+)?", text) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value > 0 and math.isfinite(value) else None


_SHAPE = lazy_pattern(r"\b(wide|tall|square) [\d.]+:1 picture")


def read_shape(line: str) -> tuple[str, bool] | None:
    """The shape a :meth:`Placement.describe` line asks for, and whether the picture
    has a slot of its own (not just the slide); ``None`` for any other text."""
    found = _SHAPE.search(line)
    if found is None:
        return None
    return found[1], not line.startswith("a ")
