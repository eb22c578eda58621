"""What ``check --lint`` finds wrong in the prompts a deck holds: no network, no model.

Three kinds of finding, each on one slide's prompt:

``too-long``
    more CLIP tokens (CLIP's own tokenizer, :mod:`mdslides_prompts.clip`) than the
    ``prompt-tokens`` budget: the image model never reads the end.
``language``
    the prompt reads as another of the prompt languages than the configured one. The
    guess counts each language's stop words (the offline provider's lists) and speaks
    only when the prompt has :data:`MIN_WORDS` words or more, another language has
    :data:`MIN_STOPWORDS` of them or more and more than twice the configured language's
    count. It cannot tell languages whose short words are alike apart reliably (Spanish
    and Portuguese, Czech and Polish: both are named then), says nothing of prompts made
    mostly of nouns, and knows only the languages in
    :data:`~mdslides_prompts.templates.LANGUAGE_NAMES`.
``syntax``
    the prompt holds what decks hold but a prompt never should: HTML comments and tags,
    Marp directives, Slidev slots and layouts, pandoc/Quarto attributes and fences,
    remark classes, Deckset commands, Markdown markup.

Every slide with one readable prompt marker and a prompt in it is linted, whatever its
status: a hand-edited, locked or skipped slide's prompt is still what the image model
would be given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .lazyre import lazy_pattern
from .marker import PromptMarker
from .providers.answers import clip_tokens, token_budget
from .providers.offline_words import STOPWORDS
from .templates import LANGUAGE_NAMES

if TYPE_CHECKING:
    from .config import Settings
    from .deck import Deck

__all__ = [
    "KINDS",
    "MIN_STOPWORDS",
    "MIN_WORDS",
    "Finding",
    "generator_syntax",
    "lint_deck",
    "lint_prompt",
]

KINDS = ("too-long", "language", "syntax")
"""The kinds of :class:`Finding`, in the order they are reported for a slide."""
MIN_WORDS = 6
"""Shortest prompt, in words, whose language is judged."""
MIN_STOPWORDS = 3
"""Fewest stop words of another language that make a prompt read as that language."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong with one slide's prompt."""

    index: int
    """The slide's :attr:`~mdslides_prompts.deck.Slide.index`."""
    line: int
    """The line of the slide's prompt marker."""
    kind: str
    """One of :data:`KINDS`."""
    message: str
    """What is wrong, in a few words (``"91 CLIP tokens, over the budget of 75"``)."""


def lint_deck(deck: Deck, settings: Settings) -> list[Finding]:
    """The findings on every prompt of the split *deck*, slide by slide, under *settings*
    (its ``prompt-tokens`` budget and prompt language)."""
    found = []
    for slide in deck.slides:
        marker = slide.marker
        if len(slide.markers) != 1 or not isinstance(marker, PromptMarker) or not marker.prompt:
            continue  # none, several or unreadable: check reports those already
        found += [
            Finding(slide.index, marker.line, kind, message)
            for kind, message in lint_prompt(marker.prompt, settings)
        ]
    return found


def lint_prompt(prompt: str, settings: Settings) -> list[tuple[str, str]]:
    """What is wrong with *prompt* under *settings*: ``(kind, message)`` pairs, in the
    order of :data:`KINDS`."""
    found = []
    budget, tokens = token_budget(settings.params), clip_tokens(prompt)
    if tokens > budget:
        found.append(("too-long", f"{tokens} CLIP tokens, over the budget of {budget}"))
    other = _other_language(prompt, settings.language)
    if other:
        found.append(("language", other))
    syntax = generator_syntax(prompt)
    if syntax:
        found.append(("syntax", "holds generator syntax: " + ", ".join(syntax)))
    return found


_WORD = lazy_pattern(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")


def _other_language(prompt: str, language: str) -> str | None:
    """``"reads as German, not English"`` if *prompt* clearly reads as another language
    than *language* (see the module's notes), else ``None``."""
    words = [word.casefold().replace("\u2019", "'") for word in _WORD.findall(prompt)]
    if language not in STOPWORDS or len(words) < MIN_WORDS:
        return None
    scores = {code: sum(word in STOPWORDS[code] for word in words) for code in LANGUAGE_NAMES}
    best = max(scores.values())
    if best < MIN_STOPWORDS or best <= 2 * scores[language]:
        return None
    names = " or ".join(name for code, name in LANGUAGE_NAMES.items() if scores[code] == best)
    return f"reads as {names}, not {LANGUAGE_NAMES[language]}"


_SYNTAX = lazy_pattern(
    "|".join(
        (
            r"<!--|-->",  # HTML comments (Marp directives, notes)
            r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>",  # HTML tags (<br>, <v-click>, <div ...>)
            r"(?<![\w-])_?(?:marp|theme|paginate|class|headingDivider|header|footer|"
            r"background(?:Color|Image|Position|Repeat|Size)|layout|transition|clicks|"
            r"background-image|template)\s*:(?!//)",  # Marp, Slidev, remark keys
            r"::[A-Za-z][\w-]*::",  # Slidev slots (::right::)
            r"\{[ \t]*[.#][\w-][^{}]*\}|\{[^{}\s=]+=[^{}]*\}",  # pandoc attributes
            r":::+",  # pandoc/Quarto fenced divs
            r"(?<![\w.])\.[A-Za-z][\w-]*\[",  # remark classes (.center[...])
            r"\[\.[A-Za-z][\w-]*[^\]]*\]",  # Deckset commands ([.column])
            r"!\[|\]\(|`+|\*\*|^\s*#+(?=\s|$)",  # Markdown: images, links, code, bold, headings
        )
    )
)


def generator_syntax(prompt: str) -> list[str]:
    """The pieces of slide syntax *prompt* holds, each once, in order, quoted in
    backticks (``["`::right::`", "`{.smaller}`"]``); empty if it holds none."""
    found: list[str] = []
    for match in _SYNTAX.finditer(prompt):
        piece = match.group().strip()
        piece = piece if len(piece) <= 30 else piece[:29] + "\u2026"
        shown = f"`` {piece} ``" if "`" in piece else f"`{piece}`"
        if shown not in found:
            found.append(shown)
    return found
