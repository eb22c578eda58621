"""Which tool builds a pandoc-family deck and at which slide level: ``--slide-level``
(the ``slide-level`` key), Quarto's ``slide-level:`` in the deck or its project's
``_quarto.yml``, R Markdown's ``slide_level:``, else unknown (inferred).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from ...config import Key, Settings
from ...deck import Deck
from ..project import config_files, read_config
from .blocks import YAML_CLOSE, YAML_OPEN

__all__: list[str] = []

PANDOC = "pandoc"
QUARTO = "quarto"
NAMES = (PANDOC, QUARTO)
CELL_SUFFIXES = (".qmd", ".rmd")
"""Decks whose code cells knitr or Quarto run (and may drop) before pandoc reads them."""

SLIDE_LEVEL = Key(
    "slide-level", "int", "pandoc/Quarto slide level", low=1, high=6,
    unset="the deck's own, else unknown",
)  # fmt: skip
"""pandoc's ``--slide-level`` the deck is built with, over the deck's own setting."""


def given_level(settings: Settings) -> int | None:
    """The slide level the settings give (``--slide-level``), if any."""
    level = settings.extra.get(SLIDE_LEVEL.name)
    return level if isinstance(level, int) else None


def quarto_project(path: Path | None) -> tuple[Path, Mapping[str, Any]] | None:
    """The nearest ``_quarto.yml`` above the deck at *path*, and what it holds."""
    for found in config_files(path, "_quarto.yml")[:1]:
        return found, read_config(found, path)
    return None


def merged_meta(values: Iterable[Any]) -> dict[str, Any]:
    """YAML blocks merged as pandoc merges them: the first value of a key wins."""
    merged: dict[str, Any] = {}
    for value in values:
        if isinstance(value, dict):
            for key, item in value.items():
                merged.setdefault(str(key), item)
    return merged


def quarto_level(meta: Mapping[str, Any], path: Path | None) -> int:
    """The deck's ``slide-level:`` (top level or under ``format: revealjs:``), else its
    project's (the nearest ``_quarto.yml``), else Quarto's 2."""
    level = _yaml_level(meta)
    if level is None and (project := quarto_project(path)) is not None:
        level = _yaml_level(project[1])
    return 2 if level is None else level


def _yaml_level(meta: Mapping[str, Any]) -> int | None:
    level = _as_level(meta.get("slide-level"))
    fmt = meta.get("format")
    if isinstance(fmt, dict) and isinstance(fmt.get("revealjs"), dict):
        inner = _as_level(fmt["revealjs"].get("slide-level"))
        level = inner if inner is not None else level
    return level


def rmarkdown_level(meta: Mapping[str, Any]) -> int | None:
    """R Markdown passes an output format's ``slide_level:`` on as ``--slide-level``."""
    output = meta.get("output")
    if isinstance(output, dict):
        for options in output.values():
            if isinstance(options, dict) and _as_level(options.get("slide_level")) is not None:
                return _as_level(options.get("slide_level"))
    return None


def _as_level(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def front_matter_value(deck: Deck) -> dict[str, Any] | None:
    """The deck's leading YAML block as a mapping, if it has one that reads as one."""
    lines = deck.text.replace("\r\n", "\n").split("\n")
    if not lines or not YAML_OPEN.fullmatch(lines[0]):
        return None
    for j in range(1, len(lines)):
        if YAML_CLOSE.fullmatch(lines[j]):
            try:
                value = yaml.safe_load("\n".join(lines[1:j]))
            except yaml.YAMLError:
                return None
            return value if isinstance(value, dict) else None
    return None
