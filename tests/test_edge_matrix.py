"""Every row of the edge-case matrix, for every format: the generator's slide count, and
prompts written and stripped again without changing a byte."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager

from .edge_matrix import COUNTS, ROWS
from .fixture_tools import all_prompts

CASES = [(row, fmt) for row, counts in COUNTS.items() for fmt in counts]


@pytest.mark.parametrize(("row", "fmt"), CASES, ids=[f"{f}: {r}" for r, f in CASES])
def test_row(row: str, fmt: str) -> None:
    pipeline = Pipeline(Settings(format=fmt), get_plugin_manager(load_entrypoints=False))
    source = ROWS[row]
    deck = pipeline.parse(Deck.from_text(source))
    assert len(deck.slides) == COUNTS[row][fmt]
    injected = pipeline.inject(deck, all_prompts(deck))
    again = pipeline.parse(replace(deck, text=injected, slides=()))
    assert [s.text for s in again.slides] == [s.text for s in deck.slides]
    assert pipeline.inject(again, all_prompts(again)) == injected
    assert pipeline.strip(again) == deck.text
    assert deck.bom == source.startswith("\ufeff")
