"""knitr and rmarkdown's rules for R Markdown, as their code has them (R cannot run here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mdslides_prompts import DeckError, LineSpan
from mdslides_prompts.formats import knitr


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


@pytest.mark.parametrize(
    ("text", "span", "closer"),
    [
        ("---\ntitle: A\n---\nbody\n", LineSpan(1, 3), "---"),
        ("---\ntitle: A\n...\nbody\n---\n", LineSpan(1, 3), "..."),
        ("\n  \n---  \ntitle: A\n---\r\n", LineSpan(3, 5), "---"),  # blank lines above
        ("---\n---\ntitle: A\n---\n", None, ""),  # an empty header is none
        ("text\n---\ntitle: A\n---\n", None, ""),  # content above it
        ("...\ntitle: A\n---\n", None, ""),  # must open with '---'
        ("---\ntitle: A\n", None, ""),  # never closed
    ],
)
def test_the_yaml_header_as_rmarkdown_partitions_it(
    text: str, span: LineSpan | None, closer: str
) -> None:
    found = knitr.header(lines(text))
    assert (found.span, found.closer) == (span, closer) if found else span is None


@pytest.mark.parametrize(
    ("output", "named"),
    [
        ("xaringan::moon_reader", True),
        ({"xaringan::moon_reader": {"seal": False}}, True),
        (["html_document", "xaringan::moon_reader"], True),
        ("ioslides_presentation", False),
        (None, False),
    ],
)
def test_output_naming_a_package(output: object, named: bool) -> None:
    assert knitr.names_output({"output": output}, "xaringan") is named


def spans(text: str) -> list[tuple[int, int, bool, str, bool]]:
    return [(c.start, c.end, c.closed, c.engine, c.include) for c in knitr.chunks(lines(text))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # options with spaces, other engines, indented and quoted chunks
        ("x\n```{r a, opt='#'}\n1\n```\n", [(2, 4, True, "r", True)]),
        ("x\n```{python}\n1\n```\n```{r, include = FALSE}\n```\n",
         [(2, 4, True, "python", True), (5, 6, True, "r", False)]),
        ("x\n  > ```{r}\n  > 1\n  > ```\n", [(2, 4, True, "r", True)]),
        # not chunk headers: pandoc attributes, raw blocks, a plain fence
        ("x\n```{.r}\n```{=html}\n```r\n```\n", []),
        # a closing fence must repeat the opening's indent and backticks; one that does
        # not is code when an exact one follows (knitr stops otherwise, see below)
        ("x\n````{r}\n```\n````\n", [(2, 4, True, "r", True)]),
        ("x\n ```{r}\n```\n\n ```\n", [(2, 5, True, "r", True)]),
        # a header with the same backticks inside a chunk starts a new one
        ("x\n```{r a}\n1\n```{r b}\n2\n```\n",
         [(2, 3, False, "r", True), (4, 6, True, "r", True)]),
        # with more backticks it is code
        ("x\n```{r a}\n````{r b}\n```\n", [(2, 4, True, "r", True)]),
        # unclosed: to the end of the file
        ("x\n```{r}\n1\n\n---\n", [(2, 5, False, "r", True)]),
        # on line 1 knitr has no closing pattern yet: any closing fence ends it
        ("````{r}\n```\nx\n", [(1, 2, True, "r", True)]),
        # '#|' options, and echo=FALSE with eval=FALSE write nothing either
        ("x\n```{r}\n#| echo: false\n#| include: false\n1\n```\n", [(2, 6, True, "r", False)]),
        ("x\n```{r, echo=F, eval=FALSE}\n1\n```\n```{r, echo=FALSE}\n```\n",
         [(2, 4, True, "r", False), (5, 6, True, "r", True)]),
    ],
)  # fmt: skip
def test_chunks_pair_as_knitr_pairs_them(text: str, expected: list[object]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    ("text", "line", "opened"),
    [
        ("x\n````{r}\n```\n", 3, 2),  # no exact closing fence anywhere after
        ("x\n````{r}\n```\n````{r}\n````\n", 3, 2),  # a chunk header before the exact one
        ("```{r}\n```{r}\n```\n", 2, 1),  # line-1 chunk: no pattern to match a header with
    ],
)
def test_where_knitr_stops_the_deck_is_refused(text: str, line: int, opened: int) -> None:
    with pytest.raises(DeckError, match=rf"line {line} .* chunk opened on line {opened};"):
        knitr.chunks(lines(text), Path("talk.Rmd"))


def test_knitted_files_are_rmarkdowns_own() -> None:
    assert knitr.knitted(Path("a/Talk.RMD")) and knitr.knitted(Path("t.Rmarkdown"))
    assert not knitr.knitted(Path("talk.md")) and not knitr.knitted(None)
