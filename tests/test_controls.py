"""Per-slide control end to end: skip and lock (marker flags and config lists), hand-edited
prompts, --slides and --force, on temp copies of the example decks and the corpus."""

from __future__ import annotations

from pathlib import Path
import re
import shutil

import pytest

from .cli_tools import cli, cli_json, markers, openai_server
from .conftest import CORPUS, pristine_example, require_corpus


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    return pristine_example(tmp_path / "deck")


def statuses(capsys: pytest.CaptureFixture[str], deck: Path, *args: str) -> dict[int, tuple]:
    data = cli_json(capsys, "inspect", deck, *args)
    return {s["index"]: (s["status"], s["reason"]) for s in data["slides"]}


def replace_marker(deck: Path, index: int, new: str) -> str:
    """Replace the marker of slide *index* (every slide has one) by *new*; the old line."""
    old = markers(deck)[index - 1]
    text = deck.read_text(encoding="utf-8")
    deck.write_text(text.replace(old, new, 1), encoding="utf-8")
    return old


def test_lock_and_skip_flags_in_comment_markers(
    deck: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with openai_server(monkeypatch) as (server, provider):
        assert cli(capsys, "run", deck, *provider)[0] == 0
        locked = replace_marker(
            deck, 2, markers(deck)[1].replace("image-prompt ", "image-prompt lock ", 1)
        )
        replace_marker(deck, 4, "<!-- image-prompt skip -->")
        own = "<!-- image-prompt lock | A hand-drawn map of the Rhone glacier, ink on paper -->"
        replace_marker(deck, 6, own)
        text = deck.read_text(encoding="utf-8")
        deck.write_text(text.replace("## Why glaciers matter", "## Why glaciers still matter"))
        kept = [markers(deck)[i] for i in (1, 3, 5)]
        found = statuses(capsys, deck)
        assert found[2] == ("locked", "lock flag in its marker")
        assert found[4] == ("skipped", "skip flag in its marker")
        assert found[6] == ("locked", "lock flag in its marker")
        assert cli(capsys, "check", deck)[0] == 0  # locked is never stale, skipped needs none
        posts = len(server.posts)
        code, _, err = cli(capsys, "run", deck, *provider, "--force")
        assert code == 0 and "17 generated" in err
        assert len(server.posts) == posts + 18  # and a new art direction for the deck
    assert [markers(deck)[i] for i in (1, 3, 5)] == kept
    assert locked.replace("image-prompt ", "image-prompt lock ", 1) == kept[0]
    assert cli(capsys, "strip", deck)[0] == 0
    assert markers(deck) == kept  # the author's flagged markers stay: strip removes ours


def test_flags_in_reference_and_front_matter_forms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marp = pristine_example(tmp_path / "deck")
    assert cli(capsys, "run", marp, "--mode", "reference")[0] == 0
    line = markers(marp)[2]
    assert line.startswith("[image-prompt src=")
    replace_marker(marp, 3, line.replace("[image-prompt ", "[image-prompt lock ", 1))
    replace_marker(marp, 5, "[image-prompt skip]: #")
    found = statuses(capsys, marp)
    assert (found[3][0], found[5][0]) == ("locked", "skipped")
    assert cli(capsys, "check", marp)[0] == 0

    slidev = marp.parent / "slidev-deck.md"
    assert cli(capsys, "run", slidev, "--mode", "frontmatter")[0] == 0
    text = slidev.read_text(encoding="utf-8")
    keys = re.findall(r'^imagePrompt: ".*"$', text, re.M)
    assert len(keys) >= 3
    text = text.replace(keys[1], 'imagePrompt: "skip"').replace(
        keys[2], 'imagePrompt: "lock | Compost heap at dawn, steam rising"'
    )
    slidev.write_text(text, encoding="utf-8")
    found = statuses(capsys, slidev)
    assert [found[i][0] for i in (2, 3)] == ["skipped", "locked"]
    code = cli(capsys, "run", slidev, "--force", "--mode", "frontmatter")[0]
    assert code == 0 and 'imagePrompt: "skip"' in slidev.read_text(encoding="utf-8")
    assert 'imagePrompt: "lock | Compost heap at dawn, steam rising"' in slidev.read_text()

    assert cli(capsys, "run", marp, "--mode", "frontmatter")[0] == 0
    text = marp.read_text(encoding="utf-8")
    entry = re.search(r'^  7: ".*"$', text, re.M)
    assert entry is not None
    marp.write_text(text.replace(entry.group(0), '  7: "lock | my own prompt"'))
    assert statuses(capsys, marp)[7][0] == "locked"
    assert cli(capsys, "check", marp)[0] == 0


def test_skip_and_lock_lists_by_number_range_and_title(
    deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = deck.read_text(encoding="utf-8")
    block = 'mdslides-prompts:\n  skip: [1, "take-aways "]\n  lock: ["8-9"]\n'
    deck.write_text(text.replace("---\n", "---\n" + block, 1), encoding="utf-8")
    report = cli_json(capsys, "run", deck)
    actions = {s["index"]: (s["action"], s["reason"]) for s in report["decks"][0]["slides"]}
    assert actions[1] == ("skipped", "skip list: 1")
    assert actions[19] == ("skipped", "skip list: take-aways")
    assert actions[8] == actions[9] == ("kept", "locked (lock list: 8-9)")
    assert report["totals"]["generated"] == 16
    assert cli(capsys, "check", deck)[0] == 0  # locked slides without a prompt pass too
    found = statuses(capsys, deck)
    assert found[8] == ("locked", "lock list: 8-9") and found[1] == ("skipped", "skip list: 1")


def test_slides_regenerates_only_the_chosen_ones_and_force_all(
    deck: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with openai_server(monkeypatch) as (server, provider):
        assert cli(capsys, "run", deck, *provider)[0] == 0
        first = markers(deck)
        assert len(server.posts) == 21  # 20 slides and the deck's art direction
        code, _, err = cli(capsys, "run", deck, *provider, "--slides", "3,5-7")
        # The chosen slides keep the deck's (cached) art direction.
        assert code == 0 and "4 generated, 16 kept" in err and len(server.posts) == 25
        second = markers(deck)
        changed = [i + 1 for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b]
        assert changed == [3, 5, 6, 7]
        assert cli(capsys, "run", deck, *provider, "--slides", "Take-aways")[0] == 0
        assert len(server.posts) == 26 and markers(deck)[18] != second[18]

        own = re.sub(r"\| .* -->", "| my own prompt -->", markers(deck)[4])
        replace_marker(deck, 5, own)
        text = deck.read_text(encoding="utf-8")
        deck.write_text(text.replace("## Les glaciers des Alpes", "## Les glaciers alpins"))
        assert statuses(capsys, deck)[5][0] == "edited"  # not stale: the author's text
        assert cli(capsys, "check", deck)[0] == 0
        code, _, err = cli(capsys, "run", deck, *provider, "--slides", "5")
        assert code == 0 and len(server.posts) == 26 and markers(deck)[4] == own
        cli(capsys, "run", deck, *provider, "--slides", "5", "--force")
        assert len(server.posts) == 27 and "my own prompt" not in markers(deck)[4]
        before = markers(deck)
        code, _, err = cli(capsys, "run", deck, *provider, "--force")
        # --force skips the cache: 20 new, and a new art direction for the deck.
        assert code == 0 and len(server.posts) == 48
        assert all(a != b for a, b in zip(before, markers(deck), strict=True))
    code, _, err = cli(capsys, "run", deck, "--slides", "0")
    assert code == 2 and "--slides: '0' is not a slide number or range" in err


def test_slides_that_choose_no_slide_are_a_one_line_error(
    deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    short = deck.parent / "short.md"
    short.write_text("---\nmarp: true\n---\n\n# Only\n\nOne.\n\n---\n\n# Summary\n\nTwo.\n")
    before = deck.read_bytes(), short.read_bytes()
    offline = ("--provider", "offline")
    for chosen, missing in (("99", "99"), ("Nope", "Nope"), ("3, Nope", "Nope")):
        code, out, err = cli(capsys, "run", deck, *offline, "--slides", chosen)
        assert (code, out) == (2, "")
        assert err.splitlines() == [
            f"mdslides-prompts: {deck}: no slide '{missing}' (it has 20 slides)"
        ]
    # With several decks, a selector is wrong only if it chooses a slide in none of them.
    code, _, err = cli(capsys, "run", deck, short, *offline, "--slides", "2,99")
    assert code == 2 and err.splitlines() == [
        "mdslides-prompts: none of the 2 decks has a slide '99'"
    ]
    assert (deck.read_bytes(), short.read_bytes()) == before
    code, _, err = cli(capsys, "run", deck, short, *offline, "--slides", "Summary")
    assert code == 0, err
    assert deck.read_bytes() == before[0] and len(markers(short)) == 1


def test_corpus_slidev_deck_with_skip_list_and_slides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = CORPUS / "slidev--slidevjs--slidev--starter-slides.md"
    require_corpus(source)
    deck = tmp_path / "slides.md"
    shutil.copyfile(source, deck)  # writable: the corpus is read-only
    text = deck.read_text(encoding="utf-8")
    deck.write_text("---\nmdslides-prompts:\n  skip: [2-4]\n" + text[4:], encoding="utf-8")
    configured = deck.read_bytes()
    report = cli_json(capsys, "run", deck)
    skipped = [s["index"] for s in report["decks"][0]["slides"] if s["action"] == "skipped"]
    assert {2, 3, 4} <= set(skipped)
    assert cli(capsys, "check", deck)[0] == 0
    assert cli(capsys, "run", deck, "--slides", "1", "-q")[0] == 0
    assert cli(capsys, "strip", deck)[0] == 0 and deck.read_bytes() == configured
