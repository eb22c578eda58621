"""The contact sheet: a deck on one page, each slide with its prompt and picture.

:func:`render_sheet` turns a :class:`Sheet` into one self-contained HTML page: the deck's
name, format and art direction at the top, then one card per slide (its number, title,
an excerpt of what the audience reads, its prompt, its status, where its picture goes,
and the picture itself as a thumbnail). Everything is inline (pictures as ``data:``
URIs, the style in the page); a Content-Security-Policy allows nothing else, so the
page works offline and loads nothing from anywhere. Every string from a deck is escaped:
a title holding ``</style><script>`` stays text.

Pure: the pictures come as bytes (see :func:`~mdslides_prompts.illustrate.build_sheet`,
which reads them and makes the thumbnails). The same sheet gives the same bytes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from html import escape

__all__ = ["EXCERPT", "Card", "Sheet", "excerpt", "render_sheet"]

EXCERPT = 200
"""Characters of a slide's visible text a card shows, at most."""


@dataclass(frozen=True, slots=True)
class Card:
    """One slide on the sheet."""

    index: int
    """The slide's number."""
    title: str | None
    """Its title, if it has one."""
    text: str
    """What the audience reads on it, as plain text (cut to :data:`EXCERPT`)."""
    prompt: str | None
    """Its image prompt, if it has one."""
    status: str
    """Where its prompt stands (``fresh``, ``stale``, ...)."""
    note: str | None = None
    """Why it has no prompt or picture, or what went wrong."""
    placement: str | None = None
    """Where its picture goes, in a few words."""
    picture: bytes | None = None
    """The picture's thumbnail, if it has a picture."""
    media_type: str | None = None
    """The thumbnail's type (``image/jpeg``, ``image/png``...)."""


@dataclass(frozen=True, slots=True)
class Sheet:
    """A deck as the contact sheet shows it."""

    deck: str
    """The deck's name (its path)."""
    format: str | None
    """Its format."""
    art_direction: str | None
    """Its art direction, if known."""
    cards: tuple[Card, ...]
    """One card per slide, in order."""
    placeholder: bool = False
    """Whether the pictures are placeholders (the offline provider's)."""


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """*text* on one line, cut at a word boundary to at most *limit* characters (with an
    ellipsis when cut)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:.") + "…"


_STYLE = """
*{box-sizing:border-box}
body{margin:0;padding:24px;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;
color:#1d2433;background:#f4f5f7}
header{margin:0 0 20px}
h1{font-size:22px;margin:0 0 6px}
.meta{color:#586174;margin:2px 0}
.notice{display:inline-block;margin-top:8px;padding:4px 10px;border-radius:4px;
background:#fff4d6;color:#7a5600}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:16px}
.card{background:#fff;border:1px solid #dde1e8;border-radius:8px;overflow:hidden;
display:flex;flex-direction:column}
.thumb{position:relative;aspect-ratio:16/9;background:#e6e8ed;display:flex;
align-items:center;justify-content:center;color:#7b8394;font-size:13px}
.thumb img{position:absolute;inset:0;width:100%;height:100%;object-fit:contain;
background:#20242c}
.body{padding:10px 12px 12px}
h2{font-size:16px;margin:0 0 4px}
.num{color:#7b8394;font-weight:normal;margin-right:6px}
.text{color:#3b4354;margin:4px 0}
.prompt{margin:6px 0;font-style:italic;color:#1d2433}
.badge{display:inline-block;font-size:12px;padding:1px 8px;border-radius:10px;
background:#e6e8ed;color:#1d2433;margin-right:6px}
.badge.fresh,.badge.locked,.badge.edited{background:#dcf3e3;color:#17603a}
.badge.stale,.badge.missing,.badge.unparsable{background:#fde2e1;color:#8c1d18}
.small{font-size:12px;color:#586174;margin:4px 0 0}
"""


def render_sheet(sheet: Sheet) -> str:
    """The contact sheet of *sheet*: one self-contained HTML page (see the module)."""
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_text(sheet.deck)}: contact sheet</title>\n<style>{_STYLE}</style>\n"
        "</head>\n<body>\n"
    )
    art = _text(sheet.art_direction) if sheet.art_direction else "none"
    header = (
        f"<header>\n<h1>{_text(sheet.deck)}</h1>\n"
        f'<p class="meta">{len(sheet.cards)} slides · format {_text(sheet.format or "?")}</p>\n'
        f'<p class="meta">Art direction: {art}</p>\n'
    )
    if sheet.placeholder:
        header += (
            '<p class="notice">Placeholder pictures from the offline provider: set '
            "credentials for real ones.</p>\n"
        )
    cards = "".join(_card(card) for card in sheet.cards)
    return f"{head}{header}</header>\n<main>\n{cards}</main>\n</body>\n</html>\n"


def _card(card: Card) -> str:
    if card.picture is not None and card.media_type:
        data = base64.b64encode(card.picture).decode("ascii")
        alt = _text(f"Slide {card.index}'s picture")
        thumb = f'<img src="data:{_text(card.media_type)};base64,{data}" alt="{alt}">'
    else:
        thumb = "no picture"
    title = _text(card.title) if card.title else "<i>untitled</i>"
    status = _text(card.status)
    parts = [
        f'<article class="card" id="slide-{card.index}">\n<div class="thumb">{thumb}</div>\n',
        f'<div class="body">\n<h2><span class="num">{card.index}</span>{title}</h2>\n',
        f'<p class="text">{_text(excerpt(card.text))}</p>\n' if card.text.strip() else "",
        f'<p class="prompt">{_text(card.prompt) if card.prompt else "—"}</p>\n',
        f'<p><span class="badge {status}">{status}</span>',
        f'<span class="small">{_text(card.placement)}</span>' if card.placement else "",
        "</p>\n",
        f'<p class="small">{_text(card.note)}</p>\n' if card.note else "",
        "</div>\n</article>\n",
    ]
    return "".join(parts)


def _text(value: str) -> str:
    return escape(value, quote=True)
