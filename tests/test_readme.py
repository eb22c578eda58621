"""The documentation in ``docs/`` covers every command, option, configuration key and
template variable, and its Python API example runs; the README stays a short front page
whose links work and whose test command is the one CI runs."""

from __future__ import annotations

from pathlib import Path
import re

import click
import pytest
import yaml

from mdslides_prompts import get_plugin_manager
from mdslides_prompts.cli import cli
from mdslides_prompts.templates import TEMPLATE_VARIABLES
from mdslides_prompts.workspace import config_keys

from .conftest import ROOT, pristine_example

README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))}
DOCS = "\n".join(PAGES.values())


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
    assert f"mdslides-prompts {name}" in DOCS
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            for flag in (*param.opts, *param.secondary_opts):
                assert re.search(rf"`[^`]*{re.escape(flag)}(?![\w-])", DOCS), (name, flag)


def test_group_options_keys_and_variables_are_documented() -> None:
    for param in cli.params:
        for flag in getattr(param, "opts", []):
            if flag.startswith("--") and flag != "--help":
                assert f"`{flag}" in DOCS, flag
    for key in config_keys(get_plugin_manager(load_entrypoints=False)).values():
        assert f"`{key.name}`" in DOCS and f"`{key.env}`" in DOCS, key.name
    for variable in TEMPLATE_VARIABLES:
        assert f"`{{{variable}}}`" in DOCS, variable


def test_the_python_api_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    example = re.search(r"# Python API\n.*?```python\n(.*?)```", PAGES["python-api.md"], re.S)
    assert example is not None
    deck = pristine_example(tmp_path / "deck")
    monkeypatch.chdir(deck.parent)
    namespace: dict[str, object] = {}
    exec(compile(example.group(1), "docs/python-api.md", "exec"), namespace)
    assert "image-prompt" in deck.read_text(encoding="utf-8")


def test_the_readme_is_short() -> None:
    assert len(README.splitlines()) < 150


def _slug(heading: str) -> str:
    """A heading's anchor, as GitHub and MkDocs make it for the headings we write."""
    text = re.sub(r"[^\w\s-]", "", heading.strip().lower())
    return re.sub(r"\s+", "-", text)


def _anchors(page: str) -> set[str]:
    body = re.sub(r"^```.*?^```", "", page, flags=re.S | re.M)
    return {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", body, re.M)}


def test_the_readme_links_into_the_docs_and_every_link_works() -> None:
    links = re.findall(r"\]\(([^)\s]+)\)", README)
    targets = {link.partition("#")[0] for link in links}
    assert {f"docs/{name}" for name in PAGES} - {"docs/index.md"} <= targets
    for link in links:
        assert not link.startswith(("http:", "https:")), link
        path, _, anchor = link.partition("#")
        assert (ROOT / path).is_file(), link
        if anchor:
            assert anchor in _anchors((ROOT / path).read_text(encoding="utf-8")), link


def test_the_readme_commands_are_real_and_its_test_command_is_what_ci_runs() -> None:
    five = re.search(r"## The five commands\n.*?```sh\n(.*?)```", README, re.S)
    assert five is not None
    names = {n for n, _ in COMMANDS}
    used = re.findall(r"^mdslides-prompts (\w+)", five.group(1), re.M)
    assert len(used) == 5 and set(used) <= names, used
    tests = re.search(r"## Tests\n.*?```sh\n(.*?)\n```", README, re.S)
    assert tests is not None
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests.group(1) in ci_run.splitlines(), tests.group(1)


def test_every_install_line_names_a_path_or_a_git_url() -> None:
    """The package is not on PyPI: ``pip install mdslides-prompts`` would find nothing."""
    lines = re.findall(r"pip install ([^\n`]+)", README + DOCS)
    assert len(lines) > 5
    for line in lines:
        if "mdslides-prompts" in line:
            assert re.search(r"@ git\+|\./|/path/", line), line
        else:
            # A checkout: this one, or the GitHub Action's own (action.yml).
            path = r"""(\.|\.\[\w+(,\w+)*\]|\$ACTION_PATH)"""
            assert re.match(rf"""(-e |--quiet )?['"]?{path}['"]?( |$)""", line), line


def test_the_pre_commit_examples_name_the_repositorys_hooks() -> None:
    hooks = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    pattern = r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```"
    configs = re.findall(pattern, PAGES["recipes.md"], re.S)
    assert len(configs) == 2
    for config in configs:
        [repo] = yaml.safe_load(config)["repos"]
        assert {h["id"] for h in repo["hooks"]} <= hooks
        if repo["repo"] == "local":
            [hook] = repo["hooks"]
            assert set(hook["entry"].split()) >= {"mdslides-prompts", "--ignore-unknown"}
            assert re.search(hook["files"], "slides/talk.qmd") and re.search(hook["files"], "a.md")
        else:
            assert "rev" in repo
