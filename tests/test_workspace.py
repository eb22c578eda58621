"""The workspace: every deck gets the configuration that applies to it, whoever runs it
(``run``, ``check``, ``watch`` and the Python API), and ``auto`` is a hook.

Real files in temporary folders; the plugin manager is the real one, with a third-party
plugin registered where a test needs one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from mdslides_prompts import Settings, Status, UsageError, get_plugin_manager, hookimpl
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
