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
