"""Ground truth for what authors add: the ``mdslides-prompts:`` front-matter key and the
``skip``/``lock`` marker flags render as nothing in marp-core and leave @slidev/parser's
slides as they were, and our split agrees with both on the decks that carry them."""

from __future__ import annotations

import json
from pathlib import Path
import re
import shutil
import subprocess
from typing import Any

import pytest

from .cli_tools import cli, markers
from .conftest import CORPUS, ROOT, npm_harness, pristine_example, require

MARP = ROOT / "conformance" / "marp" / "slides.mjs"
SLIDEV = ROOT / "conformance" / "slidev" / "slides.mjs"
BLOCK = 'mdslides-prompts:\n  style: "pencil: soft"\n  skip: [2, "Take-aways"]\n  lock: [5-6]\n'


def _harness(script: Path, paths: list[Path], *args: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        ["node", str(script), *args], input=json.dumps([str(p) for p in paths]),
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout  # fmt: skip
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _html(slides: list[dict[str, Any]]) -> list[str]:
    """The slides' HTML, up to Marpit's random scope id and newlines between tags."""
    return [re.sub(r">\n+<", "><", re.sub(r"data-marpit-scope-\w+", "", s["html"])) for s in slides]


def _notes(slides: list[dict[str, Any]]) -> list[list[str]]:
    return [[n for n in s["notes"] if not n.startswith("image-prompt")] for s in slides]


def test_marp_core_renders_the_config_key_and_flags_as_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    harness = npm_harness(MARP, "@marp-team/marp-core")
    plain = pristine_example(tmp_path / "plain")
    configured = pristine_example(tmp_path / "configured")
    text = configured.read_text(encoding="utf-8")
    configured.write_text(text.replace("---\n", "---\n" + BLOCK, 1), encoding="utf-8")
    flagged = pristine_example(tmp_path / "flagged")
    assert cli(capsys, "run", flagged)[0] == 0
    lines = markers(flagged)
    text = flagged.read_text(encoding="utf-8")
    text = text.replace(lines[1], "<!-- image-prompt skip -->")
    text = text.replace(lines[3], lines[3].replace("image-prompt ", "image-prompt lock ", 1))
    text = text.replace(lines[5], "<!-- image-prompt lock | My own: a hand-drawn map -->")
    flagged.write_text(text, encoding="utf-8")
    reference = pristine_example(tmp_path / "reference")
    assert cli(capsys, "run", reference, "--mode", "reference")[0] == 0
    lines = markers(reference)
    text = reference.read_text(encoding="utf-8").replace(lines[6], "[image-prompt skip]: #")
    reference.write_text(text.replace(lines[7], '[image-prompt lock]: # "My own prompt"'))
    truth = {
        Path(r["file"]).parent.name: r
        for r in _harness(harness, [plain, configured, flagged, reference], "--katex")
    }
    base = truth["plain"]["slides"]
    for name in ("configured", "flagged", "reference"):
        slides = truth[name]["slides"]
        assert _html(slides) == _html(base), name
        assert _notes(slides) == _notes(base), name  # flags are never directives
    flagged_notes = [n for s in truth["flagged"]["slides"] for n in s["notes"]]
    assert "image-prompt skip" in flagged_notes  # a comment marker is a note, as documented
    reference_notes = [s["notes"] for s in truth["reference"]["slides"][6:8]]
    assert reference_notes == [s["notes"] for s in base[6:8]]  # invisible, and no note
    for name in ("configured", "flagged", "reference"):
        ours = json.loads(cli(capsys, "inspect", tmp_path / name / "talk.md", "--json")[1])
        ranges = [[s["start_line"], s["end_line"]] for s in ours["slides"]]
        assert ranges == [[s["start_line"], s["end_line"]] for s in truth[name]["slides"]]


def test_slidev_parser_sees_the_same_slides_with_the_config_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require(shutil.which("node") is not None and shutil.which("npm") is not None, "no node/npm")
    subprocess.run(["bash", str(SLIDEV.parent / "install.sh")], check=True, timeout=600)
    paths = []
    for source in [*sorted(CORPUS.glob("slidev--*.md")), ROOT / "example-deck" / "slidev-deck.md"]:
        text = source.read_text(encoding="utf-8")
        if not text.startswith("---\n"):
            continue
        out = tmp_path / f"configured-{source.name}"
        out.write_text("---\n" + BLOCK + text[4:], encoding="utf-8")
        paths += [source, out]
    truth = {r["file"]: r for r in _harness(SLIDEV, paths)}
    shift = BLOCK.count("\n")
    for source, out in zip(paths[::2], paths[1::2], strict=True):
        old, new = truth[str(source)]["slides"], truth[str(out)]["slides"]
        assert len(old) == len(new), source.name
        first = new[0]["frontmatter"]
        assert first.pop("mdslides-prompts") == {
            "style": "pencil: soft", "skip": [2, "Take-aways"], "lock": ["5-6"]
        }  # fmt: skip
        assert first == old[0]["frontmatter"]
        assert [s["content"] for s in new] == [s["content"] for s in old]
        assert [(s["start_line"] - shift, s["end_line"] - shift) for s in new[1:]] == [
            (s["start_line"], s["end_line"]) for s in old[1:]
        ]
        ours = json.loads(cli(capsys, "inspect", out, "--json", "--format", "slidev")[1])
        assert [[s["start_line"], s["end_line"]] for s in ours["slides"]] == [
            [s["start_line"], s["end_line"]] for s in new
        ]
