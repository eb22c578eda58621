"""Detection: the signs each format reports, the verdict, the configuration files a build
reads, and that a deck of uncertain format is never written."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import (
    Deck,
    Detection,
    Evidence,
    FormatUncertain,
    MdSlidesError,
    Pipeline,
    Settings,
    Strength,
    get_plugin_manager,
    hookimpl,
)
from mdslides_prompts.detection import decide

from .cli_tools import cli
from .conftest import CORPUS, corpus_rows
from .fixture_tools import separators
from .hypothesis_budget import examples

FIXTURES = Path(__file__).parent / "fixtures"
PLAIN = Pipeline(Settings(), get_plugin_manager(load_entrypoints=False))


def render(found: Detection) -> str:
    """The verdict, the signs that decided it and every other sign, one per line."""
    if not found.evidence:
        return "none\n"
    head = f"{found.format} confident" if found.confident else (
        f"{found.format} guess: {', '.join(found.candidates)}"
    )  # fmt: skip
    lines = [head, "decided by: " + "; ".join(e.signal for e in found.deciding)]
    for sign in found.evidence:
        if sign not in found.deciding:
            kind = sign.strength.name.lower()
            lines.append(f"also: {' or '.join(sign.formats)} ({kind}: {sign.signal})")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "detection.md")
)
def test_detection_fixtures(line: int, title: str, source: str, expected: str) -> None:
    assert render(PLAIN.detect(Deck.from_text(source))) == expected


def _sign(strength: Strength, *formats: str) -> Evidence:
    return Evidence(formats, strength, f"{strength.name} {formats}")


@pytest.mark.parametrize(
    ("signs", "verdict"),
    [
        ([], (None, False, ())),
        ([_sign(Strength.HINT, "a", "b")], ("a", False, ("a", "b"))),
        ([_sign(Strength.HINT, "a", "b"), _sign(Strength.HINT, "b", "c")], ("b", False, ("b",))),
        ([_sign(Strength.HINT, "a"), _sign(Strength.HINT, "b")], ("a", False, ("a", "b"))),
        ([_sign(Strength.DISTINCTIVE, "a"), _sign(Strength.HINT, "b")], ("a", True, ("a",))),
        ([_sign(Strength.DISTINCTIVE, "a"), _sign(Strength.DISTINCTIVE, "b")],
         ("a", False, ("a", "b"))),
        ([_sign(Strength.DISTINCTIVE, "b"), _sign(Strength.DECLARED, "a")], ("a", True, ("a",))),
        ([_sign(Strength.DECLARED, "a"), _sign(Strength.DECLARED, "b")],
         ("a", False, ("a", "b"))),
        ([_sign(Strength.DECLARED, "a"), _sign(Strength.DECLARED, "a")], ("a", True, ("a",))),
    ],
)  # fmt: skip
def test_the_strongest_kind_of_sign_decides_and_must_name_one_format(
    signs: list[Evidence], verdict: tuple[str | None, bool, tuple[str, ...]]
) -> None:
    found = decide(signs)
    assert (found.format, found.confident, found.candidates) == verdict


class Outline:
    """A third-party format that reports its signs, as built-in formats do."""

    @hookimpl
    def mdslides_format_names(self) -> list[str]:
        return ["outline"]

    @hookimpl
    def mdslides_format_evidence(self, deck: Deck) -> list[Evidence]:
        if deck.text.startswith("%outline"):
            return [Evidence(("outline",), Strength.DECLARED, "%outline on line 1")]
        return []


class Legacy:
    """A third-party format that names the format outright (the older hook)."""

    @hookimpl
    def mdslides_detect_format(self, deck: Deck) -> str | None:
        return "legacy" if "%legacy" in deck.text else None


def test_third_party_signs_are_weighed_with_the_built_in_ones() -> None:
    pipeline = Pipeline(
        Settings(), get_plugin_manager(load_entrypoints=False, extra=[Outline(), Legacy()])
    )
    assert render(pipeline.detect(Deck.from_text("%outline\n\n# A\n\n???\nn\n"))) == (
        "outline confident\ndecided by: %outline on line 1\n"
        "also: remark (distinctive: ??? notes lines)\n"
    )
    found = pipeline.detect(Deck.from_text("%outline %legacy\n"))
    assert (found.confident, found.candidates) == (False, ("outline", "legacy"))
    assert pipeline.detect(Deck.from_text("%legacy\n")).format == "legacy"


# --- configuration files a build reads ------------------------------------------------------

DECK = "# A\n\nNote: hello\n\n---\n\n# B\n\n----\n\n# C\n"


def _repository(tmp_path: Path) -> Path:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    return tmp_path / "repo"


def _deck_in(folder: Path, text: str = DECK, name: str = "talk.md") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def _load(path: Path, settings: Settings | None = None) -> Deck:
    return Pipeline(settings or Settings(), get_plugin_manager(load_entrypoints=False)).load(path)


def test_a_config_file_up_to_the_repository_root_names_the_tool_and_its_separators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repository(tmp_path)
    monkeypatch.chdir(repo)
    deck = _deck_in(repo / "talks" / "2024" / "spring" / "intro")  # five levels down
    (repo / "mkslides.yml").write_text("slides:\n  separator_vertical: '^----$'\n")
    split = _load(deck)
    assert (split.format, len(split.slides)) == ("mkslides", 3)  # '----' splits vertically
    assert "mkslides.yml (read by mkslides)" in PLAIN.detect(Deck.from_text(DECK, deck)).explain()
    # Above the repository root, a config file is another project's.
    (repo / "mkslides.yml").rename(tmp_path / "mkslides.yml")
    assert PLAIN.detect(Deck.from_text(DECK, deck)).confident is False


def test_reveal_md_reads_its_config_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = _deck_in(tmp_path / "elsewhere" / "slides")  # not in a repository
    work = tmp_path / "work"
    work.mkdir()
    (work / "reveal-md.json").write_text('{"verticalSeparator": "^-----$"}')
    monkeypatch.chdir(work)
    split = _load(deck)
    assert (split.format, len(split.slides)) == ("reveal-md", 2)  # '----' is no separator here


def test_config_files_that_disagree_on_separators_stop_the_deck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repository(tmp_path)
    deck = _deck_in(repo / "slides")
    (repo / "reveal-md.json").write_text('{"separator": "^===$"}')
    (repo / "slides" / "reveal-md.json").write_text('{"separator": "^---$"}')
    monkeypatch.chdir(repo)
    with pytest.raises(Exception, match="set different separators"):
        _load(deck)
    (repo / "reveal-md.json").write_text('{"separator": "^---$", "theme": "black"}')
    assert _load(deck).format == "reveal-md"  # they agree on what decides the split


def test_an_obsidian_vault_with_a_slides_plugin_names_slides_extended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = tmp_path / "vault"
    deck = _deck_in(vault / "Talks", "# A\n\n---\n\n# B\n\n--\n\n# C\n")
    monkeypatch.chdir(vault)
    assert PLAIN.detect(Deck.from_text(deck.read_text(), deck)).confident is False
    (vault / ".obsidian" / "plugins" / "slides-extended").mkdir(parents=True)
    split = _load(deck)
    assert (split.format, len(split.slides)) == ("slides-extended", 3)


def test_a_quarto_project_that_renders_revealjs_names_quarto(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repository(tmp_path)
    deck = _deck_in(repo / "talk", "## A\n\ntext\n\n## B\n", name="talk.qmd")
    monkeypatch.chdir(repo)
    assert PLAIN.detect(Deck.from_text(deck.read_text(), deck)).format is None
    (repo / "_quarto.yml").write_text(
        "project:\n  type: default\nformat:\n  revealjs:\n    theme: dark\n"
    )
    assert _load(deck).format == "quarto"
    (repo / "_quarto.yml").write_text("format: html\n")
    assert PLAIN.detect(Deck.from_text(deck.read_text(), deck)).format is None


def test_uncertain_decks_raise_and_strong_signs_that_split_alike_do_not(tmp_path: Path) -> None:
    with pytest.raises(FormatUncertain, match="pass --format NAME"):
        PLAIN.parse(Deck.from_text("# A\n\nNote: x\n\n---\n\n# B\n"))
    # pandoc and Quarto signs at once: the deck splits the same way for both.
    both = Deck.from_text("---\nslide-level: 2\nformat: revealjs\n---\n\n## A\n\n## B\n")
    assert PLAIN.detect(both).confident
    deck = Deck.from_text("% T\n\n## A\n\n::: notes\nn\n:::\n\n<!-- _class: lead -->\n")
    assert PLAIN.detect(deck).candidates == ("marp", "pandoc")
    with pytest.raises(FormatUncertain):
        PLAIN.parse(deck)


# --- the commands --------------------------------------------------------------------------

AMBIGUOUS = "# A\n\n<!-- _class: lead -->\n\n---\n\n# B\n\n???\nnotes\n"


def test_run_writes_nothing_into_an_uncertain_deck(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = _deck_in(tmp_path, AMBIGUOUS)
    before = deck.stat()
    code, _, err = cli(capsys, "run", "--provider", "offline", deck)
    assert code == 2
    assert err.count("\n") == 1
    assert "not sure which slide tool" in err and "marp" in err and "remark" in err
    assert "--format" in err and "config file" in err
    assert deck.read_text() == AMBIGUOUS and deck.stat().st_mtime_ns == before.st_mtime_ns
    code, _, _ = cli(capsys, "run", "--provider", "offline", "--format", "remark", deck)
    assert code == 0 and "image-prompt" in deck.read_text()


def test_in_a_folder_the_uncertain_deck_fails_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _deck_in(tmp_path, AMBIGUOUS, "unsure.md")
    sure = _deck_in(tmp_path, "---\nmarp: true\n---\n\n# A\n\n---\n\n# B\n", "sure.md")
    code, _, err = cli(capsys, "run", "--provider", "offline", tmp_path)
    assert code == 1
    assert "unsure.md: not sure which slide tool" in err
    assert (tmp_path / "unsure.md").read_text() == AMBIGUOUS
    assert sure.read_text().count("image-prompt") == 2
    code, _, err = cli(capsys, "check", tmp_path / "unsure.md")
    assert code == 2 and "not sure" in err


def test_inspect_shows_the_signs_and_calls_a_guess_a_guess(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = _deck_in(tmp_path, AMBIGUOUS)
    code, out, _ = cli(capsys, "inspect", deck)  # an uncertain deck can still be looked at
    assert code == 0
    assert "is a guess, not sure" in " ".join(out.split())
    data = json.loads(cli(capsys, "inspect", "--json", deck)[1])
    assert data["detection"]["confident"] is False
    assert data["detection"]["candidates"] == ["marp", "remark"]
    assert {e["signal"] for e in data["detection"]["evidence"] if e["deciding"]} == {
        "the directive comment <!-- _class: -->",
        "??? notes lines",
    }
    sure = _deck_in(tmp_path, "# A\n\n???\nnotes\n", "sure.md")
    out = " ".join(cli(capsys, "inspect", sure)[1].split())
    assert "format: remark, detected from ??? notes lines" in out
    out = " ".join(cli(capsys, "inspect", "--format", "remark", sure)[1].split())
    assert "format: remark, as given" in out


PAGE = """<!doctype html>
<html><body><div class="reveal"><div class="slides">
  <section data-markdown="{src}"
           data-separator="^\\n\\n\\n"
           data-separator-vertical="^\\n\\n"
           data-separator-notes="^Note:"
           data-charset="utf-8">
  </section>
</div></div></body></html>
"""
SPACED = "# A\n\ntext\n\n\n# B\n\n# B.2\n\nNote: said\n\n\n# C\n"


def test_a_reveal_js_host_page_names_the_deck_and_sets_its_separators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repository(tmp_path)
    monkeypatch.chdir(repo)
    deck = _deck_in(repo / "slides" / "md", SPACED)
    assert not PLAIN.detect(Deck.from_text(SPACED, deck)).confident  # a hint in the text
    (repo / "slides" / "other.html").write_text(PAGE.format(src="elsewhere.md"))
    assert not PLAIN.detect(Deck.from_text(SPACED, deck)).confident  # loads another deck
    (repo / "slides" / "index.html").write_text(PAGE.format(src="md/talk.md?v=2"))
    split = _load(deck)
    given = Settings(format="revealjs", extra=separators(r"^\n\n\n", r"^\n\n", r"^Note:"))
    assert split.format == "revealjs"
    assert [(s.start_line, s.end_line, s.notes) for s in split.slides] == [
        (s.start_line, s.end_line, s.notes) for s in _load(deck, given).slides
    ]
    assert len(split.slides) == 3 and split.slides[1].notes == ("said",)
    # A second page loading the same deck with other separators: which one is built?
    (repo / "index.html").write_text(
        PAGE.format(src="slides/md/talk.md").replace("\\n\\n\\n", "---")
    )
    with pytest.raises(Exception, match="set different separators"):
        _load(deck)


def test_the_corpus_reveal_js_example_splits_as_its_host_page_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [r for r in corpus_rows("revealjs") if "hakimel" in r["file"]]
    source = (CORPUS / rows[0]["file"]).read_text(encoding="utf-8")
    deck = _deck_in(tmp_path / "plugin" / "markdown", source, "example.md")
    (tmp_path / "plugin" / "markdown" / "example.html").write_text(PAGE.format(src="example.md"))
    monkeypatch.chdir(tmp_path)
    split = _load(deck)
    assert (split.format, len(split.slides)) == ("revealjs", int(rows[0]["slides"]))


SIGN_LINES = [
    "???", "--", "---", "Note: x", "<!-- _class: lead -->", "<!-- stop -->", "layout: true",
    "class: center", "layout: cover", "::: notes", ":::", "% T", "[.column]", "```", "~~~",
    "<v-click>", "marp: true", "format: revealjs", "output: xaringan::moon_reader",
    "styles:", "  a: 1", "<!-- .slide: x -->", "> [!note]", "# H", "", "slidenumbers: true",
]  # fmt: skip


@settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(
        st.sampled_from(SIGN_LINES) | st.text(st.characters(exclude_characters="\0"), max_size=20),
        max_size=30,
    ),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_any_text_gets_a_verdict_and_an_uncertain_one_is_never_split(
    lines: list[str], newline: str
) -> None:
    deck = Deck.from_text(newline.join(lines))
    found = PLAIN.detect(deck)
    assert found.confident == (
        bool(found.evidence) and found.deciding[0].strength > Strength.HINT
        and len(found.candidates) == 1
    )  # fmt: skip
    try:
        split = PLAIN.parse(deck)
    except FormatUncertain:
        assert not found.confident
    except MdSlidesError:
        pass  # a deck its own generator refuses (a fence knitr cannot pair, ...)
    else:
        assert found.confident or split.alike
        assert split.format in (found.format, *split.alike)
