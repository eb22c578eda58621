"""Prompt templates end to end: files named in the configuration, every variable, the
messages the provider receives."""

from __future__ import annotations

from pathlib import Path

import pytest

from mdslides_prompts.templates import ART_SYSTEM_PROMPT, TEMPLATE_VARIABLES

from .cli_tools import cli, openai_server
from .conftest import pristine_example

SYSTEM = "Write one image prompt in {language} ({language_code}) for a talk titled {deck_title}."
USER = (
    "Slide: {slide_title}\nBefore: {previous_title}\nAfter: {next_title}\nTheme: {theme}\n"
    "Style: {style}\nKind: {slide_kind}\nArt: {art_direction}\nColours: {colours}\n"
    "Placement: {placement}\n{context}---\n{slide_text}\n---\n{slide_markdown}{notes}\n"
    "Literal {{braces}} stay."
)


def test_templates_from_the_config_file_render_every_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = pristine_example(tmp_path / "deck")
    prompts = deck.parent / "prompts"
    prompts.mkdir()
    (prompts / "system.txt").write_text(SYSTEM)
    (prompts / "user.txt").write_text(USER)
    (deck.parent / "pyproject.toml").write_text(
        '[tool.mdslides-prompts]\nsystem-template = "prompts/system.txt"\n'
        'user-template = "prompts/user.txt"\nstyle = "gouache"\nlanguage = "fr"\n'
        "notes = true\n"
    )
    assert all("{" + name + "}" in SYSTEM + USER for name in TEMPLATE_VARIABLES)
    with openai_server(monkeypatch) as (server, provider):
        monkeypatch.chdir(tmp_path)  # paths are relative to the config file, not here
        assert cli(capsys, "run", deck, *provider, "--slides", "4")[0] == 0
    [post] = server.posts
    system, user = (m["content"] for m in post.json["messages"])
    title = "Alpine Glaciers: Reading a Changing Landscape"
    # ![bg right:40%](images/...) whose file is missing: a placeholder, so a slot to fill
    place = "the right 40% of a 16:9 slide, a tall 0.71:1 picture; the slide's text is on the left"
    assert system == f"Write one image prompt in French (fr) for a talk titled {title}."
    assert user.startswith(
        "Slide: Anatomy of a glacier\nBefore: \nAfter: Les glaciers des Alpes en chiffres\n"
        f"Theme: gaia\nStyle: gouache\nKind: \nArt: gouache\nColours: \nPlacement: {place}\n"
        f"Deck title: {title}\nDeck theme: gaia\nArt direction for every slide: gouache\n"
        "Next slide: Les glaciers des Alpes en chiffres\nSlide title: Anatomy of a glacier\n"
        f"Picture placement: {place}\n---\nAnatomy of a glacier\n[picture]\n"
        "1. Accumulation zone — snow survives the summer\n"
    )
    assert "4. Terminus — the snout, where meltwater leaves\n" in user
    assert "used to be.\n---\n## Anatomy of a glacier\n\n![bg right:40%]" in user  # markdown
    assert user.endswith("Moraines record where the ice *used* to be.\nLiteral {braces} stay.")


def test_default_templates_are_the_documented_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = pristine_example(tmp_path / "deck")
    with openai_server(monkeypatch) as (server, provider):
        assert cli(capsys, "run", deck, *provider, "--slides", "2")[0] == 0
    art, post = server.posts  # the deck's art direction, then the slide's prompt
    system, user = (m["content"] for m in art.json["messages"])
    assert system == ART_SYSTEM_PROMPT.replace("{language}", "English")
    assert user == (
        "The deck:\n<deck>\nDeck title: Alpine Glaciers: Reading a Changing Landscape\n"
        "Deck theme: gaia\nDeck colours: white\n</deck>"  # backgroundColor: "#f7fbff"
    )
    system, user = (m["content"] for m in post.json["messages"])
    assert system.startswith("You write prompts for image-generation models.")
    assert "in English: 25 to 40 words" in system
    assert user.splitlines()[:5] == [
        "Deck title: Alpine Glaciers: Reading a Changing Landscape",
        "Deck theme: gaia",
        "Art direction for every slide: Picture 1 of ?",  # the stand-in's first answer
        "Previous slide: Alpine Glaciers",
        "Slide title: Why glaciers matter",  # slide 3 has no title: no "Next slide"
    ]
