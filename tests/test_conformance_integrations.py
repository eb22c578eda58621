"""Integrations checked with the real host tool (issue 19): pandoc runs the Lua filter
of integrations/pandoc/ the way a user who calls pandoc directly runs it; MkSlides' own
loader runs the preprocess script of integrations/mkslides/ on the text MkSlides gives it."""

from __future__ import annotations

import os
from pathlib import Path
import re
import subprocess
import sys

import pytest

from .cli_tools import cli
from .conftest import ROOT

FILTER = ROOT / "integrations" / "pandoc" / "image-prompts.lua"
DECK = """\
# Part

## Glaciers {.center}

Ice flows downhill, slowly.

<!-- the author's own comment stays -->

## Moraines

- Rocks
- Sand
"""


def _pandoc(pandoc_harness: Path, *args: str) -> subprocess.CompletedProcess[str]:
    found = pandoc_harness.parent.glob(".venv/lib/python*/site-packages/pypandoc/files/pandoc")
    return subprocess.run(
        [str(next(found)), *args], capture_output=True, text=True, check=True, timeout=120
    )


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize(("output", "shows"), [("revealjs", True), ("beamer", False)])
def test_the_lua_filter_takes_out_every_marker_and_nothing_else(
    output: str,
    shows: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    pandoc_harness: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain = tmp_path / "plain.md"
    plain.write_text(DECK, encoding="utf-8")
    prompted = tmp_path / "prompted.md"
    prompted.write_text(DECK, encoding="utf-8")
    assert cli(capsys, "run", prompted, "--format", "pandoc")[0] == 0
    text = prompted.read_text(encoding="utf-8")
    assert text.count("<!-- image-prompt") == 3  # one inline in the level-1 heading
    before = _pandoc(pandoc_harness, str(plain), "-t", output)
    raw = _pandoc(pandoc_harness, str(prompted), "-t", output)
    # Without the filter reveal.js output carries the markers (beamer drops raw HTML).
    assert (raw.stdout != before.stdout) == shows
    filtered = _pandoc(pandoc_harness, str(prompted), "-t", output, "--lua-filter", str(FILTER))
    assert filtered.stdout == before.stdout
    assert "image-prompt" not in filtered.stderr


PREPROCESSOR = ROOT / "integrations" / "reveal-md" / "image-prompts.mjs"
RENDER = """\
import { render } from '%s'
import { readFileSync } from 'node:fs'
const [deck, preprocessor] = process.argv.slice(2)
const options = preprocessor ? { preprocessor } : {}
process.stdout.write(await render(readFileSync(deck, 'utf8'), options))
"""


@pytest.mark.usefixtures("offline")
def test_reveal_md_serves_a_deck_through_the_preprocessor_without_its_markers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from .conftest import npm_harness, pristine_example

    harness = npm_harness(ROOT / "conformance" / "revealjs" / "slides.mjs", "reveal-md")
    renderer = tmp_path / "render.mjs"
    module = harness.parent / "node_modules" / "reveal-md" / "lib" / "render.js"
    renderer.write_text(RENDER % module.as_uri(), encoding="utf-8")
    deck = pristine_example(tmp_path / "decks").parent / "reveal-deck.md"
    plain = tmp_path / "plain.md"
    plain.write_bytes(deck.read_bytes())
    assert cli(capsys, "run", deck)[0] == 0
    program = tmp_path / "mdslides-prompts"
    program.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m mdslides_prompts "$@"\n')
    program.chmod(0o755)

    def served(path: Path, *preprocessor: Path) -> str:
        done = subprocess.run(
            ["node", str(renderer), str(path), *map(str, preprocessor)], cwd=tmp_path,
            env={**os.environ, "MDSLIDES_PROMPTS_BIN": str(program)},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        # reveal-md copies its own command line into the page: the files named differ.
        return re.sub(r'"_":\[[^\]]*\]', '"_":[]', done.stdout)

    assert "<!-- image-prompt" in served(deck)  # reveal-md alone serves the markers
    assert served(deck, PREPROCESSOR) == served(plain)  # as if the deck had none


# --- MkSlides: its loader, its deck reading ---------------------------------------------------

MKSLIDES_SCRIPT = ROOT / "integrations" / "mkslides" / "image_prompts.py"
MKSLIDES_DECK = """\
---
slides:
  theme: white
---

# Glaciers

Ice flows downhill, slowly.

---

# Moraines

- Rocks
- Sand

Note: what the glacier leaves behind
"""


def _served(harness: Path, deck: Path, script: Path, **env: str) -> str:
    """The Markdown MkSlides renders from *deck* with *script* as its preprocess script."""
    done = subprocess.run(
        [sys.executable, str(harness), str(deck), str(script)], capture_output=True, text=True,
        timeout=120, env={**os.environ, **env},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.usefixtures("offline")
def test_mkslides_renders_a_prompted_deck_as_the_deck_without_prompts(
    tmp_path: Path, mkslides_harness: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    identity = tmp_path / "identity.py"
    identity.write_text("def preprocess(markdown):\n    return markdown\n", encoding="utf-8")
    deck = tmp_path / "talk.md"
    deck.write_text(MKSLIDES_DECK, encoding="utf-8")
    plain = _served(mkslides_harness, deck, identity)
    assert cli(capsys, "run", str(deck), "--format", "mkslides")[0] == 0
    assert deck.read_text(encoding="utf-8").count("image-prompt") == 2
    prompted = _served(mkslides_harness, deck, identity)
    assert _served(mkslides_harness, deck, MKSLIDES_SCRIPT) == plain != prompted
    # cache-only: a deck without its prompts is served with them, from the cache
    cached = _served(
        mkslides_harness, deck, MKSLIDES_SCRIPT, MDSLIDES_PROMPTS_MKSLIDES="cache-only"
    )
    assert cached == prompted
    deck.write_text(MKSLIDES_DECK, encoding="utf-8")
    cached = _served(
        mkslides_harness, deck, MKSLIDES_SCRIPT, MDSLIDES_PROMPTS_MKSLIDES="cache-only"
    )
    assert cached == prompted
