"""What kind of slide a slide is, from what its audience reads: a title, agenda, section,
code, table, quote, question or closing slide each get guidance of their own in the
request (a code slide is about the concept, not a screenshot of code).

Pure functions over a slide's plain text (:func:`~mdslides_prompts.visible.audience_text`)
and title, in every prompt language.
"""

from __future__ import annotations

from types import MappingProxyType

from .lazyre import lazy_pattern

__all__ = ["GUIDANCE", "SPECIAL_TITLES", "slide_kind", "special_kind"]

_SPECIAL = {
    "questions": """questions question q a and answers any your des fragen antworten preguntas
        domande perguntas vragen pytania întrebări dotazy frågor 質問 質疑応答""",
    "closing": """thank thanks you very much merci beaucoup danke schön vielen dank gracias
        muchas grazie mille obrigado obrigada dank je wel bedankt dziękuję mulțumesc děkuji
        tack the end fin ende fine ありがとう ありがとうございました ありがとうございます""",
    "agenda": """agenda outline contents table of overview plan sommaire ordre du jour
        inhalt tagesordnung übersicht índice indice sommario programma programa""",
}

SPECIAL_TITLES = MappingProxyType(
    {kind: frozenset(words.split()) for kind, words in _SPECIAL.items()}
)
"""Words of the titles of question, closing and agenda slides, by kind, in the prompt
languages (and Japanese thanks): a title made only of one kind's words is such a slide."""

GUIDANCE = MappingProxyType(
    {
        "title": "the deck's opening image: one strong, simple motif for the whole talk, "
        "with calm open space around it",
        "agenda": "a path or a row of stepping stones leading into the distance, for the "
        "journey of the talk",
        "section": "one symbolic object standing for the section's theme, with generous open space",
        "code": "the idea the code expresses, as a tangible physical metaphor rather than a screen",
        "table": "the comparison the table makes, as real objects side by side",
        "quote": "the feeling of the quotation, as a quiet, evocative scene",
        "questions": "an open, inviting scene for conversation, such as a microphone under "
        "soft light in an empty hall",
        "closing": "a calm, wide closing view of the deck's subject, like a last look back",
    }
)
"""What a request asks for, by kind of slide; positive phrasing only."""

_LETTERS = lazy_pattern(r"[^\W\d_]+")
_CODE = lazy_pattern(r"^(?:[-\d.> ]*)\[code(?: in [^,\]]+)?, \d+ lines?(?:: [^\]]*)?\]$")


_GLUE = frozenset(
    """table of and a any your you very much beaucoup schön vielen muchas mille je wel the
    du des""".split()
)
"""Words that only join a special title's own ("table" of "table of contents"): a title
made of them alone ("Table", "The") is no special slide."""


def special_kind(title: str) -> str | None:
    """``questions``, ``closing`` or ``agenda`` when *title* is made only of such words,
    one of them at least more than a joining word."""
    words = {w.casefold() for w in _LETTERS.findall(title)}
    if not words or words <= _GLUE:
        return None
    return next((kind for kind, known in SPECIAL_TITLES.items() if words <= known), None)


def slide_kind(title: str | None, shown: str, *, first: bool = False) -> str | None:
    """The kind of a slide titled *title* whose audience reads *shown* (plain text, the
    title as its first line), or ``None`` for an ordinary content slide. *first*: the
    deck's first slide."""
    lines = [line.strip() for line in shown.splitlines() if line.strip()]
    heading = title or (lines[0] if lines else "")
    special = special_kind(heading) if heading else None
    if special is not None:
        return special
    body = lines[1:] if title and lines and lines[0] == title else lines
    if first and len(body) <= 4 and all(len(line) <= 120 for line in body):
        return "title"
    if not body:
        return "section" if heading else None
    code = sum(1 for line in body if _CODE.match(line))
    if code and code >= len(body) - 2:
        return "code"
    if sum(1 for line in body if " | " in line) * 2 > len(body) >= 2:
        return "table"
    if sum(1 for line in body if line.startswith(">")) * 2 > len(body):
        return "quote"
    return None
