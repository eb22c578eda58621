"""marp-core's reading a few blocks at a time (``read_blocks``) against one whole parse.

A deck's tokens are handed over in runs of whole level-0 blocks, each run's inline tokens
parsed as it is handed over: every token and inline child must be the one markdown-it
makes for the whole document at once, and a link used before its definition must be
reported, so that the deck is read again knowing every definition.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.token import Token
from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager
from mdslides_prompts.formats.marp.parser import MD, links_complete, read_blocks
from mdslides_prompts.placement import Slot

from .hypothesis_budget import examples

FIXTURES = Path(__file__).parent / "fixtures"
SOURCES = [
    case[2]
    for name in ("marp_parser.md", "marp_split.md", "marp_inject.md")
    for case in read_fixture_file(FIXTURES / name)
]


def dump(tokens: list[Token]) -> list[Any]:
    """Everything of the tokens the splitting reads, inline children included."""
    return [
        (t.type, t.tag, t.nesting, t.level, t.map, t.content, t.markup, t.info, t.hidden,
         t.meta.get("plain"), t.meta.get("closed"), dump(t.children or []))
        for t in tokens
    ]  # fmt: skip


def streamed(text: str, env: dict[str, Any] | None = None) -> tuple[list[list[Token]], bool]:
    runs: list[list[Token]] = []
    env = {} if env is None else env
    read_blocks(text, runs.append, env)
    return runs, links_complete(env)


@pytest.mark.parametrize("text", SOURCES)
def test_the_fixture_decks_read_in_runs_give_the_whole_parse(text: str) -> None:
    runs, complete = streamed(text)
    whole = MD.parse(text)
    if complete:
        assert dump([t for run in runs for t in run]) == dump(whole)
    for run in runs[:-1]:
        assert run and run[0].level == 0, "a run starts a level-0 block"


def test_a_deck_is_handed_over_block_by_block() -> None:
    runs, complete = streamed("# A\n\ntext\n\n---\n\n- a\n- b\n\n> quote\n")
    assert complete
    assert [[t.type for t in run if t.level == 0 and t.nesting >= 0] for run in runs] == [
        ["heading_open"],
        ["paragraph_open"],
        ["hr"],
        ["bullet_list_open"],
        ["blockquote_open"],
    ]


def test_a_link_used_before_its_definition_is_reported_and_read_again() -> None:
    text = "![bg][pic]\n\n---\n\n[pic]: a.png\n"
    _, complete = streamed(text)
    assert not complete
    env: dict[str, Any] = {}
    MD.parse(text, env)
    again, complete = streamed(text, {"references": env["references"]})
    assert complete
    assert dump([t for run in again for t in run]) == dump(MD.parse(text))
    # Defined first, it is complete at once.
    assert streamed("[pic]: a.png\n\n![bg][pic]\n")[1]


BLOCKS = (
    "---", "***", "# Title", "## Sub", "Setext\n===", "text", "text with [link][r]",
    "![bg][pic]", "![bg](x.png)", "[r]: http://example.com", "[pic]: p.png",
    "<!-- note -->", "<!-- headingDivider: 2 -->", "<!-- _class: lead -->", "a <!-- c --> b",
    "```\n---\n```", "~~~\n# in code", "$$\n---\n$$", "- item\n- item", "- item\n\n  ---",
    "> quote\n> # heading", "1. one\n2. two", "|a|b|\n|-|-|\n|1|2|", "<div>\n\n---\n</div>",
    "    code", "&nbsp;", "été, 日本語 \\# x", "",
)  # fmt: skip


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(BLOCKS), max_size=14),
    st.sampled_from(["", "---\nmarp: true\n---\n", "---\nheadingDivider: 1\n---\n"]),
    st.sampled_from(["\n\n", "\n", "\r\n\r\n"]),
)
def test_any_deck_read_in_runs_gives_the_whole_parse(
    blocks: list[str], front: str, gap: str
) -> None:
    text = front + gap.join(blocks)
    runs, complete = streamed(text)
    if not complete:
        env: dict[str, Any] = {}
        MD.parse(text, env)
        runs, complete = streamed(text, {"references": env["references"]})
        assert complete
    assert dump([t for run in runs for t in run]) == dump(MD.parse(text))


@pytest.fixture
def marp() -> Pipeline:
    return Pipeline(Settings(format="marp"), get_plugin_manager(load_entrypoints=False))


def test_a_heading_divider_set_at_the_end_cuts_the_slides_before_it(marp: Pipeline) -> None:
    # headingDivider applies to the whole deck, wherever its directive is: the slides
    # built before it was read are built again.
    deck = marp.split(Deck.from_text("# A\n\nOne.\n\n# B\n\nTwo.\n\n<!-- headingDivider: 1 -->\n"))
    assert [(s.start_line, s.title) for s in deck.slides] == [(1, "A"), (5, "B")]
    deck = marp.split(Deck.from_text("# A\n\nOne.\n\n# B\n\nTwo.\n"))
    assert len(deck.slides) == 1


def test_a_background_defined_later_in_the_deck_is_found(marp: Pipeline) -> None:
    deck = marp.split(Deck.from_text("# A\n\n![bg left][pic]\n\n---\n\n# B\n\n[pic]: p.png\n"))
    first = marp.placement(deck, deck.slides[0])
    assert first is not None
    assert (first.slot, first.picture) == (Slot.LEFT, "p.png")
    second = marp.placement(deck, deck.slides[1])
    assert second is not None and second.slot is Slot.SLIDE


def test_placements_are_read_once_per_deck_whatever_was_read_since(
    marp: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A folder splits every deck before asking for placements: the first decks' are no
    # longer among the last few read, and are read again once, not once per slide.
    from mdslides_prompts.formats import marp as module

    decks = [
        marp.split(Deck.from_text(f"# Deck {n}\n\n---\n\n![bg left](p{n}.png)\n\n---\n\n# End\n"))
        for n in range(12)
    ]
    reads: list[int] = []
    real = module._read
    monkeypatch.setattr(module, "_read", lambda *a, **k: reads.append(1) or real(*a, **k))
    first = decks[0]
    places = [marp.placement(first, slide) for slide in first.slides]
    assert len(reads) == 1
    assert [(p.slot, p.picture) for p in places if p is not None] == [
        (Slot.SLIDE, None), (Slot.LEFT, "p0.png"), (Slot.SLIDE, None)
    ]  # fmt: skip
