"""Shared fixtures: an isolated cache, paths to the example deck and the shared corpus."""

from __future__ import annotations

from collections.abc import Iterator
import csv
import os
from pathlib import Path
import shutil
import subprocess
import sys

import pytest

from mdslides_prompts import Deck, Pipeline, Settings, get_plugin_manager

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DECK = ROOT / "example-deck" / "talk.md"
EXAMPLE_DECKS = {
    EXAMPLE_DECK: ("marp", 20),
    ROOT / "example-deck" / "slidev-deck.md": ("slidev", 17),
    ROOT / "example-deck" / "reveal-deck.md": ("reveal-md", 17),
}
"""The example decks, with their format and slide count."""
CORPUS = Path(os.environ.get("MDSLIDES_CORPUS", ROOT.parent / "shared" / "corpus"))
MARP_CASES = ROOT / "tests" / "conformance" / "marp_cases"
IN_CI = bool(os.environ.get("CI"))
"""Whether the suite runs in CI, read once: each test runs with ``CI`` unset (see
``_isolated_cache``), so that ``run`` behaves the same in CI as on a laptop."""


def require(condition: bool, reason: str) -> None:
    """Skip locally when a resource is missing, but fail in CI, where it must be there."""
    if not condition:
        if IN_CI:
            pytest.fail(f"{reason} (required in CI)")
        pytest.skip(reason)


def require_corpus(path: Path | None = None) -> None:
    """Skip (fail in CI) unless the shared corpus, or its file *path*, is there: it lives
    outside the repository, and a fresh clone has none of it."""
    wanted = path if path is not None else CORPUS / "MANIFEST.tsv"
    require(wanted.is_file(), f"shared corpus not found ({wanted}); set MDSLIDES_CORPUS")


def corpus_rows(fmt: str | None = None, *, required: bool = True) -> list[dict[str, str]]:
    """The shared corpus's ``MANIFEST.tsv`` rows (of format *fmt*). Without the corpus:
    skip (fail in CI), or ``[]`` when it is not *required*."""
    manifest = CORPUS / "MANIFEST.tsv"
    if required:
        require_corpus()
    elif not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [row for row in rows if fmt is None or row["format"] == fmt]


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Every test gets its own cache folder, never the user's."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("MDSLIDES_PROMPTS_CACHE_DIR", str(cache))
    monkeypatch.delenv("MDSLIDES_PROMPTS_PLUGINS", raising=False)
    # A developer's real credentials must never turn a test into an API call.
    for name in ("INFOMANIAK_API_TOKEN", "INFOMANIAK_PRODUCT_ID", "INFOMANIAK_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    # In CI or under pre-commit, run refuses placeholder prompts it was not asked for:
    # the tests that mean those settings set them.
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    yield cache


def npm_harness(script: Path, installed: str) -> Path:
    """A ground-truth harness under ``conformance/``, set up with ``npm ci`` on first use.

    :param script: the harness script
    :param installed: a path under its ``node_modules`` that exists once it is installed
    """
    require(shutil.which("node") is not None, "node is not installed")
    if not (script.parent / "node_modules" / installed).exists():
        npm = shutil.which("npm")
        require(npm is not None, "npm is not installed")
        assert npm is not None
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=script.parent,
            check=True,
            timeout=600,
        )
    return script


def pristine_example(folder: Path) -> Path:
    """Copy ``example-deck/`` into *folder* with every prompt marker removed; return
    the path of the Marp deck in the copy.

    The README's quick start writes prompts into the example deck, so tests must not
    assume it is still marker-free.
    """
    shutil.copytree(EXAMPLE_DECK.parent, folder, dirs_exist_ok=True)
    pipeline = Pipeline(Settings(), get_plugin_manager(load_entrypoints=False))
    decks = [pipeline.load(folder / path.name) for path in EXAMPLE_DECKS]
    pipeline.strip_decks(decks, lambda d: d.path)
    return folder / EXAMPLE_DECK.name


@pytest.fixture
def pipeline() -> Pipeline:
    """A pipeline on the built-in plugins only, offline provider."""
    return Pipeline(Settings(), get_plugin_manager(load_entrypoints=False))


def detected(pipeline: Pipeline, deck: Deck) -> str | None:
    """The format *pipeline* detects in *deck* with confidence, else ``None``."""
    found = pipeline.detect(deck)
    return found.format if found.confident else None


def _venv_ok() -> bool:
    try:
        import ensurepip  # noqa: F401
        import venv  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="session")
def pandoc_harness() -> Path:
    """The pandoc 3.9 ground-truth harness (``conformance/pandoc/slides.py``), installed
    on first use; skipped without Python venv support."""
    require(_venv_ok(), "python venv/ensurepip missing")
    subprocess.run(
        ["bash", str(ROOT / "conformance" / "pandoc" / "install.sh")], check=True, timeout=600
    )
    return ROOT / "conformance" / "pandoc" / "slides.py"


@pytest.fixture(scope="session")
def mkslides_harness() -> Path:
    """MkSlides 2.0.23's deck reading and preprocess loader
    (``conformance/mkslides/mkslides_preprocess.py``), installed on first use."""
    subprocess.run(
        ["bash", str(ROOT / "conformance" / "mkslides" / "install.sh")], check=True, timeout=600,
        env={**os.environ, "PYTHON": sys.executable},
    )  # fmt: skip
    return ROOT / "conformance" / "mkslides" / "mkslides_preprocess.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in a ``test_conformance_*`` module is a conformance test."""
    for item in items:
        if item.path.name.startswith("test_conformance_"):
            item.add_marker(pytest.mark.conformance)


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No provider credentials and no CI (``auto`` is the offline provider, placeholders
    allowed), and a prompt cache of the test's own."""
    for name in ("INFOMANIAK_API_TOKEN", "INFOMANIAK_PRODUCT_ID", "CI", "PRE_COMMIT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MDSLIDES_PROMPTS_CACHE_DIR", str(tmp_path / "cache"))
