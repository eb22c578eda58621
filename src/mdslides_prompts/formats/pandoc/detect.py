"""Signs that a deck is built with pandoc or Quarto."""

from __future__ import annotations

import re
from typing import Any

from ...deck import Deck
from ...detection import Evidence, Strength
from ...lazyre import lazy_pattern
from .settings import PANDOC, QUARTO, front_matter_value, quarto_project

__all__: list[str] = []

# --- detection --------------------------------------------------------------------------------

_NOTES_DIV = lazy_pattern(r"^:{3,}[ \t]*(notes|\{[^}\n]*\.notes\b[^}\n]*\})[ \t]*$", re.M)


_RMD_SLIDES = lazy_pattern(r"ioslides|slidy|revealjs|beamer|powerpoint", re.I)
_QUARTO_SLIDES = ("revealjs",)
_TITLE_BLOCK = lazy_pattern(r"%[ \t]+\S")


def _names_slides(fmt: Any) -> bool:
    """Whether a Quarto ``format:`` value (a name, a list, or a mapping) names revealjs."""
    if isinstance(fmt, str):
        return fmt in _QUARTO_SLIDES
    if isinstance(fmt, dict | list):
        return any(str(name) in _QUARTO_SLIDES for name in fmt)
    return False


def _quarto_project(deck: Deck) -> Evidence | None:
    """The nearest ``_quarto.yml`` above a ``.qmd``/``.md`` deck, if it renders revealjs."""
    project = quarto_project(deck.path)
    if project is not None and _names_slides(project[1].get("format")):
        return Evidence((QUARTO,), Strength.DECLARED, f"{project[0]} sets format: revealjs")
    return None


def evidence(deck: Deck) -> list[Evidence]:
    suffix = deck.path.suffix.lower() if deck.path is not None else ""
    meta = front_matter_value(deck) or {}
    signs = []
    output = repr(meta.get("output", ""))
    if "format" in meta:
        if _names_slides(meta["format"]):
            signs.append(Evidence((QUARTO,), Strength.DECLARED, "format: revealjs in the YAML"))
    elif suffix in (".qmd", ".md") and deck.path is not None and deck.path.stem != "README":
        project = _quarto_project(deck)
        signs += [project] if project else []
    if "xaringan" not in output and (match := _RMD_SLIDES.search(output)):
        signal = f"an R Markdown output: {match[0]}"
        signs.append(Evidence((PANDOC,), Strength.DECLARED, signal))
    if "slide-level" in meta:
        signs.append(Evidence((PANDOC,), Strength.DISTINCTIVE, "slide-level: in the YAML"))
    if _NOTES_DIV.search(deck.text):
        signs.append(Evidence((PANDOC,), Strength.DISTINCTIVE, "a ::: notes div"))
    if _TITLE_BLOCK.match(deck.text):
        signs.append(Evidence((PANDOC,), Strength.DISTINCTIVE, "a % title block"))
    return signs
