"""reveal.js host pages: the HTML files that load a Markdown deck and set its separators.

A plain reveal.js deck is an external file loaded by a page, ``<section
data-markdown="talk.md" data-separator="^\\n\\n\\n" data-separator-vertical="^\\n\\n">``;
the page, not the deck, says how it splits (the plugin passes each attribute's text to
``new RegExp``, so it is JavaScript regex source, as ``--separator`` takes). The pages
looked at are the HTML files in the folders a build for the deck could read (see
:mod:`.project`), at most :data:`MAX_PAGES` per folder, each at most :data:`MAX_PAGE_BYTES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import DeckError
from ..fileio import read_bytes
from .project import search_folders

__all__ = ["MAX_PAGES", "MAX_PAGE_BYTES", "HostPage", "host_pages"]

MAX_PAGES = 200
"""HTML files read per folder (a folder of generated pages is not a host's)."""
MAX_PAGE_BYTES = 2 * 1024 * 1024
"""Larger HTML files are not read."""


@dataclass(frozen=True, slots=True)
class HostPage:
    """A page that loads the deck, with the separators it sets (``None``: the default)."""

    path: Path
    separator: str | None
    vertical: str | None
    notes: str | None


class _Sections(HTMLParser):
    """Collects the attributes of every ``<section data-markdown="…">``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section" and any(name == "data-markdown" for name, _ in attrs):
            self.found.append(dict(attrs))


@lru_cache(maxsize=512)
def _page_sections(page: Path, _mtime_ns: int, _size: int) -> tuple[dict[str, str | None], ...]:
    """The deck-loading sections of *page* (cached while its time and size stay)."""
    try:
        text = read_bytes(page).decode("utf-8", errors="replace")
    except DeckError:
        return ()
    parser = _Sections()
    parser.feed(text)
    parser.close()
    return tuple(parser.found)


def _loads(page: Path, source: str | None, deck: Path) -> bool:
    """Whether *source* (a ``data-markdown`` value in *page*) is the file *deck*."""
    if not source:
        return False
    parts = urlsplit(source)
    if parts.scheme or parts.netloc:
        return False
    target = page.parent / unquote(parts.path)
    try:
        return target.resolve() == deck.resolve()
    except OSError:
        return False


def host_pages(deck_path: Path | None) -> list[HostPage]:
    """The HTML pages that load the deck at *deck_path* with ``data-markdown``, nearest
    folder first (unreadable or oversized pages are passed over)."""
    if deck_path is None:
        return []
    pages = []
    for folder in search_folders(deck_path):
        candidates = sorted([*folder.glob("*.html"), *folder.glob("*.htm")])[:MAX_PAGES]
        for page in candidates:
            try:
                status = page.stat()
            except OSError:
                continue
            if status.st_size > MAX_PAGE_BYTES:
                continue
            for attrs in _page_sections(page, status.st_mtime_ns, status.st_size):
                if _loads(page, attrs.get("data-markdown"), deck_path):
                    pages.append(
                        HostPage(
                            page,
                            attrs.get("data-separator"),
                            attrs.get("data-separator-vertical"),
                            attrs.get("data-separator-notes"),
                        )
                    )
    return pages
