"""lookatme: rules as fixtures, byte-exact round trip, detection, the corpus tour."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager
from mdslides_prompts.deck import split_lines
from mdslides_prompts.errors import UsageError
from mdslides_prompts.marker import is_marker_candidate

from .conftest import CORPUS, detected, require_corpus
from .deck_strategies import lookatme_decks
from .fixture_tools import all_prompts, inject_all, render_split
from .hypothesis_budget import examples

FIXTURES = Path(__file__).parent / "fixtures"
TOUR = CORPUS / "lookatme--d0c-s4vage--lookatme--tour.md"


def _pipeline(mode: str = "comment") -> Pipeline:
    return Pipeline(
        Settings(format="lookatme", mode=mode), get_plugin_manager(load_entrypoints=False)
    )


LOOKATME = _pipeline()
REFERENCE = _pipeline("reference")


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "lookatme_split.md")
)
def test_split_fixtures(line: int, title: str, source: str, expected: str) -> None:
    assert render_split(LOOKATME, source) == expected


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "lookatme_inject.md")
)
def test_inject_fixtures(line: int, title: str, source: str, expected: str) -> None:
    injected = inject_all(LOOKATME, source)
    assert injected == expected
    assert inject_all(REFERENCE, source) == injected  # both modes write the invisible form
    assert "<!-- image-prompt" not in injected
    assert inject_all(LOOKATME, injected) == injected
    # Strip undoes it exactly (a source's own markers go too).
    bare = LOOKATME.strip(LOOKATME.parse(Deck.from_text(source)))
    assert LOOKATME.strip(LOOKATME.parse(Deck.from_text(injected))) == bare
    assert bare == source or "[image-prompt" in source


def _ranges(source: str) -> list[tuple[int, int, str | None]]:
    deck = LOOKATME.parse(Deck.from_text(source))
    return [(s.start_line, s.end_line, s.skip_reason) for s in deck.slides]


def test_empty_deck_is_one_empty_slide() -> None:
    assert _ranges("") == [(1, 0, "empty")]


def test_bom_hides_the_meta_and_keeps_the_marker_off_line_1() -> None:
    # lookatme keeps the BOM: '\ufeff---' is text, and 'title: T' + '---' a setext heading.
    deck = LOOKATME.parse(Deck.from_text("\ufeff---\ntitle: T\n---\n\n# A\n"))
    assert deck.front_matter is None
    assert [(s.start_line, s.end_line, s.title) for s in deck.slides] == [
        (1, 4, "title: T"),
        (5, 5, "A"),
    ]
    # A marker on line 1 would follow the BOM and be text, so it goes after that line.
    source = "\ufeff# Title\ntext\n"
    deck = LOOKATME.parse(Deck.from_text(source))
    assert deck.slides[0].anchor_line == 2
    injected = inject_all(LOOKATME, source)
    assert deck.to_bytes(injected).startswith("\ufeff# Title\ntext\n[image-prompt ".encode())
    again = LOOKATME.parse(Deck.from_text(deck.source.replace(deck.text, injected, 1)))
    assert again.to_bytes(LOOKATME.strip(again)) == source.encode("utf-8")


def test_bom_only_deck_is_empty() -> None:
    assert _ranges("\ufeff") == [(1, 1, "empty")]


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_split_like_lf(newline: str) -> None:
    source = "---\nstyles: {}\n---\n# A\n\n<!-- stop -->\n\nb\n\n***\n\n# C\n"
    assert _ranges(source.replace("\n", newline)) == _ranges(source)
    injected = inject_all(LOOKATME, source.replace("\n", newline))
    assert injected == inject_all(LOOKATME, source).replace("\n", newline)


def test_meta_is_lookatme_s_and_a_lone_heading_is_the_title() -> None:
    deck = LOOKATME.parse(Deck.from_text("---\ndate: 2020-10-09\nstyles: {}\n---\n# Deck\n"))
    assert dict(deck.meta) == {"date": "2020-10-09", "styles": {}, "title": "Deck"}
    deck = LOOKATME.parse(Deck.from_text("---\ntitle: Given\n---\n# Deck\n"))
    assert deck.meta["title"] == "Given"


def test_frontmatter_mode_is_refused() -> None:
    pipeline = _pipeline("frontmatter")
    with pytest.raises(UsageError, match="frontmatter"):
        pipeline.check_mode(pipeline.parse(Deck.from_text("# A\n")))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("---\nstyles:\n  style: monokai\n---\n# A\n", "lookatme"),
        ("\n\n--- \nextensions:\n  - qrcode\n-----\n# A\n", "lookatme"),
        ("---\ntitle: T\nauthor: me\n---\n# A\n", None),  # nobody's own keys
        ("---\nstyles: monokai\n---\n# A\n", None),  # lookatme's styles are a mapping
        ("---\nextensions: yes\n---\n# A\n", None),
        ("# A\n\nstyles:\n  a: 1\n", None),
        ("\ufeff---\nstyles: {}\n---\n", None),  # lookatme sees no meta after a BOM
    ],
)
def test_detection(source: str, expected: str | None, pipeline: Pipeline) -> None:
    assert detected(pipeline, Deck.from_text(source)) == expected


def test_no_other_corpus_deck_is_detected_as_lookatme(pipeline: Pipeline) -> None:
    require_corpus()
    decks = sorted(CORPUS.glob("*.md")) + sorted(CORPUS.glob("*.qmd"))
    found = {
        p.name
        for p in decks
        if pipeline.detect(Deck.from_bytes(p.read_bytes(), p)).format == "lookatme"
    }
    assert found == {TOUR.name}


def test_tour_splits_as_lookatme_does(pipeline: Pipeline) -> None:
    require_corpus(TOUR)
    deck = pipeline.load(TOUR)
    assert deck.format == "lookatme"
    assert deck.front_matter is not None and (deck.front_matter.start, deck.front_matter.end) == (
        1,
        19,
    )
    assert deck.meta["title"] == "lookatme Tour"
    # lookatme 2.5.5's Parser, as conformance/lookatme/slides.py reports it.
    assert [(s.start_line, s.end_line) for s in deck.slides] == [
        (20, 34), (36, 46), (48, 63), (65, 78), (80, 97), (99, 117), (99, 121), (123, 128),
        (130, 146), (148, 156), (158, 176), (178, 193), (195, 200), (202, 217), (219, 237),
    ]  # fmt: skip
    assert [s.skip_reason for s in deck.slides].count("incremental continuation") == 1
    assert sum(s.skip_reason is None for s in deck.slides) == 14


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=lookatme_decks(),
    prompt_text=st.text(max_size=60),
    pipeline=st.sampled_from([LOOKATME, REFERENCE]),
)
def test_inject_strip_inject(source: str, prompt_text: str, pipeline: Pipeline) -> None:
    deck = pipeline.parse(Deck.from_text(source))
    prompts = all_prompts(deck, lambda index: f"{prompt_text} #{index}")
    injected = pipeline.inject(deck, prompts)  # re-split, token-checked and read back inside
    again = pipeline.parse(Deck.from_text(deck.source.replace(deck.text, injected, 1)))
    assert [s.status.value for s in again.slides if s.skip_reason is None] == ["fresh"] * len(
        prompts
    )
    assert pipeline.inject(again, prompts) == injected
    assert again.to_bytes(pipeline.strip(again)) == deck.to_bytes()
    # Only whole marker lines were added.
    before, after = deck.lines(), split_lines(injected)
    assert len(after) == len(before) + len(prompts)
    kept = [line.rstrip("\r\n") for line in after if not is_marker_candidate(line)]
    assert kept == [line.rstrip("\r\n") for line in before]
