"""Ground truth: the reveal.js markdown plugin itself (conformance/revealjs/slides.mjs).

The shared corpus's reveal.js decks (with the separators their host pages set) and a few
hundred generated decks under four separator settings: (a) our slide line ranges equal
the plugin's; (b) after injection the plugin renders the same slides (HTML with our
comment removed), the same notes and the same section attributes. The harness is
installed with ``npm ci`` on first use; without node and npm these tests are skipped
locally and fail in CI.
"""

from __future__ import annotations

import json
from pathlib import Path
import random
import re
import subprocess
from typing import Any

import pytest

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager

from .conftest import CORPUS, ROOT, corpus_rows, npm_harness, require_corpus
from .deck_strategies import random_deck
from .edge_matrix import write_rows
from .fixture_tools import all_prompts, separators

HARNESS = ROOT / "conformance" / "revealjs" / "slides.mjs"
NASTY = "Glacier -- at dawn --> <!-- .slide: class=x --> .element note: Style:  two  spaces"
CONFIGS: list[tuple[str | None, str | None, str | None]] = [
    (None, None, None),
    (r"^\n\n\n", r"^\n\n", None),
    (r"^---\n", r"^--\n", r"^Note:"),
    (r"^---$", r"^--$", None),
]
Job = tuple[Path, str | None, str | None, str | None]
TOOL_DECKS = {
    "reveal-md": "reveal-md--webpro--reveal-md--demo-a.md",
    "mkslides": "mkslides--MartenBE--mkslides--index.md",
    "slides-extended": "slides-extended--ebullient--obsidian-slides-extended--syntax-test.md",
}
MANIFEST_COUNTS = {"reveal-md": 4, "mkslides": 13, "slides-extended": 12}


@pytest.fixture(scope="module")
def harness() -> Path:
    """The harness, installed with ``npm ci`` on first use."""
    return npm_harness(HARNESS, "reveal.js")


def _plugin(harness: Path, jobs: list[Job]) -> list[dict[str, Any]]:
    spec = [{"path": str(p), "separator": s, "vertical": v, "notes": n} for p, s, v, n in jobs]
    out = subprocess.run(
        ["node", str(harness)], input=json.dumps(spec), capture_output=True, text=True,
        check=True, timeout=600,
    ).stdout  # fmt: skip
    return [json.loads(line) for line in out.split("\n") if line.strip()]


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> list[Job]:
    folder = tmp_path_factory.mktemp("reveal-decks")
    result: list[Job] = []
    for row in corpus_rows("revealjs", required=False):  # CI has the corpus, a clone not
        config = json.loads(row["config"])
        result.append(
            (CORPUS / row["file"], config.get("separator"),
             config.get("vertical_separator"), config.get("notes_separator"))
        )  # fmt: skip
    result.extend((path, None, None, None) for path in write_rows(folder))
    rng = random.Random(20261124)
    for n in range(300):
        text = random_deck(rng)
        # Lone CRs: editors and we count them as line breaks, the harness does not.
        if "\r" in text.replace("\r\n", ""):
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        path = folder / f"generated-{n:03}.md"
        path.write_bytes(text.encode("utf-8"))
        result.append((path, *CONFIGS[n % len(CONFIGS)]))
    return result


def _pipeline(
    separator: str | None, vertical: str | None, notes: str | None, mode: str = "comment"
) -> Pipeline:
    settings = Settings(
        format="revealjs", extra=separators(separator, vertical, notes), mode=mode,
    )  # fmt: skip
    return Pipeline(settings, get_plugin_manager(load_entrypoints=False))


def _ours(job: Job) -> Deck:
    path, *config = job
    return _pipeline(*config).parse(Deck.from_bytes(path.read_bytes(), path))


def test_corpus_counts(jobs: list[Job]) -> None:
    require_corpus()
    detector = Pipeline(Settings(), get_plugin_manager(load_entrypoints=False))
    for path, *_ in jobs:
        if path.parent == CORPUS:
            found = detector.detect(Deck.from_bytes(path.read_bytes(), path))
            assert not found.confident, path  # its separators live in the host page
    counts = {p.name: len(_ours((p, *c)).slides) for p, *c in jobs if p.parent == CORPUS}
    assert counts == {
        "revealjs--hakimel--reveal.js--example.md": 7,
        "revealjs--msoedov--hacker-slides--initial-slides.md": 8,
    }


def test_split_equals_the_plugin(harness: Path, jobs: list[Job]) -> None:
    truth = _plugin(harness, jobs)
    mismatches = []
    for job, expected in zip(jobs, truth, strict=True):
        assert "error" not in expected, expected
        ours = [(s.start_line, s.end_line) for s in _ours(job).slides]
        theirs = [(s["start_line"], s["end_line"]) for s in expected["slides"]]
        if ours != theirs:
            mismatches.append((job[0].name, ours[:4], theirs[:4]))
    assert not mismatches, mismatches[:3]


def _strip_ours(html: str | None) -> str | None:
    return None if html is None else re.sub(r"<!-- image-prompt[^\n]*?-->\n?", "", html)


def _view(slide: dict[str, Any]) -> tuple[Any, ...]:
    html = re.sub(r">\s+<", "><", _strip_ours(slide["html"]) or "").strip()
    return (slide["h"], slide["v"], html, _strip_ours(slide["notes"]), slide["attributes"])


@pytest.mark.parametrize("mode", ["comment", "reference"])
def test_injection_renders_identically(
    harness: Path, jobs: list[Job], tmp_path: Path, mode: str
) -> None:
    """Same slides, HTML (our comments removed), notes and attributes after injection;
    a link reference definition renders nothing at all."""
    injected: list[Job] = []
    forms: list[str] = []
    for n, job in enumerate(jobs):
        path, *config = job
        pipeline = _pipeline(*config, mode=mode)
        deck = pipeline.parse(Deck.from_bytes(path.read_bytes(), path))
        text = pipeline.inject(deck, all_prompts(deck, lambda index: f"{NASTY} {index}"))
        out = tmp_path / f"{n:03}-{path.name}"
        out.write_bytes(deck.to_bytes(text))
        injected.append((out, *config))
        forms += [
            m.form
            for s in pipeline.parse(Deck.from_bytes(out.read_bytes())).slides
            for m in s.markers
        ]
    if mode == "reference":  # the invisible form is the rule, comments the exception
        assert forms.count("reference") > 4 * forms.count("comment")
    before, after = _plugin(harness, jobs), _plugin(harness, injected)
    problems = [
        job[0].name
        for job, old, new in zip(jobs, before, after, strict=True)
        if [_view(s) for s in old["slides"]] != [_view(s) for s in new["slides"]]
    ]
    assert not problems, problems[:5]


@pytest.mark.parametrize("fmt", sorted(TOOL_DECKS))
def test_tool_variants_count_as_the_tools_do(fmt: str) -> None:
    path = CORPUS / TOOL_DECKS[fmt]
    require_corpus(path)
    pipeline = Pipeline(Settings(format=fmt), get_plugin_manager(load_entrypoints=False))
    assert (
        len(pipeline.parse(Deck.from_bytes(path.read_bytes(), path)).slides) == MANIFEST_COUNTS[fmt]
    )


def _tool(harness: Path, generator: str, paths: list[Path]) -> list[dict[str, Any]]:
    spec = [{"path": str(p), "generator": generator} for p in paths]
    out = subprocess.run(
        ["node", str(harness)], input=json.dumps(spec), capture_output=True, text=True,
        check=True, timeout=600,
    ).stdout  # fmt: skip
    return [json.loads(line) for line in out.split("\n") if line.strip()]


@pytest.mark.parametrize("mode", ["comment", "reference", "frontmatter"])
@pytest.mark.parametrize(
    ("fmt", "path"),
    [
        ("reveal-md", CORPUS / TOOL_DECKS["reveal-md"]),
        ("reveal-md", ROOT / "example-deck" / "reveal-deck.md"),
        ("slides-extended", CORPUS / TOOL_DECKS["slides-extended"]),
    ],
    ids=["reveal-md", "reveal-md-example", "slides-extended"],
)
def test_tool_variants_split_and_inject_like_the_tools(
    harness: Path, tmp_path: Path, fmt: str, path: Path, mode: str
) -> None:
    """reveal-md runs for real in the harness; Slides Extended is emulated there (its
    front matter rule and defaults, then the reveal.js plugin), so only its chunk
    boundaries are compared."""
    require_corpus(path)
    pipeline = Pipeline(Settings(format=fmt, mode=mode), get_plugin_manager(load_entrypoints=False))
    deck = pipeline.parse(Deck.from_bytes(path.read_bytes(), path))
    [before] = _tool(harness, fmt, [path])
    ranges = [(s["start_line"], s["end_line"]) for s in before["slides"]]
    assert [(s.start_line, s.end_line) for s in deck.slides] == ranges
    out = tmp_path / path.name
    out.write_bytes(
        deck.to_bytes(pipeline.inject(deck, all_prompts(deck, lambda i: f"{NASTY} {i}")))
    )
    [after] = _tool(harness, fmt, [out])
    if mode == "frontmatter":  # both tools read a front matter: no comment is needed
        reread = pipeline.parse(Deck.from_bytes(out.read_bytes(), out))
        assert {m.form for s in reread.slides for m in s.markers} == {"frontmatter"}
    if fmt == "reveal-md":
        assert [_view(s) for s in after["slides"]] == [_view(s) for s in before["slides"]]
    else:
        assert len(after["slides"]) == len(before["slides"])
