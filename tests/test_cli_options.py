"""The options a newcomer meets first: ``run --help`` in sections."""

from __future__ import annotations

import re

from mdslides_prompts.commands import COMMANDS

from .cli_tools import process


def _sections(help_text: str) -> dict[str, list[str]]:
    """The help's sections (headings at the margin, ending in ``:``), each with its
    options' flags in the order shown."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in help_text.splitlines():
        if re.fullmatch(r"[A-Z][\w ]*:", line):
            current = sections.setdefault(line[:-1], [])
        elif re.match(r"  -", line) and sections:
            current.append(line.split()[0].rstrip(","))
    return sections


def test_run_help_lists_its_options_in_sections_most_used_first() -> None:
    done = process("run", "--help", env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    sections = _sections(text)
    assert list(sections) == [
        "What to write", "Which slides", "Output", "Provider", "Cache",
        "Deck format and configuration", "Templates and request settings",
        "Pacing and retries", "Other options",
    ]  # fmt: skip
    assert sections["What to write"][:2] == ["--mode", "--force"]
    assert sections["Output"][:3] == ["-o", "--diff", "--dry-run"]
    assert sections["Provider"][:2] == ["--provider", "--model"]
    assert sections["Other options"] == ["-h"]
    # The everyday options come before any of the provider's fifteen settings.
    lines = text.splitlines()
    first_setting = next(n for n, line in enumerate(lines) if "--temperature" in line)
    for flag in ("-o, --output", "--diff", "--dry-run", "--mode", "--slides", "--provider"):
        assert next(n for n, line in enumerate(lines) if flag in line) < first_setting, flag
    # Every visible option shows exactly once.
    shown = [flag for flags in sections.values() for flag in flags]
    params = COMMANDS["run"].params
    visible = [p.opts[0] for p in params if p.opts[0].startswith("-") and not p.hidden]
    assert sorted(shown) == sorted([*visible, "-h"])
    # One column for the descriptions in every section.
    rows = [re.match(r"  -\S*(?: \S+)*  +(?=\S)", line) for line in lines]
    assert len({row.end() for row in rows if row}) == 1


def test_every_command_help_has_sections_and_loses_no_option() -> None:
    from click.testing import CliRunner

    from mdslides_prompts.cli import cli as group

    for name, command in COMMANDS.items():
        if name == "cache":
            continue
        done = CliRunner().invoke(group, [name, "--help"])
        assert done.exit_code == 0, done.output
        sections = _sections(done.output)
        assert "Options" not in sections and list(sections)[-1] == "Other options", name
        options = [p for p in command.params if p.opts[0].startswith("-") and not p.hidden]
        assert sum(map(len, sections.values())) == len(options) + 1, name
