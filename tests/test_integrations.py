"""Integrations (issue 19): each recipe of docs/integrations.md is a file of this
repository, run here the way its host tool runs it."""

from __future__ import annotations

import json
import os
from pathlib import Path
import re
import shutil
import subprocess
import sys

from mdslides_prompts.marker import render_marker

from .conftest import ROOT

TASKS = ROOT / "integrations" / "vscode" / "tasks.json"
QUARTO_YML = ROOT / "integrations" / "quarto" / "_quarto.yml"
STALE = (
    "---\nmarp: true\n---\n\n# Glaciers\n\n"
    f"{render_marker('An old prompt', '00000000')}\n\ntext\n\n---\n\n# Two\n"
)
"""A deck with a stale prompt (slide 1, its marker on line 7) and a missing one (slide 2,
which starts on line 12)."""


def _shell(command: str, cwd: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """A VS Code shell task's *command*, its ``${…}`` variables given, run by a shell in
    which ``mdslides-prompts`` is this checkout's program."""
    for name, value in variables.items():
        command = command.replace("${" + name + "}", value)
    bin_dir = cwd / "bin"
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "mdslides-prompts"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m mdslides_prompts "$@"\n')
    script.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["sh", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_vscode_check_task_points_at_each_problem_line(tmp_path: Path) -> None:
    tasks = {t["label"]: t for t in json.loads(TASKS.read_text(encoding="utf-8"))["tasks"]}
    check = tasks["mdslides-prompts: check"]
    deck = tmp_path / "talk.md"
    deck.write_text(STALE, encoding="utf-8")
    done = _shell(check["command"], tmp_path, workspaceFolder=str(tmp_path))
    assert done.returncode == 1, done.stderr
    pattern = check["problemMatcher"]["pattern"]
    found = []
    for line in done.stdout.splitlines():
        match = re.match(pattern["regexp"], line)
        assert match is not None, line  # every line is a problem VS Code shows
        found.append(
            (match.group(pattern["file"]), int(match.group(pattern["line"])),
             match.group(pattern["message"]))
        )  # fmt: skip
    lines = deck.read_text(encoding="utf-8").splitlines()
    assert [(Path(f).name, n) for f, n, _ in found] == [("talk.md", 7), ("talk.md", 12)]
    assert lines[found[0][1] - 1].startswith("<!-- image-prompt")  # the marker's own line
    assert found[0][2] == "slide 1: stale" and found[1][2] == "slide 2: missing"


def test_the_docs_recipes_are_the_tested_files() -> None:
    page = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    others = ("pandoc/image-prompts.lua", "reveal-md/image-prompts.mjs")
    for recipe in (TASKS, QUARTO_YML, *(ROOT / "integrations" / name for name in others)):
        assert recipe.read_text(encoding="utf-8").strip() in page, recipe.name


# --- Quarto's pre-render step -----------------------------------------------------------------

TALK = "---\ntitle: Talk\nformat: revealjs\n---\n\n## One\n\ntext\n\n## Two\n\nmore\n"
PAGE = "---\ntitle: About\n---\n\nJust a page.\n"


def _pre_render(project: Path, files: list[str], **extra: str) -> subprocess.CompletedProcess[str]:
    """``mdslides-prompts quarto`` as Quarto runs a pre-render command: in the project's
    folder, the files to render in its environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INFOMANIAK_", "QUARTO_"))}
    env.pop("CI", None)
    env.update({
        "QUARTO_PROJECT_RENDER_ALL": "1", "QUARTO_PROJECT_OUTPUT_DIR": "_site",
        "QUARTO_PROJECT_INPUT_FILES": "\n".join(files),
        "MDSLIDES_PROMPTS_CACHE_DIR": str(project.parent / "cache"), **extra,
    })  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "mdslides_prompts", "quarto"], cwd=project, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "site"
    (project / "slides").mkdir(parents=True)
    shutil.copy(QUARTO_YML, project / "_quarto.yml")
    (project / "slides" / "talk.qmd").write_text(TALK, encoding="utf-8")
    (project / "slides" / "other.qmd").write_text(TALK, encoding="utf-8")
    (project / "about.qmd").write_text(PAGE, encoding="utf-8")
    return project


def test_quarto_pre_render_gives_only_the_decks_it_renders_their_prompts(tmp_path: Path) -> None:
    project = _project(tmp_path)
    done = _pre_render(project, ["slides/talk.qmd", "about.qmd"])
    assert done.returncode == 0, done.stderr
    assert (project / "slides" / "talk.qmd").read_text(encoding="utf-8").count("image-prompt") == 2
    assert (project / "slides" / "other.qmd").read_text(encoding="utf-8") == TALK  # not rendered
    assert (project / "about.qmd").read_text(encoding="utf-8") == PAGE  # no deck: left alone
    # A long list comes in a file instead.
    listed = tmp_path / "inputs.txt"
    listed.write_text("slides/other.qmd\n", encoding="utf-8")
    done = _pre_render(project, [], QUARTO_USE_FILE_FOR_PROJECT_INPUT_FILES=str(listed))
    assert done.returncode == 0, done.stderr
    assert (project / "slides" / "other.qmd").read_text(encoding="utf-8").count("image-prompt") == 2


def test_quarto_pre_render_in_ci_uses_the_cache_only_and_fails_the_render_on_a_miss(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path)
    talk = project / "slides" / "talk.qmd"
    done = _pre_render(project, ["slides/talk.qmd"], CI="true")
    assert done.returncode == 1  # Quarto stops the render
    assert "talk.qmd: 2 slides (2 missed); unchanged" in done.stderr, done.stderr
    assert talk.read_text(encoding="utf-8") == TALK
    assert _pre_render(project, ["slides/talk.qmd"]).returncode == 0  # fills the cache
    talk.write_text(TALK, encoding="utf-8")
    done = _pre_render(project, ["slides/talk.qmd"], CI="true")
    assert done.returncode == 0, done.stderr
    assert talk.read_text(encoding="utf-8").count("image-prompt") == 2


def test_quarto_pre_render_outside_quarto_says_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTO_")}
    done = subprocess.run(
        [sys.executable, "-m", "mdslides_prompts", "quarto"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "mdslides-prompts: QUARTO_PROJECT_INPUT_FILES is not set: run this as a pre-render "
        "step of a Quarto project"
    ]
