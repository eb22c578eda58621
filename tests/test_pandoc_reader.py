"""pandoc's block reader on its own, text in, blocks out (``fixtures/pandoc_blocks.md``).

Each case is a deck and the top-level blocks the reader finds: kind, first and last line
(1-based), heading level and style, div classes, children indented under their div. The
reader's rules are checked against pandoc itself in ``test_conformance_pandoc*.py``;
these cases pin each rule apart from the slide logic built on it.
"""

from __future__ import annotations

from pathlib import Path

from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts.formats.pandoc.blocks import Block, expand_tabs
from mdslides_prompts.formats.pandoc.reader import Reader

CASES = read_fixture_file(Path(__file__).parent / "fixtures" / "pandoc_blocks.md")


def shown(blocks: list[Block] | tuple[Block, ...], depth: int = 0) -> list[str]:
    """One line per block, its children indented below it."""
    lines = []
    for block in blocks:
        extra = []
        if block.kind == "heading":
            style = "atx" if block.atx else "setext"
            extra.append(f"h{block.level} {style}" + (" empty" if block.empty else ""))
        if block.mid:
            extra.append("mid")
        if block.classes:
            extra.append("." + " .".join(block.classes))
        where = f"{block.kind} {block.start + 1}-{block.end + 1}"
        lines.append("  " * depth + " ".join([where, *extra]))
        lines += shown(block.children, depth + 1)
    return lines


@pytest.mark.parametrize(("line", "title", "text", "expected"), CASES, ids=[c[1] for c in CASES])
def test_reader(line: int, title: str, text: str, expected: str) -> None:
    reader = Reader([expand_tabs(row) for row in text.rstrip("\n").split("\n")])
    assert "\n".join(shown(reader.all_blocks())) == expected.rstrip("\n"), f"line {line}"
