"""remark: split and injection fixtures, byte-exact round trip, corpus detection and counts."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager

from .conftest import CORPUS, corpus_rows
from .fixture_tools import all_prompts, inject_all, render_split
from .hypothesis_budget import examples

FIXTURES = Path(__file__).parent / "fixtures"
REMARK = Pipeline(Settings(format="remark"), get_plugin_manager(load_entrypoints=False))


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "remark_split.md")
)
def test_split_fixtures(line: int, title: str, source: str, expected: str) -> None:
    assert render_split(REMARK, source) == expected


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "remark_inject.md")
)
def test_inject_fixtures(line: int, title: str, source: str, expected: str) -> None:
    injected = inject_all(REMARK, source)
    assert injected == expected
    assert inject_all(REMARK, injected) == injected
    assert REMARK.strip(REMARK.parse(Deck.from_text(injected))) == source


def test_corpus_remark_decks_are_detected_and_counted(pipeline: Pipeline) -> None:
    rows = corpus_rows("remark")
    assert len(rows) == 3
    for row in rows:
        deck = pipeline.load(CORPUS / row["file"])
        assert deck.format == "remark", row["file"]
        assert len(deck.slides) == int(row["slides"]), row["file"]


LINES = (
    "---", "--", "???", "<!-- break -->", "class: center", "layout: true", "exclude: true",
    "name: x", "# Title", "Title", "text", "```", "~~~", "    code", ".left[", "]", "",
    "<!-- name: v -->", "- item", "Note: colon line",
)  # fmt: skip


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(st.sampled_from(LINES), max_size=40),
    newline=st.sampled_from(["\n", "\r\n"]),
    final=st.booleans(),
)
def test_inject_strip_inject(lines: list[str], newline: str, final: bool) -> None:
    source = newline.join(lines) + (newline if final and lines else "")
    deck = REMARK.parse(Deck.from_text(source))
    prompts = all_prompts(deck)
    injected = REMARK.inject(deck, prompts)  # re-split and checked inside
    again = REMARK.parse(Deck.from_text(injected))
    assert REMARK.inject(again, prompts) == injected
    assert REMARK.strip(again) == source


@pytest.mark.parametrize(
    "prompt", ["A photo of data.items[0 on a screen", "A chart ![:scale 50% of sales", "a .b[c"]
)
def test_a_prompt_that_opens_a_remark_block_does_not_join_slides(prompt: str) -> None:
    # remark's lexer reads comments too: an unescaped '.items[' or '![:' would run to the
    # ']' on slide 3 and swallow the separators between.
    source = "class: center\n\n# One\n\n---\n\n# Two\n\n---\n\n# Three\n\nThe interval (0, 1]\n"
    deck = REMARK.parse(Deck.from_text(source))
    injected = REMARK.inject(deck, all_prompts(deck, lambda n: prompt if n == 1 else f"plain {n}"))
    again = REMARK.parse(Deck.from_text(injected))
    assert [(s.title, s.status.value) for s in again.slides] == [
        ("One", "fresh"), ("Two", "fresh"), ("Three", "fresh")
    ]  # fmt: skip
    assert [s.marker.prompt for s in again.slides if s.marker] == [prompt, "plain 2", "plain 3"]
    assert REMARK.strip(again) == source
