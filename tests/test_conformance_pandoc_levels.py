"""Ground truth, pandoc 3.9: build options the deck does not name, and knitr's cells.

* Slide level unknown (plain pandoc, nothing given): decks (generated, the fixtures' and
  the example deck) injected without a level are rendered by pandoc with
  ``--slide-level N`` for N in 1..4: the same slides as the original at that level.
* ``pandoc -t beamer``: frame and section titles, and the whole output, are the same
  bytes with our markers as without (pandoc drops the HTML comments).
* Cells: Quarto and R Markdown decks with setup cells, injected, then rendered with every
  cell removed (``include: false``) and with every cell kept as code: the same slides as
  the original under the same treatment.
* pandoc itself ignores a ``slide-level:`` key in the deck's YAML.
"""

from __future__ import annotations

from pathlib import Path
import random
import re
import subprocess

from markdown_it.utils import read_fixture_file

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager

from .conftest import pristine_example
from .deck_strategies import random_pandoc_deck
from .fixture_tools import all_prompts
from .test_conformance_pandoc import NASTY, PYTHON, Truth, _pandoc, _usable, _view

FIXTURES = Path(__file__).parent / "fixtures"
_CELL_OPEN = re.compile(r"\s*(`{3,}|~{3,})\s*\{[A-Za-z][A-Za-z0-9_+-]*(?:[\s,][^}]*)?\}\s*")
SETUP_CELLS = (
    ("```{r}", "#| include: false", "library(ggplot2)", "```"),
    ("```{r setup, include=FALSE}", "knitr::opts_chunk$set(echo = FALSE)", "```"),
    ("```{python}", "#| echo: false", "x = 1", "```"),
)
# A deck built with `pandoc --slide-level 3`: rules before the level-3 headings they merge
# with; the inferred level is 2 (a marker between a rule and its heading adds a slide at 3).
LEVEL3_DECK = "## Intro\n\ntext\n\n" + "".join(
    f"---\n\n### Step {n}\n\nbody {n}\n\n" for n in range(1, 13)
)


def _pipeline(fmt: str, level: int | None = None) -> Pipeline:
    settings = Settings(format=fmt, extra={"slide-level": level} if level else {})
    return Pipeline(settings, get_plugin_manager(load_entrypoints=False))


def _inject(path: Path, fmt: str, out: Path) -> int:
    """Inject a prompt into every slide of the deck at *path* into *out*; how many."""
    pipeline = _pipeline(fmt)
    deck = pipeline.parse(Deck.from_bytes(path.read_bytes(), path))
    prompts = all_prompts(deck, lambda index: f"{NASTY} {index}")
    out.write_bytes(deck.to_bytes(pipeline.inject(deck, prompts)))
    return len(prompts)


def _fixture_sources(*names: str) -> list[str]:
    return [case[2] for name in names for case in read_fixture_file(FIXTURES / name)]


def _same_slides(before: Truth, after: Truth, pairs: list[tuple[Path, Path]]) -> list[str]:
    """The decks whose slides pandoc renders differently with the markers."""
    problems = []
    for old_path, new_path in pairs:
        old, new = before[str(old_path)], after[str(new_path)]
        if not _usable(old):
            continue
        if not _usable(new) or [_view(s) for s in old["slides"]] != [
            _view(s) for s in new["slides"]
        ]:
            problems.append(old_path.name)
    return problems


def test_unknown_level_is_safe_at_every_level(pandoc_harness: Path, tmp_path: Path) -> None:
    sources = _fixture_sources("pandoc_split.md", "pandoc_inject.md", "pandoc_level3_split.md")
    sources += [LEVEL3_DECK, pristine_example(tmp_path / "example").read_text(encoding="utf-8")]
    rng = random.Random(20261204)
    sources += [random_pandoc_deck(rng) for _ in range(60)]
    pairs = []
    written = 0
    for n, source in enumerate(sources):
        path, out = tmp_path / f"{n:03}.md", tmp_path / f"{n:03}-marked.md"
        path.write_bytes(source.encode("utf-8"))
        written += _inject(path, "pandoc", out)
        pairs.append((path, out))
    assert written > 300
    checked = 0
    for level in (1, 2, 3, 4):
        before = _pandoc(pandoc_harness, [(p, False) for p, _ in pairs], level)
        after = _pandoc(pandoc_harness, [(o, False) for _, o in pairs], level)
        assert not _same_slides(before, after, pairs), (level, _same_slides(before, after, pairs))
        checked += sum(_usable(before[str(p)]) for p, _ in pairs)
    assert checked > 0.8 * 4 * len(pairs)


def test_the_level_3_deck_keeps_its_slides(pandoc_harness: Path, tmp_path: Path) -> None:
    path, out = tmp_path / "talk.md", tmp_path / "marked.md"
    path.write_text(LEVEL3_DECK, encoding="utf-8")
    assert _inject(path, "pandoc", out) == 13  # every slide at the inferred level 2
    truth = _pandoc(pandoc_harness, [(path, False), (out, False)], 3)
    assert len(truth[str(path)]["slides"]) == len(truth[str(out)]["slides"]) == 13
    assert not _same_slides(truth, truth, [(path, out)])


def _pandoc_binary() -> str:
    found = subprocess.run(
        [str(PYTHON), "-c", "import pypandoc; print(pypandoc.get_pandoc_path())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return found.stdout.strip()


def test_beamer_titles_are_unchanged(pandoc_harness: Path, tmp_path: Path) -> None:
    """Section headings right above a slide heading take the marker inside them: beamer's
    ``\\section{…}`` and frame titles (the whole output, in fact) stay the same bytes."""
    pandoc = _pandoc_binary()
    sources = [
        "# Part one {#p1}\n\n## Slide\n\ntext\n\n# Part two ##\n\n## Other\n\nmore\n",
        "Setext part\n===========\n\n## Slide\n\ntext\n",
        pristine_example(tmp_path / "example").read_text(encoding="utf-8"),
    ]
    rng = random.Random(7)
    sources += [random_pandoc_deck(rng) for _ in range(30)]
    inline = 0
    for n, source in enumerate(sources):
        path, out = tmp_path / f"{n}.md", tmp_path / f"{n}-marked.md"
        path.write_bytes(source.encode("utf-8"))
        _inject(path, "pandoc", out)
        inline += len(re.findall(r"^#.*\S<!-- image-prompt", out.read_text("utf-8"), re.M))
        outputs = []
        for deck in (path, out):
            run = subprocess.run(
                [pandoc, "-f", "markdown", "-t", "beamer", str(deck)], capture_output=True
            )
            outputs.append(run.stdout if run.returncode == 0 else None)
        if outputs[0] is not None:
            assert outputs[1] == outputs[0], path.name
    assert inline >= 3


def _without_cells(text: str) -> str:
    """The deck once knitr removed every cell (lines and all)."""
    out: list[str] = []
    closing: re.Pattern[str] | None = None
    for line in text.split("\n"):
        if closing is not None:
            if closing.fullmatch(line.rstrip("\r")):
                closing = None
            continue
        opened = _CELL_OPEN.fullmatch(line.rstrip("\r"))
        if opened:
            fence = opened.group(1)
            closing = re.compile(rf"\s*{re.escape(fence[0])}{{{len(fence)},}}\s*")
            continue
        out.append(line)
    return "\n".join(out)


def _kept(text: str) -> str:
    """The deck with every cell kept as a code block (```{r} becomes ```r), as knitr
    and Quarto hand it to pandoc."""
    lines = text.split("\n")
    for k, line in enumerate(lines):
        opened = _CELL_OPEN.fullmatch(line.rstrip("\r"))
        if opened:
            lines[k] = re.sub(r"\s*\{([A-Za-z][A-Za-z0-9_+-]*)[^}]*\}", r"\1", line, count=1)
    return "\n".join(lines)


def _cell_deck(rng: random.Random, quarto: bool) -> str:
    """A generated deck with setup cells: before the first heading, after rules, as a
    slide's only body."""
    blocks = random_pandoc_deck(rng, quarto=quarto).lstrip("\ufeff").replace("\r\n", "\n")
    lines = blocks.split("\n")
    body = 0
    if lines and lines[0] == "---":
        body = lines.index("---", 1) + 1 if "---" in lines[1:] else 0
    for _ in range(rng.randint(1, 4)):
        at = rng.choice([body, len(lines), *(k + 1 for k, ln in enumerate(lines) if ln == "---")])
        at = max(at, body)
        lines[at:at] = ["", *rng.choice(SETUP_CELLS), ""]
    if rng.random() < 0.5:
        lines[body:body] = ["", *rng.choice(SETUP_CELLS), ""]
    return "\n".join(lines)


def test_removed_or_kept_cells_leave_the_slides_alone(pandoc_harness: Path, tmp_path: Path) -> None:
    sources = [(case, True) for case in _fixture_sources("quarto_split.md", "quarto_inject.md")]
    rng = random.Random(41)
    sources += [(_cell_deck(rng, quarto=n % 2 == 0), n % 2 == 0) for n in range(60)]
    jobs: dict[tuple[bool, int | None], list[tuple[Path, Path]]] = {}
    for n, (source, quarto) in enumerate(sources):
        suffix = ".qmd" if quarto else ".Rmd"
        path, out = tmp_path / f"{n:03}{suffix}", tmp_path / f"{n:03}-marked{suffix}"
        path.write_text(source, encoding="utf-8")
        _inject(path, "quarto" if quarto else "pandoc", out)
        for treat, name in ((_without_cells, "removed"), (_kept, "kept")):
            pair = []
            for deck in (path, out):
                treated = tmp_path / f"{deck.stem}-{name}.md"
                treated.write_text(treat(deck.read_text(encoding="utf-8")), encoding="utf-8")
                pair.append(treated)
            # Quarto's level is known (2 or its YAML); R Markdown's is inferred, or any.
            for level in (None,) if quarto else (None, 1, 2, 3):
                jobs.setdefault((quarto, level), []).append((pair[0], pair[1]))
    problems: list[tuple[bool, int | None, list[str]]] = []
    for (quarto, level), pairs in jobs.items():
        before = _pandoc(pandoc_harness, [(p, quarto) for p, _ in pairs], level)
        after = _pandoc(pandoc_harness, [(o, quarto) for _, o in pairs], level)
        found = _same_slides(before, after, pairs)
        if found:
            problems.append((quarto, level, found[:5]))
        assert sum(_usable(before[str(p)]) for p, _ in pairs) > 0.5 * len(pairs)
    assert not problems, problems


def test_pandoc_ignores_a_slide_level_key(pandoc_harness: Path, tmp_path: Path) -> None:
    path = tmp_path / "talk.md"
    path.write_text("---\nslide-level: 3\n---\n\n# A\n\n## B\n\ntext\n\n### C\n\nc\n")
    plain = _pandoc(pandoc_harness, [(path, False)])[str(path)]
    at_three = _pandoc(pandoc_harness, [(path, False)], 3)[str(path)]
    assert plain["slide_level_used"] == 2 and len(plain["slides"]) == 2
    assert len(at_three["slides"]) == 3
    deck = _pipeline("pandoc").parse(Deck.from_bytes(path.read_bytes(), path))
    ours = [(s.start_line, s.end_line) for s in deck.slides]
    assert ours == [(s["start_line"], s["end_line"]) for s in plain["slides"]]
