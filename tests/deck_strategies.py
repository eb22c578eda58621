"""Generators of Markdown decks full of the constructs that make splitting hard."""

from __future__ import annotations

import random

from hypothesis import strategies as st

BLOCKS: tuple[tuple[str, ...], ...] = (
    ("---",), ("***",), ("___",), ("- - -",), ("  ---   ",), ("----------",), ("-- -",),
    ("# Title",), ("## Sub title",), ("### Deep",), ("Setext", "======"), ("Para", "---"),
    ("Some text with *emphasis* and `code`",), ("Ligne en français, été",), ("日本語のテキスト",),
    ("```", "---", "```"), ("~~~yaml", "---", "a: 1", "~~~"), ("```",),
    ("    indented ---",), ("\t---",),
    ("<!-- note -->",), ("<!-- multi", "", "---", "-->"), ("<!-- _class: lead -->",),
    ("<!-- headingDivider: 2 -->",), ("<!-- headingDivider: false -->",), ("<!-- unclosed",),
    ("<!-- a --> trailing",), ("text <!-- inline --> more",),
    ("<div>", "---", "</div>"), ("<div>",), ("<style>", "section {}", "</style>"), ("<style>",),
    ("- item", "---"), ("- item", "", "  ---"), ("> quote", "> # Quoted heading"), ("> ---",),
    ("|a|b|", "|-|-|", "|1|2|"), ("$$", "---", "$$"), ("$$ x $$",),
    ("![bg](a.png)",), ("Trailing spaces   ",), ("",), ("",), ("",),
)  # fmt: skip

FRONT_MATTERS: tuple[tuple[str, ...], ...] = (
    (), (), ("---", "marp: true", "---"), ("---", "headingDivider: 1", "---"),
    ("---", "title: dots", "..."), ("---", "theme: gaia"),  # the last one is unclosed
    ("----", "a: 1", "---", "----"),
)  # fmt: skip

NEWLINES = ("\n", "\r\n", "\r")

# The author's own controls (which strip must leave as they are), often next to a slide
# break; and a front matter with an ``image-prompts:`` key of the author's. Only the
# hypothesis strategies draw them: the seeded conformance decks stay as they were.
AUTHOR_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("<!-- image-prompt skip -->", "---"), ("---", "<!-- image-prompt skip -->"),
    ("<!-- image-prompt lock | my own prompt -->", "---"),
    ("---", "<!-- image-prompt lock | my own prompt -->"), ("<!-- image-prompt skip -->",),
    ("[image-prompt skip]: #",), ("|---|---|",), ("---", "|---|---|"),
)  # fmt: skip
AUTHOR_FRONT_MATTERS: tuple[tuple[str, ...], ...] = (
    ("---", "marp: true", "image-prompts:", "---"), ("---", "image-prompts:  ", "---"),
    ("---", "marp: true", "image-prompts:", '  2: "skip"', "---"),
    ("---", "image-prompts:", '    3: "skip"', '    1: "lock | my own prompt"', "---"),
)  # fmt: skip


@st.composite
def decks(draw: st.DrawFn) -> str:
    """A deck as text (BOM included when drawn), holding no prompt marker but the
    author's flagged ones."""
    lines = list(draw(st.sampled_from(FRONT_MATTERS + AUTHOR_FRONT_MATTERS)))
    for block in draw(st.lists(st.sampled_from(BLOCKS + AUTHOR_BLOCKS), max_size=25)):
        lines.extend(block)
    newline = draw(st.sampled_from(NEWLINES))
    mixed = draw(st.booleans()) and draw(st.integers(0, 3)) == 0
    parts = []
    for i, line in enumerate(lines):
        parts.append(line)
        if i < len(lines) - 1 or draw(st.booleans()):
            parts.append(draw(st.sampled_from(NEWLINES)) if mixed else newline)
    text = "".join(parts)
    return ("\ufeff" if draw(st.integers(0, 9)) == 0 else "") + text


def random_deck(rng: random.Random) -> str:
    """The same kind of deck, from a plain seeded RNG (for batch conformance runs)."""
    lines = list(rng.choice(FRONT_MATTERS))
    for _ in range(rng.randint(0, 25)):
        lines.extend(rng.choice(BLOCKS))
    newline = rng.choice(NEWLINES)
    text = newline.join(lines) + (newline if rng.random() < 0.7 else "")
    return ("\ufeff" if rng.random() < 0.1 else "") + text


SLIDEV_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("---",), ("---", ""), ("---", "layout: center", "---"), ("---", "hide: true", "---"),
    ("---", "src: ./pages/x.md", "---"), ("---", "title: Named", "class: text-center", "---"),
    ("---", "{layout: cover}", "---"), ("---", "  layout: indented", "---"), ("---", "---"),
    ("----",), ("--- ",), ("---foo",), ("***",), ("```yaml", "layout: two-cols", "```"),
    ("# Title",), ("## Sub",), ("Para text",), ("Title", "---"), ("<!-- a note -->",),
    ("<!--", "", "---", "-->"), ("```js", "---", "```"), ("  ```", "---", "  ```"),
    ("~~~", "---", "~~~"),
    ("    indented code",), ("- item",), ("text <!-- tail -->",), ("",), ("",), ("",),
    ("Ligne en français, été",), ("日本語",),
)  # fmt: skip


def random_slidev_deck(rng: random.Random) -> str:
    """A Slidev-flavoured deck from a seeded RNG."""
    lines: list[str] = []
    if rng.random() < 0.5:
        lines += ["---", "theme: default", "title: Deck", "---", ""]
    for _ in range(rng.randint(0, 25)):
        lines.extend(rng.choice(SLIDEV_BLOCKS))
    newline = rng.choice(("\n", "\r\n"))
    text = newline.join(lines) + (newline if rng.random() < 0.7 else "")
    return ("\ufeff" if rng.random() < 0.05 else "") + text


SLIDEV_AUTHOR_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("<!-- image-prompt skip -->", "---"), ("---", "<!-- image-prompt skip -->", ""),
    ("---", "<!-- image-prompt lock | my own prompt -->", ""),
    ("---", 'imagePrompt: "skip"', "---"), ("---", 'imagePrompt: "lock | mine"', "---"),
)  # fmt: skip


@st.composite
def slidev_decks(draw: st.DrawFn) -> str:
    """A Slidev-flavoured deck (LF or CRLF, optional headmatter and BOM), with the
    author's flagged markers sometimes."""
    lines: list[str] = []
    if draw(st.booleans()):
        lines += ["---", "theme: default", "title: Deck", "---", ""]
    blocks = SLIDEV_BLOCKS + SLIDEV_AUTHOR_BLOCKS
    for block in draw(st.lists(st.sampled_from(blocks), max_size=20)):
        lines.extend(block)
    newline = draw(st.sampled_from(("\n", "\r\n")))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    return ("\ufeff" if draw(st.integers(0, 19)) == 0 else "") + text


LOOKATME_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("---",), ("---",), ("***",), ("___",), ("- - -",), ("--- ",), ("   ---",), ("-*_",),
    ("    ---",), ("\t---",), ("----",),
    ("# Title",), ("## Sub",), ("### Deep",), ("Setext", "======"), ("Para", "---"),
    ("===",), ("-",), ("Text with a | pipe",), ("-|-",), ("Some *text* and `code`",),
    ("été, 日本語",), ("- item", "---"), ("- item", "", "  ---"), ("- item", "  - nested"),
    ("1. one", "2. two"), ("> quote",), ("> ---",), ("> # Quoted",), ("> <!-- stop -->",),
    ("```", "---", "```"), ("~~~", "# not a heading", "~~~"), ("```",), ("    code ---",),
    ("<!-- stop -->",), ("<!--stop-->",), ("  <!-- stop -->",), ("<!-- stop -->", "glued"),
    ("<!--", "stop", "-->"), ("<!-- note -->",), ("<!-- multi", "", "---", "-->"),
    ("<div>", "---", "</div>"), ("<br/>",), ("|a|b|", "|-|-|", "|1|2|"), ("a | b", "--|--"),
    ("[^1]: a footnote",), ("[site]: http://example.com",), ("",), ("",), ("",), ("",),
)  # fmt: skip

LOOKATME_METAS: tuple[tuple[str, ...], ...] = (
    (), (), ("---", "title: Deck", "styles:", "  style: monokai", "---"),
    ("", "---", "extensions: []", "---"), ("---", "---"), ("--- yaml", "author: me", "-----"),
    ("---", "title: unclosed"),
)  # fmt: skip


def random_lookatme_deck(rng: random.Random) -> str:
    """A lookatme-flavoured deck from a seeded RNG (meta, hrules, headings, stops)."""
    lines = list(rng.choice(LOOKATME_METAS))
    for _ in range(rng.randint(0, 25)):
        lines.extend(rng.choice(LOOKATME_BLOCKS))
    newline = rng.choice(("\n", "\n", "\r\n", "\r"))
    text = newline.join(lines) + (newline if rng.random() < 0.7 else "")
    return ("\ufeff" if rng.random() < 0.05 else "") + text


@st.composite
def lookatme_decks(draw: st.DrawFn) -> str:
    """A lookatme-flavoured deck (LF, CRLF or CR, optional meta and BOM)."""
    lines = list(draw(st.sampled_from(LOOKATME_METAS)))
    for block in draw(st.lists(st.sampled_from(LOOKATME_BLOCKS), max_size=20)):
        lines.extend(block)
    newline = draw(st.sampled_from(("\n", "\r\n", "\r")))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    return ("\ufeff" if draw(st.integers(0, 19)) == 0 else "") + text


PANDOC_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("# Section",), ("## Slide",), ("### Deep",), ("#### Deeper",), ("####### Seven",),
    ('## Title {#my-id .big data-x="1"}',), ('# Part {data-background="#8DA0CB"}',),
    ("##",), ('## {background-image="x.png"}',), ("## Closed ##",), ("#hashtag",),
    ("Setext", "======"), ("Sub", "------"), ("Para", "more", "---"), ("# A", "---"),
    ("---",), ("***",), ("___",), ("- - -",), ("  ---   ",), ("----------",), ("-- -",),
    ("\t---",), ("---", ""), ("---", "foo: bar", "---"), ("---", "foo: bar", "..."),
    ("---", "---"), ("---", "just text", "---"),
    ("```", "---", "# not a heading", "```"), ("~~~", "---", "~~~"), ("```python", "## x", "```"),
    ("```",), ("```{r}", "# a comment", "```"), ("``` {.lang}", "---", "```"),
    ("::: notes", "Speaker note", ":::"), ("::: {.notes}", "Another note", ":::"),
    ("::: box", "## In a div", "", "text", ":::"),
    ("::: box", "text", "", "---", "", "## B", ":::"),
    ("<div>", "---", "</div>"), ('<div class="x">', "## Html div", "", "t", "</div>"),
    (":::: {.columns}", "::: {.column}", "## Col", ":::", "::::"),
    ("::: x", "intro", "", "# Inner", "", "c", ":::"), (":::",),
    ("- item", "---"), ("- item", "", "  ---"), ("1. one", "2. two"), ("- # Heading in a list",),
    ("* a", "", "    # H"), ("> quote", "> # Quoted heading"), ("> ---",),
    ("<!-- note -->",), ("<!-- multi", "", "---", "-->"), ("<!-- unclosed",),
    ("<!-- a --> trailing",), ("text <!-- inline --> more",), ("<figure>",), ("</figure>",),
    ("|a|b|", "|-|-|", "|1|2|"), ("a  b", "-- --", "1  2"),
    ("Some text with *emphasis* and `code`",), ("Ligne en français, été",), ("日本語のテキスト",),
    ("text", "# not a heading"), ("Trailing spaces   ",), ("    indented ---",),
    ("[ref]: http://example.com",), ("[^1]: A footnote",), (". . .",), ("![img](a.png)",),
    ("Text with ``` three backticks",), ("`code that runs", "over two lines`",),
    ("<figure>Title", "---"), ("<!-- a -->Title", "---"), ("Term", ": Definition"),
    ("+---+---+", "| a | b |", "+---+---+"), ("- a", "- b", "", "  continued"), ("1) one",),
    ("::: {.incremental}", "- a", "- b", ":::"), ("```{python}", "#| echo: false", "```"),
    ("\\begin{itemize}", "", "# Not a heading", "", "\\end{itemize}"), ("\\newcommand{\\x}{y}",),
    ("",), ("",), ("",), ("",),
)  # fmt: skip

PANDOC_FRONT_MATTERS: tuple[tuple[str, ...], ...] = (
    (), (), ("---", "title: Deck", "---"), ("---", "title: Deck", "author: Me", "..."),
    ("---", "title: Unclosed"), ("% Title block", "% Author"),
    ("---", "title: Deck", "subtitle: Sub", "---"), ("---", "slide-level: 1", "---"),
)  # fmt: skip

QUARTO_FRONT_MATTERS: tuple[tuple[str, ...], ...] = (
    (), ("---", "title: Deck", "format: revealjs", "---"),
    ("---", "format:", "  revealjs:", "    slide-level: 1", "---"),
    ("---", "format:", "  revealjs:", "    incremental: true", "---"),
)  # fmt: skip


def random_pandoc_deck(rng: random.Random, *, quarto: bool = False) -> str:
    """A pandoc- or Quarto-flavoured deck from a seeded RNG (LF or CRLF, sometimes a BOM)."""
    lines = list(rng.choice(QUARTO_FRONT_MATTERS if quarto else PANDOC_FRONT_MATTERS))
    if lines:
        lines.append("")
    for _ in range(rng.randint(0, 25)):
        block = rng.choice(PANDOC_BLOCKS)
        # Rarely right after a rule: '---' + text starts a YAML block that pandoc refuses.
        glued = 0.05 if lines and lines[-1].strip(" -*_") == "" else 0.3
        if rng.random() > glued and lines and lines[-1] != "":
            lines.append("")
        lines.extend(block)
    newline = rng.choice(("\n", "\r\n"))
    text = newline.join(lines) + (newline if rng.random() < 0.8 else "")
    return ("\ufeff" if rng.random() < 0.1 else "") + text
