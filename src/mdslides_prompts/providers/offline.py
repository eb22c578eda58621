"""The offline provider: deterministic placeholder image prompts, no network, no token.

It reads the slide as its generator shows it (:attr:`PromptContext.visible_text`: no
notes, directives or layout syntax) and writes a short, plain prompt in the prompt
language: the slide's title and up to three of its content words, and a framing (one
that fits the picture's shape when the request's placement gives it a slot: a background,
a side of the slide). Words that are not in the prompt language (other alphabets and
scripts, other languages' stop words, slides written in another language) are left out.
Question, thank-you and agenda slides get a scene of their own. Asked for a deck's art
direction, it answers with a visual style, the deck's colours (else its theme's), a
lighting and a mood chosen by the deck's title, theme and colours, and "clean unlettered
surfaces"; a slide request without an art direction gets those in its own prompt. Every
answer fits the CLIP tokens :func:`.answers.answer_budget` leaves it, counted by CLIP's
own tokenizer (:func:`.answers.clip_tokens`).

Same input, same prompt, in every process: choices come from SHA-256, never ``hash()``.
"""

from __future__ import annotations

from collections import Counter
import hashlib
import re

from ..colours import theme_palette
from ..config import Settings
from ..hookspecs import hookimpl
from ..kinds import special_kind
from ..lazyre import lazy_pattern
from ..placement import read_shape
from ..visible import visible_text
from .answers import MAX_CLIP_TOKENS, MAX_WORDS, answer_budget, clip_tokens
from .base import PromptContext, PromptRequest
from .offline_words import ALPHABETS, PHRASES, STOPWORDS, Phrases

__all__ = ["MAX_CLIP_TOKENS", "MAX_WORDS", "OfflineProvider", "offline_prompt"]

_ALL_STOPWORDS = frozenset().union(*STOPWORDS.values())
_APOSTROPHES = "'\u2019"
_WORD = lazy_pattern(rf"[^\W\d_]+(?:[-{_APOSTROPHES}][^\W\d_]+)*")
_LETTERS = lazy_pattern(r"[^\W\d_]+")
_MARP_IMAGE_WORD = lazy_pattern(
    r"bg|fit|contain|cover|auto|left|right|vertical|[wh]|width|height|blur|brightness|contrast|"
    r"drop-shadow|grayscale|hue-rotate|invert|opacity|saturate|sepia|[\w-]+:[\w.%]+|\d+%"
)
_PROSE_RULES = (
    (re.compile(r"(?ms)^ {0,3}(`{3,}|~{3,}).*?(?:^ {0,3}\1[^\n]*$|\Z)"), " "),  # code blocks
    (re.compile(r"`[^`\n]*`"), " "),  # code spans
    (re.compile(r"!?\[\[[^\]]*\]\]"), " "),  # Obsidian embeds and wiki links
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), None),  # images: their alt text (see _alt)
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links: their text
    (re.compile(r"\S*(?:://|@|www\.)\S*"), " "),  # URLs, e-mail addresses, handles
    (re.compile(r"\S*[^\W\d_]\.[^\W\d_]\S*"), " "),  # file names, domains, e.g.
    (re.compile(r"&#?\w+;"), " "),  # HTML entities
    (re.compile(r":[\w+-]+:"), " "),  # emoji shortcodes
    (re.compile(r"\*+|~~|==|(?<!\w)_+|_+(?!\w)"), ""),  # emphasis: **D**uration is one word
)


def offline_prompt(request: PromptRequest) -> str:
    """A deterministic image prompt for *request* (or, for an art-direction request, an
    art direction): at most the CLIP tokens :func:`~.answers.answer_budget` leaves it
    (flux reads 77 with the start and end marks) by :func:`~.answers.clip_tokens`, and at
    most :data:`MAX_WORDS` words."""
    budget = answer_budget(request)
    ctx = request.context
    language = ctx.language if ctx.language in PHRASES else "en"
    phrases = PHRASES[language]
    if ctx.purpose == "art-direction":
        return _art_direction(ctx, phrases, budget)
    shown = ctx.visible_text or visible_text(ctx.slide_text, None)
    prose = _prose(shown)
    title = _prose(visible_text(ctx.slide_title or "", None))
    # With an art direction (appended by the pipeline) the prompt is the subject alone;
    # without one, it says the deck's style and colours itself.
    style = "" if ctx.art_direction else _deck_style(ctx, phrases)
    tail = [] if ctx.art_direction else [_palette(ctx, phrases), phrases.unlettered]

    def opening(subject: str) -> str:
        return phrases.depicting.format(style=style, subject=subject) if style else subject

    deck = _deck_subject(ctx, language)
    kind = special_kind(title or _first_line(prose))
    kind = "thanks" if kind == "closing" else kind  # the phrase tables' name for it
    if kind is not None:
        scene = f"{deck} {phrases.at_dusk}" if kind == "thanks" and deck else phrases.special[kind]
        return _fit([opening(scene), *tail], budget)
    # A quote may be in another language; the slide's own words say what it is in.
    own_words = _prose(re.sub(r"(?m)^[ \t]*>.*$", "", shown))
    foreign = _language_of(f"{title}\n{own_words}", language) != language
    subject = None if foreign else _subject(title, language)
    if subject is not None and _only_headings(shown):
        return _fit([opening(f"{subject} {phrases.special['section']}"), *tail], budget)
    terms = [] if foreign else _terms(_lines_in(prose, language), language)
    if subject is None:
        subject = deck or (terms.pop(0) if terms else phrases.special["thanks"])
    taken = {w.casefold() for w in _WORD.findall(subject)}
    terms = [t for t in terms if t.casefold() not in taken][:3]
    composition = _composition(ctx, phrases)
    return _fit([opening(subject), _showing(terms, phrases), composition, *tail], budget)


def _deck_style(ctx: PromptContext, phrases: Phrases) -> str:
    """The style setting, else a style chosen by the deck's title and theme, capitalised."""
    style = " ".join((ctx.style or "").split())
    style = style or _pick(phrases.styles, f"{ctx.deck_title or ''}\x00{ctx.theme or ''}")
    return style[:1].upper() + style[1:]


def _art_direction(ctx: PromptContext, phrases: Phrases, budget: int) -> str:
    """The deck's art direction: its style, palette, a lighting and a mood chosen by its
    title, theme and colours, and clean unlettered surfaces."""
    seed = f"{ctx.deck_title or ''}\x00{ctx.theme or ''}\x00{','.join(ctx.colours)}"
    style, unlettered = _deck_style(ctx, phrases), phrases.unlettered
    light = _pick(phrases.lightings, f"light\x00{seed}")
    mood = _pick(phrases.moods, f"mood\x00{seed}")
    colours = ctx.colours or theme_palette(ctx.theme)
    # Whole phrases go, never words of one (a phrase cut short reads as nonsense): the
    # mood first, then the lighting, then colours from the end of the palette.
    tries = [[style, _palette(ctx, phrases, colours), light, mood, unlettered]]
    tries.append([style, _palette(ctx, phrases, colours), light, unlettered])
    tries += [[style, _palette(ctx, phrases, colours[:n]), unlettered] for n in (3, 2, 1)]
    tries += [[style, unlettered], [unlettered]]
    for parts in tries:
        prompt = ", ".join(p for p in parts if p)
        if clip_tokens(prompt) <= budget:
            return prompt
    return _fit([unlettered], budget)


def _fit(parts: list[str], budget: int) -> str:
    """Join the non-empty *parts*; drop words from the longest inner part (the key words
    first) until the prompt fits *budget* CLIP tokens and the word limit."""
    parts = [" ".join(p.split()) for p in parts if p.strip()]
    while True:
        prompt = ", ".join(parts)
        if clip_tokens(prompt) <= budget and len(prompt.split()) <= MAX_WORDS:
            return prompt
        inner = range(len(parts) - 1) if len(parts) > 1 else range(1)
        longest = max(inner, key=lambda n: (clip_tokens(parts[n]), -n))
        words = parts[longest].split()
        parts[longest] = " ".join(words[:-1]).rstrip(",")
        parts = [p for p in parts if p]


def _prose(markdown: str) -> str:
    """Markdown reduced to the words a reader sees: no code, URLs, addresses or markup."""
    text = markdown
    for pattern, replacement in _PROSE_RULES:
        text = pattern.sub(_alt if replacement is None else replacement, text)
    text = re.sub(r"^[ \t]*(?:#{1,6}|>|[-+*]|\d+[.)])[ \t]+", "", text, flags=re.M)
    return re.sub(r"[ \t]+", " ", text)


def _lines_in(prose: str, language: str) -> str:
    """The sentences of *prose* not written in another language (a quote, a translation):
    one stop word more of another language than of *language* is enough."""
    sentences = re.split(r"(?<=[.!?;])\s+|\n", prose)
    return "\n".join(s for s in sentences if _language_of(s, language, least=1) == language)


def _alt(image: re.Match[str]) -> str:
    # Marp packs layout keywords into the alt text (bg, right:40%, w:300, blur:2px ...).
    words = [w for w in image.group(1).split() if not _MARP_IMAGE_WORD.fullmatch(w)]
    return " " + " ".join(words) + " "


def _in_language(word: str, language: str) -> bool:
    extra = ALPHABETS.get(language, "")
    return all(
        "a" <= ch <= "z" or ch in extra or ch in "-" + _APOSTROPHES for ch in word.casefold()
    )


def _language_of(text: str, default: str, least: int = 2) -> str:
    """The prompt language whose stop words *text* uses most (*default* on a tie, or
    when it uses fewer than *least* of any)."""
    words = [w.casefold() for w in _LETTERS.findall(text)]
    scores = {code: sum(w in stop for w in words) for code, stop in STOPWORDS.items()}
    best = max(sorted(scores), key=lambda code: scores[code])
    if scores[best] < least or scores[best] <= scores.get(default, 0):
        return default
    return best


def _content_words(text: str, language: str) -> list[tuple[str, bool]]:
    """The content words of *text* in *language*, each with whether it opens a sentence."""
    found = []
    for match in _WORD.finditer(text):
        word = match.group()
        if len(word) < 3 or word.casefold() in _ALL_STOPWORDS or not _in_language(word, language):
            continue
        if re.match(r"[\w.]*\d", text[match.end() :]) or re.search(
            r"\d[\w.]*$", text[: match.start()]
        ):
            continue  # part of a code or a number (SSP1-2.6, H2O)
        before = text[: match.start()].rstrip(" \t\"'(\u201c\u2018\u00ab")
        found.append((word, not before or before[-1] in ".!?:;\n|"))
    return found


def _terms(prose: str, language: str) -> list[str]:
    """The slide's key words: frequent first, then longer, then earlier; lower case
    unless the word is only ever written capitalised inside a sentence (a name)."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    spelling: dict[str, str] = {}
    for position, (word, opens) in enumerate(_content_words(prose, language)):
        key = word.casefold()
        counts[key] += 1
        first.setdefault(key, position)
        if word == key or opens:
            spelling[key] = key
        else:
            spelling.setdefault(key, word)
    ranked = sorted(counts, key=lambda k: (-counts[k], -min(len(k), 10), first[k]))
    return [spelling[k] for k in ranked]


def _subject(title: str, language: str) -> str | None:
    """*title* as the prompt's subject when it is written in *language*, else its words
    that are (``None`` if none is)."""
    words = _WORD.findall(title)
    if not words:
        return None
    if all(_in_language(w, language) for w in words):
        plain = re.sub(rf"[^\w\s{_APOSTROPHES},.-]+|(?<!\d)\.|\.(?!\d)", " ", title)  # keeps 2.7
        return " ".join(plain.split())
    kept = [w for w, _ in _content_words(title, language)]
    return " ".join(kept) or None


def _deck_subject(ctx: PromptContext, language: str) -> str | None:
    """The deck title's main part (before a subtitle) when it is in *language*."""
    title = re.split("[,:;|\u00b7\u2013\u2014]", _prose(ctx.deck_title or ""))[0]
    if _language_of(title, language) != language:
        return None
    return _subject(title, language)


def _first_line(prose: str) -> str:
    return next((line for line in prose.splitlines() if line.strip()), "")


def _only_headings(shown: str) -> bool:
    """Whether the slide shows headings and nothing else (a section divider)."""
    lines = [line for line in shown.splitlines() if line.strip()]
    return bool(lines) and all(re.match(r" {0,3}#{1,6}\s", line) for line in lines)


def _showing(terms: list[str], phrases: Phrases) -> str:
    if not terms:
        return ""
    listed = terms[0] if len(terms) == 1 else f"{', '.join(terms[:-1])} {phrases.and_} {terms[-1]}"
    return f"{phrases.showing} {listed}"


def _palette(ctx: PromptContext, phrases: Phrases, keys: tuple[str, ...] | None = None) -> str:
    """The colours *keys* (by default the deck's colours, else its theme's for a theme a
    generator ships), said in the prompt language; nothing without colours."""
    keys = keys if keys is not None else (ctx.colours or theme_palette(ctx.theme))
    names = [phrases.colours[c] for c in keys if c in phrases.colours]
    if not names:
        return ""
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {phrases.and_} {names[-1]}"
    return phrases.palette.format(colours=listed)


def _composition(ctx: PromptContext, phrases: Phrases) -> str:
    """The framing: one that fits the picture's shape when it has a slot of its own (a
    background, a side of the slide) or is not wide, else one chosen per slide."""
    found = read_shape(ctx.placement or "")
    if found is None or found == ("wide", False):
        return _pick(phrases.compositions, ctx.slide_text)
    return phrases.shapes[found[0]]


def _pick(options: tuple[str, ...], seed: str) -> str:
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return options[digest[0] % len(options)]


class OfflineProvider:
    """Embedded provider used when no credentials are set; needs nothing but Python."""

    name = "offline"
    model = "offline-4"  # bump when offline_prompt changes, so old cache entries miss

    async def generate(self, request: PromptRequest) -> str:
        """Return :func:`offline_prompt` for *request*."""
        return offline_prompt(request)

    async def aclose(self) -> None:
        """Nothing to release."""


@hookimpl(trylast=True)
def mdslides_provider_names() -> list[str]:
    """This module provides ``offline``."""
    return ["offline"]


@hookimpl(trylast=True)
def mdslides_auto_provider() -> str:
    """``auto`` is ``offline`` when no other provider is set up (asked last: this
    module is the last built-in provider registered)."""
    return "offline"


@hookimpl(trylast=True)
def mdslides_get_provider(name: str, settings: Settings) -> OfflineProvider | None:
    """Create the offline provider when it is asked for."""
    return OfflineProvider() if name == "offline" else None
