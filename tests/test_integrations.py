"""Integrations (issue 19): each recipe of docs/integrations.md is a file of this
repository, run here the way its host tool runs it."""

from __future__ import annotations

import json
import os
from pathlib import Path
import re
import subprocess
import sys

from mdslides_prompts.marker import render_marker

from .conftest import ROOT

TASKS = ROOT / "integrations" / "vscode" / "tasks.json"
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


def test_the_docs_recipe_is_the_tested_file() -> None:
    page = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    assert TASKS.read_text(encoding="utf-8").strip() in page
