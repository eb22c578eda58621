"""Benchmark decks: what authors write, at any length, in several formats.

Each slide is drawn, in turn, from a set of kinds that real decks mix (a title slide, a
bullet list, a table, a code fence, an image with a caption, a quote, a section divider,
a slide with speaker notes) and a set of languages (English, French, German, Spanish,
Japanese, Russian, Arabic), so a long deck is the example decks' mix over and over, not
one slide repeated: every slide differs from the others (its number is in its text).

    python benchmarks/decks.py marp 1000 > deck.md
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
import sys

FORMATS = ("marp", "slidev", "reveal-md", "pandoc")
"""The formats a deck can be written for: each its own front matter, separators, notes."""

_WORDS = {
    "en": ("Glaciers carve the valleys", "meltwater feeds the rivers", "moraines mark the edge"),
    "fr": ("Les glaciers creusent les vallées", "l'eau de fonte nourrit les rivières",
           "les moraines marquent la limite"),
    "de": ("Gletscher formen die Täler", "Schmelzwasser speist die Flüsse",
           "Moränen markieren den Rand"),
    "es": ("Los glaciares excavan los valles", "el deshielo alimenta los ríos",
           "las morrenas marcan el borde"),
    "ja": ("氷河が谷を削る", "融けた水が川を満たす", "モレーンが縁を示す"),
    "ru": ("Ледники прорезают долины", "талая вода питает реки", "морены отмечают край"),
    "ar": ("الأنهار الجليدية تنحت الوديان", "مياه الذوبان تغذي الأنهار", "الركام يحدد الحافة"),
}  # fmt: skip
_LANGUAGES = tuple(_WORDS)


def _title(n: int, words: tuple[str, ...]) -> str:
    return f"{words[n % 3]} ({n})"


def _bullets(n: int, words: tuple[str, ...]) -> str:
    items = "\n".join(f"- {w}, **{n}** [source](https://example.org/{n}/{i})"
                      for i, w in enumerate(words))  # fmt: skip
    return f"{items}\n  - nested point with `code {n}`"


def _table(n: int, words: tuple[str, ...]) -> str:
    rows = "\n".join(f"| {w} | {n * (i + 1)} | {i + 1}.{n % 10} km |" for i, w in enumerate(words))
    return f"| What | Count | Length |\n|---|---:|---:|\n{rows}"


def _fence(n: int, words: tuple[str, ...]) -> str:
    return (
        f"```python\ndef flow_{n}(ice: float) -> float:\n"
        f'    """{words[0]}."""\n    return ice * {n % 7 + 1}.5\n```'
    )


def _image(n: int, words: tuple[str, ...]) -> str:
    return f"![{words[1]}](images/photo-{n}.jpg)\n\n*{words[2]}, {1900 + n % 120}*"


def _quote(n: int, words: tuple[str, ...]) -> str:
    return f"> {words[0]}; {words[1]}.\n>\n> — Field notes, page {n}"


def _paragraph(n: int, words: tuple[str, ...]) -> str:
    return (
        f"{words[0]} over thousands of years, and {words[1]} below them; "
        f"*{words[2]}* at slide {n}, with a footnote-like aside.\n\n1. first\n2. second"
    )


_KINDS: tuple[Callable[[int, tuple[str, ...]], str], ...] = (
    _bullets, _table, _paragraph, _fence, _image, _quote, _paragraph, _bullets,
)  # fmt: skip


def _slide(n: int, fmt: str) -> str:
    words = _WORDS[_LANGUAGES[n % len(_LANGUAGES)]]
    heading = "##" if fmt == "pandoc" else "#"
    body = _KINDS[n % len(_KINDS)](n, words)
    text = f"{heading} {_title(n, words)}\n\n{body}\n"
    if n % 4 == 0:  # speaker notes, as each generator reads them
        note = f"Say: {words[2]} ({n})."
        text += {
            "marp": f"\n<!-- {note} -->\n",
            "slidev": f"\n<!--\n{note}\n-->\n",
            "reveal-md": f"\nNote: {note}\n",
            "pandoc": f"\n::: notes\n{note}\n:::\n",
        }[fmt]
    if fmt == "marp" and n % 9 == 0:
        text = f"<!-- _class: lead -->\n\n{text}"
    return text


def realistic_deck(slides: int, fmt: str) -> str:
    """A deck of *slides* slides for *fmt* (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    parts = [_slide(n, fmt) for n in range(1, slides + 1)]
    if fmt == "marp":
        return "---\nmarp: true\ntheme: gaia\npaginate: true\n---\n\n" + "\n---\n\n".join(parts)
    if fmt == "slidev":
        head = "---\ntheme: default\ntitle: Glaciers\n---\n\n"
        # Every seventh slide has its own front matter, as Slidev decks do for layouts.
        return head + "".join(
            (f"\n---\nlayout: center\nclass: text-{n % 3}\n---\n\n" if n % 7 == 0 and n > 1
             else "\n---\n\n" if n > 1 else "") + part
            for n, part in enumerate(parts, start=1)
        )  # fmt: skip
    if fmt == "reveal-md":
        head = "---\ntitle: Glaciers\nrevealOptions:\n  transition: fade\n---\n\n"
        return head + "\n---\n\n".join(parts)
    return "---\ntitle: Glaciers\nauthor: Bench\n---\n\n" + "\n".join(parts)


def write_deck(path: Path, slides: int, fmt: str) -> Path:
    """:func:`realistic_deck` written to *path* (UTF-8); *path*."""
    path.write_text(realistic_deck(slides, fmt), encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.stdout.write(realistic_deck(int(sys.argv[2]), sys.argv[1]))
