"""``check --lint``: prompts over the CLIP budget, in another language than the
configured one, or holding slide syntax, reported per slide at the marker's line.

The decks are real Marp, Slidev and pandoc decks; their prompts are written by the
offline provider, then one is replaced by the prompt under test with a matching
``sum=`` (so it stays fresh: ``check`` alone passes and only the lint can fail).
"""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
import re

import pytest

from mdslides_prompts.clip import count_tokens
from mdslides_prompts.config import Settings
from mdslides_prompts.lint import MIN_WORDS, generator_syntax, lint_prompt
from mdslides_prompts.marker import render_marker

from .cli_tools import cli, markers
from .conftest import EXAMPLE_DECKS, pristine_example

MARP = """---
marp: true
---

# Glaciers of the Alps

Why they matter to the valleys below

---

# Measuring mass balance

- Stakes drilled into the ice
- Snow pits dug each spring
"""

SLIDEV = """---
theme: default
layout: two-cols
---

# Meltwater and hydropower

The reservoirs fill from the ice

::right::

- Summer flow peaks in July
"""

PANDOC = """---
title: Alpine glaciers
---

# Retreat since 1850

::: {.columns}
Glaciers lost half their volume
:::

# Measuring mass balance {.smaller}

Stakes drilled into the ice
"""

LONG = (
    "A wide aerial photograph of a retreating alpine glacier at dawn, meltwater streams "
    "braiding across grey moraine, a small research hut with solar panels on a rocky "
    "ridge, scientists in red jackets drilling ablation stakes into blue ice, crevasses "
    "catching the low golden light, mist in the valley below, snow peaks behind, a "
    "turquoise meltwater lake in the foreground reflecting the clouds and the ridge"
)
GERMAN = (
    "Ein heller Gletscher im Morgenlicht, die Forscher stehen mit Messstangen auf dem "
    "blauen Eis und der Nebel liegt im Tal"
)

Make = Callable[..., Path]


@pytest.fixture
def make(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Make:
    """Write a deck, let the offline provider write its prompts; return its path."""

    def write(name: str, text: str, *options: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        code, _, err = cli(capsys, "run", path, "-q", *options)
        assert code == 0, err
        code, _, err = cli(capsys, "check", "--lint", path, *options)
        assert code == 0, err  # the offline provider's prompts are clean
        return path

    return write


def set_prompt(path: Path, number: int, prompt: str, *, edited: bool = False) -> int:
    """Put *prompt* in the *number*-th prompt marker of *path* (fresh, or hand-edited:
    ``sum=`` left as it was); the marker's line."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = [n for n, line in enumerate(lines) if "image-prompt" in line][number - 1]
    if edited:
        lines[at] = re.sub(r"\| .* -->", f"| {prompt} -->", lines[at])
    else:
        source = re.search(r"src=(\w+)", lines[at])
        assert source is not None
        lines[at] = render_marker(prompt, source.group(1)) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return at + 1


def test_a_prompt_over_the_budget_is_reported_at_its_marker_line(
    make: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = make("talk.md", MARP)
    line = set_prompt(deck, 2, LONG)
    assert cli(capsys, "check", deck)[0] == 0  # fresh: only the lint sees it
    code, out, err = cli(capsys, "check", "--lint", deck)
    tokens = count_tokens(LONG)
    assert tokens > 75
    assert code == 1
    assert out == f"{deck}:{line}: slide 2: too-long: {tokens} CLIP tokens, over the budget of 75\n"
    assert err.endswith("all prompts present and fresh; 1 lint finding in 1 prompt\n")
    (deck.parent / ".mdslides-prompts.toml").write_text(f"prompt-tokens = {tokens}\n")
    code, out, err = cli(capsys, "check", "--lint", deck)
    assert (code, out) == (0, "") and "none with lint findings" in err


def test_a_german_prompt_in_an_english_deck_passes_when_the_language_is_german(
    make: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = make("talk.md", MARP)
    first = set_prompt(deck, 1, GERMAN)
    second = set_prompt(deck, 2, GERMAN.replace("im Tal", "über dem See"))
    code, out, _ = cli(capsys, "check", "--lint", deck)
    assert code == 1
    assert out == (
        f"{deck}:{first}: slide 1: language: reads as German, not English\n"
        f"{deck}:{second}: slide 2: language: reads as German, not English\n"
    )
    (deck.parent / ".mdslides-prompts.toml").write_text('language = "de"\n')
    code, out, err = cli(capsys, "check", "--lint", deck)
    assert (code, out) == (0, ""), err


def test_the_language_is_the_one_the_deck_sets(
    make: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = make(
        "talk.md", MARP.replace("marp: true", "marp: true\nmdslides-prompts:\n  language: de")
    )
    set_prompt(deck, 1, GERMAN)
    assert cli(capsys, "check", "--lint", deck)[:2] == (0, "")
    line = set_prompt(deck, 2, LONG[:150])
    code, out, _ = cli(capsys, "check", "--lint", deck)
    assert (code, out) == (1, f"{deck}:{line}: slide 2: language: reads as English, not German\n")


@pytest.mark.parametrize(
    ("name", "text", "fmt", "number", "prompt", "shown"),
    [
        ("slides.md", SLIDEV, "slidev", 1, "Two reservoirs ::right:: a dam at dusk", "`::right::`"),
        ("talk.md", PANDOC, "pandoc", 2, "Stakes in blue ice {.smaller} at dawn", "`{.smaller}`"),
        ("talk.md", PANDOC, "pandoc", 1, "::: notes Ice cave, soft light", "`:::`"),
        ("talk.md", MARP, "marp", 2, "_class: lead Stakes in the **ice**", "`_class:`, `**`"),
    ],
    ids=["slidev-slot", "pandoc-attribute", "pandoc-fence", "marp-directive-and-bold"],
)  # fmt: skip
def test_a_prompt_holding_generator_syntax(
    make: Make, capsys: pytest.CaptureFixture[str],
    name: str, text: str, fmt: str, number: int, prompt: str, shown: str,
) -> None:  # fmt: skip
    deck = make(name, text, "--format", fmt)
    line = set_prompt(deck, number, prompt)
    assert cli(capsys, "check", "--format", fmt, deck)[0] == 0
    code, out, _ = cli(capsys, "check", "--lint", "--format", fmt, deck)
    assert code == 1
    assert out == f"{deck}:{line}: slide {number}: syntax: holds generator syntax: {shown}\n"


def test_a_hand_edited_prompt_is_linted_too(make: Make, capsys: pytest.CaptureFixture[str]) -> None:
    deck = make("talk.md", MARP)
    line = set_prompt(deck, 2, "Stakes in the ice, see ![chart](chart.png)", edited=True)
    assert cli(capsys, "check", deck)[0] == 0  # edited: the author's, check passes it
    code, out, _ = cli(capsys, "check", "--lint", deck)
    assert (code, out) == (
        1,
        f"{deck}:{line}: slide 2: syntax: holds generator syntax: `![`, `](`\n",
    )


def test_clean_decks_of_three_formats_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pristine_example(tmp_path)
    decks = [tmp_path / path.name for path in EXAMPLE_DECKS]
    assert cli(capsys, "run", *decks, "-q")[0] == 0
    code, out, err = cli(capsys, "check", "--lint", *decks)
    assert (code, out) == (0, ""), out
    assert err.endswith("all prompts present and fresh, none with lint findings\n")


@pytest.mark.parametrize("language", ["de", "fr", "es", "it"])
def test_the_offline_provider_s_prompts_read_as_their_language(
    tmp_path: Path, make: Make, capsys: pytest.CaptureFixture[str], language: str
) -> None:
    config = tmp_path / ".mdslides-prompts.toml"
    config.write_text(f'language = "{language}"\n')
    deck = make("talk.md", MARP)  # checked with --lint there, in that language
    config.unlink()
    code, out, _ = cli(capsys, "check", "--lint", deck)  # the same prompts, in an English deck
    assert code == 1 and out.count(", not English\n") == len(markers(deck)) == 2


def test_github_annotations_and_json(make: Make, capsys: pytest.CaptureFixture[str]) -> None:
    deck = make("talk.md", MARP)
    line = set_prompt(deck, 2, LONG + " ::right::")
    tokens = count_tokens(LONG + " ::right::")
    code, out, _ = cli(capsys, "check", "--lint", "--output-format", "github", deck)
    file = str(deck).replace(":", "%3A").replace(",", "%2C")
    assert code == 1
    assert out.splitlines() == [
        f"::error file={file},line={line},title=Image prompt too-long::slide 2: too-long: "
        f"{tokens} CLIP tokens, over the budget of 75",
        f"::error file={file},line={line},title=Image prompt syntax::slide 2: syntax: "
        "holds generator syntax: `::right::`",
    ]
    code, out, _ = cli(capsys, "check", "--lint", "--json", deck)
    data = json.loads(out)
    assert code == 1 and data["problems"] == []
    assert [(row["line"], row["index"], row["kind"]) for row in data["lint"]] == [
        (line, 2, "too-long"), (line, 2, "syntax"),
    ]  # fmt: skip
    code, out, _ = cli(capsys, "check", "--json", deck)
    assert code == 0 and "lint" not in json.loads(out)


def test_missing_prompts_and_findings_are_both_reported(
    make: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = make("talk.md", MARP)
    line = set_prompt(deck, 1, GERMAN)
    text = deck.read_text(encoding="utf-8")
    deck.write_text(text + "\n---\n\n# A new slide\n")
    start = len(text.splitlines()) + 3  # the line after the new "---"
    code, out, err = cli(capsys, "check", "--lint", deck)
    assert code == 1
    assert out.splitlines() == [
        f"{deck}:{line}: slide 1: language: reads as German, not English",
        f"{deck}:{start}: slide 3: missing",
    ]
    assert "1 slide needs a prompt (run: mdslides-prompts run); 1 lint finding in 1 prompt" in err


def test_what_the_language_guess_does_not_judge() -> None:
    settings = Settings()
    short = "Ein Gletscher im Tal, blau"
    assert len(short.split()) < MIN_WORDS and lint_prompt(short, settings) == []
    mixed = "A glacier and the valley, ein Gletscher und der See, with light"
    assert lint_prompt(mixed, settings) == []  # English holds its own
    nouns = "Gletscher, Eisfeld, Moräne, Schmelzwasser, Morgenlicht, Nebel, Felsen"
    assert lint_prompt(nouns, settings) == []  # no stop words: no guess
    assert lint_prompt(GERMAN, Settings(language="de")) == []


def test_generator_syntax_and_what_is_not() -> None:
    assert generator_syntax(
        "<!-- _class: lead --> <br> layout: two-cols ::left:: {#id .big} {width=50%} "
        ".center[ice] [.column] `code` # heading"
    ) == [
        "`<!--`", "`_class:`", "`-->`", "`<br>`", "`layout:`", "`::left::`", "`{#id .big}`",
        "`{width=50%}`", "`.center[`", "`[.column]`", "`` ` ``",
    ]  # fmt: skip
    assert generator_syntax("# A heading as the prompt") == ["`#`"]
    plain = "A glacier at 3,000 m, 1.5 km wide; colour, light: soft, a ratio of 16:9 and #1 team"
    assert generator_syntax(plain) == []
