"""From a chat model's answer to one clean image prompt.

Models wrap what they were asked for: a ``<think>`` block, a preamble ("Sure! Here is
the prompt:"), a label, code fences, quotes, Markdown emphasis, a closing note. All of
that goes; what remains is folded to one line, made readable inside a prompt marker,
and cut to what the image model reads: Infomaniak's ``flux`` reads 77 CLIP tokens, start
and end marks included (counted by :mod:`mdslides_prompts.clip`).
"""

from __future__ import annotations

from collections.abc import Mapping
import itertools
import re
from typing import TYPE_CHECKING, Any

from ..lazyre import lazy_pattern

if TYPE_CHECKING:
    from .base import PromptRequest

__all__ = [
    "ART_TOKENS",
    "BUDGET_PARAM",
    "MAX_CLIP_TOKENS",
    "MAX_WORDS",
    "answer_budget",
    "art_budget",
    "clean_answer",
    "clip_prompt",
    "clip_tokens",
    "ends_with_art",
    "not_a_prompt",
    "token_budget",
    "with_art",
]

MAX_WORDS = 60
"""Longest prompt, in words (the models are asked for at most this many)."""

MAX_CLIP_TOKENS = 75
"""Longest prompt in CLIP tokens unless the settings say otherwise: flux reads 77, two of
them are the start and end marks."""

BUDGET_PARAM = "prompt_tokens"
"""The request parameter (configuration key ``prompt-tokens``) that sets the CLIP tokens a
prompt may take. It decides what is kept of an answer, so it is part of the cache key
like every parameter, but it is applied here and never sent to a server."""

_THINK_RE = lazy_pattern(r"(?is)<(think|thinking|reasoning)>.*?</\1>")
_UNCLOSED_THINK_RE = lazy_pattern(r"(?is)<(think|thinking|reasoning)>.*")
_LATE_CLOSE_RE = lazy_pattern(r"(?is)^.*?</(think|thinking|reasoning)>")
_FENCE_RE = lazy_pattern(r"(?ms)^[ \t]*(`{3,}|~{3,})[^\n]*\n(.*?)^[ \t]*\1[ \t]*$")
# How a model opens an answer, in each language a prompt may be asked in: a courtesy
# ("Sure!"), or words that announce ("Here is"). Data, so a language is one line each.
_COURTESY = {
    "en": r"sure|certainly|of course|okay|ok|absolutely|here you go|here it is",
    "fr": r"bien s[uû]r|d'accord|certainement|absolument|voil[aà]",
    "de": r"nat[uü]rlich|gerne",
    "es": r"por supuesto",
    "it": r"certo|certamente|ovviamente",
    "pt": r"com certeza|certamente",
    "pl": r"oczywi[sś]cie",
    "nl": r"natuurlijk",
    "ro": r"desigur|bine[îi]n[țt]eles",
    "cs": r"samoz[rř]ejm[eě]",
    "sv": r"sj[aä]lvklart",
}  # fmt: skip
# Courtesies that are also adjectives ("Claro, luminoso estudio"): only with a '!'.
_EXCLAIMED = (
    r"claro|klar|sicher|seguro|sicuro|jasne|pewnie|zeker|prima|sigur|jist[eě]|visst|absolut"
)
_ANNOUNCE = {
    "en": r"here\b|here's|below\b|this is|the following",
    "fr": r"voici|ci-dessous",
    "de": r"hier ist|hier sind|hier der|hier die|im folgenden|folgender",
    "es": r"aqu[ií] (?:est[aá]|tienes|va)|a continuaci[oó]n",
    "it": r"ecco|di seguito",
    "pt": r"aqui est[aá]|segue|a seguir",
    "pl": r"oto|poni[zż]ej",
    "nl": r"hier is|hieronder",
    "ro": r"iat[aă]|mai jos",
    "cs": r"zde je|tady je|n[ií][zž]e",
    "sv": r"h[aä]r [aä]r|nedan",
}  # fmt: skip
_COURTEOUS = "|".join(f"(?:{words})" for words in _COURTESY.values())
_OPENER = _COURTEOUS + "|" + _EXCLAIMED + "|" + "|".join(f"(?:{w})" for w in _ANNOUNCE.values())
# What a prompt is called before its colon ("Prompt:", "Image prompt:", "Invite :"), with
# the forms a language inflects or compounds it to ("promptul", "prompten", "Bildprompt").
_PROMPT_NOUNS = {
    "en": r"prompts?",
    "fr": r"invite|consigne",
    "de": r"eingabeaufforderung|bildbeschreibung|bild-?prompt",
    "es": r"indicaci[oó]n|instrucci[oó]n",
    "it": r"istruzione|descrizione",
    "pt": r"instru[cç][aã]o",
    "pl": r"polecenie|opis|promptu?",
    "nl": r"opdracht|beschrijving|beeldprompt|afbeeldingsprompt",
    "ro": r"promptul(?:ui)?|instruc[tț]iune(?:a)?|descriere(?:a)?",
    "cs": r"pokyn|popis|promptu?",
    "sv": r"prompten|uppmaning(?:en)?|beskrivning(?:en)?|bildprompt(?:en)?",
}  # fmt: skip
_PROMPT_WORDS = "|".join(f"(?:{words})" for words in _PROMPT_NOUNS.values())
_LABEL_RE = lazy_pattern(
    r"(?i)^\s*(?:[*_#>]+\s*)*"
    r"(?:(?:final|english|improved|suggested|image|image[- ]generation|flux|visual|"
    r"illustration|text[- ]to[- ]image)\s+)*(?:" + _PROMPT_WORDS + r")\b"
    r"(?:\s+(?:d['\u2019]image|f[uü]r das bild|de imagen|per immagine|de imagem|"
    r"obrazu|voor de afbeelding|pentru imagine|obr[aá]zku|f[oö]r bilden))?"
    # A colon, or a dash with blanks around it ("Prompt - ..."; not "Prompt-driven").
    r"(?:\s*\(\w+\))?(?:\s*(?:[*_]+\s*)?[:\uff1a]|\s*(?:[*_]+\s*)?\s[\u2013\u2014-](?=\s))"
    r"\s*(?:[*_]+\s*)?"
)
_PREAMBLE_RE = lazy_pattern(r"(?i)^\s*[\u00a1\u00bf*_]*\s*(?:" + _OPENER + r")\b[^\n]*:\s*$")
# A courtesy in front of the prompt on its line ("Sure! A lake at dawn"), said alone.
_COURTESY_RE = lazy_pattern(
    r"(?i)^\s*[\u00a1\u00bf*_]*\s*(?:(?:" + _COURTEOUS + r")\s*[!,.:\uff1a]"
    r"|(?:" + _EXCLAIMED + r")\s*!)\s+(?=\S)"
)
# An opener that names the prompt, on the prompt's line: "Here is the prompt: A ...". A
# prompt word is required, so a prompt of the model's own with a colon ("Great Barrier
# Reef: ...", "Below the surface: ...") is kept.
_INLINE_PREAMBLE_RE = lazy_pattern(
    r"(?i)^\s*[\u00a1\u00bf*_]*\s*(?:" + _OPENER + r")\b[^:\uff1a\n]{0,80}?"
    r"\b(?:" + _PROMPT_WORDS + r")\b[^:\uff1a\n]{0,40}?[:\uff1a]\s+(?=\S)"
)
_NOTE_RE = lazy_pattern(
    r"(?i)^\s*(?:[*_(]+\s*)?(?:note|notes|explanation|rationale|word count|words|"
    r"this prompt|the prompt above|i (?:have|kept|chose|used|focused))\b"
)
_WORD_COUNT_RE = lazy_pattern(r"(?i)\s*[(\[]\s*(?:\d+\s+words?|word count\W*\d+)\s*[)\]]\s*$")
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "\u00ab": "\u00bb",
           "\u201e": "\u201c", "`": "`"}  # fmt: skip
_INVISIBLE_RE = lazy_pattern(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060\ufeff]")
_TRAILING_FILLER = frozenset(
    "a an the and or with of in on at to for by from into under over as its their".split()
)


def _strip_reasoning(text: str) -> str:
    text = _THINK_RE.sub(" ", text)
    # A closing tag with no opening one: the template opened it, the model reasoned first.
    text = _LATE_CLOSE_RE.sub(" ", text)
    # An opening tag that never closes: the budget ran out while reasoning.
    return _UNCLOSED_THINK_RE.sub(" ", text)


def _unquote(text: str) -> str:
    while len(text) >= 2 and _QUOTES.get(text[0]) == text[-1]:
        inner = text[1:-1].strip()
        # '"A" and "B"' is two quotations, not one quoted prompt; an apostrophe is neither.
        bare = re.sub(r"(?<=\w)['\u2019](?=\w)", "", inner)
        if text[0] in bare or text[-1] in bare:
            break
        text = inner
    return text


def _paragraphs(text: str) -> list[str]:
    kept: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line for line in block.splitlines() if line.strip()]
        while lines and _PREAMBLE_RE.match(lines[0]):
            lines.pop(0)
        if not lines or (_NOTE_RE.match(lines[0]) and kept):
            continue
        kept.append("\n".join(lines))
    return kept


def _readable(text: str) -> str:
    """Fold to one line and avoid what a marker would have to escape."""
    text = _INVISIBLE_RE.sub(" ", text)
    text = re.sub(r"\*\*|__|`+", "", text)
    text = re.sub(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+", "", text, flags=re.M)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*-{2,}\s*", " - ", text)  # '--' would end an HTML comment
    text = re.sub(r"\s*:(?=\s)", ",", text)  # ': ' would read as YAML 'key: value'
    text = text.replace('"', "'")
    return text.strip(" ,;")


def token_budget(params: Mapping[str, Any]) -> int:
    """The CLIP tokens a prompt may take under request parameters *params*
    (:data:`BUDGET_PARAM`, else :data:`MAX_CLIP_TOKENS`)."""
    budget = params.get(BUDGET_PARAM)
    return budget if isinstance(budget, int) and not isinstance(budget, bool) else MAX_CLIP_TOKENS


ART_TOKENS = 30
"""Most CLIP tokens an art direction takes (fewer under a budget below 75): the rest of
the budget is the slide's."""

ART_JOIN = ". "
"""What joins a slide's prompt and the art direction appended to it."""


def art_budget(params: Mapping[str, Any]) -> int:
    """The CLIP tokens the art direction may take under request parameters *params*:
    :data:`ART_TOKENS`, or two fifths of a smaller budget."""
    return max(1, min(ART_TOKENS, token_budget(params) * 2 // 5))


def answer_budget(request: PromptRequest) -> int:
    """The CLIP tokens a provider's answer to *request* may take: an art direction's
    (:func:`art_budget`), or the prompt's budget less what the art direction appended to
    it takes (see :func:`with_art`)."""
    context = request.context
    if context.purpose == "art-direction":
        return art_budget(request.params)
    budget = token_budget(request.params)
    if not context.art_direction:
        return budget
    return max(1, budget - clip_tokens(_tail(context.art_direction)))


def with_art(prompt: str, art: str | None, max_tokens: int = MAX_CLIP_TOKENS) -> str:
    """*prompt* with the art direction *art* appended, the prompt cut (never the art
    direction) so that the whole fits *max_tokens* CLIP tokens and :data:`MAX_WORDS`
    words; *prompt* as it is when there is no art direction. An answer that repeats the
    art direction is not given it twice."""
    if not art:
        return prompt
    tail = _tail(art)
    head = _without_art(prompt.strip(), art.strip().rstrip("."))
    room = max(1, max_tokens - clip_tokens(tail))
    head = clip_prompt(head, max_words=max(1, MAX_WORDS - len(tail.split())), max_tokens=room)
    return (head.rstrip(" .,;:") + tail) if head else tail.removeprefix(ART_JOIN)


def _without_art(head: str, art: str) -> str:
    """*head* without the art direction *art* if the model wrote it too: whole anywhere,
    or cut short at the end (the answer was cut to its budget), or its first clauses at
    the start."""
    folded, said = head.casefold(), art.casefold()
    found = folded.find(said)
    if found >= 0:
        head = f"{head[:found].rstrip()} {head[found + len(art) :].lstrip(' .,;:')}"
        return head.strip(" .,;:")
    clauses = [c.strip() for c in said.split(",") if c.strip()]
    opening = clauses[0] if clauses else ""
    # Its first clause, then the rest as far as the answer goes: the repeat, cut short.
    start = folded.find(opening) if len(opening.split()) >= 2 else -1
    if start > 0 and said.startswith(folded[start:].rstrip(" .,;:")):
        return head[:start].strip(" .,;:")
    while clauses and folded.startswith(clauses[0]):
        cut = len(clauses.pop(0))
        head, folded = head[cut:].lstrip(" .,;:"), folded[cut:].lstrip(" .,;:")
    return head.strip(" .,;:")


def ends_with_art(prompt: str, art: str) -> bool:
    """Whether *prompt* ends with the art direction *art* as :func:`with_art` appends it."""
    return prompt.endswith(_tail(art).removeprefix(ART_JOIN))


def _tail(art: str) -> str:
    """What :func:`with_art` appends: the art direction, capitalised, after a full stop."""
    art = art.strip()
    return ART_JOIN + art[:1].upper() + art[1:]


def clean_answer(text: str, max_tokens: int = MAX_CLIP_TOKENS) -> str:
    """Reduce a model's answer to the bare prompt, on one line, cut to *max_tokens* CLIP
    tokens (and :data:`MAX_WORDS` words).

    Returns ``""`` when nothing is left (the caller reports that as a failure).
    """
    text = _strip_reasoning(text.replace("\r\n", "\n").replace("\r", "\n"))
    fence = _FENCE_RE.search(text)
    if fence:
        text = fence.group(2)
    parts = _paragraphs(text)
    text = " ".join(parts)
    for _ in range(2):  # "Sure! Here it is: ...": a courtesy, then another
        courtesy = _COURTESY_RE.match(text)
        if courtesy:
            text = text[courtesy.end() :]
    inline = _INLINE_PREAMBLE_RE.match(text)
    if inline and len(inline.group(0).split()) <= 14:
        text = text[inline.end() :]
    previous = None
    while previous != text:
        previous = text
        text = _unquote(_LABEL_RE.sub("", text, count=1).strip())
    text = _WORD_COUNT_RE.sub("", text)
    text = _readable(text)
    return clip_prompt(_unquote(text), max_tokens=max_tokens)


def clip_tokens(text: str) -> int:
    """How many CLIP tokens *text* takes, without the start and end marks (CLIP's own
    byte-level BPE: see :func:`mdslides_prompts.clip.count_tokens`)."""
    from ..clip import count_tokens  # on the first count: a rerun with nothing to ask skips it

    return count_tokens(text)


def clip_prompt(text: str, max_words: int = MAX_WORDS, max_tokens: int = MAX_CLIP_TOKENS) -> str:
    """Cut *text* to at most *max_words* words and *max_tokens* CLIP tokens, keeping its
    beginning (the subject comes first).

    Whole words go from the end; the cut then falls at the last comma that keeps most of
    the prompt and never leaves a dangling "and", "with", "of" ... at the end. A single
    word over the budget (a script written without spaces) is cut between characters.
    """
    words = text.split()
    if len(words) <= max_words and clip_tokens(text) <= max_tokens:
        return text
    words = words[:max_words]
    while len(words) > 1 and clip_tokens(" ".join(words)) > max_tokens:
        words.pop()
    cut = _clip_word(" ".join(words), max_tokens)
    comma = max(cut.rfind(mark) for mark in ",\u3001\uff0c")
    if comma >= len(cut) * 0.7:
        cut = cut[:comma]
    words = cut.rstrip(" ,;.-\u3001\uff0c").split()
    while len(words) > 1 and words[-1].lower().strip(",;") in _TRAILING_FILLER:
        words.pop()
    while len(words) > 1 and clip_tokens(" ".join(words)) > max_tokens:
        words.pop()  # a shorter word can take more tokens than the whole (rare)
    return _clip_word(" ".join(words), max_tokens).rstrip(" ,;-")


def _clip_word(text: str, max_tokens: int) -> str:
    """*text*'s longest beginning, cut between characters, that fits *max_tokens*."""
    if clip_tokens(text) <= max_tokens:
        return text
    fits, over = 0, len(text)  # text[:fits] fits, text[:over] does not
    while over - fits > 1:  # counts grow with the length (nearly always): bisect
        middle = (fits + over) // 2
        fits, over = (middle, over) if clip_tokens(text[:middle]) <= max_tokens else (fits, middle)
    return text[:fits]


_TOKEN_RE = lazy_pattern(r"\w+|[^\w\s]+")
_RUN = 6
"""The same word (or sign) this many times in a row is a model stuck in a loop."""


def not_a_prompt(text: str) -> str | None:
    """Why *text* (a cleaned answer) is no prompt at all, or ``None`` if it may be one:
    no letters (``# # # #``), one word or sign repeated :data:`_RUN` times in a row, or
    one word making more than half of eight or more (a model stuck in a loop).
    """
    if not any(ch.isalpha() for ch in text):
        return "the answer has no letters"
    tokens = [t.lower() for t in _TOKEN_RE.findall(text)]
    words = [t for t in tokens if any(c.isalpha() for c in t)]
    if _longest_run(words) >= _RUN:  # commas between the words do not break the run
        return "the answer repeats one word over and over"
    if _longest_run(tokens) >= _RUN:
        return "the answer repeats one sign over and over"
    if len(words) >= 8:
        top = max(words.count(w) for w in set(words))
        if top * 2 > len(words):
            return "the answer is mostly one word repeated"
    return None


def _longest_run(tokens: list[str]) -> int:
    run = longest = min(1, len(tokens))
    for before, token in itertools.pairwise(tokens):
        run = run + 1 if token == before else 1
        longest = max(longest, run)
    return longest
