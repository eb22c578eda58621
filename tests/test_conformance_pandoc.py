"""Ground truth: pandoc 3.9 itself (conformance/pandoc/slides.py) against our plugin.

For the pandoc and Quarto corpus decks, the example deck and a few hundred generated decks
(fixed seed): (a) our slides have pandoc's line ranges; (b) after injecting a prompt into
every slide, pandoc makes the same slides: the same number, and for each the same level,
title and notes, and the same HTML once our marker comment is taken out of it (up to white
space next to tags, where the removed comment leaves a line break or a space). A deck that
pandoc refuses (a YAML error) or that the harness cannot check against pandoc's own HTML
(``verified`` false) is left out; more than half must remain. ``install.sh`` sets pandoc up
on first use; without Python venv support this is skipped locally and fails in CI.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import random
import re
import subprocess
from typing import Any

import pytest

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager

from .conftest import CORPUS, ROOT, pristine_example
from .deck_strategies import random_pandoc_deck
from .fixture_tools import all_prompts

HARNESS = ROOT / "conformance" / "pandoc"
PYTHON = HARNESS / ".venv" / "bin" / "python"
NASTY = 'Glacier --- at "dawn" --> <!-- x --> {.class} # not a heading'
_MARKER = re.compile(r"<!-- image-prompt src=[0-9a-f]{8} sum=[0-9a-f]{8} \| .*? -->")
_TAG_SPACE = re.compile(r"\s*(<[^>]*>)\s*")
Truth = dict[str, dict[str, Any]]


def _pandoc(pandoc_harness: Path, jobs: list[tuple[Path, bool]], level: int | None = None) -> Truth:
    """Run the harness on every deck in two processes at once (one per core), with
    ``--slide-level`` *level* if given."""
    payloads = [
        [{"path": str(p), "quarto": q, "slide_level": level} for p, q in jobs[k::2]]
        for k in range(2)
    ]
    env = {**os.environ, "SLIDES_NO_HIGHLIGHT": "1"}
    command = [str(PYTHON), str(pandoc_harness)]
    procs = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        for _ in payloads
    ]
    results: Truth = {}
    for proc, payload in zip(procs, payloads, strict=True):
        out, _ = proc.communicate(json.dumps(payload), timeout=300)
        for line in out.splitlines():
            if line.strip():
                result = json.loads(line)
                results[result["file"]] = result
    return results


def _usable(result: dict[str, Any]) -> bool:
    return "error" not in result and bool(result.get("verified"))


@pytest.fixture(scope="module")
def checked(
    pandoc_harness: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[Any], Truth]:
    """(path, is Quarto) for the corpus, the example deck and generated decks that pandoc
    renders and the harness verifies, with the harness's results."""
    folder = tmp_path_factory.mktemp("pandoc-decks")
    jobs = [(p, False) for p in sorted(CORPUS.glob("pandoc--*.md"))]
    jobs += [(p, True) for p in sorted(CORPUS.glob("quarto--*.qmd"))]
    known = len(jobs) + 1  # the corpus's decks (none in a fresh clone) and the example deck
    # A marker-free copy: the quick start may have written prompts into the example deck.
    jobs.append((pristine_example(tmp_path_factory.mktemp("example")), False))
    rng = random.Random(20261124)
    for n in range(300):
        quarto = n % 3 == 0
        path = folder / f"generated-{n:03}.{'qmd' if quarto else 'md'}"
        path.write_bytes(random_pandoc_deck(rng, quarto=quarto).encode("utf-8"))
        jobs.append((path, quarto))
    truth = _pandoc(pandoc_harness, jobs)
    usable = [job for job in jobs if _usable(truth[str(job[0])])]
    assert all(_usable(truth[str(p)]) for p, _ in jobs[:known])
    assert len(usable) > 0.5 * len(jobs)
    return usable, truth


def _pipeline(quarto: bool) -> Pipeline:
    settings = Settings(format="quarto" if quarto else "pandoc")
    return Pipeline(settings, get_plugin_manager(load_entrypoints=False))


def _load(path: Path, quarto: bool) -> Deck:
    return _pipeline(quarto).parse(Deck.from_bytes(path.read_bytes(), path))


def test_split_equals_pandoc(checked: tuple[list[tuple[Path, bool]], Truth]) -> None:
    decks, truth = checked
    mismatches = []
    for path, quarto in decks:
        deck = _load(path, quarto)
        ours = [(s.start_line, s.end_line) for s in deck.slides]
        theirs = [(s["start_line"], s["end_line"]) for s in truth[str(path)]["slides"]]
        if ours != theirs:
            mismatches.append((path.name, ours[:5], theirs[:5]))
    assert not mismatches, mismatches[:3]


def _view(slide: dict[str, Any]) -> tuple[Any, ...]:
    """What must not change: level, title, notes, and the HTML without our comment."""
    html = _TAG_SPACE.sub(r"\1", _MARKER.sub("", slide["html"])).strip()
    return (slide["level"], slide["title"], slide["notes"], html)


def test_injection_keeps_what_pandoc_renders(
    pandoc_harness: Path, checked: tuple[list[tuple[Path, bool]], Truth], tmp_path: Path
) -> None:
    decks, before = checked
    injected: list[tuple[Path, bool]] = []
    prompts_written = 0
    for n, (path, quarto) in enumerate(decks):
        deck = _load(path, quarto)
        prompts = all_prompts(deck, lambda index: f"{NASTY} {index}")
        prompts_written += len(prompts)
        text = _pipeline(quarto).inject(deck, prompts)  # also re-split and checked
        out = tmp_path / f"{n:03}-{path.name}"
        out.write_bytes(deck.to_bytes(text))
        injected.append((out, quarto))
    assert prompts_written > 400
    after = _pandoc(pandoc_harness, injected)
    problems = []
    for (path, _), (out, _) in zip(decks, injected, strict=True):
        old, new = before[str(path)], after[str(out)]
        if not _usable(new) or [_view(s) for s in old["slides"]] != [
            _view(s) for s in new["slides"]
        ]:
            problems.append(path.name)
            continue
        if old["slide_level_used"] != new["slide_level_used"]:
            problems.append(path.name)
    assert not problems, problems[:5]


def test_every_marker_reaches_the_html(pandoc_harness: Path, tmp_path: Path) -> None:
    """The comment is in the slide it belongs to: a test of the test's marker regex."""
    source = "# Part\n\n## A\n\ntext\n\n---\n\nmore\n"
    deck = _load_text(source, tmp_path)
    text = _pipeline(False).inject(deck, all_prompts(deck, lambda index: f"{NASTY} {index}"))
    out = tmp_path / "marked.md"
    out.write_text(text, encoding="utf-8")
    slides = _pandoc(pandoc_harness, [(out, False)])[str(out)]["slides"]
    assert [len(_MARKER.findall(s["html"])) for s in slides] == [1, 1, 1]
    assert all(f"{NASTY[:7]}" in s["html"] for s in slides)


# Text that opens an HTML block (CommonMark's seven kinds, pandoc's block tags) or ends
# a page's <textarea>: in a heading, our reader once took it for the start of a block.
HTML_OPENERS = (
    "<script>", "<pre>", "<style>", "<textarea>", "</textarea>", "<!-- x", "<?php", "<!DOCTYPE",
    "<![CDATA[", "<div>", "</div>", "<table>", "<p>", "<custom-tag>", "<span>", "&lt;div&gt;",
)  # fmt: skip


def test_prompts_with_html_go_into_headings_unchanged(pandoc_harness: Path, tmp_path: Path) -> None:
    """Where the marker goes inside a heading, a prompt holding HTML is written (escaped)
    and pandoc renders the slides as without it."""
    source = "".join(f"# Part {n}\n\n## Slide {n}\n\ntext\n\n" for n in range(len(HTML_OPENERS)))
    deck = _load_text(source, tmp_path)
    prompts = all_prompts(deck, lambda index: f"a {HTML_OPENERS[(index - 1) // 2]} glacier")
    text = _pipeline(False).inject(deck, prompts)
    assert text.count("# Part 0<!-- image-prompt src=") == 1  # inline, in the heading
    out = tmp_path / "marked.md"
    out.write_text(text, encoding="utf-8")
    found = _pandoc(pandoc_harness, [(deck.path, False), (out, False)])  # type: ignore[list-item]
    before, after = found[str(deck.path)], found[str(out)]
    assert _usable(before) and _usable(after)
    assert [_view(s) for s in after["slides"]] == [_view(s) for s in before["slides"]]
    again = _load(out, False)
    assert {s.index: s.prompt for s in again.slides} == {i: p.text for i, p in prompts.items()}


def _load_text(source: str, folder: Path) -> Deck:
    path = folder / "deck.md"
    path.write_text(source, encoding="utf-8")
    return _load(path, False)
