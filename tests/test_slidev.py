"""Slidev: split and injection fixtures, byte-exact strip, corpus detection and counts."""

from __future__ import annotations

from pathlib import Path

from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import Deck, DeckError, Pipeline, Settings, get_plugin_manager

from .conftest import CORPUS, corpus_rows
from .fixture_tools import all_prompts, inject_all, render_split

FIXTURES = Path(__file__).parent / "fixtures"


def slidev(mode: str = "comment") -> Pipeline:
    return Pipeline(
        Settings(format="slidev", mode=mode), get_plugin_manager(load_entrypoints=False)
    )


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "slidev_split.md")
)
def test_split_fixtures(line: int, title: str, source: str, expected: str) -> None:
    assert render_split(slidev(), source) == expected


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "slidev_inject.md")
)
def test_inject_fixtures(line: int, title: str, source: str, expected: str) -> None:
    pipeline = slidev(title.split(":")[0])
    injected = inject_all(pipeline, source)
    assert injected == expected
    assert inject_all(pipeline, injected) == injected
    assert pipeline.strip(pipeline.parse(Deck.from_text(injected))) == source


@pytest.mark.parametrize("mode", ["comment", "frontmatter"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_created_front_matter_is_stripped_byte_for_byte(mode: str, newline: str) -> None:
    source = newline.join(["# One", "", "---", "", "# Two", "", "---", "---", "", "# Three"])
    pipeline = slidev(mode)
    deck = pipeline.parse(Deck.from_text(source))
    injected = pipeline.inject(deck, all_prompts(deck))
    if mode == "frontmatter":
        assert injected.startswith(f"---{newline}imagePrompt: ")
    again = pipeline.parse(Deck.from_text(injected))
    assert {s.status.value for s in again.slides if s.skip_reason is None} == {"fresh"}
    assert pipeline.strip(again) == source


def test_an_empty_front_matter_of_the_author_is_never_taken_for_ours() -> None:
    source = "# One\n\n---\n---\n\n# Two\n"
    pipeline = slidev("frontmatter")
    deck = pipeline.parse(Deck.from_text(source))
    injected = pipeline.inject(deck, all_prompts(deck))
    assert "---\n---\n<!-- image-prompt" in injected  # falls back to a comment
    assert pipeline.strip(pipeline.parse(Deck.from_text(injected))) == source


def test_bare_carriage_returns_are_refused() -> None:
    with pytest.raises(DeckError, match="bare carriage returns"):
        slidev().parse(Deck.from_text("# A\r\r---\r\r# B"))


def test_corpus_slidev_decks_are_detected_and_counted(pipeline: Pipeline) -> None:
    rows = corpus_rows("slidev")
    assert len(rows) == 4
    for row in rows:
        deck = pipeline.load(CORPUS / row["file"])
        assert deck.format == "slidev", row["file"]
        assert len(deck.slides) == int(row["slides"]), row["file"]
