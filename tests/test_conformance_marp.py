"""Ground truth: marp-core itself (conformance/marp/slides.mjs) against our Marp plugin.

For every deck of the shared corpus, the example deck, the edge cases in
``tests/conformance/marp_cases``, the fixture inputs, decks built from every pair of
slide shapes (:data:`SHAPES`) and a few hundred generated decks: (a) our slide line
ranges, front matter and notes equal marp-core's; (b) after injection marp-core renders
byte for byte the same HTML and CSS, and the notes differ only by our markers. The
harness is installed with ``npm ci`` on first use; without node and npm these tests
are skipped locally and fail in CI.
"""

from __future__ import annotations

import json
from pathlib import Path
import random
import re
import subprocess
from typing import Any

from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager
from mdslides_prompts.marker import strippable

from .conftest import CORPUS, EXAMPLE_DECK, MARP_CASES, ROOT, npm_harness
from .deck_strategies import random_deck
from .edge_matrix import write_rows
from .fixture_tools import all_prompts

HARNESS = ROOT / "conformance" / "marp" / "slides.mjs"
PIPELINE = Pipeline(Settings(format="marp"), get_plugin_manager(load_entrypoints=False))
PIPELINES = {
    mode: Pipeline(Settings(format="marp", mode=mode), get_plugin_manager(load_entrypoints=False))
    for mode in ("comment", "reference", "frontmatter")
}
# Prompt text that tries hard to break out of the comment or read as a directive.
NASTY = "Glacier -- at dawn --> <!-- class: lead --> Style: watercolor, ratio 16:9 \\ end:"


# Blocks a slide may start or go on with: those markdown-it draws with its own rule and
# those its generic renderer draws, hidden ones, and the directives that add tags.
SHAPES = {
    "fence": "```js\nlet a = 1\n```",
    "tilde fence": "~~~\ncode\n~~~",
    "indented code": "    code",
    "div": "<div>\nraw\n</div>",
    "div line": '<div class="x">raw</div>',
    "math": "$$\nx^2\n$$",
    "heading": "# Title",
    "setext": "Title\n=====",
    "paragraph": "Some text.",
    "list": "- one\n- two",
    "ordered": "1. one\n2. two",
    "quote": "> quoted",
    "table": "| a | b |\n|---|---|\n| 1 | 2 |",
    "image": "![x](a.png)",
    "bg": "![bg](a.png)",
    "bg left": "![bg left](a.png)",
    "directive": "<!-- _class: lead -->",
    "note": "<!-- a note -->",
    "style": "<style>\nh1 { color: red }\n</style>",
    "header": "<!-- _header: Head -->",
    "footer": "<!-- _footer: Foot -->",
}
# How a slide opens: after a separator (with or without a blank line), after the
# front matter (with a header for every slide), after a headingDivider heading.
OPENINGS = {
    "hr": ("Intro\n\n---\n", "\n\n---\n"),
    "hr blank": ("Intro\n\n---\n\n", "\n\n---\n\n"),
    "header": ("---\nheader: Deck\n---\n", "\n\n---\n"),
    "heading divider": ("<!-- headingDivider: 2 -->\n\n## A\n", "\n\n## B\n"),
}


def _shape_decks(folder: Path) -> list[Path]:
    """For each shape, opening and join (blank line or none), a deck whose slides
    start with that shape, each followed by another shape (or nothing)."""
    paths = []
    for name, (head, between) in OPENINGS.items():
        for n, first in enumerate(SHAPES.values()):
            for join in ("\n\n", "\n"):
                slides = [first, *(f"{first}{join}{then}" for then in SHAPES.values())]
                path = folder / f"shapes-{name.replace(' ', '-')}-{n:02}-{len(join)}.md"
                path.write_text(head + between.join(slides) + "\n", encoding="utf-8")
                paths.append(path)
    return paths


@pytest.fixture(scope="module")
def harness() -> Path:
    """The harness, installed with ``npm ci`` on first use."""
    return npm_harness(HARNESS, "@marp-team/marp-core")


def _marp_core(harness: Path, paths: list[Path]) -> dict[str, dict[str, Any]]:
    listing = json.dumps([str(p) for p in paths])
    out = subprocess.run(
        ["node", str(harness), "--katex"], input=listing, capture_output=True, text=True,
        check=True, timeout=300,
    ).stdout  # fmt: skip
    results = [json.loads(line) for line in out.splitlines() if line.strip()]
    return {r["file"]: r for r in results}


@pytest.fixture(scope="module")
def decks(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every deck to compare, as files (generated ones written to a temp folder)."""
    folder = tmp_path_factory.mktemp("marp-decks")
    paths = [*sorted(CORPUS.glob("marp--*.md")), EXAMPLE_DECK, *sorted(MARP_CASES.glob("*.md"))]
    for name in ("marp_split.md", "marp_inject.md"):
        for line, _, source, _ in read_fixture_file(ROOT / "tests" / "fixtures" / name):
            path = folder / f"fixture-{name[:-3]}-{line}.md"
            path.write_text(source, encoding="utf-8", newline="")
            paths.append(path)
    paths.extend(write_rows(folder))
    paths.extend(_shape_decks(folder))
    rng = random.Random(20261124)
    for n in range(300):
        path = folder / f"generated-{n:03}.md"
        path.write_bytes(random_deck(rng).encode("utf-8"))
        paths.append(path)
    return paths


def _ours(path: Path) -> Deck:
    return PIPELINE.parse(Deck.from_bytes(path.read_bytes(), path))


def _rendered(result: dict[str, Any]) -> tuple[str, list[str]]:
    """marp-core's whole output for a deck, byte for byte, up to the ``<style scoped>``
    scope id, which Marpit draws at random on every render."""
    chunks = [re.sub(r"data-marpit-scope-[A-Za-z0-9]+", "", s["chunk"]) for s in result["slides"]]
    return result["css_sha256"], chunks


def _without_markers(notes: list[str]) -> list[str]:
    return [n for n in notes if not n.startswith("image-prompt")]


def test_split_equals_marp_core(harness: Path, decks: list[Path]) -> None:
    truth = _marp_core(harness, decks)
    assert len(truth) == len(decks)
    mismatches = []
    for path in decks:
        expected = truth[str(path)]
        deck = _ours(path)
        got = {
            "front_matter": [deck.front_matter.start, deck.front_matter.end]
            if deck.front_matter
            else None,
            "ranges": [[s.start_line, s.end_line] for s in deck.slides],
            "notes": [list(s.notes) for s in deck.slides],
        }
        want = {
            "front_matter": expected["front_matter"],
            "ranges": [[s["start_line"], s["end_line"]] for s in expected["slides"]],
            "notes": [_without_markers(s["notes"]) for s in expected["slides"]],
        }
        if got != want:
            mismatches.append((path.name, got, want))
    assert not mismatches, mismatches[:3]


@pytest.mark.parametrize("mode", ["comment", "reference", "frontmatter"])
def test_injection_renders_identically(
    harness: Path, decks: list[Path], tmp_path: Path, mode: str
) -> None:
    """Same slides, HTML and CSS byte for byte after injection; notes gain exactly the
    comment markers (in reference and frontmatter modes only where a comment had to
    be used instead)."""
    pipeline = PIPELINES[mode]
    injected_paths = []
    comment_markers: dict[str, dict[int, int]] = {}
    for n, path in enumerate(decks):
        deck = _ours(path)
        text = pipeline.inject(deck, all_prompts(deck, lambda index: f"{NASTY} {index}"))
        out = tmp_path / f"{n:03}-{path.name}"
        out.write_bytes(deck.to_bytes(text))
        injected_paths.append(out)
        after = pipeline.parse(Deck.from_bytes(out.read_bytes(), out))
        comment_markers[str(out)] = {  # ours: the author's flagged ones are left out
            s.index: sum(1 for m in s.markers if m.form == "comment" and strippable(m))
            for s in after.slides
        }
    if mode != "comment":
        total = sum(sum(c.values()) for c in comment_markers.values())
        assert total < len(decks)  # the invisible form is the rule, comments the exception
    before = _marp_core(harness, decks)
    after_core = _marp_core(harness, injected_paths)
    problems = []
    for path, out in zip(decks, injected_paths, strict=True):
        old, new = before[str(path)]["slides"], after_core[str(out)]["slides"]
        if _rendered(before[str(path)]) != _rendered(after_core[str(out)]):
            problems.append((path.name, "html differs", _first_difference(old, new)))
            continue
        for index, (o, n) in enumerate(zip(old, new, strict=True), 1):
            if _without_markers(n["notes"]) != _without_markers(o["notes"]):
                problems.append((path.name, index, "notes differ beyond markers"))
            marker_notes = [a for a in n["notes"] if a.startswith("image-prompt src=")]
            if len(marker_notes) != comment_markers[str(out)][index]:
                problems.append((path.name, index, "marker notes", marker_notes))
    assert not problems, problems[:5]


def _first_difference(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> Any:
    for index, (o, n) in enumerate(zip(old, new, strict=False), 1):
        if o["html"] != n["html"]:
            return index, o["html"][:300], n["html"][:300]
    return len(old), len(new)
