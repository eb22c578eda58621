"""Every row of the edge-case matrix, for every format and every mode it takes: the
generator's slide count, and prompts written and stripped again without changing a byte."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mdslides_prompts import Deck, Pipeline, Settings, UsageError, get_plugin_manager
from mdslides_prompts.config import MODES

from .edge_matrix import COUNTS, KNOWN_DIFFERENCES, ROWS
from .fixture_tools import all_prompts

SUPPORTED = {
    "marp": {"comment", "reference", "frontmatter"},
    "slidev": {"comment", "frontmatter"},
    "revealjs": {"comment", "reference"},
    "remark": {"comment"},
    "deckset": {"comment"},
    "lookatme": {"comment", "reference"},
    "pandoc": {"comment"},
    "quarto": {"comment"},
}
CASES = [
    (row, fmt, mode) for row, counts in COUNTS.items() for fmt in counts for mode in SUPPORTED[fmt]
]


def _pipeline(fmt: str, mode: str) -> Pipeline:
    return Pipeline(Settings(format=fmt, mode=mode), get_plugin_manager(load_entrypoints=False))


@pytest.mark.parametrize(
    ("row", "fmt", "mode"), sorted(CASES), ids=[f"{f} {m}: {r}" for r, f, m in sorted(CASES)]
)
def test_row(row: str, fmt: str, mode: str) -> None:
    pipeline = _pipeline(fmt, mode)
    source = ROWS[row]
    deck = pipeline.parse(Deck.from_text(source))
    if (row, fmt) in KNOWN_DIFFERENCES:
        assert len(deck.slides) != COUNTS[row][fmt], "fixed: drop it from KNOWN_DIFFERENCES"
    else:
        assert len(deck.slides) == COUNTS[row][fmt]
    pipeline.check_mode(deck)
    injected = pipeline.inject(deck, all_prompts(deck))
    again = pipeline.parse(replace(deck, text=injected, slides=()))
    assert [s.text for s in again.slides] == [s.text for s in deck.slides]
    assert pipeline.inject(again, all_prompts(again)) == injected
    assert pipeline.strip(again) == deck.text
    assert deck.bom == source.startswith("\ufeff")


@pytest.mark.parametrize("fmt", sorted(SUPPORTED))
def test_other_modes_are_refused_before_any_request(fmt: str) -> None:
    for mode in set(MODES) - SUPPORTED[fmt]:
        pipeline = _pipeline(fmt, mode)
        with pytest.raises(UsageError, match=f"cannot take prompts in '{mode}' mode"):
            pipeline.check_mode(pipeline.parse(Deck.from_text(ROWS["CRLF"])))


# Closes a remark/xaringan <textarea> or a reveal-md <script> template, opens a script,
# and hides tags in character references, which a <textarea> decodes.
HOSTILE = "</textarea></script><script>alert(1)</script> &lt;img src=x onerror=alert(1)&gt; -->"


@pytest.mark.parametrize(
    ("fmt", "mode"),
    sorted((f, m) for f, modes in SUPPORTED.items() for m in modes),
    ids=[f"{f} {m}" for f, modes in sorted(SUPPORTED.items()) for m in sorted(modes)],
)
def test_prompts_cannot_close_or_open_an_html_element(fmt: str, mode: str) -> None:
    """Decks end up inside HTML pages: a prompt writes no '<', '>' or character
    reference into any format's markers, and still reads back as it was."""
    pipeline = _pipeline(fmt, mode)
    deck = pipeline.parse(Deck.from_text(ROWS["CRLF"]))
    prompts = all_prompts(deck, lambda i: f"{HOSTILE} #{i}")
    injected = pipeline.inject(deck, prompts)
    added = "".join(set(injected.splitlines()) - set(deck.text.splitlines()))
    assert added
    assert "<" not in added.replace("<!--", "") and ">" not in added.replace("-->", "")
    assert "&lt;" not in added and "&gt;" not in added
    again = pipeline.parse(replace(deck, text=injected, slides=()))
    read = {s.index: (s.status.value, s.prompt) for s in again.slides}
    assert {i: read[i] for i in prompts} == {i: ("fresh", p.text) for i, p in prompts.items()}


@pytest.mark.parametrize(
    ("fmt", "mode"),
    sorted((f, m) for f, modes in SUPPORTED.items() for m in modes),
    ids=[f"{f} {m}" for f, modes in sorted(SUPPORTED.items()) for m in sorted(modes)],
)
def test_markers_written_before_html_was_escaped_still_read(fmt: str, mode: str) -> None:
    """A marker with a bare '<' or '>' (as earlier versions wrote them) reads back its
    prompt as fresh, not hand-edited; rewriting it gives today's escaped form."""
    pipeline = _pipeline(fmt, mode)
    deck = pipeline.parse(Deck.from_text(ROWS["CRLF"]))
    prompts = all_prompts(deck, lambda i: f"a <b> & c #{i}")
    injected = pipeline.inject(deck, prompts)
    old = injected
    for escaped, char in (("\\\\x3c", "<"), ("\\\\x3e", ">"), ("\\x3c", "<"), ("\\x3e", ">")):
        old = old.replace(escaped, char)
    assert old.count("<b>") == len(prompts)
    again = pipeline.parse(replace(deck, text=old, slides=()))
    read = {s.index: (s.status.value, s.prompt) for s in again.slides}
    assert {i: read[i] for i in prompts} == {i: ("fresh", p.text) for i, p in prompts.items()}
    assert pipeline.inject(again, prompts) == injected
