"""may_declare_plugins: importlib.metadata is imported only where a plugin may be declared."""

from __future__ import annotations

from pathlib import Path
import sys

import pytest

from mdslides_prompts.plugins import may_declare_plugins

from .cli_tools import python_output


def dist(folder: Path, name: str, entry_points: str | None) -> None:
    info = folder / name
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: x\nVersion: 1\n")
    if entry_points is not None:
        (info / "entry_points.txt").write_text(entry_points)


@pytest.mark.parametrize(
    ("entry_points", "declared"),
    [
        ("[mdslides_prompts]\nmine = mine.plugin\n", True),
        ("[console_scripts]\r\nx = x:main\r\n[mdslides_prompts]\r\nmine = mine\r\n", True),
        ("[console_scripts]\rx = x:main\r[mdslides_prompts]\rmine = mine\r", True),
        ("\u00a0[mdslides_prompts]\nmine = mine\n", True),
        ("[[mdslides_prompts]]\nmine = mine\n", True),
        ("[console_scripts]\nx = x:main\n", False),
        (None, False),
    ],
)
def test_a_folder_on_the_path_declares_the_group_or_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry_points: str | None, declared: bool
) -> None:
    dist(tmp_path, "X-1.DIST-INFO", entry_points)
    dist(tmp_path, "y-2.egg-info", "[console_scripts]\ny = y:main\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path), str(tmp_path / "missing")])
    assert may_declare_plugins() is declared
    if declared:  # never False where importlib.metadata finds the plugin
        from importlib import metadata

        found = metadata.entry_points(group="mdslides_prompts")
        assert [ep.name for ep in found] == ["mine"]


def test_what_it_cannot_read_folder_by_folder_leaves_it_to_the_full_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "plugins.zip"
    archive.write_bytes(b"PK\x05\x06" + bytes(18))
    monkeypatch.setattr(sys, "path", [str(archive)])
    assert may_declare_plugins()
    monkeypatch.setattr(sys, "path", [str(tmp_path / "old.egg")])
    assert may_declare_plugins()

    class Finder:
        def find_spec(self, *args: object) -> None:
            return None

        def find_distributions(self, *args: object) -> list[object]:
            return []

    monkeypatch.setattr(sys, "path", [])
    monkeypatch.setattr(sys, "meta_path", [Finder(), *sys.meta_path])
    assert may_declare_plugins()


def test_the_plugin_manager_imports_importlib_metadata_only_where_a_plugin_may_be() -> None:
    probe = (
        "import sys\n"
        "from mdslides_prompts.plugins import get_plugin_manager, may_declare_plugins\n"
        "get_plugin_manager()\n"
        "print(may_declare_plugins(), 'importlib.metadata' in sys.modules)\n"
    )
    declared, imported = python_output(probe).split()
    assert imported == declared  # imported exactly when some distribution declares one
