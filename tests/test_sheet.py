"""The contact sheet (issue 18): one self-contained page per deck, checked as text and in
a real headless Chromium."""

from __future__ import annotations

import base64
from html.parser import HTMLParser
import io
from pathlib import Path

from PIL import Image
import pytest

from mdslides_prompts.providers.offline_image import OfflineImageProvider
from mdslides_prompts.providers.pictures import ImageRequest
from mdslides_prompts.sheet import Card, Sheet, excerpt, render_sheet

from .browser import open_page
from .cli_tools import cli

HOSTILE = '</style><script>alert("x")</script><img src=x onerror=alert(1)>'


class _Page(HTMLParser):
    """What a sheet holds, read as a browser's parser reads it."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _read(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


def _png(prompt: str, size: str = "1792x1024") -> bytes:
    import asyncio

    request = ImageRequest(prompt, size=size, art_direction="navy and sand palette")
    return asyncio.run(OfflineImageProvider().generate_image(request)).data


def _sheet(cards: int = 3) -> Sheet:
    return Sheet(
        deck="talk.md", format="marp", art_direction="Gouache, navy and sand palette",
        placeholder=True,
        cards=tuple(
            Card(n, f"Slide {n}", f"Point {n} of the talk", f"A harbour at dawn, view {n}",
                 "fresh", placement="picture: right", picture=_png(f"harbour {n}"),
                 media_type="image/png")
            for n in range(1, cards + 1)
        ),
    )  # fmt: skip


def test_one_card_per_slide_with_its_picture_inline_and_nothing_from_elsewhere() -> None:
    page = render_sheet(_sheet(3))
    read = _read(page)
    articles = [a for tag, a in read.tags if tag == "article"]
    assert [a["id"] for a in articles] == ["slide-1", "slide-2", "slide-3"]
    images = [a["src"] or "" for tag, a in read.tags if tag == "img"]
    assert len(images) == 3 and all(src.startswith("data:image/png;base64,") for src in images)
    # Nothing the page could fetch: no link, script, frame or URL outside data: pictures.
    assert not {tag for tag, _ in read.tags} & {"script", "link", "iframe", "object", "embed"}
    attributes = [v or "" for _, a in read.tags for k, v in a.items() if k in ("src", "href")]
    assert all(v.startswith("data:") for v in attributes)
    csp = next(a for tag, a in read.tags if tag == "meta" and a.get("http-equiv"))
    assert csp["content"] == "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    text = "".join(read.text)
    assert "Art direction: Gouache, navy and sand palette" in text
    assert "Placeholder pictures from the offline provider" in text
    assert render_sheet(_sheet(3)) == page  # the same sheet, the same bytes


def test_what_a_deck_says_stays_text() -> None:
    card = Card(1, HOSTILE, HOSTILE, HOSTILE, "fresh", note=HOSTILE, placement=HOSTILE)
    page = render_sheet(Sheet(HOSTILE, "marp", HOSTILE, (card,)))
    read = _read(page)
    assert not any(tag in ("script", "img") for tag, _ in read.tags)
    assert page.count("</style>") == 1  # the sheet's own
    assert HOSTILE in "".join(read.text)  # shown as written


def test_an_excerpt_is_cut_at_a_word() -> None:
    assert excerpt("short  text\nhere") == "short text here"
    long = "word " * 80
    cut = excerpt(long, 50)
    assert len(cut) <= 50 and cut.endswith("word…")


def test_chromium_shows_every_card_and_picture_without_an_error(tmp_path: Path) -> None:
    path = tmp_path / "talk.sheet.html"
    path.write_text(render_sheet(_sheet(5)), encoding="utf-8")
    with open_page(tmp_path, 1200, 800) as page:
        page.call("Page.navigate", url=path.as_uri())
        page.wait_for("Page.loadEventFired")
        assert page.evaluate("document.querySelectorAll('article.card').length") == 5
        assert page.evaluate("[...document.images].length") == 5
        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        shot = page.call("Page.captureScreenshot", format="png")
        assert page.problems() == []
    with Image.open(io.BytesIO(base64.b64decode(shot["data"]))) as image:
        assert image.size == (1200, 800)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50  # text, badges and pictures: not a blank page


def test_a_page_that_breaks_its_policy_is_caught(tmp_path: Path) -> None:
    # The check above can fail: a sheet that tried to load a script is reported.
    path = tmp_path / "bad.html"
    page_text = render_sheet(_sheet(1)).replace("</main>", '<script src="x.js"></script></main>')
    path.write_text(page_text, encoding="utf-8")
    with open_page(tmp_path) as page:
        page.call("Page.navigate", url=path.as_uri())
        page.wait_for("Page.loadEventFired")
        page.evaluate("1")
        assert any("Content Security Policy" in p for p in page.problems())


@pytest.mark.usefixtures("offline")
def test_images_sheet_and_inspect_html_write_the_decks_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = tmp_path / "talk.md"
    deck.write_text(
        "---\nmarp: true\n---\n\n# Glaciers\n\nIce moves.\n\n---\n\n# Moraines\n\nRocks.\n\n"
        "---\n\n# Thanks\n",
        encoding="utf-8",
    )
    code, out, err = cli(capsys, "inspect", deck, "--html")
    assert code == 0, err
    notes = [t for t in _read(out).text if "run first" in t]
    assert notes == ["no prompt yet: run first"] * 3
    assert cli(capsys, "run", deck)[0] == 0
    code, _, err = cli(capsys, "images", deck, "--sheet")
    assert code == 0, err
    sheet = tmp_path / "talk.sheet.html"
    assert f"contact sheet {sheet}" in err
    read = _read(sheet.read_text(encoding="utf-8"))
    assert len([1 for tag, _ in read.tags if tag == "article"]) == 3
    assert all((a["src"] or "").startswith("data:image/jpeg;base64,") for t, a in read.tags
               if t == "img")  # fmt: skip
    assert len([1 for tag, _ in read.tags if tag == "img"]) == 3
    code, out, _ = cli(capsys, "inspect", deck, "--html")
    assert code == 0 and out == sheet.read_text(encoding="utf-8")


@pytest.mark.usefixtures("offline")
def test_chromium_shows_a_decks_sheet_as_images_wrote_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    test_images_sheet_and_inspect_html_write_the_decks_sheet(tmp_path, capsys, monkeypatch)
    sheet = tmp_path / "talk.sheet.html"
    with open_page(tmp_path) as page:
        page.call("Page.navigate", url=sheet.as_uri())
        page.wait_for("Page.loadEventFired")
        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        assert page.evaluate("document.querySelectorAll('article.card').length") == 3
        assert page.problems() == []
