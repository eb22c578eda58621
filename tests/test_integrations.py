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
from typing import Any

import pytest

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
    others = (
        "pandoc/image-prompts.lua",
        "reveal-md/image-prompts.mjs",
        "mkslides/image_prompts.py",
    )
    for recipe in (
        TASKS,
        QUARTO_YML,
        ACTION,
        WORKFLOW,
        *(ROOT / "integrations" / n for n in others),
    ):
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


# --- the GitHub Action --------------------------------------------------------------------------

ACTION = ROOT / "action.yml"


def _run_action(
    inputs: dict[str, str], folder: Path, python: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The action's steps, as a runner runs a composite action: inputs filled in (defaults
    for the others), each ``if`` decided, each ``run`` by ``bash -eo pipefail`` with the
    step's ``env``. With *python* (a virtualenv's ``bin`` folder) the install step runs
    too, into it, with no index: pip finds the dependencies and the build backend already
    there; without, ``mdslides-prompts`` is this checkout's program. The last step's result."""
    import yaml

    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    given = {k: str(v.get("default", "")) for k, v in action["inputs"].items()} | inputs
    install, *steps = action["runs"]["steps"]
    assert install["run"] == 'python3 -m pip install --quiet "$ACTION_PATH"'
    context = {"github.action_path": str(ROOT)}
    context |= {f"inputs.{k}": v for k, v in given.items()}

    def fill(text: str) -> str:
        return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", lambda m: context[m.group(1)], text)

    if python is None:
        _shell("true", folder)  # the program on PATH (see _shell)
        bin_dir = folder / "bin"
    else:
        bin_dir = python
        steps = [install, *steps]
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    done = subprocess.CompletedProcess[str]([], 0, "", "")
    for step in steps:
        condition = step.get("if")
        if condition is not None:
            found = re.fullmatch(r"inputs\.([\w-]+) == '(\w+)'", condition)
            assert found is not None, condition  # the only form the action uses
            name, value = found.groups()
            if given[name] != value:
                continue
        env = {**os.environ, "PATH": path, **{k: fill(v) for k, v in step["env"].items()}}
        env |= {"PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0"}
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=folder, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if done.returncode:
            break
    return done


WORKFLOW = ROOT / "integrations" / "github" / "slides.yml"


def _run_workflow(workspace: Path, python: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The docs' workflow, its one job run step by step in *workspace* as GitHub's runner
    would after the checkout: ``setup-python`` asks for a Python this program runs on, and
    the step that uses this repository runs its action with the step's ``with``."""
    import yaml

    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    done = subprocess.CompletedProcess[str]([], 0, "", "")
    for step in job["steps"]:
        uses, given = step["uses"], step.get("with", {})
        if uses.startswith("actions/checkout@"):
            assert not given  # the pull request's own files: the workspace
        elif uses.startswith("actions/setup-python@"):
            wanted = tuple(int(n) for n in str(given["python-version"]).split("."))
            assert wanted >= (3, 11)  # requires-python
        else:
            assert re.fullmatch(r"[\w-]+/mdslides-prompts@v[\d.]+", uses), uses
            done = _run_action({k: str(v) for k, v in given.items()}, workspace, python)
    return done


def test_the_action_annotates_the_slides_that_need_work_and_fails(tmp_path: Path) -> None:
    (tmp_path / "slides").mkdir()
    (tmp_path / "slides" / "talk.md").write_text(STALE, encoding="utf-8")
    (tmp_path / "README.md").write_text("# Not a deck\n", encoding="utf-8")
    done = _run_action({"paths": "slides README.md"}, tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "::error file=slides/talk.md,line=7,title=Image prompt stale::slide 1: stale",
        "::error file=slides/talk.md,line=12,title=Image prompt missing::slide 2: missing",
    ]


@pytest.mark.usefixtures("offline")
def test_the_action_writes_cached_prompts_first_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = tmp_path / "talk.md"
    deck.write_text(TALK, encoding="utf-8")
    done = _run_action({"paths": "talk.md", "write": "true"}, tmp_path)
    assert done.returncode == 1  # nothing cached yet: check still finds the slides bare
    filled = subprocess.run(
        [sys.executable, "-m", "mdslides_prompts", "run", str(deck)], capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert filled.returncode == 0, filled.stderr
    deck.write_text(TALK, encoding="utf-8")  # a fresh checkout: the cache has the answers
    done = _run_action({"paths": "talk.md", "write": "true", "lint": "true"}, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert deck.read_text(encoding="utf-8").count("image-prompt") == 2


def test_the_docs_workflow_annotates_the_pull_requests_decks(tmp_path: Path) -> None:
    (tmp_path / "slides").mkdir()
    (tmp_path / "slides" / "talk.md").write_text(STALE, encoding="utf-8")
    done = _run_workflow(tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "::error file=slides/talk.md,line=7,title=Image prompt stale::slide 1: stale",
        "::error file=slides/talk.md,line=12,title=Image prompt missing::slide 2: missing",
    ]


def _bare_virtualenv(folder: Path) -> Path:
    """A new virtualenv whose packages are this one's (a ``.pth`` line), as
    ``setup-python`` leaves a runner with pip and whatever the job installed; its ``bin``."""
    import sysconfig

    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=120)
    bin_dir = folder / "bin"
    probe = [
        str(bin_dir / "python3"),
        "-c",
        "import sysconfig; print(sysconfig.get_paths()['purelib'])",
    ]
    purelib = Path(subprocess.run(probe, check=True, capture_output=True, text=True).stdout.strip())
    (purelib / "_runner_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return bin_dir


@pytest.mark.conformance
def test_the_action_installs_the_tool_from_its_own_repository(tmp_path: Path) -> None:
    bin_dir = _bare_virtualenv(tmp_path / "runner")
    workspace = tmp_path / "pr"
    (workspace / "slides").mkdir(parents=True)
    (workspace / "slides" / "talk.md").write_text(STALE, encoding="utf-8")
    done = _run_workflow(workspace, bin_dir)
    assert done.returncode == 1, done.stderr
    assert len(done.stdout.splitlines()) == 2 and done.stdout.startswith("::error file=slides/")
    # The program that ran is the one the install step put in the runner's virtualenv.
    program = bin_dir / "mdslides-prompts"
    assert program.is_file()
    probe = "import mdslides_prompts; print(mdslides_prompts.__file__)"
    where = subprocess.run(
        [str(bin_dir / "python3"), "-c", probe], capture_output=True, text=True, check=True
    )
    assert Path(where.stdout.strip()).is_relative_to(tmp_path / "runner"), where.stdout


# --- MkSlides' preprocess script ----------------------------------------------------------------

MKSLIDES = ROOT / "integrations" / "mkslides" / "image_prompts.py"


def _mkslides_preprocess() -> Any:
    """The script's ``preprocess``, loaded as MkSlides loads a ``preprocess_script``
    (``importlib.util.spec_from_file_location``, then the module's ``preprocess``)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("preprocess_module", MKSLIDES)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.preprocess


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize("mode", ["strip", "cache-only"])
def test_the_mkslides_preprocess_script_serves_the_deck_without_or_with_its_prompts(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .conftest import pristine_example

    deck = pristine_example(tmp_path / "decks").parent / "reveal-deck.md"
    plain = deck.read_text(encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mdslides_prompts", "run", str(deck), "--format", "mkslides"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    prompted = deck.read_text(encoding="utf-8")
    monkeypatch.setenv("MDSLIDES_PROMPTS_MKSLIDES", mode)
    preprocess = _mkslides_preprocess()
    if mode == "strip":
        assert preprocess(prompted) == plain
    else:  # the cache gives the prompts back to a deck that has none
        assert preprocess(plain) == prompted


def test_the_quarto_recipe_names_the_variables_the_command_reads() -> None:
    page = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    section = page.split("## Quarto", 1)[1].split("\n## ", 1)[0]
    source = (ROOT / "src" / "mdslides_prompts" / "cli" / "quarto.py").read_text(encoding="utf-8")
    named = set(re.findall(r"`(QUARTO_\w+)`", section))
    assert named and named <= set(re.findall(r"QUARTO_\w+", source))
