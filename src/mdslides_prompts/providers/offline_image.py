"""The offline image provider: a deterministic placeholder picture, drawn locally.

It stands in for a real image model when none is set up (no credentials, no network):
the picture does not depict the prompt, it only shows where the slide's picture goes,
at the exact size asked for, in the deck's colours. The palette is the named colours the
deck's art direction mentions (:data:`~mdslides_prompts.colours.COLOURS`, in any
language the offline provider writes), in the order it names them; without any, three
colours chosen by the prompt. The layout, a calm landscape (a vertical gradient, a soft
haze band, a disc and two hills), is chosen by the prompt too.

Same request, same bytes, in every process: choices come from SHA-256, never ``hash()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
import hashlib
import io
import math
import re

from ..colours import COLOURS
from ..errors import ProviderError
from ..hookspecs import hookimpl
from ..lazyre import lazy_pattern
from .offline_words import PHRASES
from .pictures import ImageRequest, Picture

__all__ = ["MAX_SIDE", "OfflineImageProvider", "draw_placeholder", "palette"]

MAX_SIDE = 4096
"""The largest width or height drawn, in pixels."""

RGB = tuple[int, int, int]
_WHITE: RGB = (255, 255, 255)
_BLACK: RGB = (0, 0, 0)
_NAMES = {
    said.casefold(): key
    for phrases in PHRASES.values()
    for key, said in phrases.colours.items()
    if key in COLOURS
} | {key: key for key in COLOURS}
"""Every way a colour is said (in every prompt language), to its name in COLOURS."""
_LONGEST_FIRST = sorted(_NAMES, key=len, reverse=True)
_NAMED = lazy_pattern(rf"(?<!\w)({'|'.join(map(re.escape, _LONGEST_FIRST))})(?!\w)", re.IGNORECASE)
"""A colour name; longer names first, so "sky blue" is found rather than "blue"."""


class OfflineImageProvider:
    """Draws placeholder PNGs on this machine; needs nothing but Python."""

    name = "offline"

    async def generate_image(self, request: ImageRequest) -> Picture:
        """The placeholder for *request* (:func:`draw_placeholder`); sends no request."""
        return Picture(draw_placeholder(request), "image/png", requests=0)

    async def aclose(self) -> None:
        """Nothing to release."""


def draw_placeholder(request: ImageRequest) -> bytes:
    """The PNG of the placeholder for *request*: ``request.width`` x ``request.height``
    8-bit RGB pixels, its palette from :func:`palette`, its layout from the prompt, the
    style and the seed.

    :raises ProviderError: for a size that is not ``WIDTHxHEIGHT`` of 1 to
        :data:`MAX_SIDE` pixels a side
    """
    width, height = _size(request.size)
    seed = "\x00".join((request.prompt, request.style or "", str(request.seed or "")))
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    scene = _Scene.of(width, height, _roles(palette(request, digest)), digest)
    return _png(width, height, b"".join(scene.rows()))


def _png(width: int, height: int, pixels: bytes) -> bytes:
    """*pixels* (8-bit RGB, row by row) as a PNG file."""
    from PIL import Image

    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), pixels).save(out, "PNG")
    return out.getvalue()


def palette(request: ImageRequest, digest: bytes | None = None) -> list[RGB]:
    """The colours named in the request's art direction, first named first; without
    any, three colours of :data:`~mdslides_prompts.colours.COLOURS` chosen by *digest*
    (by default the SHA-256 of the prompt)."""
    found: list[str] = []
    for match in _NAMED.finditer(request.art_direction or ""):
        key = _NAMES[match.group(1).casefold()]
        if key not in found:
            found.append(key)
    if found:
        return [COLOURS[key] for key in found]
    digest = digest or hashlib.sha256(request.prompt.encode("utf-8")).digest()
    names = list(COLOURS)
    for byte in digest:
        pick = names[byte % len(names)]
        if pick not in found:
            found.append(pick)
        if len(found) == 3:
            break
    return [COLOURS[key] for key in found]


def _size(size: str) -> tuple[int, int]:
    """``WIDTHxHEIGHT`` as two numbers, each in range."""
    match = re.fullmatch(r"(\d{1,5})x(\d{1,5})", size)
    sides = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if not all(0 < side <= MAX_SIDE for side in sides):
        raise ProviderError(
            f"the offline image provider draws WIDTHxHEIGHT of 1 to {MAX_SIDE} pixels a "
            f"side, not {size!r}"
        )
    return sides


def _mix(one: RGB, two: RGB, share: float) -> RGB:
    """*one* with *share* of *two* mixed in."""
    r, g, b = (round(a + (z - a) * share) for a, z in zip(one, two, strict=True))
    return (r, g, b)


def _roles(colours: list[RGB]) -> tuple[RGB, RGB, RGB, RGB, RGB]:
    """The sky's top and bottom, the disc, the far hill and the near hill: the palette's
    colours in order, the missing ones shades and tints of its first."""
    first = colours[0]
    more = [_mix(first, _WHITE, 0.1), _mix(first, _BLACK, 0.3), _mix(first, _WHITE, 0.2)]
    top, bottom, disc, far = (colours + more)[:4]
    return top, bottom, disc, far, _mix(top, _BLACK, 0.25)


@dataclass(frozen=True, slots=True)
class _Disc:
    """A filled circle, *alpha* of its colour over the sky."""

    x: float
    y: float
    radius: float
    colour: RGB
    alpha: float

    def span(self, row: int) -> tuple[float, float] | None:
        """Where row *row* (at its pixel centre) crosses the disc, if it does."""
        dy = row + 0.5 - self.y
        if abs(dy) >= self.radius:
            return None
        half = math.sqrt(self.radius * self.radius - dy * dy)
        return self.x - half, self.x + half


@dataclass(frozen=True, slots=True)
class _Scene:
    """The layout: a sky gradient with a haze band, then discs painted in order."""

    width: int
    height: int
    top: RGB
    bottom: RGB
    band: tuple[int, int]
    discs: tuple[_Disc, ...]

    @classmethod
    def of(
        cls, width: int, height: int, roles: tuple[RGB, RGB, RGB, RGB, RGB], digest: bytes
    ) -> _Scene:
        """The scene *digest* chooses, in *roles*' colours (see :func:`_roles`)."""
        u = [byte / 255 for byte in digest]  # one fraction a byte
        top, bottom, disc, far, near = roles
        side = min(width, height)
        band_top = round(height * (0.3 + 0.25 * u[0]))
        band = (band_top, band_top + max(1, round(height * (0.04 + 0.06 * u[1]))))
        sun = _Disc(
            width * (0.15 + 0.7 * u[2]), height * (0.15 + 0.3 * u[3]),
            side * (0.08 + 0.1 * u[4]), disc, 0.9,
        )  # fmt: skip
        hills = []
        for i, (colour, alpha, crest) in enumerate(((far, 0.6, 0.5), (near, 1.0, 0.72))):
            radius = width * (0.6 + 0.5 * u[5 + 3 * i])
            x = width * (0.1 + 0.8 * u[6 + 3 * i])
            y = height * (crest + 0.12 * u[7 + 3 * i]) + radius
            hills.append(_Disc(x, y, radius, colour, alpha))
        return cls(width, height, top, bottom, band, (sun, *hills))

    def rows(self) -> Iterator[bytes]:
        """The picture's rows, top first; identical rows are built once."""
        last: tuple[object, ...] = ()
        row = b""
        for y in range(self.height):
            sky = self.sky(y)
            spans = tuple((d, d.span(y)) for d in self.discs)
            key = (sky, *(s and (round(s[0], 3), round(s[1], 3)) for _, s in spans))
            if key != last:  # rows repeat one after another, never further apart
                last, row = key, self._row(sky, spans)
            yield row

    def sky(self, y: int) -> RGB:
        """The sky's colour on row *y*: the gradient, lighter in the haze band."""
        colour = _mix(self.top, self.bottom, y / max(1, self.height - 1))
        low, high = self.band
        return _mix(colour, _WHITE, 0.12) if low <= y < high else colour

    def _row(self, sky: RGB, spans: tuple[tuple[_Disc, tuple[float, float] | None], ...]) -> bytes:
        """One row: the sky, then each disc's span, its edges blended by coverage."""
        row = bytearray(bytes(sky) * self.width)
        for disc, span in spans:
            if span is not None:
                _paint(row, self.width, span, _mix(sky, disc.colour, disc.alpha))
        return bytes(row)


def _paint(row: bytearray, width: int, span: tuple[float, float], colour: RGB) -> None:
    """Fill *span* (pixel edges, fractional) of *row* with *colour*; a pixel the span
    covers in part gets that part of the colour, for soft edges."""
    start, end = max(0.0, span[0]), min(float(width), span[1])
    if end <= start:
        return
    full_start, full_end = math.ceil(start), math.floor(end)
    if full_start > full_end:  # within one pixel
        _blend(row, math.floor(start), colour, end - start)
        return
    row[3 * full_start : 3 * full_end] = bytes(colour) * (full_end - full_start)
    if full_start > start:
        _blend(row, full_start - 1, colour, full_start - start)
    if end > full_end:
        _blend(row, full_end, colour, end - full_end)


def _blend(row: bytearray, x: int, colour: RGB, share: float) -> None:
    """Mix *share* of *colour* into pixel *x* of *row*."""
    here = (row[3 * x], row[3 * x + 1], row[3 * x + 2])
    row[3 * x : 3 * x + 3] = bytes(_mix(here, colour, share))


@hookimpl(trylast=True)
def mdslides_image_provider_names() -> list[str]:
    """This module provides the ``offline`` image provider."""
    return ["offline"]


@hookimpl(trylast=True)
def mdslides_get_image_provider(name: str) -> OfflineImageProvider | None:
    """Create the offline image provider when it is asked for."""
    return OfflineImageProvider() if name == "offline" else None
