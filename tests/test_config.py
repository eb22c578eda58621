"""Configuration end to end: one precedence, file discovery, errors naming file and key."""

from __future__ import annotations

import json
from pathlib import Path
import shutil

import pytest

from .cli_tools import cli, cli_json
from .conftest import CORPUS, pristine_example, require_corpus

FM_BLOCK = "mdslides-prompts:\n  style: deck style\n  language: fr\n  skip: [3]\n"


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    return pristine_example(tmp_path / "talks" / "glaciers")


def with_front_matter(deck: Path, block: str = FM_BLOCK) -> bytes:
    """Put *block* into the deck's front matter (after its first line); the old bytes."""
    original = deck.read_bytes()
    text = original.decode()
    deck.write_text(text.replace("---\n", "---\n" + block, 1), encoding="utf-8")
    return original


def user_message(capsys: pytest.CaptureFixture[str], deck: Path, *args: str) -> str:
    """The user message a run would send for slide 2 (a dry run)."""
    plan = cli_json(capsys, "run", deck, "--dry-run", "--force", "--slides", "2", *args)
    [row] = [r for r in plan["decks"][0]["slides"] if r["action"] == "request"]
    return "\n".join(m["content"] for m in row["messages"])


def test_precedence_cli_over_env_over_front_matter_over_file(
    deck: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = deck.parents[1]
    (root / "pyproject.toml").write_text(
        '[project]\nname = "talks"\n\n[tool.mdslides-prompts]\n'
        'style = "file style"\nmodel = "file-model"\nlanguage = "de"\nmax-tokens = 300\n'
        'skip = ["Take-aways"]\n'
    )
    data = cli_json(capsys, "config", deck)
    assert data["config_file"] == str(root / "pyproject.toml")
    found = {row["key"]: (row["value"], row["source"]) for row in data["keys"]}
    assert found["style"] == ("file style", f"{root / 'pyproject.toml'}")
    # The style is the deck's art direction.
    assert "Art direction for every slide: file style" in user_message(capsys, deck)

    with_front_matter(deck)
    found = {r["key"]: (r["value"], r["source"]) for r in cli_json(capsys, "config", deck)["keys"]}
    assert found["style"] == ("deck style", f"{deck} front matter")
    assert found["language"] == ("fr", f"{deck} front matter")
    assert found["skip"] == (["3"], f"{deck} front matter")  # the deck's list wins whole
    assert found["max-tokens"][0] == 300 and found["model"][0] == "file-model"
    message = user_message(capsys, deck)
    assert "Art direction for every slide: deck style" in message and "in French" in message

    monkeypatch.setenv("MDSLIDES_PROMPTS_LANGUAGE", "it")
    monkeypatch.setenv("MDSLIDES_PROMPTS_STYLE", "env style")
    message = user_message(capsys, deck)
    assert "Art direction for every slide: env style" in message and "in Italian" in message
    message = user_message(capsys, deck, "--style", "cli style", "--prompt-language", "es")
    assert "Art direction for every slide: cli style" in message and "in Spanish" in message
    found = {
        r["key"]: (r["value"], r["source"])
        for r in cli_json(capsys, "config", deck, "--model", "cli-model")["keys"]
    }
    assert found["model"] == ("cli-model", "command line")
    assert found["style"] == ("env style", "environment")
    assert found["provider"] == ("auto", "default")


def test_the_nearest_config_file_wins_and_own_file_beats_pyproject(
    deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    talks = deck.parents[1]
    (talks / "pyproject.toml").write_text('[tool.mdslides-prompts]\nstyle = "outer"\n')
    (deck.parent / "pyproject.toml").write_text('[project]\nname = "no table here"\n')
    assert cli_json(capsys, "config", deck)["config_file"] == str(talks / "pyproject.toml")
    (deck.parent / "pyproject.toml").write_text('[tool.mdslides-prompts]\nstyle = "inner"\n')
    (deck.parent / ".mdslides-prompts.toml").write_text('style = "own file"\n')
    data = cli_json(capsys, "config", deck)
    assert data["config_file"] == str(deck.parent / ".mdslides-prompts.toml")
    assert "Art direction for every slide: own file" in user_message(capsys, deck)
    other = talks / "other.toml"
    other.write_text('style = "named"\n')
    message = user_message(capsys, deck, "--config", str(other))
    assert "Art direction for every slide: named" in message


def test_config_file_paths_are_relative_to_the_file(
    deck: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MDSLIDES_PROMPTS_CACHE_DIR")  # it would win over the file
    monkeypatch.setenv("XDG_CACHE_HOME", str(deck.parents[2] / "user-cache"))
    talks = deck.parents[1]
    (talks / "pyproject.toml").write_text('[tool.mdslides-prompts]\ncache-dir = ".prompt-cache"\n')
    assert cli(capsys, "cache", "path")[1] != str(talks / ".prompt-cache") + "\n"  # cwd elsewhere
    assert cli(capsys, "run", deck)[0] == 0
    assert (talks / ".prompt-cache").is_dir()
    assert (
        cli_json(capsys, "cache", "stats", "--cache-dir", talks / ".prompt-cache")["entries"] == 21
    )


@pytest.mark.parametrize(
    ("where", "content", "message"),
    [
        ("pyproject.toml", "[tool.mdslides-prompts]\ntemprature = 0.3\n",
         "pyproject.toml: [tool.mdslides-prompts] temprature: unknown key (did you mean "
         "'temperature'?)"),
        (".mdslides-prompts.toml", 'temperature = "hot"\n',
         ".mdslides-prompts.toml: temperature: must be a number, not 'hot'"),
        (".mdslides-prompts.toml", "temperature = 5\n",
         ".mdslides-prompts.toml: temperature: must be between 0 and 2, not 5"),
        (".mdslides-prompts.toml", 'mode = "banner"\n',
         ".mdslides-prompts.toml: mode: must be one of comment, reference, frontmatter"),
        (".mdslides-prompts.toml", "skip = [0]\n",
         ".mdslides-prompts.toml: skip: '0' is not a slide number or range"),
        (".mdslides-prompts.toml", "concurrency = 100\n",
         ".mdslides-prompts.toml: concurrency: must be between 1 and 64, not 100"),
        (".mdslides-prompts.toml", "style = [\n", ".mdslides-prompts.toml: not valid TOML"),
        (".mdslides-prompts.toml", 'user-template = "missing.txt"\n',
         ".mdslides-prompts.toml: user-template: cannot read the template"),
        ("front matter", "mdslides-prompts:\n  base-url: http://evil.example\n",
         "talk.md front matter: mdslides-prompts.base-url: not allowed here"),
        ("front matter", "mdslides-prompts:\n  colour: red\n",
         "talk.md front matter: mdslides-prompts.colour: unknown key"),
        ("front matter", "mdslides-prompts: watercolour\n",
         "talk.md front matter: mdslides-prompts: must be a mapping"),
        ("front matter", "mdslides-prompts:\n  language: klingon\n",
         "talk.md front matter: mdslides-prompts.language: must be one of en, fr"),
        ("env", "MDSLIDES_PROMPTS_MAX_TOKENS=lots",
         "environment: MDSLIDES_PROMPTS_MAX_TOKENS: must be a whole number, not 'lots'"),
        ("env", "MDSLIDES_PROMPTS_STREAM=maybe",
         "environment: MDSLIDES_PROMPTS_STREAM: must be true or false, not 'maybe'"),
    ],
)  # fmt: skip
def test_bad_configuration_is_one_line_naming_file_and_key(
    deck: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    where: str, content: str, message: str,
) -> None:  # fmt: skip
    if where == "env":
        name, value = content.split("=", 1)
        monkeypatch.setenv(name, value)
    elif where == "front matter":
        with_front_matter(deck, content)
    else:
        (deck.parent / where).write_text(content)
    for command in (["run", deck], ["check", deck]):
        code, out, err = cli(capsys, *command)
        assert (code, out) == (2, ""), err
        assert message in err and len(err.strip().splitlines()) == 1, err
    assert "image-prompt" not in deck.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--prompt-language", "XX"], "mdslides-prompts: --prompt-language: must be one of en"),
        (["--timeout", "-3"], "mdslides-prompts: --timeout: must be at least 0.001, not -3"),
        (["--top-p", "2"], "mdslides-prompts: --top-p: must be between 0 and 1, not 2"),
    ],
)
@pytest.mark.parametrize("command", ["run", "config", "watch"])
def test_command_line_values_are_checked_like_every_other_source(
    deck: Path, capsys: pytest.CaptureFixture[str], command: str, args: list[str], message: str
) -> None:
    code, out, err = cli(capsys, command, deck, "--provider", "offline", *args)
    assert (code, out) == (2, ""), err
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert "image-prompt" not in deck.read_text(encoding="utf-8")


def test_python_api_overrides_are_checked_too(deck: Path) -> None:
    from mdslides_prompts import UsageError, settings_for

    with pytest.raises(UsageError, match="--concurrency: must be between 1 and 64"):
        settings_for(deck, overrides={"concurrency": 0, "provider": "offline"})


def test_template_with_an_unknown_variable_names_file_and_variable(
    deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (deck.parent / "user.txt").write_text("Slide {slide_text}\nfrom {speaker}\n")
    (deck.parent / ".mdslides-prompts.toml").write_text('user-template = "user.txt"\n')
    code, _, err = cli(capsys, "run", deck)
    assert code == 2 and "user-template" in err and "user.txt" in err
    assert "unknown variable {speaker}" in err


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("marp--marp-team--marp-cli--demo.md", "marp"),
        ("slidev--slidevjs--slidev--starter-slides.md", "slidev"),
        ("mkslides--MartenBE--mkslides--index.md", "mkslides"),
        ("lookatme--d0c-s4vage--lookatme--tour.md", "lookatme"),
    ],
)
def test_front_matter_configuration_never_becomes_a_prompt_nor_changes_the_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, fmt: str
) -> None:
    source = CORPUS / name
    require_corpus(source)
    deck = tmp_path / "deck.md"
    shutil.copyfile(source, deck)  # writable: the corpus is read-only
    before = cli_json(capsys, "inspect", deck, "--format", fmt)
    text = deck.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    block = "mdslides-prompts:\n  style: pencil sketch\n  model: tiny\n"
    deck.write_text("---\n" + block + text[4:], encoding="utf-8")
    configured = deck.read_bytes()
    after = cli_json(capsys, "inspect", deck, "--format", fmt)
    assert [(s["title"], s["status"]) for s in after["slides"]] == [
        (s["title"], s["status"]) for s in before["slides"]
    ]
    shifted = [(s["start_line"] - 3, s["end_line"] - 3) for s in after["slides"]]
    firsts = [(s["start_line"], s["end_line"]) for s in before["slides"]]
    assert shifted[1:] == firsts[1:]  # the first slide may hold the front matter
    plan = cli_json(capsys, "run", deck, "--dry-run", "--format", fmt)
    sent = json.dumps([r["messages"] for r in plan["decks"][0]["slides"]])
    assert "pencil sketch" in sent and "mdslides-prompts" not in sent and "tiny" not in sent
    assert cli(capsys, "run", deck, "--format", fmt)[0] == 0
    assert cli(capsys, "check", deck, "--format", fmt)[0] == 0
    assert cli(capsys, "strip", deck, "--format", fmt)[0] == 0
    assert deck.read_bytes() == configured


def test_config_refuses_a_missing_path_and_a_file_as_cache_folder(
    deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "config", deck.parent / "nope.md")
    assert (code, out) == (2, "") and "nope.md: no such file or folder" in err
    code, out, err = cli(capsys, "config", deck, "--cache-dir", deck)
    assert (code, out) == (2, "") and "--cache-dir" in err
