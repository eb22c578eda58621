"""The options a newcomer meets first: ``run --help`` in sections, ``--cache-only`` (and the
old ``--offline``), the notice about placeholder prompts, ``config`` showing every value,
and ``run`` refusing placeholders in CI and under pre-commit."""

from __future__ import annotations

from pathlib import Path
import re
import tomllib

import pytest

from mdslides_prompts import get_plugin_manager
from mdslides_prompts.workspace import config_keys

from .cli_tools import cli, cli_json, commands, markers, process
from .conftest import pristine_example

PLACEHOLDERS = "the built-in offline provider writes placeholder prompts"


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    return pristine_example(tmp_path / "deck")


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
        "What to write", "Which slides", "Output", "Provider", "Pictures", "Cache",
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
    params = commands()["run"].params
    visible = [p.opts[0] for p in params if p.opts[0].startswith("-") and not p.hidden]
    assert sorted(shown) == sorted([*visible, "-h"])
    # One column for the descriptions in every section.
    rows = [re.match(r"  -\S*(?: \S+)*  +(?=\S)", line) for line in lines]
    assert len({row.end() for row in rows if row}) == 1


def test_every_command_help_has_sections_and_loses_no_option() -> None:
    from click.testing import CliRunner

    from mdslides_prompts.cli import cli as group

    for name, command in commands().items():
        if name == "cache":
            continue
        done = CliRunner().invoke(group, [name, "--help"])
        assert done.exit_code == 0, done.output
        sections = _sections(done.output)
        assert "Options" not in sections and list(sections)[-1] == "Other options", name
        options = [p for p in command.params if p.opts[0].startswith("-") and not p.hidden]
        assert sum(map(len, sections.values())) == len(options) + 1, name


def test_cache_only_asks_no_provider_and_says_nothing_about_placeholders(
    deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "run", deck, "--cache-only")
    assert code == 1 and markers(deck) == []
    assert "offline provider" not in err and "placeholder" not in err
    assert "not in the cache (--cache-only); run without --cache-only" in err


def test_offline_flag_still_works_with_one_deprecation_line(
    deck: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.md"
    new = tmp_path / "new.md"
    assert cli(capsys, "run", deck, "-o", tmp_path / "fill.md", "-q")[0] == 0  # the cache
    code, _, err = cli(capsys, "run", deck, "-o", old, "--offline")
    deprecated = [line for line in err.splitlines() if "deprecated" in line]
    assert code == 0 and deprecated == [
        "mdslides-prompts: warning: --offline is deprecated and will be removed: it is "
        "--cache-only now (cached answers only); --provider offline is the built-in "
        "provider of placeholder prompts"
    ]
    assert cli(capsys, "run", deck, "-o", new, "--cache-only")[0] == 0
    assert old.read_bytes() == new.read_bytes() and len(markers(old)) == 20
    code, _, err = cli(capsys, "run", deck, "--offline", "--no-cache")
    assert code == 2 and "cannot turn it off" in err
    code, out, _ = cli(capsys, "run", "--help")
    assert code == 0 and "--offline" not in out and "--cache-only" in out


def test_the_placeholder_notice_is_printed_once_and_says_how_to_get_real_prompts(
    deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "run", deck.parent)  # three decks, one notice
    assert code == 0 and err.count("offline provider") == 1
    [notice] = [line for line in err.splitlines() if "offline provider" in line]
    assert notice == (
        f"mdslides-prompts: no credentials are set, so {PLACEHOLDERS} made from each slide's "
        "words; for real ones, set INFOMANIAK_API_TOKEN and INFOMANIAK_PRODUCT_ID "
        "(Infomaniak), or use --provider openai --base-url URL"
    )
    code, _, err = cli(capsys, "run", deck, "--provider", "offline", "--force")
    assert code == 0 and err.count(PLACEHOLDERS) == 1 and "no credentials" not in err
    code, _, err = cli(capsys, "run", deck, "--force", "--dry-run")
    assert code == 0 and "offline provider" not in err


def test_config_shows_every_value_and_where_it_comes_from(
    deck: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    own = deck.parent / ".mdslides-prompts.toml"
    own.write_text('rpm = 20\nstyle = "file style"\n', encoding="utf-8")
    text = deck.read_text(encoding="utf-8")
    deck.write_text(text.replace("---\n", "---\nmdslides-prompts:\n  lock: [2]\n", 1))
    monkeypatch.setenv("MDSLIDES_PROMPTS_TEMPERATURE", "0.2")
    data = cli_json(capsys, "config", deck, "--max-retries", "2")
    rows = {row["key"]: row for row in data["keys"]}
    assert list(rows) == list(config_keys(get_plugin_manager(load_entrypoints=False)))
    found = {name: (row["value"], row["source"]) for name, row in rows.items()}
    assert found["rpm"] == (20, str(own)) and found["style"] == ("file style", str(own))
    assert found["lock"] == (["2"], f"{deck} front matter")
    assert found["temperature"] == (0.2, "environment")
    assert found["max-retries"] == (2, "command line")
    assert found["provider"] == ("auto", "default")
    assert found["max-tokens"] == (400, "default") and found["timeout"] == (60.0, "default")
    assert found["mode"] == ("comment", "default") and found["concurrency"] == (4, "default")
    assert found["api-key-env"] == ("OPENAI_API_KEY", "default")
    assert found["cache-dir"][1] == "environment"  # the test's own cache folder
    assert rows["provider"]["note"] == (
        "offline here: INFOMANIAK_API_TOKEN and INFOMANIAK_PRODUCT_ID are not set"
    )
    for name, row in rows.items():  # a value, or what having none means
        assert row["value"] is not None or row["note"], name
    assert rows["format"]["note"] == "detected from each deck"
    assert rows["top-p"]["note"] == "not sent: the server's default"
    code, out, _ = cli(capsys, "config", deck)
    lines = out.splitlines()
    assert code == 0 and lines[0] == f"# config file: {own}"
    assert [line.split(" = ")[0] for line in lines[1:]] == list(
        config_keys(get_plugin_manager(load_entrypoints=False))
    )
    assert f"rpm = 20  # {own}" in lines and "max-tokens = 400  # default" in lines
    assert "temperature = 0.2  # environment (MDSLIDES_PROMPTS_TEMPERATURE)" in lines
    assert "format = (detected from each deck)  # default" in lines
    assert not [line for line in lines if "defaults:" in line]
    valued = [line for line in lines[1:] if not line.split(" = ", 1)[1].startswith("(")]
    settings = tomllib.loads("\n".join(valued))
    assert settings["style"] == "file style"  # the lines read as TOML


@pytest.mark.parametrize(
    ("variable", "value", "where"),
    [("CI", "true", "in CI (CI=true)"), ("PRE_COMMIT", "1", "under pre-commit (PRE_COMMIT=1)")],
)
def test_unattended_run_without_credentials_fails_instead_of_writing_placeholders(
    deck: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    variable: str, value: str, where: str,
) -> None:  # fmt: skip
    original = deck.read_bytes()
    monkeypatch.setenv(variable, value)
    code, out, err = cli(capsys, "run", deck)
    assert (code, out) == (2, "") and deck.read_bytes() == original
    assert err == (
        f"mdslides-prompts: {where} with no provider credentials, run writes no placeholder "
        "prompts unasked: set INFOMANIAK_API_TOKEN and INFOMANIAK_PRODUCT_ID (Infomaniak), "
        "or use --provider openai --base-url URL, or pass --provider offline for placeholders\n"
    )
    assert cli(capsys, "run", deck, "-q", "--cache-only")[0] == 1  # asks nothing: no refusal
    assert cli(capsys, "run", deck, "--dry-run")[0] == 0
    assert cli(capsys, "run", deck, "-q", "--provider", "offline") == (0, "", "")
    assert len(markers(deck)) == 20
    monkeypatch.setenv("MDSLIDES_PROMPTS_PROVIDER", "offline")  # asked for, another way
    assert cli(capsys, "run", deck, "-q", "--force")[0] == 0


@pytest.mark.parametrize("value", ["false", "0", ""])
def test_ci_variable_set_to_false_is_not_ci(
    deck: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CI", value)
    assert cli(capsys, "run", deck, "-q")[0] == 0 and len(markers(deck)) == 20
