"""The formats' readers on their own, text in, tokens out: pandoc's block reader
(``fixtures/pandoc_blocks.md``), marp-core's markdown-it setup (``fixtures/marp_parser.md``)
and lookatme's mistune lexer (``fixtures/lookatme_lexer.md``).

Each case is a deck and what the reader finds, one line per block or token with its
first and last line (1-based). The readers' rules are checked against the generators
themselves in the conformance tests; these cases pin each rule apart from the slide
logic built on it.
"""

from __future__ import annotations

from pathlib import Path

from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts.formats.lookatme.lexer import DEFAULT_RULES, Lexer
from mdslides_prompts.formats.marp.parser import MD
from mdslides_prompts.formats.pandoc.blocks import Block, expand_tabs
from mdslides_prompts.formats.pandoc.reader import Reader

FIXTURES = Path(__file__).parent / "fixtures"
CASES = read_fixture_file(FIXTURES / "pandoc_blocks.md")
MARP = read_fixture_file(FIXTURES / "marp_parser.md")
LOOKATME = read_fixture_file(FIXTURES / "lookatme_lexer.md")


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
def test_pandoc_reader(line: int, title: str, text: str, expected: str) -> None:
    reader = Reader([expand_tabs(row) for row in text.rstrip("\n").split("\n")])
    assert "\n".join(shown(reader.all_blocks())) == expected.rstrip("\n"), f"line {line}"


@pytest.mark.parametrize(("line", "title", "text", "expected"), MARP, ids=[c[1] for c in MARP])
def test_marp_parser(line: int, title: str, text: str, expected: str) -> None:
    found = []
    for token in MD.parse(text.rstrip("\n")):
        if token.nesting == -1 or token.type == "inline":
            continue
        where = f"{token.map[0] + 1}-{token.map[1]}" if token.map else "-"
        found.append("  " * token.level + f"{token.type} {where}")
    assert "\n".join(found) == expected.rstrip("\n"), f"line {line}"


@pytest.mark.parametrize(
    ("line", "title", "text", "expected"), LOOKATME, ids=[c[1] for c in LOOKATME]
)
def test_lookatme_lexer(line: int, title: str, text: str, expected: str) -> None:
    lexer = Lexer()
    lexer.parse(text.rstrip("\n"), 1, DEFAULT_RULES, top=True)
    found = [
        f"{t.kind} {t.line}-{t.last}" + (f" {t.fields[0]}" if t.kind == "heading" else "")
        for t in lexer.tokens
    ]
    assert "\n".join(found) == expected.rstrip("\n"), f"line {line}"
