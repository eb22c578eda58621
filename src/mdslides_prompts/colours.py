"""A deck's colours, by name: what its front matter, directives and styles set, else its
theme's.

The art direction (:mod:`mdslides_prompts.art`) asks for a palette in named colours, so
every colour a deck sets (``#1e3a8a``, ``rgb(30 58 138)``, ``hsl(...)``, a CSS name) is
named by the nearest of :data:`COLOURS`, the names the offline provider can say in every
language it writes.
"""

from __future__ import annotations

import colorsys
import re
from types import MappingProxyType

from .lazyre import lazy_pattern

__all__ = [
    "COLOURS",
    "PALETTES",
    "deck_colours",
    "nearest_colour",
    "parse_colour",
    "style_blocks",
    "theme_palette",
]

COLOURS = MappingProxyType(
    {
        "white": (255, 255, 255), "black": (0, 0, 0), "charcoal": (54, 69, 79),
        "cream": (255, 253, 208), "slate grey": (112, 128, 144), "blue": (29, 78, 216),
        "sky blue": (135, 206, 235), "navy": (0, 0, 128), "teal": (0, 128, 128),
        "beige": (245, 245, 220), "brown": (120, 72, 40), "ochre": (204, 119, 34),
        "orange": (255, 140, 0), "purple": (110, 40, 170), "pink": (255, 150, 190),
        "red": (210, 30, 30), "grey": (128, 128, 128), "ivory": (255, 255, 240),
        "green": (40, 150, 60), "yellow": (250, 215, 40), "light grey": (211, 211, 211),
    }
)  # fmt: skip
"""The colour names a palette is said in, with the colour each stands for."""

_ALSO = MappingProxyType({"navy": ((20, 35, 90),)})
"""More colours a name stands for: CSS's navy is far from the dark blues called navy."""

PALETTES = MappingProxyType(
    {
        # Marp's built-in themes.
        "default": ("white", "charcoal", "blue"),
        "gaia": ("cream", "slate grey", "sky blue"),
        "uncover": ("white", "charcoal", "sky blue"),
        # Slidev's official themes.
        "seriph": ("ivory", "black", "brown"),
        "apple-basic": ("white", "black", "grey"),
        "bricks": ("cream", "red", "charcoal"),
        "shibainu": ("cream", "orange", "brown"),
        # reveal.js's themes.
        "black": ("black", "white", "sky blue"),
        "white": ("white", "black", "blue"),
        "league": ("charcoal", "white", "teal"),
        "beige": ("beige", "brown", "ochre"),
        "night": ("black", "white", "orange"),
        "serif": ("beige", "brown", "black"),
        "simple": ("white", "black", "navy"),
        "solarized": ("cream", "slate grey", "blue"),
        "moon": ("navy", "grey", "blue"),
        "dracula": ("charcoal", "purple", "pink"),
        "sky": ("sky blue", "white", "navy"),
        "blood": ("black", "white", "red"),
    }
)
"""The colours of the themes the generators ship, by theme name (lower case)."""

_CSS_NAMES = MappingProxyType(
    {
        "white": (255, 255, 255), "black": (0, 0, 0), "red": (255, 0, 0),
        "green": (0, 128, 0), "blue": (0, 0, 255), "yellow": (255, 255, 0),
        "orange": (255, 165, 0), "purple": (128, 0, 128), "pink": (255, 192, 203),
        "gray": (128, 128, 128), "grey": (128, 128, 128), "navy": (0, 0, 128),
        "teal": (0, 128, 128), "brown": (165, 42, 42), "beige": (245, 245, 220),
        "ivory": (255, 255, 240), "silver": (192, 192, 192), "maroon": (128, 0, 0),
        "olive": (128, 128, 0), "lime": (0, 255, 0), "aqua": (0, 255, 255),
        "cyan": (0, 255, 255), "fuchsia": (255, 0, 255), "magenta": (255, 0, 255),
        "gold": (255, 215, 0), "crimson": (220, 20, 60), "tomato": (255, 99, 71),
        "coral": (255, 127, 80), "salmon": (250, 128, 114), "indigo": (75, 0, 130),
        "violet": (238, 130, 238), "turquoise": (64, 224, 208), "skyblue": (135, 206, 235),
        "steelblue": (70, 130, 180), "slategray": (112, 128, 144),
        "slategrey": (112, 128, 144), "darkblue": (0, 0, 139), "darkgreen": (0, 100, 0),
        "darkred": (139, 0, 0), "lightgray": (211, 211, 211), "lightgrey": (211, 211, 211),
        "darkgray": (169, 169, 169), "darkgrey": (169, 169, 169), "whitesmoke": (245, 245, 245),
        "aliceblue": (240, 248, 255), "royalblue": (65, 105, 225), "tan": (210, 180, 140),
        "chocolate": (210, 105, 30), "khaki": (240, 230, 140), "lavender": (230, 230, 250),
        "mintcream": (245, 255, 250), "seagreen": (46, 139, 87), "forestgreen": (34, 139, 34),
    }
)  # fmt: skip
"""CSS colour names a deck may use, with their colours (CSS Color 4)."""

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:%|deg)?"
_VALUE = (
    r"#(?:[0-9a-f]{8}|[0-9a-f]{6}|[0-9a-f]{3,4})\b"
    rf"|(?:rgba?|hsla?)\(\s*{_NUMBER}(?:\s*[,/]?\s*{_NUMBER}){{2,3}}\s*\)"
    r"|[a-z]+\b"
)
_SETTING = lazy_pattern(
    # A colour setting anywhere a generator reads one: YAML front matter and Marp
    # directives (color: ..., backgroundColor: ...), Slidev's themeConfig (primary: ...),
    # CSS in <style> blocks and style attributes, pandoc attributes (background-color=...).
    r"(?<![\w-])[\w-]*(?:colou?r|primary|secondary|accent|highlight|background)"
    rf"[\"']?\s*[:=]\s*[\"']?({_VALUE})",
    re.I,
)
_FENCED = lazy_pattern(r"(?ms)^ {0,3}(`{3,}|~{3,}).*?(?:^ {0,3}\1[^\n]*$|\Z)")
"""Code blocks: colours in a code example are the example's, not the deck's."""
_STYLE = lazy_pattern(r"<style\b[^>]*>.*?</style\s*>", re.S | re.I)
_THEME_PREFIX = lazy_pattern(r"^(?:@slidev/theme-|slidev-theme-|marp-theme-)")


def parse_colour(value: str) -> tuple[int, int, int] | None:
    """The RGB colour a CSS colour *value* stands for (a hex colour, ``rgb()``,
    ``hsl()`` or a CSS name), or ``None`` if it is none of these."""
    value = value.strip().lower()
    if value.startswith("#"):
        digits = value[1:]
        if len(digits) in (3, 4):
            digits = "".join(ch * 2 for ch in digits)
        if len(digits) not in (6, 8) or not re.fullmatch(r"[0-9a-f]+", digits):
            return None
        return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)
    function = re.fullmatch(r"(rgb|hsl)a?\((.*)\)", value, re.S)
    if function is None:
        return _CSS_NAMES.get(value)
    parts = re.findall(_NUMBER, function.group(2))[:3]
    if len(parts) < 3:
        return None
    if function.group(1) == "rgb":
        channels = [_fraction(p, 255.0) for p in parts]
        return _rgb(channels)
    hue = float(parts[0].removesuffix("deg").removesuffix("%")) / 360.0 % 1.0
    light, saturation = _fraction(parts[2], 100.0), _fraction(parts[1], 100.0)
    return _rgb(list(colorsys.hls_to_rgb(hue, light, saturation)))


def _fraction(number: str, scale: float) -> float:
    """*number* (``50%`` or ``128``) as a share of 1, *scale* being its full value."""
    if number.endswith("%"):
        return min(1.0, max(0.0, float(number[:-1]) / 100.0))
    return min(1.0, max(0.0, float(number.removesuffix("deg")) / scale))


def _rgb(channels: list[float]) -> tuple[int, int, int]:
    red, green, blue = (round(c * 255) for c in channels)
    return red, green, blue


def nearest_colour(rgb: tuple[int, int, int]) -> str:
    """The name in :data:`COLOURS` nearest to *rgb* as the eye sees it (the distance in
    CIE L*a*b*)."""
    lab = _lab(rgb)

    def distance(name: str) -> float:
        return min(
            sum((a - b) ** 2 for a, b in zip(lab, _lab(point), strict=True))
            for point in (COLOURS[name], *_ALSO.get(name, ()))
        )

    return min(COLOURS, key=distance)


def _lab(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    """*rgb* (sRGB) in CIE L*a*b* under the D65 white point."""
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in rgb)
    ]
    r, g, b = linear
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    fx, fy, fz = (t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def theme_palette(theme: str | None) -> tuple[str, ...]:
    """The colours of *theme* if a generator ships it (see :data:`PALETTES`), else none."""
    name = _THEME_PREFIX.sub("", (theme or "").strip().casefold())
    return PALETTES.get(name, ())


def style_blocks(text: str) -> list[str]:
    """The ``<style>`` blocks of a deck's *text*, those in code blocks aside."""
    return _STYLE.findall(_FENCED.sub("", text))


def deck_colours(text: str, theme: str | None = None, most: int = 4) -> tuple[str, ...]:
    """The colours *text* (a deck's front matter and styles) sets, named, in the order
    they first appear (at most *most*, each name once); the palette of its *theme* when
    it sets none."""
    found: list[str] = []
    for match in _SETTING.finditer(_FENCED.sub("", text)):
        rgb = parse_colour(match.group(1))
        name = nearest_colour(rgb) if rgb is not None else None
        if name is not None and name not in found:
            found.append(name)
            if len(found) == most:
                break
    return tuple(found) or theme_palette(theme)
