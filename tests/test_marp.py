"""Marp: splitting and injection as text-in/text-out fixtures, byte-level cases, corpus counts."""

from __future__ import annotations

from pathlib import Path

from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager
from mdslides_prompts.formats.marp import parse_heading_divider
from mdslides_prompts.marker import strippable

from .conftest import CORPUS, EXAMPLE_DECK, corpus_rows, detected
from .fixture_tools import all_prompts, inject_all, render_split

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def marp() -> Pipeline:
    return Pipeline(Settings(format="marp"), get_plugin_manager(load_entrypoints=False))


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "marp_split.md")
)
def test_split_fixtures(marp: Pipeline, line: int, title: str, source: str, expected: str) -> None:
    assert render_split(marp, source) == expected


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "marp_inject.md")
)
def test_inject_fixtures(marp: Pipeline, line: int, title: str, source: str, expected: str) -> None:
    if title.startswith("deck without a final newline"):
        source, expected = source.rstrip("\n"), expected.rstrip("\n")
    injected = inject_all(marp, source)
    assert injected == expected
    assert inject_all(marp, injected) == injected
    stripped = marp.strip(marp.parse(Deck.from_text(injected)))
    deck = marp.parse(Deck.from_text(source))
    assert stripped == marp.strip(deck)
    if not any(strippable(m) for s in deck.slides for m in s.markers):
        assert stripped == source  # nothing but the author's markers, if any: all kept


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"),
    read_fixture_file(FIXTURES / "marp_inject_reference.md"),
)
def test_inject_reference_fixtures(line: int, title: str, source: str, expected: str) -> None:
    pipeline = Pipeline(
        Settings(format="marp", mode="reference"), get_plugin_manager(load_entrypoints=False)
    )
    injected = inject_all(pipeline, source)
    assert injected == expected
    assert inject_all(pipeline, injected) == injected


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("final_newline", [True, False])
def test_newlines_and_bom_survive(
    marp: Pipeline, newline: str, bom: bool, final_newline: bool
) -> None:
    body = newline.join(["---", "marp: true", "---", "", "# A", "", "---", "", "# B", "text"])
    if final_newline:
        body += newline
    data = (("\ufeff" if bom else "") + body).encode()
    deck = marp.parse(Deck.from_bytes(data))
    # A BOM before '---' disables marp-core's front matter: it renders as a heading.
    assert (deck.front_matter is None) is bom
    prompts = all_prompts(deck, "p{}".format)
    text = marp.inject(deck, prompts)
    out = deck.to_bytes(text)
    assert out.startswith(b"\xef\xbb\xbf") is bom
    assert out.endswith(newline.encode()) is final_newline
    assert b"\n" not in out.replace(b"\r\n", b"") if newline == "\r\n" else True
    again = marp.parse(Deck.from_bytes(out))
    assert [s.status.value for s in again.slides if s.skip_reason is None] == ["fresh"] * len(
        prompts
    )
    assert again.to_bytes(marp.strip(again)) == data


def test_bom_deck_without_front_matter_keeps_line_one(marp: Pipeline) -> None:
    data = "\ufeff# A\n\ntext\n\n---\n\n# B\n".encode()
    deck = marp.parse(Deck.from_bytes(data))
    # '\ufeff# A' is a paragraph for marp-core, not a heading; the marker must not go
    # between the BOM and that line, nor right after it (marp-core would then write
    # one more newline before the next <p>): it goes at the end of the slide.
    assert deck.slides[0].anchor_line == 4
    text = inject_all(marp, deck.source)
    assert text.startswith("# A\n\ntext\n\n<!-- image-prompt")


@pytest.mark.parametrize(
    ("value", "levels"),
    [("1", {1}), ("3", {1, 2, 3}), ("2abc", {1, 2}), ("false", set()), ("0", None),
     ("99", None), ("x", None), (["1", "3", "9"], {1, 3})],
)  # fmt: skip
def test_heading_divider_values(value: object, levels: set[int] | None) -> None:
    parsed = parse_heading_divider(value)
    assert (None if parsed is None else set(parsed)) == levels


def test_example_deck_has_its_documented_slides(marp: Pipeline) -> None:
    deck = marp.load(EXAMPLE_DECK)
    assert len(deck.slides) == 20
    assert deck.meta["theme"] == "gaia"
    titles = [s.title for s in deck.slides]
    assert "Les glaciers des Alpes en chiffres" in titles and "氷河の記憶" in titles


def _manifest(fmt: str) -> list[tuple[str, int]]:
    return [(r["file"], int(r["slides"])) for r in corpus_rows(fmt)]


def test_corpus_marp_decks_are_detected_and_counted(pipeline: Pipeline) -> None:
    decks = _manifest("marp")
    assert len(decks) == 4
    for name, expected in decks:
        deck = pipeline.load(CORPUS / name)  # detected, not forced
        assert deck.format == "marp", name
        assert len(deck.slides) == expected, name


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("---\nmarp: true\n---\n# A\n", True),
        ("---\ntheme: gaia\nmarp : yes # comment\n---\n# A\n", True),
        ("---\nheadingDivider: 2\n---\n# A\n", True),
        ("# A\n\n<!-- _class: lead -->\n", True),
        ("# A\n\n<!-- paginate: true -->\n", True),
        ("---\nmarp: false\n---\n# A\n", False),
        ("---\ntitle: x\n---\n# A\n\n<!-- class: lead -->\n", False),
        ("# Just notes\n\n---\n\nmore\n", False),
    ],
)
def test_detection(pipeline: Pipeline, text: str, found: bool) -> None:
    assert (detected(pipeline, Deck.from_text(text)) == "marp") is found
