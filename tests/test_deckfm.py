"""``--mode frontmatter`` for formats whose front matter belongs to the whole deck:
fixtures, mode switches that strip back to the original bytes, reordering detection."""

from __future__ import annotations

from pathlib import Path

from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import Deck, Pipeline, Settings, SlidePrompt, Status, get_plugin_manager

from .conftest import CORPUS, EXAMPLE_DECK, require_corpus
from .fixture_tools import all_prompts, inject_all

FIXTURES = Path(__file__).parent / "fixtures"


def _pipeline(fmt: str, mode: str = "frontmatter") -> Pipeline:
    return Pipeline(Settings(format=fmt, mode=mode), get_plugin_manager(load_entrypoints=False))


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "deckfm_inject.md")
)
def test_inject_fixtures(line: int, title: str, source: str, expected: str) -> None:
    pipeline = _pipeline(title.split(":")[0])
    injected = inject_all(pipeline, source)
    assert injected == expected
    assert inject_all(pipeline, injected) == injected
    stripped = pipeline.strip(pipeline.parse(Deck.from_text(source)))
    assert pipeline.strip(pipeline.parse(Deck.from_text(injected))) == stripped


DECKS = [
    ("marp", "marp--marp-team--marp-cli--demo.md"),
    ("marp", "marp--yhatt--marp-cli-example--PITCHME.md"),
    ("marp", "marp--RohdeDevelopment--MARP-Slides--Folienmaster.md"),
    ("marp", "marp--SOUSUKEKUROSAWA--marp--sample.md"),
    ("reveal-md", "reveal-md--webpro--reveal-md--demo-a.md"),
    ("mkslides", "mkslides--MartenBE--mkslides--index.md"),
    ("slides-extended", "slides-extended--ebullient--obsidian-slides-extended--syntax-test.md"),
]


@pytest.mark.parametrize(("fmt", "name"), [*DECKS, ("marp", "example")])
def test_switching_modes_keeps_every_byte(fmt: str, name: str) -> None:
    path = EXAMPLE_DECK if name == "example" else CORPUS / name
    require_corpus(path)
    original = Deck.from_bytes(path.read_bytes(), path)
    base = _pipeline(fmt).strip(_pipeline(fmt).parse(original))
    text = base
    for mode in ("frontmatter", "comment", "frontmatter", "comment", "frontmatter"):
        pipeline = _pipeline(fmt, mode)
        deck = pipeline.parse(Deck.from_text(text, path))
        prompts = all_prompts(deck, lambda i: f'Glacier -- at {i}: "dawn" --> # x')
        text = pipeline.inject(deck, prompts)
        after = pipeline.parse(Deck.from_text(text, path))
        assert {m.form for s in after.slides for m in s.markers} <= {"comment", mode}
        assert all(s.status is Status.FRESH for s in after.slides if s.index in prompts)
        assert pipeline.strip(after) == base
    assert original.text == base or any(s.markers for s in _pipeline(fmt).parse(original).slides)


def test_moving_a_slide_makes_both_prompts_stale() -> None:
    pipeline = _pipeline("marp")
    text = inject_all(pipeline, "---\nmarp: true\n---\n\n# A\n\n---\n\n# B\n")
    end = text.index("\n---\n") + 5  # past the front matter, prompts included
    first, second = text[end:].split("\n---\n")
    swapped = pipeline.parse(Deck.from_text(text[:end] + second + "\n---\n" + first))
    assert [s.title for s in swapped.slides] == ["B", "A"]
    assert [s.status for s in swapped.slides] == [Status.STALE, Status.STALE]


def test_bom_deck_without_front_matter_falls_back_to_comments() -> None:
    pipeline = _pipeline("marp")
    deck = pipeline.parse(Deck.from_text("\ufeff# A\n\n---\n\n# B\n"))
    text = pipeline.inject(deck, all_prompts(deck))
    assert not text.startswith("---") and text.count("<!-- image-prompt") == 2


def test_new_front_matter_takes_the_deck_line_ending() -> None:
    pipeline = _pipeline("marp")
    source = "# A\r\n\r\n---\r\n\r\n# B\r\n"
    text = inject_all(pipeline, source)
    assert text.startswith("---\r\n# image prompts by mdslides-prompts\r\nimage-prompts:\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert pipeline.strip(pipeline.parse(Deck.from_text(text))) == source


def test_a_broken_entry_is_reported_and_replaced_with_force() -> None:
    pipeline = _pipeline("marp")
    source = '---\nmarp: true\nimage-prompts:\n  1: "not ours"\n---\n\n# A\n'
    deck = pipeline.parse(Deck.from_text(source))
    assert deck.slides[0].status is Status.UNPARSABLE
    fixed = pipeline.inject(deck, {1: SlidePrompt(1, "new", deck.slides[0].content_hash)})
    assert '  1: "src=' in fixed and "not ours" not in fixed


def test_formats_without_front_matter_refuse_the_mode() -> None:
    for fmt in ("revealjs", "remark"):
        deck = _pipeline(fmt).parse(Deck.from_text("# A\n\n---\n\n# B\n"))
        with pytest.raises(Exception, match="cannot take prompts in 'frontmatter' mode"):
            _pipeline(fmt).check_mode(deck)


@pytest.mark.parametrize("fmt", ["marp", "reveal-md"])
@pytest.mark.parametrize("mode", ["frontmatter", "comment"])
@pytest.mark.parametrize(
    "block",
    [
        ["image-prompts:"],  # the author's own key, with nothing under it
        ["image-prompts:  "],
        ["image-prompts:", '  2: "skip"'],  # the author's flag
        ["image-prompts:", '    3:   "skip"  ', '    2: "lock | my own prompt"'],  # their way
    ],
    ids=["empty key", "empty key, blanks", "a flag", "flags in their order and spacing"],
)
def test_the_authors_own_block_survives_run_and_strip(
    fmt: str, mode: str, block: list[str]
) -> None:
    """strip(run(deck)) == deck: strip takes out only what the run wrote, so the author's
    empty ``image-prompts:`` and flagged entries stay, byte for byte."""
    head = ["---", "marp: true", *block, "---"] if fmt == "marp" else ["---", *block, "---"]
    source = "\n".join([*head, "", "# A", "", "---", "", "# B", "", "---", "", "# C", ""])
    pipeline = _pipeline(fmt, mode)
    deck = pipeline.parse(Deck.from_text(source))
    assert pipeline.strip(deck) == source
    injected = pipeline.inject(deck, all_prompts(deck))
    assert injected != source and inject_all(pipeline, injected) == injected
    again = pipeline.parse(Deck.from_text(injected))
    assert all(s.status is not Status.MISSING for s in again.slides)
    assert pipeline.strip(again) == source
