"""Kinds of slides, from what the audience reads (``fixtures/slide_kinds.md``), and the
guidance each kind puts in the request."""

from __future__ import annotations

from pathlib import Path

from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager
from mdslides_prompts.kinds import GUIDANCE, slide_kind

CASES = read_fixture_file(Path(__file__).parent / "fixtures" / "slide_kinds.md")


@pytest.mark.parametrize(("line", "title", "text", "expected"), CASES, ids=[c[1] for c in CASES])
def test_slide_kind(line: int, title: str, text: str, expected: str) -> None:
    rows = text.rstrip("\n").split("\n")
    first = rows[0] == "first"
    shown = "\n".join(rows[1:] if first else rows)
    kind = slide_kind(shown.split("\n")[0], shown, first=first)
    assert (kind or "-") == expected.strip(), f"line {line}"


DECK = """\
---
marp: true
title: Field trip
---

# Field trip

A day on the ice

---

# Stakes

Each stake is measured twice a year.
The numbers go into one table.
Then into the model.

---

# Thank you!
"""


def test_the_kind_and_its_guidance_reach_the_request() -> None:
    pipeline = Pipeline(Settings(), get_plugin_manager(load_entrypoints=False))
    deck = pipeline.parse(Deck.from_text(DECK))
    kinds = [pipeline.request(deck, slide).context.kind for slide in deck.slides]
    assert kinds == ["title", None, "closing"]
    user = pipeline.request(deck, deck.slides[2]).messages[-1]["content"]
    assert f"Kind of slide: closing: {GUIDANCE['closing']}\n" in user
    assert "Kind of slide" not in pipeline.request(deck, deck.slides[1]).messages[-1]["content"]


def test_guidance_is_phrased_positively() -> None:
    for text in GUIDANCE.values():
        assert not {"no", "not", "never", "without", "avoid"} & set(text.replace(",", "").split())


def test_a_cover_the_author_illustrated_is_still_the_opening(tmp_path: Path) -> None:
    (tmp_path / "cover.jpg").write_bytes(b"\xff\xd8")
    text = DECK.replace("# Field trip\n\nA day", "![bg](cover.jpg)\n\n# Field trip\n\nA day")
    path = tmp_path / "deck.md"
    path.write_text(text, encoding="utf-8")
    for include in (False, True):
        settings = Settings(include_illustrated=include)
        pipeline = Pipeline(settings, get_plugin_manager(load_entrypoints=False))
        deck = pipeline.load(path)
        assert (deck.slides[0].skip_reason is None) is include
        # The next slide is no title slide, and its request is the same either way.
        assert pipeline.request(deck, deck.slides[1]).context.kind is None
