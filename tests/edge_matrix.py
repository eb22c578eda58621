"""The edge-case matrix of ``slide-formats.md`` §7 (plus the issue's extra rows), as decks.

Each row is a small deck built around one trap; ``COUNTS`` gives the slides each
generator produces for it. The marp, slidev and revealjs columns are checked against
the real parsers by the conformance tests (which also split and inject these decks), and
the lookatme column by lookatme's own parser in its conformance test, the pandoc and
quarto columns by pandoc 3.9 (``conformance/pandoc/slides.py``); the others follow the
research's checks of the real tools. ``KNOWN_DIFFERENCES`` lists where we differ.
"""

from __future__ import annotations

from pathlib import Path

ROWS: dict[str, str] = {
    "other thematic breaks": "# A\n\n***\n\n# B\n\n___\n\n# C\n\n- - -\n\n# D\n",
    "backtick fence holding ---": "# A\n\n```\n---\n```\n\n---\n\n# B\n",
    "tilde fence holding ---": "# A\n\n~~~\n---\n~~~\n\n---\n\n# B\n",
    "multi-line comment holding ---": "# A\n\n<!--\n---\n-->\n\n---\n\n# B\n",
    "html block holding ---": "# A\n\n<div>\n---\n</div>\n\n---\n\n# B\n",
    "setext heading": "# A\n\nTitle\n---\n\ntext\n",
    "--- right under a heading": "# A\n---\n# B\n",
    "--- with a trailing space": "# A\n\n--- \n\n# B\n",
    "--- on line 1, never closed": "---\n# A\n\ntext\n",
    "two --- in a row": "# A\n\n---\n---\n\n# B\n",
    "CRLF": "# A\r\n\r\ntext\r\n\r\n---\r\n\r\n# B\r\n",
    "BOM": "\ufeff# A\n\ntext\n\n---\n\n# B\n",
    "tabs": "# A\n\n\tcode\n\t---\n\n---\n\n# B\n",
    "empty deck": "",
    "unclosed front matter": "---\ntitle: x\n\n# A\n\n---\n\n# B\n",
}

_FORMATS = ("marp", "slidev", "revealjs", "remark", "deckset", "lookatme", "pandoc", "quarto")
_TABLE = {
    # row: marp, slidev, revealjs, remark, deckset, lookatme, pandoc, quarto
    "other thematic breaks": (4, 1, 1, 1, 1, 4, 7, 7),
    "backtick fence holding ---": (2, 2, 3, 2, 2, 2, 2, 3),
    "tilde fence holding ---": (2, 2, 3, 2, 2, 2, 2, 3),
    "multi-line comment holding ---": (2, 2, 3, 3, 2, 2, 3, 3),
    "html block holding ---": (2, 2, 3, 3, 2, 2, 1, 1),
    "setext heading": (1, 2, 2, 2, 1, 2, 2, 2),
    "--- right under a heading": (2, 2, 2, 2, 1, 2, 2, 2),
    "--- with a trailing space": (2, 2, 1, 1, 2, 2, 3, 3),
    "--- on line 1, never closed": (1, 1, 1, 2, 1, 1, 1, 2),
    "two --- in a row": (3, 2, 2, 3, 1, 3, 2, 2),
    "CRLF": (2, 2, 2, 2, 2, 2, 2, 3),
    "BOM": (2, 2, 2, 2, 2, 2, 2, 3),
    "tabs": (2, 2, 2, 2, 2, 2, 2, 3),
    "empty deck": (1, 1, 1, 1, 1, 1, 1, 1),
    "unclosed front matter": (1, 1, 2, 3, 2, 1, 1, 1),
}
COUNTS: dict[str, dict[str, int]] = {
    row: dict(zip(_FORMATS, counts, strict=True)) for row, counts in _TABLE.items()
}
"""Slides per row and format, as the generator makes them."""

KNOWN_DIFFERENCES = {
    ("empty deck", "pandoc"): "pandoc makes one empty slide of an empty deck; we make none",
    ("empty deck", "quarto"): "pandoc makes one empty slide of an empty deck; we make none",
}
"""Rows where we do not match the generator yet, and why."""


def write_rows(folder: Path) -> list[Path]:
    """Each row as a file in *folder* (bytes exactly as in :data:`ROWS`)."""
    paths = []
    for number, text in enumerate(ROWS.values()):
        path = folder / f"matrix-{number:02}.md"
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    return paths
