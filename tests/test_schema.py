"""The configuration's JSON Schema (issue 19, point 6): made from the key table, published
as schema/config.schema.json, and agreeing with what the tool itself accepts."""

from __future__ import annotations

import json
from pathlib import Path
import re
import tomllib
from typing import Any

import jsonschema
import pytest

from mdslides_prompts.configfile import config_schema, pyproject_schema
from mdslides_prompts.plugins import get_plugin_manager
from mdslides_prompts.workspace import config_keys

from .cli_tools import cli
from .conftest import ROOT

SCHEMA = ROOT / "schema" / "config.schema.json"
PYPROJECT = ROOT / "schema" / "pyproject.schema.json"


def _schema() -> dict[str, Any]:
    return dict(json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_the_published_schema_is_the_one_the_keys_make(capsys: pytest.CaptureFixture[str]) -> None:
    keys = config_keys(get_plugin_manager(load_entrypoints=False))
    for path, make, which in ((SCHEMA, config_schema, "config"),
                              (PYPROJECT, pyproject_schema, "pyproject")):  # fmt: skip
        made = make(keys)
        assert json.loads(path.read_text(encoding="utf-8")) == made, (
            f"regenerate: mdslides-prompts --plugins '' config --schema {which} > {path.name}"
        )
        code, out, _ = cli(capsys, "--plugins", "", "config", "--schema", which)
        assert code == 0 and out == path.read_text(encoding="utf-8")
        jsonschema.Draft202012Validator.check_schema(made)


def test_the_documented_example_passes_the_schema_and_the_tool(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n# pyproject.toml\n(.*?)```", page, re.S)
    assert block is not None
    table = tomllib.loads(block.group(1))["tool"]["mdslides-prompts"]
    jsonschema.validate(table, _schema())
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "user.txt").write_text("{slide_text}", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(block.group(1), encoding="utf-8")
    code, _, err = cli(capsys, "config", tmp_path, "--json")
    assert code == 0, err


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("temprature = 0.3", "temprature"),
        ('rpm = "fast"', "rpm"),
        ("concurrency = 100", "concurrency"),
        ('mode = "banner"', "mode"),
        ("skip = [0.5]", "skip"),
        ('style = "   "', "style"),
    ],
)
def test_what_the_schema_refuses_the_tool_refuses_too(
    line: str, why: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tomllib.loads(line)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(table, _schema())
    (tmp_path / ".mdslides-prompts.toml").write_text(line + "\n", encoding="utf-8")
    code, _, err = cli(capsys, "config", tmp_path)
    assert code == 2 and why in err


@pytest.mark.parametrize(
    "line",
    [
        'skip = "3,5-7"',
        'lock = [1, "5-7", "Take-aways"]',
        "api-version = 2",
        'mode = "reference"',
        "include-illustrated = true",
        "max-images = 0",
        'placement = "left"',
    ],
)
def test_what_the_schema_takes_the_tool_takes(
    line: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jsonschema.validate(tomllib.loads(line), _schema())
    (tmp_path / ".mdslides-prompts.toml").write_text(line + "\n", encoding="utf-8")
    code, _, err = cli(capsys, "config", tmp_path)
    assert code == 0, err
