"""The workspace: every deck gets the configuration that applies to it, whoever runs it
(``run``, ``check``, ``watch`` and the Python API), and ``auto`` is a hook.

Real files in temporary folders; the plugin manager is the real one, with a third-party
plugin registered where a test needs one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from mdslides_prompts import (
    Key,
    PluginError,
    Settings,
    Status,
    UsageError,
    get_plugin_manager,
    hookimpl,
)
from mdslides_prompts.workspace import Workspace, auto_provider

DECK = """\
---
marp: true
title: Rivers
mdslides-prompts:
  skip: [1]
  style: pencil sketch
---

# Springs

Where water starts.

---

# Deltas

Where it ends.
"""

CREDENTIALS = {"INFOMANIAK_API_TOKEN": "tok", "INFOMANIAK_PRODUCT_ID": "1"}


def workspace(**options: object) -> Workspace:
    pm = get_plugin_manager(load_entrypoints=False)
    return Workspace(environ={}, pm=pm, **options)  # type: ignore[arg-type]


def test_a_deck_gets_its_folder_file_then_its_own_block_then_the_environment_then_options(
    tmp_path: Path,
) -> None:
    (tmp_path / ".mdslides-prompts.toml").write_text(
        'style = "watercolour"\nlanguage = "fr"\nmodel = "file-model"\nmode = "reference"\n'
    )
    path = tmp_path / "talk.md"
    path.write_text(DECK)
    space = Workspace(
        {"mode": "comment"},
        environ={"MDSLIDES_PROMPTS_MODEL": "env-model"},
        pm=get_plugin_manager(load_entrypoints=False),
        base=Settings(provider="offline"),
    )
    deck, pipeline = space.load(path)
    got = pipeline.settings
    assert (got.style, got.language, got.model, got.mode) == (
        "pencil sketch", "fr", "env-model", "comment",
    )  # fmt: skip
    assert [s.status for s in deck.slides] == [Status.SKIPPED, Status.MISSING]
    assert space.settings(tmp_path).style == "watercolour"  # before the deck's block


def test_decks_with_equal_settings_share_a_pipeline(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "talk.md").write_text(DECK)
    (tmp_path / "b" / ".mdslides-prompts.toml").write_text('language = "de"\n')
    space = workspace(base=Settings(provider="offline"))
    one = space.load(tmp_path / "a" / "talk.md")[1]
    again = space.load(tmp_path / "a" / "talk.md")[1]
    other = space.load(tmp_path / "b" / "talk.md")[1]
    assert one is again and other is not one and other.settings.language == "de"


def test_refresh_reads_config_files_again(tmp_path: Path) -> None:
    config = tmp_path / ".mdslides-prompts.toml"
    config.write_text('style = "ink"\n')
    space = workspace()
    assert space.settings(tmp_path).style == "ink"
    config.write_text('style = "chalk"\n')
    assert space.settings(tmp_path).style == "ink"  # read once per run
    space.refresh()
    assert space.settings(tmp_path).style == "chalk"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [({}, "offline"), (CREDENTIALS, "infomaniak")],
    ids=["no-credentials", "credentials"],
)
def test_auto_is_chosen_by_the_provider_plugins(
    environ: Mapping[str, str], expected: str, tmp_path: Path
) -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    assert auto_provider(pm, environ) == expected
    space = Workspace(environ=environ, pm=pm, base=Settings(provider="auto"))
    assert space.settings(tmp_path).provider == expected and space.auto == expected
    kept = Workspace(environ=environ, pm=pm, base=Settings(provider="auto"), resolve_auto=False)
    assert kept.settings(tmp_path).provider == "auto" and kept.auto is None


def test_auto_with_half_the_credentials_stops() -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    with pytest.raises(UsageError, match="INFOMANIAK_API_TOKEN is set but INFOMANIAK_PRODUCT_ID"):
        auto_provider(pm, {"INFOMANIAK_API_TOKEN": "tok"})


class LocalModels:
    """A third-party plugin that takes ``auto`` when its own server is configured."""

    @hookimpl
    def mdslides_auto_provider(self, environ: Mapping[str, str]) -> str | None:
        return "local" if environ.get("LOCAL_MODELS_URL") else None


def test_a_third_party_plugin_takes_auto_before_the_built_in_ones() -> None:
    pm = get_plugin_manager(load_entrypoints=False, extra=[LocalModels()])
    assert auto_provider(pm, {**CREDENTIALS, "LOCAL_MODELS_URL": "http://127.0.0.1:1"}) == "local"
    assert auto_provider(pm, CREDENTIALS) == "infomaniak"


class Columns:
    """A third-party plugin with configuration keys of its own."""

    @hookimpl
    def mdslides_config_keys(self) -> list[Key]:
        return [
            Key("columns", "int", "columns per slide", low=1, high=4, deck=True),
            Key("grid-server", "text", "where the grid comes from"),
        ]


def test_a_plugin_key_is_set_checked_and_read_like_a_built_in_one(tmp_path: Path) -> None:
    pm = get_plugin_manager(load_entrypoints=False, extra=[Columns()])
    (tmp_path / ".mdslides-prompts.toml").write_text('columns = 2\ngrid-server = "a"\n')
    path = tmp_path / "talk.md"
    path.write_text(DECK.replace("  skip: [1]\n", "  columns: 3\n"))
    space = Workspace(environ={"MDSLIDES_PROMPTS_GRID_SERVER": "b"}, pm=pm)
    assert dict(space.settings(tmp_path).extra) == {"columns": 2, "grid-server": "b"}
    _, pipeline = space.load(path)
    assert pipeline.settings.extra["columns"] == 3  # the deck's own block wins
    assert "separator" in space.keys and "columns" in space.keys
    (tmp_path / ".mdslides-prompts.toml").write_text("columns = 9\n")
    with pytest.raises(UsageError, match="columns: must be between 1 and 4, not 9"):
        Workspace(pm=pm, environ={}).settings(tmp_path)
    path.write_text(DECK.replace("  skip: [1]\n", "  grid-server: evil\n"))
    (tmp_path / ".mdslides-prompts.toml").write_text("")
    with pytest.raises(UsageError, match="grid-server: not allowed here"):
        Workspace(pm=pm, environ={}).load(path)


def test_without_the_plugin_its_key_is_unknown(tmp_path: Path) -> None:
    (tmp_path / ".mdslides-prompts.toml").write_text("columns = 2\n")
    with pytest.raises(UsageError, match="columns: unknown key"):
        workspace().settings(tmp_path)
    lenient = Workspace(environ={}, plugins=False)  # cache path: loads no plugin
    assert lenient.settings(tmp_path).extra == {}


class Clash:
    @hookimpl
    def mdslides_config_keys(self) -> list[Key]:
        return [Key("model", "text", "mine")]


class Targeted:
    @hookimpl
    def mdslides_config_keys(self) -> list[Key]:
        return [Key("sneaky", "text", "mine", target="provider")]


@pytest.mark.parametrize(
    ("plugins", "message"),
    [
        ([Clash()], "key 'model' is taken by a built-in key"),
        ([Columns(), Columns()], "key 'columns' is taken by plugin"),
        ([Targeted()], "must be a Key without a target"),
    ],
    ids=["built-in", "other-plugin", "target"],
)
def test_a_plugin_cannot_take_a_key_or_aim_it_at_core_settings(
    plugins: list[object], message: str
) -> None:
    pm = get_plugin_manager(load_entrypoints=False, extra=plugins)
    with pytest.raises(PluginError, match=message):
        Workspace(pm=pm, environ={})
