"""Round-trip properties for the reveal.js family: every variant, every mode it takes."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest

from mdslides_prompts import (
    Deck,
    DeckError,
    Pipeline,
    Settings,
    UsageError,
    get_plugin_manager,
)
from mdslides_prompts.deck import split_lines
from mdslides_prompts.marker import is_marker_candidate

from .fixture_tools import all_prompts
from .hypothesis_budget import examples

BLOCKS: tuple[tuple[str, ...], ...] = (
    ("---",), ("---",), ("----",), ("--",), ("--- ",), (" ---",), ("***",),
    ("# Title",), ("## Sub",), ("Setext", "======"), ("Para", "---"), ("Para text",),
    ("note:", "A note"), ("Notes: speaker",), ("  note: indented",), ("Note:",),
    ("<!-- .slide: data-background=\"#fff\" -->",), ("<!-- .element: class=\"fragment\" -->",),
    ("<!-- slide bg=\"red\" -->",), ("> [!note] callout",), ("<!-- note -->",),
    ("```", "---", "```"), ("~~~", "----", "~~~"), ("```js", "--", "```"),
    ("    indented code",), ("\tTabbed",), ("  two-space indented",),
    ("- item", "---"), ("- item", "", "  ---"), ("> quote",), ("|a|b|", "|-|-|", "|1|2|"),
    ("<div>", "---", "</div>"), ("<textarea>",), ("</textarea>",), ("<script>",),
    ("[ref]: http://example.com",), ("Trailing spaces   ",), ("été, 日本語",),
    ("",), ("",), ("",), ("",),
)  # fmt: skip

FRONT_MATTERS: tuple[tuple[str, ...], ...] = (
    (), (), ("---", "title: Deck", "---"), ("---", "theme: black", "---", ""),
    ("---", "revealOptions:", "  transition: fade", "---"),
    ("---", "separator: '^--$'", "---"), ("---", "title: unclosed"),
    ("----", "a: 1", "----"), ("---", "---"),
)  # fmt: skip

VARIANT_MODES = [
    ("revealjs", "comment"), ("revealjs", "reference"),
    ("reveal-md", "comment"), ("reveal-md", "reference"), ("reveal-md", "frontmatter"),
    ("mkslides", "comment"), ("mkslides", "reference"), ("mkslides", "frontmatter"),
    ("slides-extended", "comment"), ("slides-extended", "reference"),
    ("slides-extended", "frontmatter"),
]  # fmt: skip
PIPELINES = {
    (fmt, mode): Pipeline(
        Settings(format=fmt, mode=mode), get_plugin_manager(load_entrypoints=False)
    )
    for fmt, mode in VARIANT_MODES
}


@st.composite
def reveal_decks(draw: st.DrawFn) -> str:
    """A reveal-flavoured deck: separators, notes, slide attributes, fences, front matter."""
    lines = list(draw(st.sampled_from(FRONT_MATTERS)))
    for block in draw(st.lists(st.sampled_from(BLOCKS), max_size=25)):
        lines.extend(block)
    newline = draw(st.sampled_from(("\n", "\r\n")))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    return ("\ufeff" if draw(st.integers(0, 19)) == 0 else "") + text


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=reveal_decks(),
    prompt_text=st.text(max_size=60),
    key=st.sampled_from(sorted(PIPELINES)),
)
def test_inject_strip_inject(source: str, prompt_text: str, key: tuple[str, str]) -> None:
    pipeline = PIPELINES[key]
    try:
        deck = pipeline.parse(Deck.from_text(source))
    except DeckError:
        return  # a deck the tool refuses to render (reveal-md: front matter not a mapping)
    prompts = all_prompts(deck, lambda index: f"{prompt_text} #{index}")
    injected = pipeline.inject(deck, prompts)  # re-split and checked inside
    injected_deck = pipeline.parse(Deck.from_text(deck.source.replace(deck.text, injected, 1)))
    assert [s.text for s in injected_deck.slides] == [s.text for s in deck.slides]
    assert pipeline.inject(injected_deck, prompts) == injected
    assert injected_deck.to_bytes(pipeline.strip(injected_deck)) == deck.to_bytes()
    if key[1] != "frontmatter":
        # Only whole marker lines were added.
        before, after = deck.lines(), split_lines(injected)
        kept = [line for line in after if not is_marker_candidate(line)]
        assert [line.rstrip("\r\n") for line in kept] == [line.rstrip("\r\n") for line in before]


@pytest.mark.parametrize("fmt", ["revealjs"])
def test_frontmatter_mode_is_refused_without_a_front_matter_reader(fmt: str) -> None:
    pipeline = Pipeline(
        Settings(format=fmt, mode="frontmatter"), get_plugin_manager(load_entrypoints=False)
    )
    with pytest.raises(UsageError):
        pipeline.check_mode(pipeline.parse(Deck.from_text("# A\n\n---\n\n# B\n")))


@pytest.mark.parametrize("source", ["---\n---", "---\n---\n", "---\r\n---\r\n\r\n# A\r\n"])
def test_a_marker_never_turns_a_first_rule_into_a_front_matter(source: str) -> None:
    # reveal-md reads '---' on line 1 up to the next line starting '---' as front matter:
    # a marker right under the first '---' would make one (and reveal-md then refuses the
    # deck, its YAML being a comment, not a mapping).
    pipeline = PIPELINES[("reveal-md", "comment")]
    deck = pipeline.parse(Deck.from_text(source))
    injected = pipeline.inject(deck, all_prompts(deck))
    lines = injected.splitlines()
    assert not (lines[0] == "---" and is_marker_candidate(lines[1]))
    assert pipeline.strip(pipeline.parse(Deck.from_text(injected))) == source


@pytest.mark.parametrize(
    ("fmt", "source"), [("reveal-md", "----\n> quote\n"), ("mkslides", "\n--\n\ntext\n")]
)
def test_frontmatter_mode_writes_comments_where_a_new_front_matter_would_split_a_slide(
    fmt: str, source: str
) -> None:
    # A front matter put in front of the first line makes that line follow a line break,
    # where the separators (which start with one) can match it.
    pipeline = PIPELINES[(fmt, "frontmatter")]
    deck = pipeline.parse(Deck.from_text(source))
    injected = pipeline.inject(deck, all_prompts(deck))
    assert "image-prompts:" not in injected and "<!-- image-prompt" in injected
    again = pipeline.parse(Deck.from_text(injected))
    assert [s.text for s in again.slides] == [s.text for s in deck.slides]
    assert pipeline.strip(again) == source


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=reveal_decks(),
    fmt=st.sampled_from(["revealjs", "reveal-md", "mkslides", "slides-extended"]),
    indent=st.sampled_from(["", "  ", "\t"]),
)
def test_the_local_check_of_a_marker_place_agrees_with_the_whole_one(
    source: str, fmt: str, indent: str
) -> None:
    """Where a marker keeps the slides is decided, for the built-in separators, by reading
    around the line only: the answer must be the whole re-split's, for every slide and
    every place in the deck."""
    from mdslides_prompts.formats import reveal

    deck = replace(Deck.from_text(source), format=fmt)
    try:
        scan = reveal._Scan.of(deck.text, reveal._body(deck, Settings(format=fmt)))
    except DeckError:
        return
    probe = indent + reveal.PROBE
    for index in range(len(scan.chunks)):
        for after in range(len(scan.lines) + 1):
            near = reveal._keeps_slides_near(scan, index, after, probe)
            if near is not None:
                whole = reveal._keeps_slides_whole(scan, index, after, probe)
                assert near == whole, (index, after)


TITLE_LINES = (
    "# A ## ", "#", "   ### x ###", "#x", "\t# t", "    # code", " # a #b", "## ", "\u00a0", "  ",
    "# *em* [l](u)", "Title", "=====", "<div>", "</div>", "```", "> # quoted", "- # listed",
)  # fmt: skip


@settings(max_examples=examples(500), deadline=None)
@given(lines=st.lists(st.sampled_from(TITLE_LINES + tuple(b[0] for b in BLOCKS)), max_size=8))
def test_a_title_read_from_an_opening_heading_line_is_the_whole_parses(lines: list[str]) -> None:
    from mdslides_prompts.formats import reveal

    markdown = "\n".join(lines)
    tokens = reveal._HEADING.parse(markdown)
    whole = next(
        (tokens[i + 1].content.strip() or None for i, token in enumerate(tokens[:-1])
         if token.type == "heading_open"),
        None,
    )  # fmt: skip
    assert reveal._title(markdown) == whole
