"""A small PNG encoder: 8-bit RGB pixels, given row by row, to a PNG file's bytes.

Pure Python over :mod:`zlib` and :mod:`struct` (no imaging library): enough for the
offline image provider's placeholders. Every row is stored unfiltered (filter type 0);
zlib finds the repeats a placeholder's flat areas make.
"""

from __future__ import annotations

from collections.abc import Iterable
import struct
import zlib

__all__ = ["SIGNATURE", "encode_png"]

SIGNATURE = b"\x89PNG\r\n\x1a\n"
"""The eight bytes every PNG file starts with."""

_RGB = 2  # IHDR colour type: truecolour, three samples a pixel
_MAX_SIDE = 2**31 - 1  # the PNG specification's limit for a width or a height


def encode_png(width: int, height: int, rows: Iterable[bytes], level: int = 6) -> bytes:
    """The PNG file of a *width* x *height* 8-bit RGB image.

    :param rows: *height* rows, top first, each ``3 * width`` bytes (R, G, B per pixel)
    :param level: the zlib compression level (0-9)
    :raises ValueError: for a size out of range or a row of the wrong length or count
    """
    if not (0 < width <= _MAX_SIDE and 0 < height <= _MAX_SIDE):
        raise ValueError(f"a PNG is 1 to {_MAX_SIDE} pixels a side, not {width}x{height}")
    stride = 3 * width
    packer = zlib.compressobj(level)
    parts = []
    count = 0
    for row in rows:
        if len(row) != stride:
            raise ValueError(f"row {count} is {len(row)} bytes, not {stride}")
        parts.append(packer.compress(b"\x00" + row))
        count += 1
    if count != height:
        raise ValueError(f"{count} rows given for an image {height} pixels high")
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, _RGB, 0, 0, 0)
    return b"".join(
        (SIGNATURE, _chunk(b"IHDR", header), _chunk(b"IDAT", b"".join(parts)), _chunk(b"IEND"))
    )


def _chunk(kind: bytes, data: bytes = b"") -> bytes:
    """One chunk: its length, type, data and the CRC-32 of type and data."""
    crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
