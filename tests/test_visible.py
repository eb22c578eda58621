"""What a slide shows: each format's hidden syntax (notes, directives, front matter,
layout markers, comments and tags) is left out, code blocks are kept whole."""

from __future__ import annotations

from pathlib import Path

from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager
from mdslides_prompts.visible import plain_text, visible_text

from .fixture_tools import separators

FIXTURES = Path(__file__).parent / "fixtures"


def render_visible(fmt: str, source: str) -> str:
    """Each slide that gets a prompt, as ``--- slide N`` and the text it shows."""
    pipeline = Pipeline(Settings(format=fmt), get_plugin_manager(load_entrypoints=False))
    deck = pipeline.parse(Deck.from_text(source))
    return "".join(
        f"--- slide {s.index}\n{visible_text(s.text, deck.format, s.notes)}\n"
        for s in deck.slides
        if s.skip_reason is None
    )


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "visible_text.md")
)
def test_visible_text_fixtures(line: int, title: str, source: str, expected: str) -> None:
    assert render_visible(title.split(":")[0], source) == expected


def test_notes_behind_a_custom_separator_are_left_out() -> None:
    settings = Settings(format="revealjs", extra=separators(notes_separator="^Speaker:"))
    pipeline = Pipeline(settings, get_plugin_manager(load_entrypoints=False))
    deck = pipeline.parse(Deck.from_text("# Rivers\n\nDeltas.\n\nSpeaker: Zeppelin story.\n"))
    [slide] = deck.slides
    assert slide.notes == ("Zeppelin story.",)
    assert visible_text(slide.text, deck.format, slide.notes) == "# Rivers\n\nDeltas."


def test_an_unknown_format_loses_comments_and_tags_only() -> None:
    text = "# A <b>bold</b> move\n\nNote: kept\n\n<!-- hidden -->\n???\n"
    assert visible_text(text, None) == "# A bold move\n\nNote: kept\n\n???"


def test_struck_words_are_read_without_their_marks() -> None:
    assert plain_text("They are disappearing ~~slowly~~ fast") == (
        "They are disappearing slowly fast"
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("```python\ndef fetch_tiles(x):\n    return Cache(x)\n\nclass Cache:\n    pass\n```",
         "[code in python, 5 lines: fetch_tiles, Cache]"),
        ("```sql\nCREATE TABLE glaciers (id int);\n```", "[code in sql, 1 line: glaciers]"),
        ("```bash\n#!/bin/sh\n# melt the snow layer by layer\nrm -rf snow\n```",
         "[code in bash, 3 lines: melt the snow layer by layer]"),
        ("```\nx = 1\n```", "[code, 1 line]"),
    ],
)  # fmt: skip
def test_code_says_what_it_is_about(code: str, expected: str) -> None:
    assert plain_text(code) == expected
