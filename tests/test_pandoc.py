"""Pandoc and Quarto revealjs: fixtures (each checked against pandoc 3.9 when written),
line endings, detection, byte-exact inject/strip round trips, the corpus decks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager
from mdslides_prompts.fileio import DECK_SUFFIXES

from .cli_tools import cli, cli_json, markers, openai_server
from .conftest import CORPUS, detected, require_corpus
from .deck_strategies import PANDOC_BLOCKS, QUARTO_FRONT_MATTERS, decks
from .fixture_tools import all_prompts, inject_all, render_split
from .http_server import Recorded, asks_art
from .hypothesis_budget import examples

FIXTURES = Path(__file__).parent / "fixtures"
PANDOC = Pipeline(Settings(format="pandoc"), get_plugin_manager(load_entrypoints=False))
QUARTO = Pipeline(Settings(format="quarto"), get_plugin_manager(load_entrypoints=False))
LEVEL3 = Pipeline(
    Settings(format="pandoc", extra={"slide-level": 3}), get_plugin_manager(load_entrypoints=False)
)
PIPELINES = {"pandoc": PANDOC, "quarto": QUARTO, "pandoc_level3": LEVEL3}
PANDOC_DECK = CORPUS / "pandoc--infologie--md-pandoc-reveal--prez.md"
QUARTO_DECK = CORPUS / "quarto--quarto-dev--quarto-web--revealjs-demo-index.qmd"


def _fixtures(name: str) -> list[tuple[str, int, str, str, str]]:
    return [(name, *case) for case in read_fixture_file(FIXTURES / f"{name}_split.md")]


def _inject_fixtures(name: str) -> list[tuple[str, int, str, str, str]]:
    return [(name, *case) for case in read_fixture_file(FIXTURES / f"{name}_inject.md")]


@pytest.mark.parametrize(
    ("fmt", "line", "title", "source", "expected"),
    _fixtures("pandoc") + _fixtures("quarto") + _fixtures("pandoc_level3"),
)
def test_split_fixtures(fmt: str, line: int, title: str, source: str, expected: str) -> None:
    assert render_split(PIPELINES[fmt], source) == expected


@pytest.mark.parametrize(
    ("fmt", "line", "title", "source", "expected"),
    _inject_fixtures("pandoc") + _inject_fixtures("quarto") + _inject_fixtures("pandoc_level3"),
)
def test_inject_fixtures(fmt: str, line: int, title: str, source: str, expected: str) -> None:
    pipeline = PIPELINES[fmt]
    injected = inject_all(pipeline, source)
    assert injected == expected
    assert inject_all(pipeline, injected) == injected
    assert pipeline.strip(pipeline.parse(Deck.from_text(injected))) == source


@pytest.mark.parametrize("case", read_fixture_file(FIXTURES / "pandoc_split.md"), ids=str)
def test_crlf_bom_and_tabs_split_alike(case: tuple[int, str, str, str]) -> None:
    _, _, source, _ = case
    expected = render_split(PANDOC, source)
    assert render_split(PANDOC, source.replace("\n", "\r\n")) == expected
    assert render_split(PANDOC, "\ufeff" + source) == expected
    deck = PANDOC.parse(Deck.from_text("\ufeff" + source.replace("\n", "\r\n")))
    injected = PANDOC.inject(deck, all_prompts(deck))
    assert "\n" not in injected.replace("\r\n", "")
    assert PANDOC.strip(PANDOC.parse(Deck.from_text(injected))) == deck.text


def test_tabs_are_four_columns() -> None:
    deck = PANDOC.parse(Deck.from_text("## A\n\ntext\n\n\t---\n\n  \t---\n\n## B\n\nb\n"))
    assert [(s.start_line, s.end_line) for s in deck.slides] == [(1, 7), (9, 11)]


def test_lone_carriage_returns_join_lines_as_pandoc_does() -> None:
    deck = PANDOC.parse(Deck.from_text("a\rb\n\n# H\n\nt\n"))
    assert [(s.start_line, s.end_line) for s in deck.slides] == [(1, 2), (4, 6)]
    assert PANDOC.parse(Deck.from_text("a\r# H\n\ntext\n")).slides[0].title is None


def test_notes_of_an_unclosed_div() -> None:
    deck = PANDOC.parse(Deck.from_text("## A\n\ntext\n\n::: notes\nSay it.\n\nAnd this.\n"))
    assert deck.slides[0].notes == ("Say it.\n\nAnd this.",)


def test_unclosed_comment_keeps_markers_out() -> None:
    # A marker's '-->' would close the comment and swallow every slide in between.
    deck = PANDOC.parse(Deck.from_text("## A\n\na\n\n<!-- open\n\n## B\n\nb\n"))
    assert [s.skip_reason for s in deck.slides] == [
        None,
        "no place for a marker that pandoc ignores",
    ]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        # Quarto renders a .qmd as HTML unless told format: revealjs.
        ("talk.qmd", "## A\n", None),
        ("talk.qmd", "---\nformat: revealjs\n---\n## A\n", "quarto"),
        ("talk.md", "---\nformat: revealjs\n---\n\n## A\n", "quarto"),
        ("talk.md", "---\nformat:\n  revealjs:\n    theme: dark\n---\n## A\n", "quarto"),
        # No output: rmarkdown renders an HTML document, not slides.
        ("talk.Rmd", "---\ntitle: x\n---\n\n## A\n", None),
        ("talk.md", "---\noutput: ioslides_presentation\n---\n\n## A\n", "pandoc"),
        ("talk.md", "---\noutput:\n  revealjs::revealjs_presentation: default\n---\n", "pandoc"),
        ("talk.md", "---\nslide-level: 2\n---\n\n# A\n", "pandoc"),
        ("talk.md", "# A\n\n::: notes\nhello\n:::\n", "pandoc"),
        ("talk.md", "# A\n\n::: {.notes}\nhello\n:::\n", "pandoc"),
        ("talk.Rmd", "---\noutput: xaringan::moon_reader\n---\n\n# A\n", None),
        ("talk.md", "---\noutput:\n  xaringan::moon_reader: default\n---\n", None),
        ("talk.md", "# A\n\nJust markdown.\n", None),
    ],
)
def test_detection(name: str, text: str, expected: str | None, tmp_path: Path) -> None:
    deck = Deck.from_text(text, tmp_path / name)
    found = detected(Pipeline(Settings(), get_plugin_manager(load_entrypoints=False)), deck)
    if expected is None:
        assert found not in ("pandoc", "quarto")
    else:
        assert found == expected


def test_r_markdown_slide_level_option(tmp_path: Path) -> None:
    source = "# A\n\nintro\n\n## B\n\ntext\n"
    assert len(PANDOC.parse(Deck.from_text(source)).slides) == 1  # inferred: level 1
    options = "---\noutput:\n  ioslides_presentation:\n    slide_level: 2\n---\n\n"
    deck = PANDOC.parse(Deck.from_text(options + source, tmp_path / "talk.Rmd"))
    assert [s.title for s in deck.slides] == ["A", "B"]


def test_quarto_and_r_markdown_files_are_picked_up() -> None:
    assert {".qmd", ".rmd"} <= set(DECK_SUFFIXES)


def test_cell_fences_are_code_only_in_quarto_and_r_markdown(tmp_path: Path) -> None:
    source = "## A\n\n```{r}\nx\n\n## B\n```\n"
    plain = PANDOC.parse(Deck.from_text(source, tmp_path / "talk.md"))
    knitted = PANDOC.parse(Deck.from_text(source, tmp_path / "talk.Rmd"))
    assert len(plain.slides) == 2  # pandoc reads ```{r} as text: no code block
    assert len(knitted.slides) == 1


@st.composite
def _decks(draw: st.DrawFn) -> tuple[str, str]:
    fmt = draw(st.sampled_from(["pandoc", "quarto"]))
    lines = list(draw(st.sampled_from(QUARTO_FRONT_MATTERS))) if fmt == "quarto" else []
    for block in draw(st.lists(st.sampled_from(PANDOC_BLOCKS), max_size=20)):
        if draw(st.booleans()):
            lines.append("")
        lines.extend(block)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    end = draw(st.sampled_from(["", newline]))
    bom = draw(st.sampled_from(["", "", "\ufeff"]))
    return fmt, bom + newline.join(lines) + end


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_decks(), st.text(max_size=40))
def test_inject_strip_round_trip(case: tuple[str, str], prompt: str) -> None:
    fmt, source = case
    _round_trip(PIPELINES[fmt], source, prompt)


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decks(), st.sampled_from(["pandoc", "quarto"]), st.text(max_size=40))
def test_any_deck_round_trips(source: str, fmt: str, prompt: str) -> None:
    """Decks made for other formats too, with lone CRs: never an error, exact strip."""
    _round_trip(PIPELINES[fmt], source, prompt)


def _round_trip(pipeline: Pipeline, source: str, prompt: str) -> None:
    deck = pipeline.parse(Deck.from_text(source))
    prompts = all_prompts(deck, lambda index: f"{prompt} #{index}", force=False)
    injected = pipeline.inject(deck, prompts)  # re-split and checked inside
    again = pipeline.parse(Deck.from_text(injected))
    assert [s.status.value for s in again.slides if s.index in prompts] == ["fresh"] * len(prompts)
    assert pipeline.inject(again, prompts) == injected
    assert pipeline.strip(again) == deck.text
    assert [s.content_hash for s in again.slides] == [s.content_hash for s in deck.slides]


def test_corpus_pandoc_deck() -> None:
    require_corpus(PANDOC_DECK)
    deck = Pipeline(Settings(), get_plugin_manager(load_entrypoints=False)).load(PANDOC_DECK)
    assert deck.format == "pandoc" and len(deck.slides) == 34
    assert deck.front_matter is not None and deck.front_matter.end == 8
    assert deck.meta["title"] == "Le diaporama au temps du balisage"
    assert sum(len(s.notes) for s in deck.slides) == 23
    assert deck.slides[0].title == "Introduction" and deck.slides[1].title == "Remarque préalable"
    injected = PANDOC.inject(deck, all_prompts(deck))
    # The four '#' section slides (each directly followed by '##') take the comment inline.
    assert injected.count("Introduction<!-- image-prompt src=") == 1
    assert PANDOC.strip(PANDOC.parse(Deck.from_text(injected))) == deck.text


def test_corpus_quarto_deck() -> None:
    require_corpus(QUARTO_DECK)
    deck = Pipeline(Settings(), get_plugin_manager(load_entrypoints=False)).load(QUARTO_DECK)
    assert deck.format == "quarto" and len(deck.slides) == 29
    assert deck.slides[0].title == "Hello, There"
    injected = QUARTO.inject(deck, all_prompts(deck))
    assert QUARTO.strip(QUARTO.parse(Deck.from_text(injected))) == deck.text


# pandoc 3.9 (`-t native`): a line opening a comment, over a line of only '-' or '=', is
# tried as a setext heading first; the comment carries the heading text on to its end
# and any blank lines after it, and the underline may follow them. Otherwise a raw block.
@pytest.mark.parametrize(
    ("source", "slides"),
    [
        ("x\n\n<!--\n---\n-->\n\n---\n\ny\n", 2),
        ("x\n\n<!--\n---\n-->\n---\n\ny\n", 2),
        ("# x\n\n<!--\n===\n-->\n\n===\n\ny\n", 2),
        ("# x\n\n<!--\n---\nabc\n-->\n\n---\n\ny\n", 2),
        ("# x\n\n<!--\n---\n-->\n\n\n---\n\ny\n", 2),
        ("# x\n\n<!--\n---\n-->\n\ntext\n", 1),
    ],
)
def test_a_comment_over_an_underline_is_a_setext_heading(source: str, slides: int) -> None:
    pipeline = Pipeline(Settings(format="pandoc"), get_plugin_manager(load_entrypoints=False))
    deck = pipeline.parse(Deck.from_text(source))
    assert len(deck.slides) == slides
    if slides == 2:
        assert (
            deck.slides[1].start_line
            == source.split("\n").index(
                next(line for line in source.split("\n") if line.startswith("<!--"))
            )
            + 1
        )
    injected = inject_all(pipeline, source)
    assert pipeline.strip(pipeline.parse(Deck.from_text(injected))) == source


def test_an_answer_holding_html_costs_no_slide_and_no_deck(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer with block HTML, for slides whose marker goes into the heading: every
    slide of every deck is written, and the prompt reads back as the model gave it (the
    whole run used to be refused, on every rerun too since the answer is cached)."""
    answer = "<div class='frame'>A glacier</div> <pre>at dawn</pre> </textarea><script>x</script>"
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text("# Part\n\n## Slide\n\ntext\n", encoding="utf-8")
    art = "ink drawing, grey palette"

    def reply(request: Recorded) -> str:
        return art if asks_art(request) else answer

    with openai_server(monkeypatch, answer=reply) as (_, provider):
        code, _, err = cli(capsys, "run", tmp_path, "--format", "pandoc", *provider)
    assert code == 0, err
    for name in ("a.md", "b.md"):
        assert markers(tmp_path / name)[0].startswith("# Part<!-- image-prompt src=")
        found = cli_json(capsys, "inspect", tmp_path / name, "--format", "pandoc")
        prompt = f"{answer}. Ink drawing, grey palette"
        assert [(s["status"], s["prompt"]) for s in found["slides"]] == [("fresh", prompt)] * 2


# --- the slide level: --slide-level > config file > the deck's YAML > _quarto.yml > default

_LEVELS_DECK = "# A\n\n## B\n\ntext\n\n### C\n\nc\n"  # level 1: A; 2: A, B; 3: A, B, C


def _titles(capsys: pytest.CaptureFixture[str], deck: Path, *options: str) -> list[str]:
    found = cli_json(capsys, "inspect", deck, *options)
    return [s["title"] for s in found["slides"]]


def test_slide_level_precedence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".git").mkdir()
    talks = tmp_path / "talks"
    talks.mkdir()
    deck = talks / "talk.qmd"
    deck.write_text(_LEVELS_DECK, encoding="utf-8")
    # A .qmd that names no slide format is a document unless --format says otherwise.
    assert _titles(capsys, deck, "--format", "quarto") == ["A", "B"]  # Quarto's default, 2
    (tmp_path / "_quarto.yml").write_text("format:\n  revealjs:\n    slide-level: 1\n")
    assert _titles(capsys, deck) == ["A"]  # detected from the project's format, too
    (talks / "_quarto.yml").write_text("project:\n  type: default\nslide-level: 3\n")
    assert _titles(capsys, deck, "--format", "quarto") == ["A", "B", "C"]  # the nearest file
    deck.write_text("---\nformat:\n  revealjs:\n    slide-level: 2\n---\n\n" + _LEVELS_DECK)
    assert _titles(capsys, deck) == ["A", "B"]  # the deck's own YAML
    (tmp_path / ".mdslides-prompts.toml").write_text("slide-level = 1\n", encoding="utf-8")
    assert _titles(capsys, deck) == ["A"]  # the config file
    assert _titles(capsys, deck, "--slide-level", "3") == ["A", "B", "C"]  # the flag


def test_plain_pandoc_ignores_a_slide_level_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As pandoc itself does (checked with pandoc 3.9 in test_conformance_pandoc_levels)."""
    deck = tmp_path / "talk.md"
    deck.write_text("---\nslide-level: 3\n---\n\n" + _LEVELS_DECK, encoding="utf-8")
    assert _titles(capsys, deck, "--format", "pandoc") == ["A", "B"]  # inferred
    assert _titles(capsys, deck, "--format", "pandoc", "--slide-level", "3") == ["A", "B", "C"]


@pytest.mark.parametrize("value", ["0", "7", "two"])
def test_a_bad_slide_level_is_a_usage_error(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = tmp_path / "talk.md"
    deck.write_text(_LEVELS_DECK, encoding="utf-8")
    code, _, err = cli(capsys, "inspect", deck, "--format", "pandoc", "--slide-level", value)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "slide-level" in err


def test_a_deck_of_thousands_of_notes_divs_is_split_like_any_other(pipeline: Pipeline) -> None:
    """pandoc's ``getSlideLevel`` looks into every div: a deck with more of them than
    Python's recursion limit (speaker notes on 3,000 slides) is read all the same."""
    slides = [f"## Slide {n}\n\nText {n}.\n\n::: notes\nSay {n}.\n:::\n" for n in range(1, 3001)]
    deck = pipeline.parse(
        replace(Deck.from_text("---\ntitle: Long\n---\n\n" + "\n".join(slides)), format="pandoc")
    )
    assert len(deck.slides) == 3000
    assert deck.slides[-1].title == "Slide 3000" and deck.slides[-1].notes == ("Say 3000.",)
