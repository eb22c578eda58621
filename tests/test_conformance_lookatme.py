"""Ground truth: lookatme 2.5.5's own Parser (conformance/lookatme/slides.py) against our plugin.

For the corpus tour, every fixture input and a few hundred generated decks:

(a) our slides are lookatme's: same count, same line ranges (progressive parts
    included), same titles, same meta span; and our port of mistune's block lexer
    gives each slide the token types lookatme's Slide holds;
(b) after injecting an adversarial prompt into every slide that needs one, lookatme
    gives *the same slides*: the same number, and for each slide the same list of
    mistune tokens (type, text, level, language, table cells... everything lookatme's
    renderer reads, which is nothing else) and the same meta; and each marker line lies
    in the line range lookatme gives the slide it was written for.

``install.sh`` builds the harness's venv on first use (PyPI, a C compiler for urwid);
where that cannot be done the tests are skipped locally and fail in CI. All decks go
through one harness process.
"""

from __future__ import annotations

import json
from pathlib import Path
import random
import shutil
import subprocess
from typing import Any

from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager
from mdslides_prompts.formats.lookatme import _analyse, _lookatme_text

from .conftest import CORPUS, ROOT, require
from .deck_strategies import random_lookatme_deck
from .edge_matrix import ROWS
from .fixture_tools import all_prompts

HARNESS = ROOT / "conformance" / "lookatme"
FIXTURES = ROOT / "tests" / "fixtures"
NASTY = 'Glacier --- at "dawn" --> <!-- x --> (paren) [x]: # "q" | a | b # not'
PIPELINE = Pipeline(Settings(format="lookatme"), get_plugin_manager(load_entrypoints=False))


@pytest.fixture(scope="module")
def harness() -> Path:
    require(
        shutil.which("cc") is not None or shutil.which("gcc") is not None,
        "no C compiler (urwid 2.1.2, a lookatme dependency, builds a C extension)",
    )
    done = subprocess.run(
        ["bash", str(HARNESS / "install.sh")], capture_output=True, text=True, timeout=900
    )
    require(done.returncode == 0, f"lookatme harness not installed: {done.stderr[-600:]}")
    return HARNESS / ".venv" / "bin" / "python"


def _sources() -> list[bytes]:
    # The shared corpus's deck where it is there (CI); the fixtures and generated decks always.
    tour = CORPUS / "lookatme--d0c-s4vage--lookatme--tour.md"
    sources = [tour.read_bytes()] if tour.is_file() else []
    for name in ("lookatme_split.md", "lookatme_inject.md"):
        sources += [case[2].encode("utf-8") for case in read_fixture_file(FIXTURES / name)]
    sources += [b"", "\ufeff".encode(), "\ufeff# Title\ntext\n".encode()]
    sources += [text.encode("utf-8") for text in ROWS.values()]
    rng = random.Random(20261124)
    sources += [random_lookatme_deck(rng).encode("utf-8") for _ in range(250)]
    return sources


@pytest.fixture(scope="module")
def runs(
    harness: Path, tmp_path_factory: pytest.TempPathFactory
) -> list[tuple[Deck, Deck, dict[str, Any], dict[str, Any]]]:
    """(deck, injected deck, lookatme before, lookatme after) for every deck lookatme opens."""
    folder = tmp_path_factory.mktemp("lookatme-decks")
    pairs = []
    for n, data in enumerate(_sources()):
        before, after = folder / f"{n:03}.md", folder / f"{n:03}.injected.md"
        deck = PIPELINE.parse(Deck.from_bytes(data, before))
        text = PIPELINE.inject(deck, all_prompts(deck, lambda index: f"{NASTY} {index}"))
        before.write_bytes(data)
        after.write_bytes(deck.to_bytes(text))
        injected = PIPELINE.parse(Deck.from_bytes(after.read_bytes(), after))
        pairs.append((deck, injected))
    paths = [str(d.path) for pair in pairs for d in pair]
    out = subprocess.run(
        [str(harness), str(HARNESS / "slides.py"), "--tokens", "-"],
        input="\n".join(paths), capture_output=True, text=True, timeout=300,
    ).stdout  # fmt: skip
    truth = {r["file"]: r for r in map(json.loads, out.splitlines())}
    assert len(truth) == len(paths)
    usable = [
        (deck, injected, truth[str(deck.path)], truth[str(injected.path)])
        for deck, injected in pairs
        if "error" not in truth[str(deck.path)]  # meta that is not a YAML mapping: it stops
    ]
    assert len(usable) > 0.8 * len(pairs)
    return usable


def test_split_equals_lookatme_parser(
    runs: list[tuple[Deck, Deck, dict[str, Any], dict[str, Any]]],
) -> None:
    mismatches = []
    for deck, _, theirs, _ in runs:
        ours = [(s.start_line, s.end_line, s.title) for s in deck.slides]
        expected = [
            (s["start_line"], s["end_line"], (s["title"] or "").strip() or None)
            for s in theirs["slides"]
        ]
        span = (deck.front_matter.start, deck.front_matter.end) if deck.front_matter else None
        their_span = theirs["meta_range"] and theirs["meta_range"][1]
        kinds = [[t.kind for t in s.tokens] for s in _analyse(_lookatme_text(deck)).shown]
        their_kinds = [[t["type"] for t in s["tokens"]] for s in theirs["slides"]]
        if ours != expected or (span and span[1]) != their_span or kinds != their_kinds:
            mismatches.append((deck.path, ours[:4], expected[:4]))
    assert not mismatches, mismatches[:3]


def test_injection_keeps_what_lookatme_renders(
    runs: list[tuple[Deck, Deck, dict[str, Any], dict[str, Any]]],
) -> None:
    problems = []
    written = 0
    for deck, injected, before, after in runs:
        if "error" in after:
            problems.append((deck.path, after["error"]))
            continue
        same = [s["tokens"] for s in before["slides"]] == [s["tokens"] for s in after["slides"]]
        if not same or before["meta"] != after["meta"]:
            problems.append((deck.path, "lookatme shows different slides"))
        for slide in injected.slides:
            for marker in slide.markers:
                written += 1
                theirs = after["slides"][slide.index - 1]
                if not theirs["start_line"] <= marker.line <= theirs["end_line"]:
                    problems.append((deck.path, f"marker {marker.line} not in its slide"))
    assert not problems, problems[:5]
    assert written > 500
