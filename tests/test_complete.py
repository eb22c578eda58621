"""Shell completion (issue 19, point 7), the way a shell asks for it: the program run with
click's completion variables, its answer read from stdout."""

from __future__ import annotations

import os
from pathlib import Path
import subprocess
import sys

import pytest

DECK = "---\nmarp: true\n---\n\n# Glaciers\n\ntext\n\n---\n\n# Moraines\n\n---\n\n# Thanks\n"


def _complete(words: str, shell: str = "bash", cwd: Path | None = None) -> list[str]:
    """What the program answers a *shell* completing the last of *words*."""
    env = {
        **os.environ,
        "_MDSLIDES_PROMPTS_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split(" ")) - 1),
    }
    done = subprocess.run(
        [sys.executable, "-m", "mdslides_prompts", *()], env=env, cwd=cwd,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


def _values(lines: list[str]) -> list[str]:
    """The values of bash's ``type,value`` lines."""
    return [line.split(",", 1)[1] for line in lines]


def test_the_shell_script_and_the_commands() -> None:
    env = {**os.environ, "_MDSLIDES_PROMPTS_COMPLETE": "bash_source"}
    done = subprocess.run(
        [sys.executable, "-m", "mdslides_prompts"], env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert "_MDSLIDES_PROMPTS_COMPLETE=bash_complete" in done.stdout
    assert _values(_complete("mdslides-prompts i")) == ["images", "inspect"]


def test_formats_and_providers_come_from_the_loaded_plugins() -> None:
    assert _values(_complete("mdslides-prompts run talk.md --format m")) == ["marp", "mkslides"]
    providers = _values(_complete("mdslides-prompts run talk.md --provider "))
    assert providers[0] == "auto" and {"infomaniak", "offline", "openai"} <= set(providers)
    pictures = _values(_complete("mdslides-prompts images talk.md --image-provider o"))
    assert pictures == ["offline", "openai"]


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_slides_are_the_decks_own_numbers_with_their_titles(shell: str, tmp_path: Path) -> None:
    (tmp_path / "talk.md").write_text(DECK, encoding="utf-8")
    lines = _complete("mdslides-prompts run talk.md --slides ", shell, tmp_path)
    if shell == "zsh":  # type, value, help: three lines each
        assert lines == ["plain", "1", "Glaciers", "plain", "2", "Moraines", "plain", "3", "Thanks"]
    else:
        assert _values(lines) == ["1", "2", "3"]
    # The last entry of a list is completed, the ones before it kept.
    assert _values(_complete("mdslides-prompts run talk.md --slides 1,", cwd=tmp_path)) == [
        "1,1", "1,2", "1,3",
    ]  # fmt: skip
    assert _complete("mdslides-prompts run nowhere.md --slides ", cwd=tmp_path) == []


def _startup_lines() -> dict[str, str]:
    """The start-up lines docs/commands.md gives, by the file they go in."""
    from .conftest import ROOT

    page = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    block = page.split("## Shell completion", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    lines = (line.rsplit("#", 1) for line in block.splitlines())
    return {where.strip(): line.strip() for line, where in lines}


def test_the_documented_bash_line_completes_in_bash(tmp_path: Path) -> None:
    """The ``~/.bashrc`` line of the docs, run by bash, then bash's completion of a command
    line as it does on a Tab: the function the line registered, ``COMPREPLY`` its answer."""
    line = _startup_lines()["~/.bashrc"]
    (tmp_path / "talk.md").write_text(DECK, encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    program = bin_dir / "mdslides-prompts"
    program.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m mdslides_prompts "$@"\n')
    program.chmod(0o755)
    script = f"""{line}
spec=$(complete -p mdslides-prompts)
function=${{spec#*-F }}; function=${{function%% *}}
COMP_WORDS=(mdslides-prompts run talk.md --slides ""); COMP_CWORD=4; COMPREPLY=()
"$function" mdslides-prompts "" --slides  # bash's arguments: command, word, the one before
printf '%s\\n' "${{COMPREPLY[@]}}"
COMP_WORDS=(mdslides-prompts ins); COMP_CWORD=1; COMPREPLY=()
"$function" mdslides-prompts ins mdslides-prompts
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["1", "2", "3", "inspect"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_the_documented_zsh_and_fish_lines_give_their_shells_script(shell: str) -> None:
    """zsh and fish are not on this machine: their lines' command must at least print the
    script that asks the program with that shell's protocol."""
    lines = _startup_lines()
    line = next(text for where, text in lines.items() if shell in where)
    assert f"_MDSLIDES_PROMPTS_COMPLETE={shell}_source mdslides-prompts" in line
    env = {**os.environ, "_MDSLIDES_PROMPTS_COMPLETE": f"{shell}_source"}
    done = subprocess.run(
        [sys.executable, "-m", "mdslides_prompts"], env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0 and f"_MDSLIDES_PROMPTS_COMPLETE={shell}_complete" in done.stdout
