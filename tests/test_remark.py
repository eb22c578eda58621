"""remark: split and injection fixtures, byte-exact round trip, corpus detection and counts."""

from __future__ import annotations

import json
from pathlib import Path
import re
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import Deck, DeckError, Pipeline, Settings, get_plugin_manager

from .conftest import CORPUS, corpus_rows
from .fixture_tools import all_prompts, inject_all, render_split
from .hypothesis_budget import examples

FIXTURES = Path(__file__).parent / "fixtures"
REMARK = Pipeline(Settings(format="remark"), get_plugin_manager(load_entrypoints=False))


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "remark_split.md")
)
def test_split_fixtures(line: int, title: str, source: str, expected: str) -> None:
    assert render_split(REMARK, source) == expected


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "remark_inject.md")
)
def test_inject_fixtures(line: int, title: str, source: str, expected: str) -> None:
    injected = inject_all(REMARK, source)
    assert injected == expected
    assert inject_all(REMARK, injected) == injected
    assert REMARK.strip(REMARK.parse(Deck.from_text(injected))) == source


def test_corpus_remark_decks_are_detected_and_counted(pipeline: Pipeline) -> None:
    rows = corpus_rows("remark")
    assert len(rows) == 3
    for row in rows:
        deck = pipeline.load(CORPUS / row["file"])
        assert deck.format == "remark", row["file"]
        assert len(deck.slides) == int(row["slides"]), row["file"]


LINES = (
    "---", "--", "???", "<!-- break -->", "class: center", "layout: true", "exclude: true",
    "name: x", "# Title", "Title", "text", "```", "~~~", "    code", ".left[", "]", "",
    "<!-- name: v -->", "- item", "Note: colon line",
)  # fmt: skip


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(st.sampled_from(LINES), max_size=40),
    newline=st.sampled_from(["\n", "\r\n"]),
    final=st.booleans(),
)
def test_inject_strip_inject(lines: list[str], newline: str, final: bool) -> None:
    source = newline.join(lines) + (newline if final and lines else "")
    deck = REMARK.parse(Deck.from_text(source))
    prompts = all_prompts(deck)
    injected = REMARK.inject(deck, prompts)  # re-split and checked inside
    again = REMARK.parse(Deck.from_text(injected))
    assert REMARK.inject(again, prompts) == injected
    assert REMARK.strip(again) == source


@pytest.mark.parametrize(
    "prompt", ["A photo of data.items[0 on a screen", "A chart ![:scale 50% of sales", "a .b[c"]
)
def test_a_prompt_that_opens_a_remark_block_does_not_join_slides(prompt: str) -> None:
    # remark's lexer reads comments too: an unescaped '.items[' or '![:' would run to the
    # ']' on slide 3 and swallow the separators between.
    source = "class: center\n\n# One\n\n---\n\n# Two\n\n---\n\n# Three\n\nThe interval (0, 1]\n"
    deck = REMARK.parse(Deck.from_text(source))
    injected = REMARK.inject(deck, all_prompts(deck, lambda n: prompt if n == 1 else f"plain {n}"))
    again = REMARK.parse(Deck.from_text(injected))
    assert [(s.title, s.status.value) for s in again.slides] == [
        ("One", "fresh"), ("Two", "fresh"), ("Three", "fresh")
    ]  # fmt: skip
    assert [s.marker.prompt for s in again.slides if s.marker] == [prompt, "plain 2", "plain 3"]
    assert REMARK.strip(again) == source


# --- R Markdown / xaringan -----------------------------------------------------------------

RMD_SPLIT = read_fixture_file(FIXTURES / "remark_rmd_split.md")
XARINGAN_DECK = RMD_SPLIT[0][2]


@pytest.mark.parametrize(("line", "title", "source", "expected"), RMD_SPLIT)
def test_rmd_split_fixtures(line: int, title: str, source: str, expected: str) -> None:
    assert render_split(REMARK, source) == expected


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "remark_rmd_inject.md")
)
def test_rmd_inject_fixtures(line: int, title: str, source: str, expected: str) -> None:
    injected = inject_all(REMARK, source)
    assert injected == expected
    assert inject_all(REMARK, injected) == injected
    assert REMARK.strip(REMARK.parse(Deck.from_text(injected))) == source


def test_a_crlf_xaringan_deck_splits_the_same_and_round_trips_byte_for_byte() -> None:
    source = XARINGAN_DECK.replace("\n", "\r\n")
    lf = REMARK.parse(Deck.from_text(XARINGAN_DECK))
    crlf = REMARK.parse(Deck.from_text(source))
    assert crlf.front_matter == lf.front_matter
    assert [(s.start_line, s.end_line, s.skip_reason) for s in crlf.slides] == [
        (s.start_line, s.end_line, s.skip_reason) for s in lf.slides
    ]
    injected = REMARK.inject(crlf, all_prompts(crlf))
    assert "\n" not in injected.replace("\r\n", "")  # every new line ends CRLF too
    assert injected.count("<!-- image-prompt") == 8
    assert REMARK.strip(REMARK.parse(Deck.from_text(injected))) == source


def test_no_marker_goes_into_the_header_or_a_chunk() -> None:
    deck = REMARK.parse(Deck.from_text(XARINGAN_DECK))
    injected = REMARK.inject(deck, all_prompts(deck)).splitlines()
    header_end = injected.index("---", 1)
    assert not any("image-prompt" in line for line in injected[: header_end + 1])
    inside, fence = False, ""
    for line in injected:
        if not inside and line.startswith("```{"):
            inside, fence = True, line[: len(line) - len(line.lstrip("`"))]
        elif inside and line == fence:
            inside = False
        else:
            assert not (inside and "image-prompt" in line), line


# What knitr and xaringan hand to remark for XARINGAN_DECK, written out by hand from their
# rules: the header gone (split_yaml_body), each chunk as knitr's Markdown hooks write
# it (echoed code in a ```r fence, output in a plain fence, nothing for include=FALSE,
# results='asis' output as it is), inline `r` replaced by its value.
KNITTED = """
background-image: url(https://example.org/penguins.jpg)



???

Image credit: the author.

---
class: center, middle

# Penguins

### three species, three islands

---

# The data

```r
library(palmerpenguins)
head(penguins)
```

```
## # A tibble: 6 x 8
```

--

There are 344 penguins.

---

# A plot

![](deck_files/figure-html/bill-plot-1.png)<!-- -->

---
class: inverse, center, middle

# Models

---
layout: true

.footer[Counting Penguins]

---

# A linear model

```r
fit <- lm(body_mass_g ~ flipper_length_mm, data = penguins)
summary(fit)
```

```
## Residuals:
## ---
```

---

# The YAML of this deck

````markdown
---
output: xaringan::moon_reader
---
```r
1 + 1
```

```
## [1] 2
```
````

---

# Tables

| species | n |
|---|---|
---

---
exclude: true

# Draft

---
class: center, middle

# Thanks!

Slides made with [**xaringan**](https://github.com/yihui/xaringan).
"""


def test_counts_match_remark_on_the_knitted_text_but_for_asis_separators() -> None:
    rmd = REMARK.parse(Deck.from_text(XARINGAN_DECK))
    knitted = REMARK.parse(Deck.from_text(KNITTED))
    assert knitted.front_matter is None
    shown = [(s.title, s.skip_reason) for s in knitted.slides]
    # The results='asis' chunk printed a '---': remark gets one slide the source does
    # not show (documented); every other slide is the same.
    assert shown[10] == (None, "empty")
    assert [(s.title, s.skip_reason) for s in rmd.slides] == shown[:10] + shown[11:]


def test_a_fence_knitr_cannot_pair_stops_with_one_line_and_writes_nothing(
    tmp_path: Path,
) -> None:
    deck = tmp_path / "talk.Rmd"
    source = "---\noutput: xaringan::moon_reader\n---\n\n# A\n\n````{r}\n1\n```\n\n```{r}\n2\n```\n"
    deck.write_text(source)
    result = subprocess.run(
        [sys.executable, "-m", "mdslides_prompts", "run", "--format", "remark", str(deck)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"mdslides-prompts: {deck}: knitr cannot knit this: the fence on line 9 ('```') "
        "does not match the chunk opened on line 7; give both the same backticks and indent"
    ]
    assert deck.read_text() == source


def test_an_rmd_file_is_read_as_xaringan_and_a_md_file_is_not_knitted(tmp_path: Path) -> None:
    # rmarkdown knits .Rmd files only: in a .md, remark's own fence rule reads the chunk.
    body = "# A\n\n```{r a, echo=FALSE}\nx\n```\n\n---\n\n# B\n\n```{r}\ny\n```\n"
    for name, header, slides in [
        ("talk.Rmd", "---\ntitle: T\noutput: html_document\n---\n\n", ["A", "B"]),
        ("talk.md", "---\ntitle: T\noutput: xaringan::moon_reader\n---\n\n", ["A"]),
    ]:
        path = tmp_path / name
        path.write_text(header + body)
        result = subprocess.run(
            [sys.executable, "-m", "mdslides_prompts", "inspect", "--format", "remark",
             "--json", str(path)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        report = json.loads(result.stdout)
        assert [s["title"] for s in report["slides"]] == slides, name


RMD_LINES = (
    *LINES, "```{r}", "```{r a, include=FALSE}", "````{r b, opt='#'}", "````", "```{python}",
    "#| include: false", "`r 1`", "...",
)  # fmt: skip


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(st.sampled_from(RMD_LINES), max_size=40),
    newline=st.sampled_from(["\n", "\r\n"]),
    final=st.booleans(),
)
def test_rmd_inject_strip_inject(lines: list[str], newline: str, final: bool) -> None:
    header = ["---", "title: T", "output:", "  xaringan::moon_reader:", "    seal: false", "---"]
    source = newline.join(header + lines) + (newline if final else "")
    try:
        deck = REMARK.parse(Deck.from_text(source))
    except DeckError:  # knitr stops on this text: nothing to write
        return
    prompts = all_prompts(deck)
    injected = REMARK.inject(deck, prompts)
    assert injected.split(newline)[: len(header)] == header
    again = REMARK.parse(Deck.from_text(injected))
    assert REMARK.inject(again, prompts) == injected
    assert REMARK.strip(again) == source


def test_chunks_that_write_nothing_leave_every_slide_and_marker_where_it_was() -> None:
    # The worst case for a marker above a chunk: knitr writes nothing for any chunk (an
    # echo=FALSE plot that draws nothing, say). remark never drops a slide, so a slide
    # left with only its marker is still that slide, and every marker stays in its own.
    source = next(s for _, t, s, _ in RMD_SPLIT if t.startswith("a slide with only a chunk"))
    deck = REMARK.parse(Deck.from_text(source))
    injected = REMARK.inject(deck, all_prompts(deck, "prompt {}".format))
    body = injected.split("---\n", 2)[2]  # xaringan drops the header
    knitted = re.sub(r"(?ms)^```\{.*?^```\n?", "\n", body)
    assert "```" not in knitted and "prompt 2" in knitted
    bare = REMARK.parse(Deck.from_text(knitted))
    assert len(bare.slides) == len(deck.slides) == 4
    assert [s.index for s in bare.slides if s.marker] == [2]
    assert bare.slides[1].marker is not None and bare.slides[1].marker.prompt == "prompt 2"
