"""The offline provider: deterministic image prompts with no network and no token.

It reads the slide's title and its most telling words, and frames them with a visual
style chosen once per deck (so every slide of a deck looks alike) and a palette taken
from the deck's theme. Same input, same prompt, on every machine.
"""

from __future__ import annotations

from collections import Counter
import hashlib
import re

from ..config import Settings
from ..hookspecs import hookimpl
from .answers import MAX_WORDS
from .base import PromptRequest

__all__ = ["MAX_WORDS", "OfflineProvider", "offline_prompt"]

_STYLES = (
    "clean editorial illustration",
    "soft watercolor illustration",
    "minimal flat vector illustration",
    "cinematic documentary photograph",
    "isometric 3D render with soft shadows",
    "textured gouache painting",
)
_PALETTES = {
    "default": "balanced neutral palette",
    "gaia": "warm cream and deep teal palette",
    "uncover": "airy light palette with crisp contrast",
    "invert": "dark background with luminous accents",
}
_COMPOSITIONS = (
    "wide establishing view",
    "centered subject with generous negative space",
    "close-up detail shot",
    "balanced rule-of-thirds composition",
)

# Small stop lists for the languages the API supports best; enough to keep key terms.
_STOPWORDS = frozenset(
    """
    a an the and or but if then else of to in on at by for with without from into onto over
    under about as is are was were be been being it its this that these those there here
    we you they he she i me my our your their his her them us not no yes do does did done
    can could will would should may might must shall have has had having so such than too
    very just also more most less much many some any each every all both few other own same
    what which who whom whose when where why how use used using via per vs etc slide slides
    le la les un une des du de et ou mais donc car ni que qui quoi dont où au aux ce cet
    cette ces est sont été être avoir ont pour par sur sous dans avec sans plus moins très
    pas ne se sa son ses leur leurs nous vous ils elles il elle on en y
    der die das den dem des ein eine einer eines einem einen und oder aber nicht ist sind
    war waren sein haben hat mit ohne für von vom zum zur auf aus bei nach über unter
    wie was wer wo als auch noch nur sehr mehr es sie er wir ihr ich
    el los las una unos unas y o pero que es son con sin para por sobre como más muy del al
    il lo gli le uno una e o ma che è sono con senza per come più molto della delle degli
    dei nel nella sul sulla
    one two three first second next last still only well like out up down new old get got
    make made take see seen look looked even since roughly behind around between through
    before after while again ever never always often here today now then
    weil ihn ihm ihre ihren sich uns euch man dass wenn dann doch schon
    """.split()
)
_WORD_RE = re.compile(r"[^\W\d_][\w'\u2019-]*[^\W_]|[^\W\d_]")
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
# In Japanese and Chinese text, runs of kanji or katakana are mostly nouns.
_CJK_TERM_RE = re.compile(r"[\u3400-\u9fff]{2,}|[\u30a0-\u30ff]{2,}|[\uac00-\ud7af]{2,}")


def _clean(markdown: str) -> str:
    """Reduce Markdown to prose: no code, comments, tags, URLs or image keywords."""
    text = re.sub(r"(?ms)^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", " ", markdown)
    text = re.sub(r"(?s)<!--.*?-->", " ", text)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", lambda m: _image_alt(m.group(1)), text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"`[^`]*`", " ", text)
    return text


def _image_alt(alt: str) -> str:
    # Marp packs layout keywords into the alt text (bg, right:40%, w:300, blur:2px ...).
    words = [w for w in alt.split() if not re.fullmatch(r"(bg|fit|contain|cover|auto|left|right|"
             r"vertical|sepia|grayscale|invert|[\w-]+:[\w.%]+|\d+%)", w)]  # fmt: skip
    return " " + " ".join(words) + " "


def _terms(text: str, limit: int) -> list[str]:
    """The *limit* most telling words: frequent first, then longer, then earlier."""
    words: list[str] = []
    for word in _WORD_RE.findall(text):
        if _CJK_RE.search(word):
            words.extend(_CJK_TERM_RE.findall(word))
        elif len(word) > 3:
            words.append(word)
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    spelling: dict[str, str] = {}
    for pos, word in enumerate(words):
        key = word.casefold()
        if key in _STOPWORDS:
            continue
        counts[key] += 1
        first.setdefault(key, pos)
        spelling.setdefault(key, word)
    ranked = sorted(counts, key=lambda k: (-counts[k], -min(len(k), 10), first[k]))
    return [spelling[k] for k in ranked[:limit]]


def _pick(options: tuple[str, ...], seed: str) -> str:
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return options[digest[0] % len(options)]


def _plain(text: str) -> str:
    text = re.sub(r"[*_`#>|~\[\]{}\\]+", " ", text)
    text = re.sub(r"[:;]+", ",", text)
    return re.sub(r"\s+", " ", text).strip(" ,.-")


def offline_prompt(request: PromptRequest) -> str:
    """Build a deterministic image prompt of at most :data:`MAX_WORDS` words."""
    ctx = request.context
    deck_seed = f"{ctx.deck_title or ''}\x00{ctx.theme or ''}"
    style = ctx.style or _pick(_STYLES, deck_seed)
    palette = _PALETTES.get((ctx.theme or "default").lower(), f"{_plain(ctx.theme or '')} palette")
    composition = _pick(_COMPOSITIONS, ctx.slide_text)

    title = _plain(_clean(ctx.slide_title or ""))
    body = _clean(ctx.slide_text)
    title_keys = {w.casefold() for w in _WORD_RE.findall(title)}
    terms = [t for t in _terms(body, 8) if t.casefold() not in title_keys]
    subject = title or ", ".join(terms[:3]) or _plain(ctx.deck_title or "") or "an abstract idea"
    if not title:
        terms = terms[3:]

    parts = [f"{style.capitalize()} of {subject}"]
    if terms:
        parts.append("evoking " + ", ".join(terms[:5]))
    if ctx.deck_title and _plain(ctx.deck_title).casefold() != subject.casefold():
        parts.append(f"in the context of {_plain(ctx.deck_title)}")
    parts += [composition, palette, "no text or lettering"]
    words = ", ".join(parts).split()
    if len(words) > MAX_WORDS:
        words = [*words[: MAX_WORDS - 4], "no", "text", "or", "lettering"]
    return " ".join(words)


class OfflineProvider:
    """Embedded provider used when no credentials are set; needs nothing but Python."""

    name = "offline"
    model = "offline-1"  # bump when offline_prompt changes, so old cache entries miss

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
def mdslides_get_provider(name: str, settings: Settings) -> OfflineProvider | None:
    """Create the offline provider when it is asked for."""
    return OfflineProvider() if name == "offline" else None
