"""Properties of injection on generated decks: exact inverse, idempotent, markers only."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager
from mdslides_prompts.deck import split_lines
from mdslides_prompts.marker import is_marker_candidate

from .deck_strategies import decks, slidev_decks
from .fixture_tools import all_prompts
from .hypothesis_budget import examples

PIPELINES = [
    Pipeline(Settings(format="marp", mode=mode), get_plugin_manager(load_entrypoints=False))
    for mode in ("comment", "reference")
]


@settings(max_examples=examples(1000), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=decks(), prompt_text=st.text(max_size=80), pipeline=st.sampled_from(PIPELINES))
# A '|' in a definition above '---' made a one-column table of it (found by this test).
@example(source="\ufeff<!-- headingDivider: 2 -->\n# Title\n---", prompt_text="\\|",
         pipeline=PIPELINES[1])  # fmt: skip
def test_inject_strip_inject(source: str, prompt_text: str, pipeline: Pipeline) -> None:
    deck = pipeline.parse(Deck.from_text(source))
    prompts = all_prompts(deck, lambda index: f"{prompt_text} #{index}", force=False)
    # inject() re-splits its output and refuses it unless every slide is unchanged
    # and reads back its prompt; that check is part of what this property exercises.
    injected = pipeline.inject(deck, prompts)
    injected_deck = pipeline.parse(Deck.from_text(deck.source.replace(deck.text, injected, 1)))
    assert [s.status.value for s in injected_deck.slides if s.index in prompts] == (
        ["fresh"] * len(prompts)
    )

    # Running twice changes nothing.
    assert pipeline.inject(injected_deck, prompts) == injected

    # Strip is the exact inverse, byte for byte (BOM and newlines included).
    assert injected_deck.to_bytes(pipeline.strip(injected_deck)) == deck.to_bytes()

    # Only whole marker lines were added; the last line keeps (or lacks) its newline.
    before, after = deck.lines(), split_lines(injected)
    assert len(after) == len(before) + len(prompts)
    assert _non_markers(after) == _non_markers(before)
    assert injected.endswith(("\n", "\r")) == deck.text.endswith(("\n", "\r")) or not deck.text


def _non_markers(lines: list[str]) -> list[str]:
    return [line.rstrip("\r\n") for line in lines if not is_marker_candidate(line)]


MARP_FRONT_MATTER = Pipeline(
    Settings(format="marp", mode="frontmatter"), get_plugin_manager(load_entrypoints=False)
)


@settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=decks(), prompt_text=st.text(max_size=60))
def test_front_matter_mode_is_undone_by_strip(source: str, prompt_text: str) -> None:
    """The deck-level ``image-prompts:`` block too: strip(run(deck)) == deck, the author's
    own key and flagged entries included."""
    _round_trip(MARP_FRONT_MATTER, source, prompt_text)


SLIDEV = [
    Pipeline(Settings(format="slidev", mode=mode), get_plugin_manager(load_entrypoints=False))
    for mode in ("comment", "frontmatter")
]


@settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=slidev_decks(), prompt_text=st.text(max_size=60), pipeline=st.sampled_from(SLIDEV))
def test_slidev_inject_strip_inject(source: str, prompt_text: str, pipeline: Pipeline) -> None:
    _round_trip(pipeline, source, prompt_text)


def _round_trip(pipeline: Pipeline, source: str, prompt_text: str) -> None:
    """Injecting is checked inside, twice changes nothing, strip is the exact inverse."""
    deck = pipeline.parse(Deck.from_text(source))
    prompts = all_prompts(deck, lambda index: f"{prompt_text} #{index}", force=False)
    injected = pipeline.inject(deck, prompts)  # re-split and checked inside
    injected_deck = pipeline.parse(Deck.from_text(deck.source.replace(deck.text, injected, 1)))
    assert pipeline.inject(injected_deck, prompts) == injected
    assert injected_deck.to_bytes(pipeline.strip(injected_deck)) == deck.to_bytes()
