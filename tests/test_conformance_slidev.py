"""Ground truth: @slidev/parser itself (conformance/slidev/slides.mjs) against our plugin.

For the shared corpus and a few hundred generated decks: (a) our slide line ranges,
notes and titles equal the parser's; (b) after injection in either mode the parser sees
the same slides, with the same content (our comment line aside), note, title, hidden
and src flags, and front matter (our key aside). ``install.sh`` sets the parser up on
first use; without node and npm these tests are skipped locally and fail in CI.
"""

from __future__ import annotations

import json
from pathlib import Path
import random
import shutil
import subprocess
from typing import Any

import pytest

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager

from .conftest import CORPUS, ROOT, require
from .deck_strategies import random_slidev_deck
from .edge_matrix import write_rows
from .fixture_tools import all_prompts

HARNESS = ROOT / "conformance" / "slidev" / "slides.mjs"
NASTY = 'Glacier --- at "dawn" --> <!-- x --> Style: watercolor # not a comment'


@pytest.fixture(scope="module")
def harness() -> Path:
    require(
        shutil.which("node") is not None and shutil.which("npm") is not None, "node/npm missing"
    )
    subprocess.run(["bash", str(HARNESS.parent / "install.sh")], check=True, timeout=600)
    return HARNESS


def _parser(harness: Path, paths: list[Path]) -> dict[str, dict[str, Any]]:
    out = subprocess.run(
        ["node", str(harness)], input=json.dumps([str(p) for p in paths]),
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout  # fmt: skip
    results = [json.loads(line) for line in out.split("\n") if line.strip()]
    return {r["file"]: r for r in results}


@pytest.fixture(scope="module")
def decks(harness: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Corpus and generated decks, minus the few that Slidev itself cannot parse (an
    accidental front matter with a YAML alias makes ``parseSync`` throw)."""
    folder = tmp_path_factory.mktemp("slidev-decks")
    paths = [*sorted(CORPUS.glob("slidev--*.md")), ROOT / "example-deck" / "slidev-deck.md"]
    paths.extend(write_rows(folder))
    rng = random.Random(20261124)
    for n in range(300):
        path = folder / f"generated-{n:03}.md"
        path.write_bytes(random_slidev_deck(rng).encode("utf-8"))
        paths.append(path)
    truth = _parser(harness, paths)
    usable = [p for p in paths if "error" not in truth[str(p)]]
    assert len(usable) > 0.9 * len(paths)
    return usable


def _pipeline(mode: str) -> Pipeline:
    return Pipeline(
        Settings(format="slidev", mode=mode), get_plugin_manager(load_entrypoints=False)
    )


def test_split_equals_slidev_parser(harness: Path, decks: list[Path]) -> None:
    truth = _parser(harness, decks)
    pipeline = _pipeline("comment")
    mismatches = []
    for path in decks:
        expected = truth[str(path)]
        assert "error" not in expected, expected
        deck = pipeline.parse(Deck.from_bytes(path.read_bytes(), path))
        ours = [(s.start_line, s.end_line, s.notes[0] if s.notes else None) for s in deck.slides]
        theirs = [(s["start_line"], s["end_line"], s["note"] or None) for s in expected["slides"]]
        if ours != theirs:
            mismatches.append((path.name, ours[:4], theirs[:4]))
    assert not mismatches, mismatches[:3]


def _view(slide: dict[str, Any]) -> tuple[Any, ...]:
    fm = slide["frontmatter"]
    fm = {k: v for k, v in fm.items() if k != "imagePrompt"} if isinstance(fm, dict) else fm
    content = "\n".join(
        line for line in slide["content"].split("\n") if not line.startswith("<!-- image-prompt")
    ).strip()
    return (content, slide["note"], slide["title"], slide["hidden"], slide["src"], fm or None)


@pytest.mark.parametrize("mode", ["comment", "frontmatter"])
def test_injection_keeps_what_slidev_renders(
    harness: Path, decks: list[Path], tmp_path: Path, mode: str
) -> None:
    pipeline = _pipeline(mode)
    injected = []
    for n, path in enumerate(decks):
        deck = pipeline.parse(Deck.from_bytes(path.read_bytes(), path))
        out = tmp_path / f"{n:03}-{path.name}"
        text = pipeline.inject(deck, all_prompts(deck, lambda index: f"{NASTY} {index}"))
        out.write_bytes(deck.to_bytes(text))
        injected.append(out)
    before, after = _parser(harness, decks), _parser(harness, injected)
    problems = []
    for path, out in zip(decks, injected, strict=True):
        old, new = before[str(path)]["slides"], after[str(out)]["slides"]
        if [_view(s) for s in old] != [_view(s) for s in new]:
            problems.append(path.name)
    assert not problems, problems[:5]
