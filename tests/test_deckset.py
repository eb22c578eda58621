"""Deckset: documented rules as fixtures, byte-exact round trip, corpus count and ranges."""

from __future__ import annotations

from pathlib import Path
import re
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager

from .conftest import CORPUS, ROOT, require_corpus
from .fixture_tools import all_prompts, inject_all, render_split
from .hypothesis_budget import examples

FIXTURES = Path(__file__).parent / "fixtures"
DECKSET = Pipeline(Settings(format="deckset"), get_plugin_manager(load_entrypoints=False))
SAMPLE = CORPUS / "deckset--kevinlin--Deckset-presentations--10_Deckset_basics.md"


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "deckset_split.md")
)
def test_split_fixtures(line: int, title: str, source: str, expected: str) -> None:
    assert render_split(DECKSET, source) == expected


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "deckset_inject.md")
)
def test_inject_fixtures(line: int, title: str, source: str, expected: str) -> None:
    injected = inject_all(DECKSET, source)
    assert injected == expected
    assert inject_all(DECKSET, injected) == injected
    assert DECKSET.strip(DECKSET.parse(Deck.from_text(injected))) == source


def test_sample_deck_is_detected_and_split_as_documented(pipeline: Pipeline) -> None:
    require_corpus(SAMPLE)
    deck = pipeline.load(SAMPLE)
    assert deck.format == "deckset" and len(deck.slides) == 22
    # An independent splitter written from the same documentation agrees line for line.
    script = ROOT / "conformance" / "lookatme" / "deckset" / "check_deckset.py"
    out = subprocess.run(
        [sys.executable, str(script), str(SAMPLE)], capture_output=True, text=True, check=True
    ).stdout
    ranges = re.findall(r"\[(\d+)-(\d+)\]", out)
    assert [(s.start_line, s.end_line) for s in deck.slides] == [
        (int(a), int(b)) for a, b in ranges
    ]


LINES = (
    "---", "", "", "# Title", "## Sub", "text", "^ note", "\t---", "```", "[.hide-footer]",
    "Title", "- item",
)  # fmt: skip


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    head=st.sampled_from(["", "footer: x\n", "slidenumbers: true\nslide-dividers: #, ##\n\n"]),
    lines=st.lists(st.sampled_from(LINES), max_size=30),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_inject_strip_inject(head: str, lines: list[str], newline: str) -> None:
    source = (head + "\n".join(lines)).replace("\n", newline)
    deck = DECKSET.parse(Deck.from_text(source))
    prompts = all_prompts(deck)
    injected = DECKSET.inject(deck, prompts)  # re-split and checked inside
    again = DECKSET.parse(Deck.from_text(injected))
    assert DECKSET.inject(again, prompts) == injected
    assert DECKSET.strip(again) == source
