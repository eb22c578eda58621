"""The README documents every command, option, configuration key and template variable,
and its Python API example runs."""

from __future__ import annotations

from pathlib import Path
import re

import click
import pytest

from mdslides_prompts.cli import cli
from mdslides_prompts.configfile import KEYS
from mdslides_prompts.messages import TEMPLATE_VARIABLES

from .conftest import ROOT, pristine_example

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix}{name} ")
    return found


COMMANDS = _commands(cli)
assert len(COMMANDS) > 9  # the lazy group's commands, and the cache group's


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_and_option_is_documented(name: str, command: click.Command) -> None:
    assert f"mdslides-prompts {name}" in README
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            for flag in (*param.opts, *param.secondary_opts):
                assert re.search(rf"`[^`]*{re.escape(flag)}(?![\w-])", README), (name, flag)


def test_group_options_keys_and_variables_are_documented() -> None:
    for param in cli.params:
        for flag in getattr(param, "opts", []):
            if flag.startswith("--") and flag != "--help":
                assert f"`{flag}" in README, flag
    for key in KEYS.values():
        assert f"`{key.name}`" in README and f"`{key.env}`" in README, key.name
    for variable in TEMPLATE_VARIABLES:
        assert f"`{{{variable}}}`" in README, variable


def test_the_python_api_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    example = re.search(r"## Python API\n.*?```python\n(.*?)```", README, re.S)
    assert example is not None
    deck = pristine_example(tmp_path / "deck")
    monkeypatch.chdir(deck.parent)
    namespace: dict[str, object] = {}
    exec(compile(example.group(1), "README.md", "exec"), namespace)
    assert "image-prompt" in deck.read_text(encoding="utf-8")
