"""Every row of the edge-case matrix, for every format and every mode it takes: the
generator's slide count, and prompts written and stripped again without changing a byte."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mdslides_prompts import Deck, Pipeline, Settings, UsageError, get_plugin_manager
from mdslides_prompts.config import MODES

from .edge_matrix import COUNTS, KNOWN_DIFFERENCES, ROWS
from .fixture_tools import all_prompts

SUPPORTED = {
    "marp": {"comment", "reference", "frontmatter"},
    "slidev": {"comment", "frontmatter"},
    "revealjs": {"comment", "reference"},
    "remark": {"comment"},
    "deckset": {"comment"},
    "lookatme": {"comment", "reference"},
    "pandoc": {"comment"},
    "quarto": {"comment"},
}
CASES = [
    (row, fmt, mode) for row, counts in COUNTS.items() for fmt in counts for mode in SUPPORTED[fmt]
]


def _pipeline(fmt: str, mode: str) -> Pipeline:
    return Pipeline(Settings(format=fmt, mode=mode), get_plugin_manager(load_entrypoints=False))


@pytest.mark.parametrize(
    ("row", "fmt", "mode"), sorted(CASES), ids=[f"{f} {m}: {r}" for r, f, m in sorted(CASES)]
)
def test_row(row: str, fmt: str, mode: str) -> None:
    pipeline = _pipeline(fmt, mode)
    source = ROWS[row]
    deck = pipeline.parse(Deck.from_text(source))
    if (row, fmt) in KNOWN_DIFFERENCES:
        assert len(deck.slides) != COUNTS[row][fmt], "fixed: drop it from KNOWN_DIFFERENCES"
    else:
        assert len(deck.slides) == COUNTS[row][fmt]
    pipeline.check_mode(deck)
    injected = pipeline.inject(deck, all_prompts(deck))
    again = pipeline.parse(replace(deck, text=injected, slides=()))
    assert [s.text for s in again.slides] == [s.text for s in deck.slides]
    assert pipeline.inject(again, all_prompts(again)) == injected
    assert pipeline.strip(again) == deck.text
    assert deck.bom == source.startswith("\ufeff")


@pytest.mark.parametrize("fmt", sorted(SUPPORTED))
def test_other_modes_are_refused_before_any_request(fmt: str) -> None:
    for mode in set(MODES) - SUPPORTED[fmt]:
        pipeline = _pipeline(fmt, mode)
        with pytest.raises(UsageError, match=f"cannot take prompts in '{mode}' mode"):
            pipeline.check_mode(pipeline.parse(Deck.from_text(ROWS["CRLF"])))
