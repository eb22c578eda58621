"""The offline provider: deterministic, short, about the slide, never asks for text."""

from __future__ import annotations

import asyncio
import re

from mdslides_prompts import Deck, Pipeline
from mdslides_prompts.providers.offline import MAX_WORDS, OfflineProvider

from .conftest import EXAMPLE_DECK


def prompts_for(pipeline: Pipeline, deck: Deck) -> list[str]:
    provider = OfflineProvider()
    return [
        asyncio.run(provider.generate(pipeline.request(deck, slide)))
        for slide in deck.slides
        if slide.skip_reason is None
    ]


def test_prompts_are_deterministic_short_and_about_the_slide(pipeline: Pipeline) -> None:
    deck = pipeline.load(EXAMPLE_DECK)
    first = prompts_for(pipeline, deck)
    assert first == prompts_for(pipeline, pipeline.load(EXAMPLE_DECK))
    assert len(first) == 20 and len(set(first)) == 20
    for slide, prompt in zip(deck.slides, first, strict=True):
        assert 8 <= len(prompt.split()) <= MAX_WORDS
        assert "\n" not in prompt and "--" not in prompt
        if slide.title:
            assert slide.title.split()[0].strip(",:") in prompt
        # It may say "no text", but never asks for words, captions or labels in the image.
        asked = re.sub(r"no text or lettering", "", prompt)
        assert not re.search(r"\b(text|caption|label|lettering|words|title card)\b", asked, re.I)


def test_deck_context_shapes_every_prompt(pipeline: Pipeline) -> None:
    deck = pipeline.load(EXAMPLE_DECK)
    prompts = prompts_for(pipeline, deck)
    # One style for the whole deck, and the gaia theme's palette.
    styles = {p.split(" of ")[0] for p in prompts}
    assert len(styles) == 1
    assert all("warm cream and deep teal palette" in p for p in prompts)
    assert all("Alpine Glaciers" in p for p in prompts)


def test_key_terms_come_from_the_body(pipeline: Pipeline) -> None:
    body = "Pollination of orchards by wild bees and bumblebees; pollination matters."
    deck = pipeline.parse(Deck.from_text(f"---\nmarp: true\n---\n\n# Bees\n\n{body}\n"))
    [prompt] = prompts_for(pipeline, deck)
    assert prompt.startswith(
        tuple(
            s.capitalize()
            for s in ("clean", "soft", "minimal", "cinematic", "isometric", "textured")
        )
    )
    assert "of Bees" in prompt and "Pollination" in prompt
    assert "evoking Pollination" in prompt  # the most frequent term comes first


def test_cjk_terms_are_words_not_sentences(pipeline: Pipeline) -> None:
    deck = pipeline.parse(
        Deck.from_text("---\nmarp: true\n---\n\n# 氷河\n\n氷河は何百年もの気候を記録しています。\n")
    )
    [prompt] = prompts_for(pipeline, deck)
    assert "何百年" in prompt and "記録しています" not in prompt
