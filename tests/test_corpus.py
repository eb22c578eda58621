"""Every shared-corpus deck of an implemented format: detected as its format, and split
into the slide count the MANIFEST gives (with the options its host page or tool sets)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager

from .conftest import CORPUS, EXAMPLE_DECKS, corpus_rows, require_corpus
from .fixture_tools import separators

IMPLEMENTED = set(Pipeline(Settings(), get_plugin_manager(load_entrypoints=False)).format_names())


# Without the corpus (a fresh clone), one case that skips and says why.
ROWS = corpus_rows(required=False) or [None]


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row["file"] if row else "no-corpus")
def test_corpus_deck(row: dict[str, str] | None) -> None:
    require_corpus()
    assert row is not None
    if row["format"] not in IMPLEMENTED:
        pytest.skip(f"{row['format']} is not implemented yet")
    config = json.loads(row["config"])
    path = CORPUS / row["file"]
    deck = Deck.from_bytes(path.read_bytes(), path)
    plain = Pipeline(Settings(), get_plugin_manager(load_entrypoints=False))
    found = plain.detect(deck)
    if not config:  # nothing outside the file decides how it splits
        assert (found.format, found.confident) == (row["format"], True), found.explain()
    else:  # the options live in the host page or a file beside it: never a wrong certainty
        assert not found.confident or found.format == row["format"], found.explain()
    settings = Settings(
        format=config.get("generator", row["format"]),
        extra=separators(
            config.get("separator"), config.get("vertical_separator"), config.get("notes_separator")
        ),
    )
    split = Pipeline(settings, get_plugin_manager(load_entrypoints=False)).parse(deck)
    assert len(split.slides) == int(row["slides"])


@pytest.mark.parametrize("path", sorted(EXAMPLE_DECKS), ids=lambda p: p.name)
def test_example_deck(path: Path) -> None:
    fmt, count = EXAMPLE_DECKS[path]
    pipeline = Pipeline(Settings(), get_plugin_manager(load_entrypoints=False))
    deck = pipeline.load(path)
    assert (deck.format, len(deck.slides)) == (fmt, count)
    assert count >= 15
