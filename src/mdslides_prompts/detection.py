"""Which generator a deck is written for, and how sure we are: the signs and the verdict.

Every format plugin reports the signs it sees (:class:`Evidence`, from the hook
``mdslides_format_evidence``); :func:`decide` weighs them. The rule is strict because a wrong
guess writes into a deck by the wrong rules: only the strongest kind of sign present
counts, and the answer is confident only when that kind names exactly one format and is
stronger than a hint. A weaker sign never overrules a stronger one, and two formats with
signs of the same strongest kind are a conflict, not a choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

__all__ = ["Detection", "Evidence", "Strength", "decide"]


class Strength(IntEnum):
    """How much one sign says about a deck's generator."""

    HINT = 1
    """Read by several generators, or common in any Markdown (``Note:`` lines, ``--``)."""
    DISTINCTIVE = 2
    """Syntax only this generator gives a meaning to (``???`` notes, ``<!-- _class: -->``)."""
    DECLARED = 3
    """The deck, its tool's configuration or the user names the generator (``marp: true``,
    ``output: xaringan::moon_reader``, a ``reveal-md.json`` the tool reads, ``.qmd``)."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """One sign of the generator a deck is written for."""

    formats: tuple[str, ...]
    """The formats it points to: one, or several for a sign they share."""
    strength: Strength
    """How much it says."""
    signal: str
    """What was seen, for humans: ``"marp: true in the front matter"``."""


@dataclass(frozen=True, slots=True)
class Detection:
    """The verdict on a deck's format."""

    format: str | None
    """The confident answer, else the best guess (``None`` when no format has any sign)."""
    confident: bool
    """Whether a deck may be written on this answer."""
    candidates: tuple[str, ...]
    """The formats the strongest signs point to (one when confident)."""
    evidence: tuple[Evidence, ...]
    """Every sign seen, strongest first."""

    @property
    def deciding(self) -> tuple[Evidence, ...]:
        """The signs of the strongest kind seen: those that decided (or conflict)."""
        if not self.evidence:
            return ()
        top = self.evidence[0].strength
        return tuple(e for e in self.evidence if e.strength == top)

    def explain(self) -> str:
        """One line: the signs that decided, or the candidates and their signs."""
        if not self.evidence:
            return "no sign of any known slide tool"
        grouped: dict[tuple[str, ...], list[str]] = {}
        for name in self.candidates:
            signals = tuple(e.signal for e in self.deciding if name in e.formats)
            grouped.setdefault(signals, []).append(name)
        return ", ".join(
            f"{' or '.join(names)} ({'; '.join(signals)})" for signals, names in grouped.items()
        )


def decide(evidence: Iterable[Evidence]) -> Detection:
    """Weigh *evidence* (see the module's docstring)."""
    signs = tuple(sorted(evidence, key=lambda e: -e.strength))
    if not signs:
        return Detection(None, False, (), ())
    top = signs[0].strength
    deciding = [e for e in signs if e.strength == top]
    candidates: list[str] = []
    for sign in deciding:
        candidates += [name for name in sign.formats if name not in candidates]
    if top == Strength.HINT:
        # Hints only: the formats every hint agrees on, if any, are the best guess.
        common = [n for n in candidates if all(n in e.formats for e in deciding)]
        guesses = tuple(common or candidates)
        return Detection(guesses[0], False, guesses, signs)
    if len(candidates) == 1:
        return Detection(candidates[0], True, tuple(candidates), signs)
    return Detection(candidates[0], False, tuple(candidates), signs)
