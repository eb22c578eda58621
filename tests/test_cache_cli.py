"""The cache commands end to end: path, stats, clear, and explain on a real deck."""

from __future__ import annotations

from pathlib import Path

import pytest

from .cli_tools import cli, cli_json, openai_server
from .conftest import pristine_example


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    return pristine_example(tmp_path / "deck")


def test_path_stats_and_clear(
    deck: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], _isolated_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    assert cli(capsys, "cache", "path") == (0, f"{_isolated_cache}\n", "")
    other = tmp_path / "elsewhere"
    assert cli(capsys, "cache", "path", "--cache-dir", other)[1] == f"{other}\n"
    assert cli_json(capsys, "cache", "stats")["entries"] == 0
    with openai_server(monkeypatch) as (_, provider):
        assert cli(capsys, "run", deck, *provider)[0] == 0
    assert cli(capsys, "run", deck.parent / "slidev-deck.md")[0] == 0
    stats = cli_json(capsys, "cache", "stats")
    # Each deck's slides and its art direction (one answer per deck).
    assert stats["entries"] == 21 + 17 and stats["decks"] == 2
    assert stats["by_model"] == {"openai/m1": 21, "offline/offline-4": 17}
    assert stats["prompt_tokens"] == 210 and stats["completion_tokens"] == 105
    assert stats["bytes"] > 0 and stats["oldest"] <= stats["newest"]
    code, out, _ = cli(capsys, "cache", "stats")
    assert code == 0 and "entries  38 answers for 2 decks" in out and "openai/m1: 21" in out
    code, _, err = cli(capsys, "cache", "clear", "--yes")
    assert code == 0 and f"removed 38 cached answers from {_isolated_cache}" in err
    assert cli_json(capsys, "cache", "stats")["entries"] == 0


def explain(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    code, out, err = cli(capsys, "cache", "explain", *args)
    assert code == 0, err
    return out


def test_explain_says_why_a_slide_misses(
    deck: Path, capsys: pytest.CaptureFixture[str], _isolated_cache: Path
) -> None:
    out = explain(capsys, deck, "4")
    assert "slide 4 'Anatomy of a glacier' is missing" in out
    assert "miss: no answer was ever cached for this slide" in out
    assert not any(_isolated_cache.iterdir())  # asking creates no cache
    assert cli(capsys, "run", deck)[0] == 0
    out = explain(capsys, deck, "Anatomy of a glacier")
    assert "is fresh" in out and "a run would leave it: kept (fresh)" in out
    assert (
        "cache key " in out
        and "(offline, model offline-4)" in out
        and "hit: answer cached 20" in out
    )

    text = deck.read_text(encoding="utf-8")
    text = text.replace("## Anatomy of a glacier", "## Anatomy of an Alpine glacier")
    deck.write_text(text.replace("the snout, where meltwater", "the snout, where the meltwater"))
    out = explain(capsys, deck, "4")
    assert "is stale" in out and "differs in 2 parts:" in out
    assert "the slide's text changed:" in out
    assert "  -## Anatomy of a glacier" in out and "  +## Anatomy of an Alpine glacier" in out
    assert "the slide's title: 'Anatomy of a glacier' -> 'Anatomy of an Alpine glacier'" in out
    out = explain(capsys, deck, "5")
    assert "is fresh" in out and "differs in 1 part:" in out
    assert "the previous slide's title: 'Anatomy of a glacier' -> 'Anatomy of an Alpine" in out

    data = cli_json(capsys, "cache", "explain", deck, "6", "--style", "linocut")
    assert data["hit"] is False and data["run_would"] == "kept"
    # The style is the deck's art direction then: both differ.
    assert [(c["part"], c["after"]) for c in data["changes"]] == [
        ("the style", "linocut"),
        ("the deck's art direction", "linocut"),
    ]
    data = cli_json(capsys, "cache", "explain", deck, "6", "--prompt-language", "de")
    # A German art direction is not cached yet: the slide waits for it.
    assert [c["part"] for c in data["changes"]] == [
        "the prompt language",
        "the deck's art direction",
    ]
    code, _, err = cli(capsys, "cache", "explain", deck, "99")
    assert code == 2 and "no slide '99' (it has 20 slides)" in err


def test_explain_names_a_changed_template(deck: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "run", deck)[0] == 0
    (deck.parent / "system.txt").write_text("Describe one picture for this slide, in {language}.")
    data = cli_json(
        capsys, "cache", "explain", deck, "2", "--system-template", deck.parent / "system.txt"
    )
    assert [c["part"] for c in data["changes"]] == ["the system message (its template)"]
    assert data["changes"][0]["after"] == "Describe one picture for this slide, in English."


def test_looking_at_or_clearing_a_missing_cache_creates_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "nowhere" / "cache"
    stats = cli_json(capsys, "cache", "stats", "--cache-dir", folder)
    assert (stats["entries"], stats["bytes"]) == (0, 0)
    code, _, err = cli(capsys, "cache", "clear", "--cache-dir", folder)
    assert code == 0 and "removed 0 cached answers" in err
    assert not (tmp_path / "nowhere").exists()
