"""Ground truth for placed pictures: marp-core shows each picture on its slide, in the
slot it was placed in, and renders everything else exactly as before."""

from __future__ import annotations

import json
from pathlib import Path
import re
import shutil
import subprocess
from typing import Any

import pytest

from .cli_tools import cli
from .conftest import ROOT, npm_harness, pristine_example

MARP = ROOT / "conformance" / "marp" / "slides.mjs"
_CONTENT = re.compile(r'<section id="\d+"[^>]*>(.*?)</section>', re.S)
_FIGURE = re.compile(r'<figure style="background-image:url\(&quot;([^&]+)&quot;\);"')
_SPLIT = re.compile(r'data-marpit-advanced-background-split="(left|right)"')


def _render(harness: Path, paths: list[Path]) -> dict[str, list[dict[str, Any]]]:
    out = subprocess.run(
        ["node", str(harness), "--katex"], input=json.dumps([str(p) for p in paths]),
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout  # fmt: skip
    found = [json.loads(line) for line in out.splitlines() if line.strip()]
    return {Path(r["file"]).parent.name: r["slides"] for r in found}


def _content(slide: dict[str, Any]) -> str:
    """The slide's own content section, up to Marpit's random scope id."""
    html = re.sub(r"data-marpit-scope-\w+", "", slide["html"])
    match = _CONTENT.search(html)
    assert match is not None, html[:300]
    return match.group(1)


def _pictured(
    prompted: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[Path, dict[int, dict[str, Any]]]:
    """Prompt the deck at *prompted*, then give a copy of its folder pictures; the copy
    and what ``images`` says it made, by slide."""
    assert cli(capsys, "run", prompted, *args)[0] == 0
    shutil.copytree(prompted.parent, prompted.parent.parent / "pictured")
    pictured = prompted.parent.parent / "pictured" / prompted.name
    code, out, err = cli(capsys, "images", pictured, *args, "--json")
    assert code == 0, err
    slides = json.loads(out)[0]["slides"]
    return pictured, {s["slide"]: s for s in slides if s["action"] == "made"}


pytestmark = pytest.mark.usefixtures("offline")


def test_marp_core_shows_each_picture_in_its_slot_and_nothing_else_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    harness = npm_harness(MARP, "@marp-team/marp-core")
    prompted = pristine_example(tmp_path / "prompted")
    pictured, placed = _pictured(prompted, capsys)
    assert len(placed) >= 3  # the example deck has slides of both kinds

    truth = _render(harness, [prompted, pictured])
    before, after = truth["prompted"], truth["pictured"]
    assert [(s["start_line"], s["end_line"]) for s in before] != []
    assert len(after) == len(before)
    for number, (old, new) in enumerate(zip(before, after, strict=True), 1):
        assert _content(new) == re.sub(r" data-marpit-advanced-background=\S+", "", _content(old))
        assert new["notes"] == old["notes"]
        shown = _FIGURE.findall(new["html"])
        if number in placed:
            assert shown[-1] == placed[number]["path"], number
            side = _SPLIT.search(new["html"])
            slot = placed[number]["slot"]
            assert (side.group(1) if side else "background") == slot, number
        else:
            assert shown == _FIGURE.findall(old["html"]), number


REVEAL = ROOT / "conformance" / "revealjs" / "slides.mjs"


@pytest.mark.parametrize("generator", ["revealjs", "reveal-md"])
def test_the_reveal_plugin_shows_each_picture_as_its_slides_background(
    generator: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    harness = npm_harness(REVEAL, "reveal.js")
    talk = pristine_example(tmp_path / "prompted")
    prompted = talk.parent / "reveal-deck.md"
    # Indented slides too: the picture line takes its marker's indentation.
    text = prompted.read_text(encoding="utf-8").replace(
        "\n## Roman capitals", "\n  ## Roman capitals"
    )
    prompted.write_text(text, encoding="utf-8")
    pictured, placed = _pictured(prompted, capsys, "--format", generator)
    assert len(placed) >= 4

    spec = [{"path": str(p), "generator": generator} for p in (prompted, pictured)]
    found = subprocess.run(
        ["node", str(harness)], input=json.dumps(spec), capture_output=True, text=True,
        check=True, timeout=600,
    ).stdout  # fmt: skip
    before, after = (json.loads(line)["slides"] for line in found.splitlines() if line.strip())
    assert len(after) == len(before)
    for number, (old, new) in enumerate(zip(before, after, strict=True), 1):
        # The plugin empties the attribute comment it read: the rest is as it was.
        assert new["html"].replace("<!-- -->\n", "", 1) == old["html"], number
        assert new["notes"] == old["notes"]
        wanted = f'data-background-image="{placed[number]["path"]}"' if number in placed else ""
        assert new["attributes"] == wanted or wanted in new["attributes"], number
        if number not in placed:
            assert new["attributes"] == old["attributes"], number


DIVIDED = """\
---
marp: true
headingDivider: 2
---

# Glaciers

## Why they matter
- water towers
- thermometers

## How they move

Ice flows downhill, slowly.
## Thanks
"""


def test_marp_core_keeps_heading_divided_slides_when_pictures_go_after_their_heading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    harness = npm_harness(MARP, "@marp-team/marp-core")
    (tmp_path / "prompted").mkdir()
    prompted = tmp_path / "prompted" / "deck.md"
    prompted.write_text(DIVIDED, encoding="utf-8")
    pictured, placed = _pictured(prompted, capsys)
    assert sorted(placed) == [1, 2, 3, 4]

    truth = _render(harness, [prompted, pictured])
    before, after = truth["prompted"], truth["pictured"]
    assert len(after) == len(before) == 4
    for number, (old, new) in enumerate(zip(before, after, strict=True), 1):
        # Newlines between tags aside: a hidden picture paragraph after a heading leaves
        # one more, which renders as nothing.
        assert re.sub(r">\s+<", "><", _content(new)) == re.sub(r">\s+<", "><", _content(old))
        assert _FIGURE.findall(new["html"])[-1] == placed[number]["path"], number


QUARTO = """\
---
title: Glaciers
format: revealjs
---

# Ice

## How they move {.center}

Ice flows downhill, slowly.

## Where they are ##

- Alps
- Andes

---

A slide begun by a rule: no heading to carry a background.

## Thanks {#thanks}
"""


def _sections(html: str) -> list[str]:
    """The slides' sections in pandoc's revealjs output, whitespace made single."""
    flat = re.sub(r"\s+", " ", html)
    return re.findall(r"<section[^>]*class=\"[^\"]*slide[^\"]*\".*?(?=<section|$)", flat)


PANDOC = """\
# Part

## Setext below {.c}

Text.

Underlined
----------

More.

## Last ##
"""
"""A plain pandoc deck: the slide level inferred (2), so a marker goes inline in the
level-1 heading, the background after it."""


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [("talk.qmd", QUARTO, [1, 2, 3, 5]), ("talk.md", PANDOC, [1, 2, 3, 4])],
)
def test_pandoc_shows_each_picture_as_its_slides_background(
    name: str,
    text: str,
    expected: list[int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    pandoc_harness: Path,
) -> None:
    found = pandoc_harness.parent.glob(".venv/lib/python*/site-packages/pypandoc/files/pandoc")
    pandoc = next(found)
    (tmp_path / "prompted").mkdir()
    prompted = tmp_path / "prompted" / name
    prompted.write_text(text, encoding="utf-8")
    args = ("--format", "pandoc") if name.endswith(".md") else ()
    pictured, placed = _pictured(prompted, capsys, *args)
    assert sorted(placed) == expected  # not the slide begun by a rule

    def render(path: Path) -> list[str]:
        done = subprocess.run(
            [str(pandoc), "-f", "markdown", "-t", "revealjs", "--slide-level", "2", str(path)],
            capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
        return _sections(done.stdout)

    before, after = render(prompted), render(pictured)
    assert len(after) == len(before) == max(expected)
    for number, (old, new) in enumerate(zip(before, after, strict=True), 1):
        shown = re.findall(r'data-background-image="([^"]*)"', new)
        if number in placed:
            assert set(shown) == {placed[number]["path"]}, number  # the section and heading
        else:
            assert shown == [], number
        assert re.sub(r' data-background-image="[^"]*"', "", new) == old, number


SLIDEV = ROOT / "conformance" / "slidev" / "slides.mjs"
SLIDEV_DECK = """\
# Glaciers

A short talk

---

# How they move

Ice flows downhill, slowly.

---
layout: image-left
---

# Where they are

- Alps
- Andes

---
layout: center
class: text-xl
---

# Thanks

<!-- the presenter's note -->
"""


@pytest.mark.parametrize("mode", ["comment", "frontmatter"])
def test_slidev_parser_reads_each_picture_in_its_slides_front_matter(
    mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    harness = npm_harness(SLIDEV, "@slidev/parser")
    (tmp_path / "prompted").mkdir()
    prompted = tmp_path / "prompted" / "slides.md"
    prompted.write_text(SLIDEV_DECK, encoding="utf-8")
    assert cli(capsys, "run", prompted, "--format", "slidev", "--mode", mode)[0] == 0
    pictured, placed = _pictured(prompted, capsys, "--format", "slidev")
    assert sorted(placed) == [1, 2, 3]  # not the centred slide: its layout has no slot
    found = subprocess.run(
        ["node", str(harness)], input=json.dumps([str(prompted), str(pictured)]),
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout  # fmt: skip
    before, after = (json.loads(line)["slides"] for line in found.splitlines() if line.strip())
    assert len(after) == len(before) == 4
    wanted = {
        1: {"background": placed[1]["path"]},  # the first slide's cover
        2: {"layout": "image-right", "image": placed[2]["path"]},
        3: {"image": placed[3]["path"]},  # the author's image-left layout
    }
    for number, (old, new) in enumerate(zip(before, after, strict=True), 1):
        assert (new["content"], new["note"], new["title"]) == (
            old["content"], old["note"], old["title"],
        ), number  # fmt: skip
        assert (new["frontmatter"] or {}) == {
            **(old["frontmatter"] or {}),
            **wanted.get(number, {}),
        }
