"""The configuration's schema as an editor uses it: Taplo (the TOML language server behind
VS Code's Even Better TOML), run on the config files of the docs' recipes."""

from __future__ import annotations

from pathlib import Path
import re
import shutil
import subprocess

import pytest

from .conftest import ROOT, npm_harness

TAPLO = ROOT / "conformance" / "taplo" / "package.json"
PAGE = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


def _recipe(first_line: str) -> str:
    """The TOML block of the docs that starts with *first_line*."""
    found = re.search(rf"```toml\n({re.escape(first_line)}.*?)```", PAGE, re.S)
    assert found is not None, first_line
    return found.group(1)


def _lint(folder: Path, name: str) -> subprocess.CompletedProcess[str]:
    taplo = npm_harness(TAPLO, "@taplo/cli").parent / "node_modules" / ".bin" / "taplo"
    return subprocess.run(
        [str(taplo), "lint", name], cwd=folder, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("body", "fine"),
    [('provider = "infomaniak"\nrpm = 30\nskip = [1, "5-7"]\n', True),
     ('rpm = "fast"\n', False), ("temprature = 0.3\n", False)],
)  # fmt: skip
def test_taplo_checks_a_config_file_against_the_schema(
    body: str, fine: bool, tmp_path: Path
) -> None:
    shutil.copytree(ROOT / "schema", tmp_path / "schema")
    header = _recipe("#:schema").splitlines()[0]  # the docs' own first line
    (tmp_path / ".mdslides-prompts.toml").write_text(f"{header}\n{body}", encoding="utf-8")
    done = _lint(tmp_path, ".mdslides-prompts.toml")
    assert (done.returncode == 0) == fine, done.stdout + done.stderr


@pytest.mark.parametrize(("value", "fine"), [("30", True), ('"fast"', False)])
def test_taplo_checks_the_tool_table_of_a_pyproject(value: str, fine: bool, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "schema", tmp_path / "schema")
    (tmp_path / ".taplo.toml").write_text(_recipe("[[rule]]"), encoding="utf-8")
    pyproject = f'[project]\nname = "talks"\n\n[tool.mdslides-prompts]\nrpm = {value}\n'
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    done = _lint(tmp_path, "pyproject.toml")
    assert (done.returncode == 0) == fine, done.stdout + done.stderr
