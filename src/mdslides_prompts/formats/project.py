"""The generators' own configuration files around a deck: where a build could read them.

A generator reads its configuration from the folder it runs in (reveal-md's
``reveal-md.json``, MkSlides' ``mkslides.yml``) or from the project the deck belongs to
(Quarto's ``_quarto.yml``). We cannot know where the author runs it, so every place a run
for this deck could read is a candidate: the deck's folder and each folder above it up to
the repository root (the nearest folder holding ``.git`` or ``.hg``), or, outside a
repository, up to the working folder when the deck is under it; and the working folder.
Formats decide what several candidates mean (the nearest wins, or disagreeing files make
the build option unknown).
"""

from __future__ import annotations

from collections.abc import Mapping
import json
import os
from pathlib import Path
from typing import Any

import yaml

from ..errors import DeckError
from ..fileio import read_bytes

__all__ = ["config_files", "read_config", "repository_root", "search_folders"]

_REPOSITORY_MARKS = (".git", ".hg")


def repository_root(folder: Path) -> Path | None:
    """The nearest folder at or above *folder* that holds ``.git`` or ``.hg``."""
    for candidate in (folder, *folder.parents):
        if any((candidate / mark).exists() for mark in _REPOSITORY_MARKS):
            return candidate
    return None


def search_folders(deck_path: Path | None, cwd: Path | None = None) -> tuple[Path, ...]:
    """The folders a generator run for the deck at *deck_path* could read its
    configuration from, nearest first, each once (see the module's docstring)."""
    here = (cwd or Path.cwd()).resolve()
    if deck_path is None:
        return (here,)
    folder = deck_path.resolve().parent
    top = repository_root(folder)
    if top is None and folder.is_relative_to(here):
        top = here
    chain = [folder]
    if top is not None:
        chain += [p for p in folder.parents if p.is_relative_to(top)]
    if here not in chain:
        chain.append(here)
    return tuple(chain)


def config_files(deck_path: Path | None, name: str, cwd: Path | None = None) -> tuple[Path, ...]:
    """The files called *name* in :func:`search_folders`, nearest first."""
    return tuple(
        folder / name for folder in search_folders(deck_path, cwd) if (folder / name).is_file()
    )


def read_config(path: Path, deck_path: Path | None = None) -> Mapping[str, Any]:
    """The mapping in the YAML or JSON file at *path* (empty if it holds something else).

    :raises DeckError: the file cannot be read or parsed (naming it, for the deck at
        *deck_path*)
    """
    try:
        text = read_bytes(path).decode("utf-8-sig")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except DeckError as exc:
        raise DeckError(f"cannot read {exc}", deck_path) from None
    except (UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        problem = str(exc).replace(os.linesep, " ").replace("\n", " ")
        raise DeckError(f"cannot read {path}: {problem}", deck_path) from None
    return data if isinstance(data, dict) else {}
