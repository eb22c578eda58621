"""The documentation site builds with ``mkdocs build --strict``: every page in the nav,
every link and anchor found."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT, require


def _mkdocs(tmp_path: Path, config: Path) -> subprocess.CompletedProcess[str]:
    require(
        importlib.util.find_spec("mkdocs") is not None
        and importlib.util.find_spec("material") is not None,
        "MkDocs and its Material theme are not installed (pip install '.[docs]')",
    )
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict",
         "--config-file", str(config), "--site-dir", str(tmp_path / "site")],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip


def test_the_docs_build_strictly(tmp_path: Path) -> None:
    built = _mkdocs(tmp_path, ROOT / "mkdocs.yml")
    assert built.returncode == 0 and "WARNING" not in built.stderr, built.stdout + built.stderr
    pages = {p.relative_to(ROOT / "docs").with_suffix("") for p in (ROOT / "docs").glob("*.md")}
    for page in pages:
        index = tmp_path / "site" / ("" if page.name == "index" else page.name) / "index.html"
        assert index.is_file(), page


@pytest.mark.parametrize(
    ("link", "target"),
    [("[a page that is not there](nowhere.md)", "'nowhere.md'"),
     ("[no such anchor](formats.md#nowhere)", "'#nowhere'")],
)  # fmt: skip
def test_a_broken_link_fails_the_build(tmp_path: Path, link: str, target: str) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)  # the pages and the pictures they show
    with (docs / "index.md").open("a", encoding="utf-8") as index:
        index.write(f"\n{link}\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), encoding="utf-8")
    built = _mkdocs(tmp_path, config)
    warnings = [line for line in built.stderr.splitlines() if line.startswith("WARNING")]
    assert built.returncode == 1 and len(warnings) == 1 and target in warnings[0], built.stderr
