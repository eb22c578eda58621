"""The offline image provider: real PNGs, read back by a reader of the test's own."""

from __future__ import annotations

import asyncio
from collections import Counter
import struct
import subprocess
import sys
import zlib

import pytest

from mdslides_prompts import get_plugin_manager
from mdslides_prompts.colours import COLOURS
from mdslides_prompts.config import Settings
from mdslides_prompts.errors import ProviderError
from mdslides_prompts.providers.offline_image import OfflineImageProvider, draw_placeholder
from mdslides_prompts.providers.pictures import SIZES, ImageProvider, ImageRequest, Picture

PROMPT = "A lighthouse on a rocky coast at dawn"


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an 8-bit RGB PNG, every chunk's CRC checked and
    every filter type undone."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        at += 12 + length
    assert at == len(data)
    kinds = [kind for kind, _ in chunks]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    width, height, depth, colour, *methods = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, methods) == (8, 2, [0, 0, 0])  # 8-bit RGB, no interlace
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = 3 * width
    assert len(raw) == height * (stride + 1)
    rows, above = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        assert kind in range(5), kind
        for x in range(stride if kind else 0):
            left = line[x - 3] if x >= 3 else 0
            up, corner = above[x], above[x - 3] if x >= 3 else 0
            guess = (left, up, (left + up) // 2, _paeth(left, up, corner))[kind - 1]
            line[x] = (line[x] + guess) & 0xFF
        rows.append(bytes(line))
        above = line
    return width, height, rows


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def pixels(rows: list[bytes]) -> Counter[tuple[int, ...]]:
    """How often each colour occurs, over every fourth row (enough, and quick)."""
    return Counter(tuple(row[i : i + 3]) for row in rows[::4] for i in range(0, len(row), 3))


def nearest(rgb: tuple[int, ...]) -> str:
    return min(
        COLOURS, key=lambda n: sum((a - b) ** 2 for a, b in zip(COLOURS[n], rgb, strict=True))
    )


@pytest.mark.parametrize("size", SIZES)
def test_the_png_is_exactly_the_size_asked_for_and_reads_back(size: str) -> None:
    data = draw_placeholder(ImageRequest(PROMPT, size=size))
    width, height, rows = read_png(data)
    assert f"{width}x{height}" == size
    assert all(len(row) == 3 * width for row in rows)
    assert len(pixels(rows)) > 20  # a gradient and shapes, not a flat fill


def test_the_provider_makes_a_picture_without_a_request() -> None:
    provider = OfflineImageProvider()
    assert isinstance(provider, ImageProvider) and provider.name == "offline"

    async def make() -> Picture:
        try:
            return await provider.generate_image(ImageRequest(PROMPT, size="1024x1024"))
        finally:
            await provider.aclose()

    picture = asyncio.run(make())
    assert picture.media_type == "image/png" and picture.requests == 0
    assert read_png(picture.data)[:2] == (1024, 1024)


def test_same_request_same_bytes_in_separate_processes() -> None:
    script = (
        "import hashlib, sys\n"
        "from mdslides_prompts.providers.offline_image import draw_placeholder\n"
        "from mdslides_prompts.providers.pictures import ImageRequest\n"
        "r = ImageRequest(sys.argv[1], size='1024x1792', art_direction='teal and cream')\n"
        "print(hashlib.sha256(draw_placeholder(r)).hexdigest())\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script, PROMPT],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1] and len(runs[0].strip()) == 64


def test_the_art_directions_colours_make_the_palette() -> None:
    request = ImageRequest(PROMPT, art_direction="Flat illustration, navy and sand palette")
    counts = pixels(read_png(draw_placeholder(request))[2])
    navy = sum(n for rgb, n in counts.items() if nearest(rgb) == "navy")
    assert navy > 0.75 * sum(counts.values())
    assert [nearest(rgb) for rgb, _ in counts.most_common(5)] == ["navy"] * 5


def test_longer_colour_names_win_and_other_languages_count() -> None:
    sky = ImageRequest(PROMPT, size="1024x1024", art_direction="a sky blue palette")
    blue = ImageRequest(PROMPT, size="1024x1024", art_direction="a blue palette")
    french = ImageRequest(PROMPT, size="1024x1024", art_direction="couleurs bleu ciel")
    top_left = [read_png(draw_placeholder(r))[2][0][:3] for r in (sky, blue, french)]
    assert top_left[0] == bytes(COLOURS["sky blue"]) == top_left[2]
    assert top_left[1] == bytes(COLOURS["blue"])


def test_different_prompts_draw_different_pictures() -> None:
    seen = {
        draw_placeholder(ImageRequest(prompt, size="1024x1024"))
        for prompt in (PROMPT, "A city skyline at night", "Three gears turning", "A quiet forest")
    }
    assert len(seen) == 4
    one, two = (ImageRequest(PROMPT, art_direction="navy palette", seed=s) for s in (1, 2))
    assert draw_placeholder(one) != draw_placeholder(two)


@pytest.mark.parametrize("size", ["0x10", "5000x10", "wide", "10x"])
def test_a_size_out_of_range_is_a_provider_error(size: str) -> None:
    with pytest.raises(ProviderError, match="WIDTHxHEIGHT"):
        draw_placeholder(ImageRequest(PROMPT, size=size))


def test_the_hooks_offer_offline_and_nothing_else() -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    names = [n for found in pm.hook.mdslides_image_provider_names() for n in found]
    assert "offline" in names
    settings, notify = Settings(), (lambda event: None)
    provider = pm.hook.mdslides_get_image_provider(name="offline", settings=settings, notify=notify)
    assert isinstance(provider, OfflineImageProvider)
    other = pm.hook.mdslides_get_image_provider(name="midjourney", settings=settings, notify=notify)
    assert other is None  # a name no plugin offers (infomaniak and openai are images_http's)
