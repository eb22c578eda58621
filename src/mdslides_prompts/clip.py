"""CLIP's tokenizer, for counting what an image model's text encoder reads of a prompt.

Image models with a CLIP text encoder (flux, Stable Diffusion) read 77 tokens, two of
them the start and end marks. This is the byte-level BPE of OpenAI's CLIP
(``clip/simple_tokenizer.py``): the text is tidied as ``ftfy`` does (the fixes that need
no guessing: ligatures, full-width forms, curly quotes, control characters, NFC; not
mojibake repair), HTML entities are decoded, white space folded and letters lower-cased;
CLIP's pattern splits it into words, and each word's UTF-8 bytes, mapped to letters, are
merged by the published merge list. ``clip_merges.txt.gz`` holds the 48,894 merges CLIP
uses (MIT licence, see ``clip_merges.LICENSE``); it is read on the first count, never at
import, and each word's pieces are remembered.
"""

from __future__ import annotations

import functools
import html
import itertools
import math
from typing import TYPE_CHECKING
import unicodedata

if TYPE_CHECKING:
    import regex

__all__ = ["MERGES_FILE", "MERGES_USED", "count_tokens", "tokenize", "warm"]

MERGES_FILE = "clip_merges.txt.gz"
"""The merge list, beside this module (its first line is a version header)."""

MERGES_USED = 49152 - 256 - 2
"""Merges CLIP uses: its vocabulary of 49,408 less 2 x 256 byte letters and 2 marks."""

_SPECIAL = ("<|startoftext|>", "<|endoftext|>")
_END = "</w>"
# ftfy's fixes that need no guessing, as one translation table.
_LIGATURES = dict(
    zip(
        "\u0132\u0133\u0149\u01f1\u01f2\u01f3\u01c4\u01c5\u01c6\u01c7\u01c8\u01c9\u01ca"
        "\u01cb\u01cc\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06",
        "IJ ij \u02bcn DZ Dz dz D\u017d D\u017e d\u017e LJ Lj lj NJ Nj nj ff fi fl ffi ffl "
        "\u017ft st".split(),
        strict=True,
    )
)
_CONTROLS = (*range(0x09), 0x0B, *range(0x0E, 0x20), 0x7F, *range(0x206A, 0x2070), 0xFEFF,
             *range(0xFFF9, 0xFFFD))  # fmt: skip


def count_tokens(text: str) -> int:
    """How many CLIP tokens *text* takes, without the start and end marks."""
    return sum(len(_pieces(word)) for word in _words(text))


def tokenize(text: str) -> list[str]:
    """*text*'s CLIP tokens as strings: UTF-8 bytes shown as CLIP's byte letters, a word's
    last piece ending in ``</w>`` (``"a lake"`` is ``["a</w>", "lake</w>"]``)."""
    return [piece for word in _words(text) for piece in _pieces(word)]


def warm() -> None:
    """Read the merge list and build the tables the first count needs (about 30 ms), so
    that a caller with time to spare, waiting on the network, spares the first count it."""
    _fixes()
    _patterns()
    _byte_letters()
    _ranks()


def _words(text: str) -> list[str]:
    """*text* cleaned as CLIP cleans it, split into CLIP's words."""
    if "<" not in text:  # ftfy decodes entities only then; CLIP twice more, always
        text = html.unescape(text)
    text = unicodedata.normalize("NFC", text.translate(_fixes()))
    text = html.unescape(html.unescape(text))
    pattern, blanks = _patterns()
    return pattern.findall(blanks.sub(" ", text).strip().lower())


@functools.cache
def _fixes() -> dict[int, str | None]:
    table: dict[int, str | None] = {0x3000: " "}
    for code in range(0xFF01, 0xFFF0):  # full- and half-width forms
        plain = unicodedata.normalize("NFKC", chr(code))
        if plain != chr(code):
            table[code] = plain
    table.update((ord(ch), plain) for ch, plain in _LIGATURES.items())
    table.update(dict.fromkeys((0x02BC, *range(0x2018, 0x201C)), "'"))
    table.update(dict.fromkeys(range(0x201C, 0x2020), '"'))
    table.update(dict.fromkeys(_CONTROLS))
    for code in range(0x80, 0xA0):  # C1 controls, read as Windows-1252 (as browsers do)
        shown = bytes([code]).decode("cp1252", errors="ignore") or chr(code)
        table[code] = shown.translate(table)
    return table


@functools.cache
def _patterns() -> tuple[regex.Pattern[str], regex.Pattern[str]]:
    import regex  # only when a prompt is counted

    words = regex.compile(
        r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]"
        r"|[^\s\p{L}\p{N}]+",
        regex.IGNORECASE,
    )
    return words, regex.compile(r"\s+")


@functools.cache
def _byte_letters() -> tuple[str, ...]:
    """The letter CLIP writes each byte as: printable Latin-1 bytes as themselves, the
    others (blanks, controls) as the letters from U+0100 on."""
    shown = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    letters = {byte: chr(byte) for byte in shown}
    hidden = (byte for byte in range(256) if byte not in letters)
    letters.update((byte, chr(256 + n)) for n, byte in enumerate(hidden))
    return tuple(letters[byte] for byte in range(256))


@functools.cache
def _ranks() -> dict[str, int]:
    """Each merge's rank (earlier merges first) by its line in :data:`MERGES_FILE`, the two
    pieces and a space between (no piece holds a space: CLIP writes it as a letter)."""
    import gzip
    from importlib import resources

    data = resources.files(__package__).joinpath(MERGES_FILE).read_bytes()
    lines = gzip.decompress(data).decode("utf-8").split("\n")[1 : MERGES_USED + 1]
    return {line: rank for rank, line in enumerate(lines)}


@functools.lru_cache(maxsize=1 << 16)
def _pieces(word: str) -> tuple[str, ...]:
    """*word*'s BPE pieces: its byte letters merged, lowest-ranked pair first, until no
    pair of neighbours is a merge."""
    if word in _SPECIAL:
        return (word,)
    letters = _byte_letters()
    symbols = [letters[byte] for byte in word.encode("utf-8")]
    symbols[-1] += _END
    ranks = _ranks()
    while len(symbols) > 1:
        pairs = [f"{first} {second}" for first, second in itertools.pairwise(symbols)]
        best = min(pairs, key=lambda pair: ranks.get(pair, math.inf))
        if best not in ranks:
            break
        first, second = best.split(" ")
        merged: list[str] = []
        for symbol in symbols:
            if merged and merged[-1] == first and symbol == second:
                merged[-1] += symbol
            else:
                merged.append(symbol)
        symbols = merged
    return tuple(symbols)
