"""Where each slide's picture goes: every format's slots and slide sizes
(``fixtures/placement.md``), slides whose picture the author set skipped unless
``include-illustrated``, and the placement line the request carries, end to end."""

from __future__ import annotations

from dataclasses import replace
import json
from pathlib import Path

from markdown_it.utils import read_fixture_file
import pytest

from mdslides_prompts import (
    Deck,
    Pipeline,
    Placement,
    PromptContext,
    PromptRequest,
    Settings,
    Slot,
    get_plugin_manager,
    hookimpl,
)
from mdslides_prompts.cache import key_parts
from mdslides_prompts.placement import parse_ratio, picture_value

from .cli_tools import cli, openai_server
from .http_server import slide_posts

FIXTURES = Path(__file__).parent / "fixtures"


def render_placements(fmt: str, source: str, **settings: object) -> str:
    """The deck's slide size, then one line per slide: index, status, placement; and for
    each slide that gets a prompt, the placement line of its request."""
    pipeline = Pipeline(
        Settings(format=fmt, **settings), get_plugin_manager(load_entrypoints=False)
    )  # type: ignore[arg-type]
    deck = pipeline.parse(Deck.from_text(source))
    out = []
    for slide in deck.slides:
        place = pipeline.placement(deck, slide)
        assert place is not None
        if not out:
            out.append(f"size: {place.size}")
        out.append(f"{slide.index}: {slide.status.value}: {place.summary()}")
        if slide.skip_reason is None:
            out.append(f"   asks: {pipeline.request(deck, slide).context.placement}")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(
    ("line", "title", "source", "expected"), read_fixture_file(FIXTURES / "placement.md")
)
def test_placement_fixtures(line: int, title: str, source: str, expected: str) -> None:
    assert render_placements(title.split(":")[0], source) == expected


MARP = """---
marp: true
---

# Glaciers

Ice that flows.

---

# Anatomy of a glacier

![bg right:40%](images/section.png)

Accumulation, ablation, terminus.
"""


def _deck(folder: Path, text: str = MARP, name: str = "talk.md") -> Path:
    deck = folder / name
    deck.parent.mkdir(parents=True, exist_ok=True)
    deck.write_text(text, encoding="utf-8")
    return deck


def _place(path: Path, index: int, **settings: object) -> tuple[str, Placement]:
    """The status and placement of slide *index* of the deck at *path*."""
    given = Settings(**settings)  # type: ignore[arg-type]
    pipeline = Pipeline(given, get_plugin_manager(load_entrypoints=False))
    deck = pipeline.load(path)
    slide = deck.slides[index - 1]
    place = pipeline.placement(deck, slide)
    assert place is not None
    return slide.status.value, place


def test_a_picture_file_next_to_the_deck_is_set_a_missing_one_is_a_placeholder(
    tmp_path: Path,
) -> None:
    deck = _deck(tmp_path)
    status, place = _place(deck, 2)
    assert (status, place.illustrated, place.found) == ("missing", False, False)
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "section.png").write_bytes(b"\x89PNG")
    status, place = _place(deck, 2)
    assert (status, place.illustrated) == ("skipped", True)
    assert place.skip_reason() == (
        "illustrated by ![bg right:40%](images/section.png); --include-illustrated prompts it too"
    )
    status, place = _place(deck, 2, include_illustrated=True)
    assert (status, place.illustrated) == ("missing", True)


def test_slidev_finds_an_absolute_picture_in_its_public_folder(tmp_path: Path) -> None:
    deck = _deck(tmp_path, "# Start\n\n---\nlayout: image-left\nimage: /heap.jpg\n---\n\n# Heap\n")
    (tmp_path / "public").mkdir()
    assert _place(deck, 2, format="slidev")[0] == "missing"
    (tmp_path / "public" / "heap.jpg").write_bytes(b"jpeg")
    status, place = _place(deck, 2, format="slidev")
    assert (status, place.slot, place.picture) == ("skipped", Slot.LEFT, "/heap.jpg")


def test_the_quarto_project_and_mkslides_config_set_the_size(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # the repository: its _quarto.yml is the project's
    (tmp_path / "_quarto.yml").write_text("format:\n  beamer:\n    aspectratio: 1610\n")
    deck = _deck(tmp_path / "q", "---\ntitle: Q\n---\n\n## One\n\nText.\n", "talk.qmd")
    place = _place(deck, 1, format="quarto")[1]
    assert (place.aspect, place.aspect_source) == (
        "16:10",
        f"beamer's aspectratio: 1610 in {tmp_path / '_quarto.yml'}",
    )
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "mkslides.yml").write_text("revealjs:\n  width: 1200\n  height: 900\n")
    place = _place(_deck(tmp_path / "m", "# One\n\nText.\n"), 1, format="mkslides")[1]
    assert (place.aspect, place.aspect_source) == (
        "4:3",
        "revealjs.width and height in mkslides.yml",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("16:9", (16.0, 9.0)), ("16/9", (16.0, 9.0)), (" 4 x 3 ", (4.0, 3.0)), (1.5, (1.5, 1.0)),
     ("1.6", (1.6, 1.0)), ("0:1", None), ("wide", None), (True, None), (None, None)],
)  # fmt: skip
def test_ratios(value: object, expected: tuple[float, float] | None) -> None:
    assert parse_ratio(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("x.png", "x.png"), (" url(a.jpg) ", "url(a.jpg)"), ("[[b.jpg]]", "[[b.jpg]]"),
     ("#fff", None), ("aquamarine", None), ("rgb(1, 2, 3)", None),
     ("linear-gradient(red, blue)", None), ("", None), (42, None)],
)  # fmt: skip
def test_pictures_and_colours(value: object, expected: str | None) -> None:
    assert picture_value(value) == expected


def test_the_request_line_fits_the_slot() -> None:
    right = Placement(Slot.RIGHT, 0.4, 1280, 720)
    assert (right.aspect, round(right.area, 2), right.shape) == ("16:9", 0.71, "tall")
    assert right.describe() == (
        "the right 40% of a 16:9 slide, a tall 0.71:1 picture; the slide's text is on the left"
    )
    top = Placement(Slot.TOP, 0.5, 4, 3)
    assert top.describe() == (
        "the top 50% of a 4:3 slide, a wide 2.67:1 picture; the slide's text is below it"
    )
    assert Placement(Slot.BACKGROUND, width=960, height=700).describe() == (
        "full-slide background of a 1.37:1 slide, a wide 1.37:1 picture; keep a calm, even "
        "area for the title"
    )
    assert Placement(width=16, height=10).describe() == "a 16:10 slide, a wide 1.60:1 picture"
    assert Placement(width=8, height=5).describe() == "an 8:5 slide, a wide 1.60:1 picture"
    assert Placement(width=9, height=16).shape == "tall"
    assert Placement(Slot.NONE).describe() is None


def test_run_leaves_an_illustrated_slide_alone_and_prompts_it_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = _deck(tmp_path)
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "section.png").write_bytes(b"\x89PNG")
    cache: list[str | Path] = ["--cache-dir", tmp_path / "cache"]
    code, _, err = cli(capsys, "run", deck, "-v", *cache)
    assert code == 0, err
    second = MARP.split("\n---\n")[-1]
    text = deck.read_text(encoding="utf-8")
    assert text.endswith("\n---\n" + second)  # the illustrated slide, byte for byte
    assert text.count("image-prompt") == 1
    assert (
        "slide 2 'Anatomy of a glacier' skipped (illustrated by "
        "![bg right:40%](images/section.png); --include-illustrated prompts it too)"
    ) in err
    code, _, err = cli(capsys, "check", deck)
    assert code == 0, err
    code, out, err = cli(capsys, "check", deck, "--include-illustrated")
    assert code == 1 and f"{deck}:" in out and "slide 2: missing" in out
    code, _, err = cli(capsys, "run", deck, "--include-illustrated", *cache)
    assert code == 0, err
    [_, prompt] = [line for line in deck.read_text().splitlines() if "image-prompt" in line]
    assert "tall composition" in prompt  # the offline provider fits the right 40%


def test_a_deck_may_include_its_own_illustrated_slides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = MARP.replace(
        "marp: true\n", "marp: true\nmdslides-prompts:\n  include-illustrated: true\n"
    )
    deck = _deck(tmp_path, text.replace("images/section.png", "https://example.org/s.png"))
    code, out, _ = cli(capsys, "check", deck)
    assert code == 1 and "slide 2: missing" in out


def test_the_request_carries_the_placement_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = _deck(tmp_path)
    with openai_server(monkeypatch) as (server, provider):
        assert cli(capsys, "run", deck, *provider, "--no-cache")[0] == 0
    users = [post.json["messages"][1]["content"] for post in slide_posts(server.posts)]
    by_slide = {user.split("<slide>\n")[1].split("\n")[0]: user for user in users}
    assert len(by_slide) == 2  # in the order they were answered
    assert "Picture placement: a 16:9 slide, a wide 1.78:1 picture\n" in by_slide["Glaciers"]
    assert (
        "Picture placement: the right 40% of a 16:9 slide, a tall 0.71:1 picture; the "
        "slide's text is on the left\n"
    ) in by_slide["Anatomy of a glacier"]


def test_inspect_shows_each_slide_placement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # one line per slide
    deck = _deck(tmp_path)
    code, out, _ = cli(capsys, "inspect", deck, "--json")
    assert code == 0
    assert json.loads(out)["slides"][0]["placement"]["share"] == 1.0  # no slot: the slide
    second = json.loads(out)["slides"][1]["placement"]
    assert second == {
        "slot": "right", "share": 0.4, "aspect": "16:9", "width": 1280.0, "height": 720.0,
        "aspect_source": "Marp's default size, 1280x720", "area": 0.71, "shape": "tall",
        "illustrated": False, "picture": "images/section.png", "found": False,
        "source": "![bg right:40%](images/section.png)", "line": 13,
    }  # fmt: skip
    code, out, _ = cli(capsys, "inspect", deck)
    assert code == 0
    assert "slide size: 16:9 (Marp's default size, 1280x720)" in out
    [row] = [line for line in out.splitlines() if "Anatomy" in line]
    assert (
        "the right 40%, 16:9 slide, tall 0.71:1; slot: ![bg right:40%](images/section.png), "
        "line 13 (placeholder: no such file)"
    ) in row


class _TopBanner:
    """A plugin that puts every Marp slide's picture in a top band."""

    @hookimpl
    def mdslides_placement(self, deck: Deck) -> Placement | None:
        return Placement(Slot.TOP, 0.25, 1280, 720) if deck.format == "marp" else None


def test_a_plugin_placement_wins_and_reaches_the_request() -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(_TopBanner(), name="top-banner")
    pipeline = Pipeline(Settings(format="marp"), pm)
    deck = pipeline.parse(Deck.from_text(MARP))
    request = pipeline.request(deck, deck.slides[0])
    assert request.context.placement == (
        "the top 25% of a 16:9 slide, a wide 7.11:1 picture; the slide's text is below it"
    )
    assert "Picture placement: the top 25% of a 16:9 slide" in request.messages[1]["content"]


def test_the_cache_key_holds_a_placement_only_when_there_is_one() -> None:
    context = PromptContext(slide_text="# Terminal\n")
    without = key_parts("offline", "m", PromptRequest((), context))["context"]
    assert "placement" not in without  # a key stays what it was before the field existed
    placed = replace(context, placement="a 16:9 slide, a wide 1.78:1 picture")
    assert key_parts("offline", "m", PromptRequest((), placed))["context"]["placement"] == (
        "a 16:9 slide, a wide 1.78:1 picture"
    )
