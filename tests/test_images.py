"""The images command (issue 18): each slide with a current prompt gets a picture, made
once, stored next to the deck, placed after its marker; strip gives back every byte."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
import json
from pathlib import Path

import pytest

from mdslides_prompts.config import Settings
from mdslides_prompts.deck import Deck, Slide, SlidePicture, SlidePrompt, split_lines
from mdslides_prompts.errors import PluginError
from mdslides_prompts.formats.lines import picture_after, picture_url, place_pictures
from mdslides_prompts.pipeline import Pipeline
from mdslides_prompts.placement import Placement, Slot
from mdslides_prompts.plugins import get_plugin_manager

from .cli_tools import cli
from .test_format_base import DECK, Plus

NAME = "0123456789abcdef01234567"
MARP = (
    "---\nmarp: true\n---\n\n# Glaciers at dawn\n\nIce moves slowly down the valley.\n\n"
    "- It carves\n- It grinds\n- It melts\n- It retreats\n\n---\n\n# Thanks\n"
)
"""A content slide (its picture goes right of its text), then a closing one (behind it)."""


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("INFOMANIAK_API_TOKEN", "INFOMANIAK_PRODUCT_ID", "CI", "PRE_COMMIT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MDSLIDES_PROMPTS_CACHE_DIR", str(tmp_path / "cache"))


def _pipeline() -> Pipeline:
    return Pipeline(Settings(), get_plugin_manager(load_entrypoints=False))


def _prompted(pipeline: Pipeline, text: str) -> Deck:
    deck = pipeline.parse(Deck.from_text(text))
    prompts = {
        s.index: SlidePrompt(s.index, f"prompt {s.index}", s.content_hash)
        for s in deck.slides
        if s.skip_reason is None
    }
    return pipeline.parse(Deck.from_text(pipeline.inject(deck, prompts)))


MARP_VARIANTS = {
    "plain": MARP,
    "no final newline": MARP.rstrip("\n"),
    "crlf": MARP.replace("\n", "\r\n"),
    "text right after the marker": "---\nmarp: true\n---\n# One\nText\n\n---\n# Two\nMore\n",
    "heading divider": "---\nmarp: true\nheadingDivider: 2\n---\n## A\ntext\n## B\n## C",
    "heading divider, blank lines": "---\nmarp: true\nheadingDivider: 1\n---\n\n# A\n\nt\n\n# B\n",
    "no front matter": "<!-- _class: lead -->\n\n# A\n\n---\n\nB\n",
}


def _round_trip(
    pipeline: Pipeline, original: str, slot: str = "background", share: float = 1.0
) -> tuple[Deck, str]:
    """Prompt *original*, place a picture on every slide with a marker and check what
    every format must do: the slides and their statuses unchanged, each picture read
    back in its slot and not taken for the author's, placing again the same text, and
    strip giving back what it gave before the pictures. The prompted deck, and its text
    with the pictures."""
    deck = _prompted(pipeline, original)
    pictures = {}
    for s in deck.slides:
        place = pipeline.placement(deck, s)
        if s.marker is None or place is None or not place.offers:
            continue
        where = slot if Slot(slot) in place.offers else place.offers[0].value
        path = f"slide-images/{NAME[:-2]}{s.index:02d}.png"
        pictures[s.index] = SlidePicture(s.index, path, where, share)
    assert len(pictures) >= 2
    text = pipeline.place_pictures(deck, pictures)
    placed = pipeline.parse(Deck.from_text(text))
    assert [(s.text, s.status) for s in placed.slides] == [(s.text, s.status) for s in deck.slides]
    for slide in placed.slides:
        if slide.index in pictures:
            assert slide.picture is not None
            want = pictures[slide.index]
            assert (slide.picture.path, slide.picture.slot) == (want.path, want.slot)
            placement = pipeline.placement(placed, slide)
            assert placement is not None and placement.picture is None  # ours, not the author's
    assert pipeline.place_pictures(placed, pictures) == text
    assert pipeline.strip(placed) == pipeline.strip(deck)
    if "image-prompt" not in original:
        assert pipeline.strip(placed) == original
    return deck, text


def _formatted(fmt: str, mode: str = "comment") -> Pipeline:
    return Pipeline(Settings(format=fmt, mode=mode), get_plugin_manager(load_entrypoints=False))


@pytest.mark.parametrize("name", MARP_VARIANTS)
@pytest.mark.parametrize("slot", ["background", "right", "left"])
def test_marp_pictures_read_back_and_strip_exactly(name: str, slot: str) -> None:
    _, text = _round_trip(_formatted("marp"), MARP_VARIANTS[name], slot, 0.35)
    if slot != "background":
        assert f"![bg {slot}:35%](slide-images/" in text


REVEAL_VARIANTS = {
    ("revealjs", "plain"): "# Harbour\n\nBoats.\n\n---\n\n  # Market\n\n  Fish\n---\n\n# End",
    ("revealjs", "crlf"): "# A\r\n\r\ntext\r\n\r\n---\r\n\r\n# B\r\n",
    ("reveal-md", "front matter"): "---\ntitle: T\n---\n\n# A\n\ntext\n\n---\n\n# B\n\nNote: n\n",
    ("mkslides", "vertical"): "# A\n\ntext\n\n--\n\n# A2\n\n---\n\n# B\n",
    ("slides-extended", "plain"): "---\ntheme: black\n---\n# A\ntext\n\n---\n# B\n",
    ("revealjs", "blank after the marker"): (
        "<!-- image-prompt src=00000000 sum=00000000 | x -->\n\n# A\n\n---\n\n# B\n"
    ),
}


@pytest.mark.parametrize("case", REVEAL_VARIANTS, ids="-".join)
@pytest.mark.parametrize("mode", ["comment", "reference"])
def test_reveal_pictures_read_back_and_strip_exactly(case: tuple[str, str], mode: str) -> None:
    deck, text = _round_trip(_formatted(case[0], mode), REVEAL_VARIANTS[case])
    count = sum(s.marker is not None for s in deck.slides)
    assert text.count('<!-- .slide: data-background-image="slide-images/') == count


DECKSET_VARIANTS = {
    "plain": "# Harbour\n\nBoats.\n\n---\n\n# Market\n\nFish\n",
    "global commands": "footer: Me\nslidenumbers: true\n\n# A\n\ntext\n\n---\n\n# B",
    "crlf": "# A\r\n\r\ntext\r\n\r\n---\r\n\r\n# B\r\n",
}


@pytest.mark.parametrize("name", DECKSET_VARIANTS)
@pytest.mark.parametrize("slot", ["background", "right", "left"])
def test_deckset_pictures_read_back_and_strip_exactly(name: str, slot: str) -> None:
    pipeline = _formatted("deckset")
    deck, text = _round_trip(pipeline, DECKSET_VARIANTS[name], slot, 0.5)
    side = "" if slot == "background" else slot
    assert text.count(f"![{side}](slide-images/") == len(deck.slides)
    assert {pipeline.placement(deck, s).panel for s in deck.slides} == {0.5}  # type: ignore[union-attr]


REMARK_VARIANTS = {
    "plain": "# A\n\ntext\n\n---\n\n# B\n\nmore\n",
    "properties": "class: center, middle\nname: intro\n\n# A\n\n---\nclass: left\n# B\n",
    "continued": "# A\n\none\n\n--\n\ntwo\n\n---\n\n# B\n\n???\nnotes\n",
    "crlf": "# A\r\n\r\ntext\r\n---\r\n# B",
    "content class": "# A\n.left[\nleft\n]\n\n---\n\n.right[# B]\n",
}


@pytest.mark.parametrize("name", REMARK_VARIANTS)
def test_remark_pictures_read_back_and_strip_exactly(name: str) -> None:
    deck, text = _round_trip(_formatted("remark"), REMARK_VARIANTS[name])
    count = sum(s.marker is not None for s in deck.slides)
    assert text.count("<!-- background-image: url(slide-images/") == count


PANDOC_VARIANTS = {
    ("quarto", "attributes"): (
        "---\ntitle: T\nformat: revealjs\n---\n\n## One\n\ntext\n\n## Two {.center}\n\n"
        'more\n\n## Three ##\n\nx\n\n## Four {#four .c data-x="1"}\n\ny\n'
    ),
    ("quarto", "crlf, blanks, a rule"): (
        "---\r\nformat: revealjs\r\n---\r\n\r\n## One   \r\n\r\ntext\r\n\r\n---\r\n\r\n"
        "no heading\r\n\r\n## Two\r\n\r\nlast"
    ),
    ("pandoc", "level 1"): "# A\n\ntext\n\n# B {#b .c}\n\nmore\n",
    ("pandoc", "setext"): "A\n=\n\ntext\n\nB {.c}\n=\n\nmore\n",
    ("pandoc", "inline markers"): "# Part\n\n## A\n\ntext\n\n## B {.c}\n\nmore\n",
}


@pytest.mark.parametrize("case", PANDOC_VARIANTS, ids="-".join)
def test_pandoc_pictures_read_back_and_strip_exactly(case: tuple[str, str]) -> None:
    deck, text = _round_trip(_formatted(case[0]), PANDOC_VARIANTS[case])
    pictured = [
        s for s in deck.slides if "background-image=" in text.splitlines()[s.start_line - 1]
    ]
    assert len(pictured) >= 2


SLIDEV_VARIANTS = {
    "no headmatter": (
        "# Cover\n\nsub\n\n---\n\n# Two\n\ntext\n\n---\nlayout: image-left\n---\n\n# 3\n"
    ),
    "headmatter": "---\ntheme: seriph\n---\n\n# Cover\n\n---\nclass: x\n---\n\n# Two\n\ntext\n",
    "crlf": "# Cover\r\n\r\n---\r\n\r\n# Two\r\n\r\ntext",
    "centred": "# Cover\n\n---\nlayout: center\n---\n\n# Mid\n\n---\n\n# Three\n",
}


@pytest.mark.parametrize("name", SLIDEV_VARIANTS)
@pytest.mark.parametrize("mode", ["comment", "frontmatter"])
@pytest.mark.parametrize("slot", ["right", "left"])
def test_slidev_pictures_read_back_and_strip_exactly(name: str, mode: str, slot: str) -> None:
    _, text = _round_trip(_formatted("slidev", mode), SLIDEV_VARIANTS[name], slot, 0.5)
    assert text.count(" # image-prompt") >= 3


def test_pandoc_places_no_picture_where_the_output_shows_none() -> None:
    from mdslides_prompts.illustrate import choose_slot

    pipeline = _formatted("pandoc")
    deck = _prompted(pipeline, "---\noutput: beamer_presentation\n---\n\n# A\n\ntext\n")
    [slide] = deck.slides
    place = pipeline.placement(deck, slide)
    assert place is not None and place.offers == ()
    assert choose_slot(place, slide, "auto") == "beamer output shows no slide backgrounds"


def test_remark_places_no_picture_on_a_slide_others_take_as_template() -> None:
    from mdslides_prompts.illustrate import choose_slot

    pipeline = Pipeline(Settings(format="remark"), get_plugin_manager(load_entrypoints=False))
    text = "name: base\nclass: dark\n\n# A\n\n---\ntemplate: base\n\n# B\n"
    deck = _prompted(pipeline, text)
    first, second = deck.slides
    place = pipeline.placement(deck, first)
    assert place is not None and place.offers == ()
    assert choose_slot(place, first, "auto") == (
        "other slides take it as their template (base): they would show it too"
    )
    place = pipeline.placement(deck, second)
    assert place is not None and place.offers == (Slot.BACKGROUND,)


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("deckset", "slide-dividers: #\n\n# A\n\ntext\n\n# B\n\nmore\n"),
    ],
)
def test_a_picture_that_would_split_a_slide_is_refused(fmt: str, text: str) -> None:
    # When Deckset's headings divide the slides, the marker sits before the heading,
    # where a picture would be content that starts a slide of its own: the check refuses
    # it. (Marp's picture goes after the heading instead.)
    pipeline = Pipeline(Settings(format=fmt), get_plugin_manager(load_entrypoints=False))
    deck = _prompted(pipeline, text)
    with pytest.raises(PluginError, match="would change the deck's slides"):
        pipeline.place_pictures(deck, {1: SlidePicture(1, f"slide-images/{NAME}.png")})


def test_a_new_picture_replaces_the_one_placed_and_a_path_is_encoded() -> None:
    pipeline = _pipeline()
    deck = _prompted(pipeline, MARP)
    first = pipeline.place_pictures(deck, {1: SlidePicture(1, f"slide-images/{NAME}.png")})
    deck = pipeline.parse(Deck.from_text(first))
    path = f"my pictures (2)/{NAME[:-1]}f.webp"
    second = pipeline.place_pictures(deck, {1: SlidePicture(1, path, "right", 0.4)})
    assert f"{NAME}.png" not in second
    assert "![bg right:40%](my%20pictures%20%282%29/" in second
    again = pipeline.parse(Deck.from_text(second))
    assert again.slides[0].picture is not None and again.slides[0].picture.path == path
    assert pipeline.strip(again) == MARP


def test_the_authors_own_background_is_not_ours() -> None:
    pipeline = _pipeline()
    # The same syntax, but not right after a marker: the author's picture.
    text = "---\nmarp: true\n---\n\n# A\n\n![bg](slide-images/" + NAME + ".png)\n\ntext\n"
    deck = pipeline.parse(Deck.from_text(text))
    assert deck.slides[0].picture is None
    placement = pipeline.placement(deck, deck.slides[0])
    assert placement is not None and placement.picture == f"slide-images/{NAME}.png"


def test_a_slide_without_a_marker_line_takes_no_picture() -> None:
    pipeline = _pipeline()
    deck = pipeline.parse(Deck.from_text(MARP))
    with pytest.raises(PluginError, match="no marker line"):
        pipeline.place_pictures(deck, {1: SlidePicture(1, f"slide-images/{NAME}.png")})


def test_choose_slot_follows_the_setting_the_slide_and_the_format() -> None:
    from mdslides_prompts.illustrate import choose_slot, picture_size

    pipeline = _pipeline()
    deck = _prompted(pipeline, MARP)
    text_slide, title_slide = deck.slides
    place = pipeline.placement(deck, text_slide)
    assert place is not None
    assert choose_slot(place, text_slide, "auto") == (Slot.RIGHT, 0.4)
    assert choose_slot(place, title_slide, "auto") == (Slot.BACKGROUND, 1.0)
    assert choose_slot(place, text_slide, "left") == (Slot.LEFT, 0.4)
    assert choose_slot(place, text_slide, "none") == "placement is none"
    assert choose_slot(Placement(), text_slide, "auto") == "its format places no pictures yet"
    assert choose_slot(Placement(Slot.NONE), text_slide, "auto") == "its format shows no pictures"
    # Sizes by shape: a 40% panel of a 16:9 slide is tall, half of it square, all of it wide.
    assert picture_size(place, Slot.RIGHT, 0.4) == "1024x1792"
    assert picture_size(place, Slot.RIGHT, 0.5) == "1024x1024"
    assert picture_size(place, Slot.BACKGROUND, 1.0) == "1792x1024"


# --- the command ------------------------------------------------------------------------------


def _deck(tmp_path: Path, text: str = MARP) -> Path:
    path = tmp_path / "talk" / "deck.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def _pictures(deck: Path) -> list[Path]:
    folder = deck.parent / "slide-images"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_images_offline_makes_places_reuses_and_strip_restores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = _deck(tmp_path)
    assert cli(capsys, "run", deck)[0] == 0
    prompted = deck.read_bytes()
    code, _, err = cli(capsys, "images", deck, "--dry-run")
    assert code == 0, err
    assert "2 pictures to ask for (1 at 1024x1792, 1 at 1792x1024)" in err
    assert deck.read_bytes() == prompted and not _pictures(deck)  # a dry run writes nothing

    code, _, err = cli(capsys, "images", deck)
    assert code == 0, err
    assert "2 pictures made" in err
    files = _pictures(deck)
    assert [f.suffix for f in files] == [".png", ".png"]
    assert all(f.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for f in files)
    text = deck.read_text(encoding="utf-8")
    assert f"![bg right:40%](slide-images/{files[0].name})" in text or (
        f"![bg right:40%](slide-images/{files[1].name})" in text
    )
    placed = deck.read_bytes()
    stamps = [f.stat().st_mtime_ns for f in files]

    code, _, err = cli(capsys, "images", deck)  # everything in place: nothing asked, written
    assert code == 0 and "0 pictures made; 2 in place already" in err
    assert deck.read_bytes() == placed and [f.stat().st_mtime_ns for f in files] == stamps

    assert cli(capsys, "check", deck)[0] == 0  # our pictures leave every prompt fresh
    code, out, _ = cli(capsys, "inspect", deck, "--json")
    shown = [s["placed"] for s in json.loads(out)["slides"]]
    assert [p["slot"] for p in shown] == ["right", "background"]
    assert sorted(f"slide-images/{f.name}" for f in files) == sorted(p["path"] for p in shown)
    assert cli(capsys, "strip", deck)[0] == 0
    assert deck.read_bytes() == MARP.encode("utf-8")

    # Placed again from the store: the same pictures, no new file.
    assert cli(capsys, "run", deck)[0] == 0
    code, _, err = cli(capsys, "images", deck)
    assert code == 0 and "0 pictures made; 2 from the image store" in err
    assert deck.read_bytes() == placed and _pictures(deck) == files


def test_images_wait_for_prompts_and_refresh_replaces_outdated_pictures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = _deck(tmp_path)
    code, _, err = cli(capsys, "images", deck)
    assert code == 0 and "2 without a current prompt (run first)" in err
    assert deck.read_bytes() == MARP.encode("utf-8")

    assert cli(capsys, "run", deck)[0] == 0
    assert cli(capsys, "images", deck)[0] == 0
    # The slide changes: its prompt goes stale, then the run makes a new one.
    text = deck.read_text(encoding="utf-8").replace("down the valley", "into the fjord")
    deck.write_text(text, encoding="utf-8")
    code, _, err = cli(capsys, "images", deck)
    assert code == 0 and "1 without a current prompt (run first)" in err
    assert cli(capsys, "run", deck)[0] == 0
    before = deck.read_bytes()
    code, _, err = cli(capsys, "images", deck)
    assert code == 0 and "1 placed for an earlier prompt (--refresh replaces them)" in err
    assert deck.read_bytes() == before
    code, _, err = cli(capsys, "images", deck, "--refresh")
    assert code == 0 and "1 picture made" in err
    assert len(_pictures(deck)) == 3  # the old picture stays in the store
    assert cli(capsys, "check", deck)[0] == 0
    assert cli(capsys, "strip", deck)[0] == 0
    assert deck.read_text(encoding="utf-8") == MARP.replace("down the valley", "into the fjord")


def test_images_placement_option_and_json_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = _deck(tmp_path)
    assert cli(capsys, "run", deck)[0] == 0
    code, out, err = cli(capsys, "images", deck, "--placement", "left", "--json")
    assert code == 0, err
    report = json.loads(out)
    slides = report[0]["slides"]
    assert [(s["action"], s["slot"], s["size"]) for s in slides] == [
        ("made", "left", "1024x1792"), ("made", "left", "1024x1792"),
    ]  # fmt: skip
    assert deck.read_text(encoding="utf-8").count("![bg left:40%](slide-images/") == 2
    code, out, _ = cli(capsys, "images", deck, "--placement", "none", "--json")
    assert {s["reason"] for s in json.loads(out)[0]["slides"]} == {"placement is none"}


def test_images_skip_a_slide_whose_picture_the_author_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "talk").mkdir()
    (tmp_path / "talk" / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    text = "---\nmarp: true\n---\n\n# A\n\n![bg left](photo.jpg)\n\ntext\n\n---\n\n# B\n\nmore\n"
    deck = _deck(tmp_path, text)
    assert cli(capsys, "run", deck, "--include-illustrated")[0] == 0
    code, out, _ = cli(capsys, "images", deck, "--json")
    assert code == 0
    slides = json.loads(out)[0]["slides"]
    assert slides[0]["action"] == "skipped" and slides[0]["reason"].startswith("illustrated")
    assert slides[1]["action"] == "made"


def test_a_format_that_shows_no_pictures_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "# A\n\ntext\n\n---\n\n# B\n\nmore\n"
    deck = _deck(tmp_path, text)
    assert cli(capsys, "run", deck, "--format", "lookatme")[0] == 0
    before = deck.read_bytes()
    code, out, _ = cli(capsys, "images", deck, "--format", "lookatme", "--json")
    assert code == 0
    reasons = {s["reason"] for s in json.loads(out)[0]["slides"]}
    assert reasons == {"its format shows no pictures"}
    assert deck.read_bytes() == before and not _pictures(deck)


def test_images_refuses_standard_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "images", "-")
    assert code == 2 and "give a file" in err


def test_run_images_writes_prompts_then_pictures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = _deck(tmp_path)
    code, out, err = cli(capsys, "run", deck, "--images", "--json")
    assert code == 0, err
    assert "2 pictures made" in err
    assert [s["action"] for s in json.loads(out)["pictures"][0]["slides"]] == ["made", "made"]
    assert len(_pictures(deck)) == 2
    assert cli(capsys, "check", deck)[0] == 0
    code, _, err = cli(capsys, "run", deck, "--images", "--stdout")
    assert code == 2 and "--images" in err
    code, _, err = cli(capsys, "run", deck, "--refresh")
    assert code == 2 and "add --images" in err


# --- the hook, as a third-party format implements it -------------------------------------------


class PlusWithPictures(Plus):
    """Plus decks whose pictures go on a ``%% picture URL`` line after the marker."""

    def split(self, deck: Deck, settings: Settings) -> Deck:
        split = Plus.split(self, deck, settings)
        lines = split_lines(deck.text)
        slides = []
        for slide in split.slides:
            picture = picture_after(lines, slide.marker, _plus_picture)
            if picture is not None:
                text = slide.text.replace(lines[picture.line - 1], "", 1)
                slide = replace(slide, text=text, picture=picture)
            slides.append(slide)
        return replace(split, slides=tuple(slides))

    def inject_pictures(
        self, deck: Deck, pictures: Mapping[int, SlidePicture], settings: Settings
    ) -> str:
        return place_pictures(deck, pictures, _plus_line, closed=False).apply(deck)

    def placement(self, deck: Deck, slide: Slide, settings: Settings) -> Placement:
        return Placement(offers=(Slot.BACKGROUND,))


class PlusMisplaced(PlusWithPictures):
    """A broken plugin: it writes the picture line where its split does not read it."""

    def inject_pictures(
        self, deck: Deck, pictures: Mapping[int, SlidePicture], settings: Settings
    ) -> str:
        return deck.text.replace("Boats.", "Boats.\n" + _plus_line(pictures[1]))


def _plus_picture(line: str) -> tuple[str, str] | None:
    return (line.removeprefix("%% picture "), "background") if line.startswith("%% pic") else None


def _plus_line(picture: SlidePicture) -> str:
    return f"%% picture {picture_url(picture.path)}"


@pytest.mark.parametrize("plugin", [PlusWithPictures, PlusMisplaced])
def test_a_third_party_format_places_pictures_through_the_hook(plugin: type[Plus]) -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(plugin(), name="plus")
    pipeline = Pipeline(Settings(), pm)
    deck = _prompted(pipeline, DECK)
    pictures = {1: SlidePicture(1, f"pics/{NAME}.png")}
    if plugin is PlusMisplaced:
        with pytest.raises(PluginError, match="plugin output refused"):
            pipeline.place_pictures(deck, pictures)
        return
    text = pipeline.place_pictures(deck, pictures)
    assert f"%% picture pics/{NAME}.png\n" in text
    placed = pipeline.parse(Deck.from_text(text))
    assert placed.slides[0].picture is not None
    assert [s.status for s in placed.slides] == [s.status for s in deck.slides]
    assert pipeline.strip(placed) == DECK


def test_the_readme_quick_start_gives_the_example_decks_pictures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import re

    from .conftest import ROOT, pristine_example

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start\n.*?```sh\n(.*?)```", readme, re.S)
    assert block is not None
    commands = [line.split("#")[0].split()[3:] for line in block.group(1).splitlines()]
    assert commands == [["run", "example-deck/", "--images", "--sheet"]]  # one command
    talk = pristine_example(tmp_path / "example-deck")
    for command in commands:
        args = [str(tmp_path / a) if a.startswith("example-deck") else a for a in command]
        code, _, err = cli(capsys, *args)
        assert code == 0, err
    pictured = [line for line in talk.read_text(encoding="utf-8").splitlines()
                if line.startswith("![bg") and "slide-images/" in line]  # fmt: skip
    assert len(pictured) >= 3
    for line in pictured:
        name = line.split("](")[1].rstrip(")")
        assert (talk.parent / name).read_bytes().startswith(b"\x89PNG")
    assert cli(capsys, "check", talk.parent)[0] == 0
    sheet = talk.with_name("talk.sheet.html").read_text(encoding="utf-8")
    assert sheet.count("<article ") == len(pictured) + sheet.count("no picture</div>")


# --- the real image provider against a loopback images endpoint ------------------------------


def _served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("INFOMANIAK_API_TOKEN", "tok-S3CRET-77aa")
    monkeypatch.setenv("INFOMANIAK_PRODUCT_ID", "105432")
    monkeypatch.setenv("INFOMANIAK_BASE_URL", url)
    monkeypatch.setenv("MDSLIDES_PROMPTS_IMAGE_RPM", "0")
    monkeypatch.setenv("MDSLIDES_PROMPTS_RETRY_BACKOFF", "0.002")


def test_images_from_infomaniaks_images_route_with_a_retry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64

    from .http_server import Reply, queue, serve

    deck = _deck(tmp_path)
    assert cli(capsys, "run", deck)[0] == 0  # offline prompts: no credentials yet
    served = [b"\x89PNG\r\n\x1a\n" + bytes([n]) * 30 for n in (1, 2)]
    answers = [
        Reply(body={"data": [{"b64_json": base64.b64encode(d).decode()}], "created": 1})
        for d in served
    ]
    busy = Reply(status=429, body={"result": "error"}, headers={"Retry-After": "0"})
    with serve(queue(busy, *answers)) as server:
        _served(tmp_path, monkeypatch, server.url)
        code, out, err = cli(capsys, "images", deck, "--concurrency", "1")
        posts = list(server.requests)
    assert code == 0, err
    assert "2 pictures made" in err and "S3CRET" not in err + out
    assert len(posts) == 3  # one 429, then one picture per slide
    assert {p.path for p in posts} == {"/1/ai/105432/openai/images/generations"}
    assert posts[0].headers["authorization"] == "Bearer tok-S3CRET-77aa"
    bodies = [p.json for p in posts[1:]]
    prompts = [line.split(" | ", 1)[1].removesuffix(" -->") for line in
               deck.read_text(encoding="utf-8").splitlines() if "image-prompt" in line]  # fmt: skip
    assert [b["prompt"] for b in bodies] == prompts
    assert {(b["model"], b["response_format"], b["n"]) for b in bodies} == {("flux", "b64_json", 1)}
    assert sorted(b["size"] for b in bodies) == ["1024x1792", "1792x1024"]
    assert sorted(f.read_bytes() for f in _pictures(deck)) == sorted(served)


def test_images_stop_at_a_rejected_token_and_leave_the_deck(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from .http_server import Reply, infomaniak_error, queue, serve

    deck = _deck(tmp_path)
    assert cli(capsys, "run", deck)[0] == 0
    before = deck.read_bytes()
    denied = Reply(status=401, body=infomaniak_error("not_authorized", "Token invalid"))
    with serve(queue(denied, then=denied)) as server:
        _served(tmp_path, monkeypatch, server.url)
        code, out, err = cli(capsys, "images", deck, "--concurrency", "1")
        sent = len(server.requests)
    assert code == 1
    assert sent == 1  # the other slide's request is never sent
    assert "2 failed" in err and "S3CRET" not in err + out
    assert deck.read_bytes() == before and not _pictures(deck)


def test_dry_run_estimates_the_spend_and_max_images_stops_a_large_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = _deck(tmp_path)
    assert cli(capsys, "run", deck)[0] == 0
    before = deck.read_bytes()
    code, _, err = cli(capsys, "images", deck, "--dry-run")
    assert code == 0
    assert "2 pictures to ask for (set image-price to estimate the spend)" in err
    monkeypatch.setenv("MDSLIDES_PROMPTS_IMAGE_PRICE", "0.04")
    code, _, err = cli(capsys, "images", deck, "--dry-run")
    assert code == 0 and "2 pictures to ask for; estimated spend 0.08" in err

    code, _, err = cli(capsys, "images", deck, "--max-images", "1")
    assert code == 2
    assert (
        err.strip()
        .splitlines()[-1]
        .endswith(
            "2 pictures to ask for, more than max-images (1); estimated spend 2 x 0.04 = 0.08: "
            "check with --dry-run, then raise --max-images"
        )
    )
    assert deck.read_bytes() == before and not _pictures(deck)  # nothing asked, nothing written
    assert cli(capsys, "images", deck, "--max-images", "2")[0] == 0
    assert len(_pictures(deck)) == 2


def test_the_markers_placement_flags_choose_the_slot_and_survive_a_new_prompt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = _deck(tmp_path)
    assert cli(capsys, "run", deck)[0] == 0
    first, second = [line for line in deck.read_text(encoding="utf-8").splitlines()
                     if "image-prompt" in line]  # fmt: skip
    text = deck.read_text(encoding="utf-8")
    text = text.replace(first, first.replace("image-prompt ", "image-prompt left ", 1))
    text = text.replace(second, second.replace("image-prompt ", "image-prompt no-picture ", 1))
    deck.write_text(text, encoding="utf-8")
    code, out, _ = cli(capsys, "images", deck, "--json")
    assert code == 0
    slides = json.loads(out)[0]["slides"]
    assert (slides[0]["action"], slides[0]["slot"]) == ("made", "left")
    assert (slides[1]["action"], slides[1]["reason"]) == ("skipped", "its marker says no-picture")
    assert "![bg left:40%](slide-images/" in deck.read_text(encoding="utf-8")

    # The slide changes: its new prompt keeps the author's flag, and so does strip.
    text = deck.read_text(encoding="utf-8").replace("down the valley", "to the sea")
    deck.write_text(text, encoding="utf-8")
    assert cli(capsys, "run", deck)[0] == 0
    lines = [line for line in deck.read_text(encoding="utf-8").splitlines()
             if "image-prompt" in line]  # fmt: skip
    assert lines[0].startswith("<!-- image-prompt left src=") and lines[0] != first
    assert lines[1].startswith("<!-- image-prompt no-picture src=")
    code, out, _ = cli(capsys, "images", deck, "--refresh", "--json")
    assert [s["action"] for s in json.loads(out)[0]["slides"]] == ["made", "skipped"]
    assert cli(capsys, "strip", deck)[0] == 0
    kept = deck.read_text(encoding="utf-8")
    assert kept.count("image-prompt left") == 1 and "slide-images/" in kept  # the author's


def test_check_images_fails_on_slides_without_a_current_picture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = _deck(tmp_path)
    assert cli(capsys, "run", deck)[0] == 0
    code, out, err = cli(capsys, "check", deck, "--images")
    assert code == 1
    lines = deck.read_text(encoding="utf-8").splitlines()
    at = [n for n, line in enumerate(lines, 1) if line.startswith("<!-- image-prompt")]
    assert out.splitlines() == [
        f"{deck}:{at[0]}: slide 1: picture-missing: no picture yet (run: mdslides-prompts images)",
        f"{deck}:{at[1]}: slide 2: picture-missing: no picture yet (run: mdslides-prompts images)",
    ]
    assert "2 slides without a current picture" in err
    assert cli(capsys, "check", deck)[0] == 0  # without --images, prompts only
    assert cli(capsys, "images", deck)[0] == 0
    code, _, err = cli(capsys, "check", deck, "--images")
    assert code == 0 and "every picture in place" in err

    text = deck.read_text(encoding="utf-8").replace("down the valley", "to the sea")
    deck.write_text(text, encoding="utf-8")
    assert cli(capsys, "run", deck)[0] == 0
    code, out, _ = cli(capsys, "check", deck, "--images", "--json")
    assert code == 1
    [row] = json.loads(out)["pictures"]
    assert (row["index"], row["kind"]) == (1, "picture-outdated")
    for picture in _pictures(deck):
        picture.unlink()  # the files gone: their slides need them again
    code, out, _ = cli(capsys, "check", deck, "--images", "--json")
    kinds = sorted(r["message"] for r in json.loads(out)["pictures"])
    assert kinds == [
        "its picture file is missing",
        "placed for an earlier prompt; --refresh replaces it",
    ]


def test_a_read_only_deck_keeps_its_bytes_and_says_so_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = _deck(tmp_path)
    assert cli(capsys, "run", deck)[0] == 0
    before = deck.read_bytes()
    deck.chmod(0o444)
    try:
        code, _, err = cli(capsys, "images", deck)
    finally:
        deck.chmod(0o644)
    assert code == 1 and deck.read_bytes() == before
    assert f"{deck}: error: read-only, not written" in err.splitlines()
    assert len(_pictures(deck)) == 2  # made and stored: the next run places them
    code, _, err = cli(capsys, "images", deck)
    assert code == 0 and "0 pictures made; 2 from the image store" in err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--image-provider", "nope"], "unknown image provider 'nope'; choose from infomaniak, "
         "offline, openai"),
        (["--placement", "sideways"], "Invalid value for '--placement'"),
        (["--max-images", "-1"], "Invalid value for '--max-images'"),
    ],
)  # fmt: skip
def test_bad_picture_options_are_one_line_and_touch_nothing(
    args: list[str], said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = _deck(tmp_path)
    assert cli(capsys, "run", deck)[0] == 0
    before = deck.read_bytes()
    code, _, err = cli(capsys, "images", deck, *args)
    assert code == 2 and len(err.strip().splitlines()) == 1 and said in err, err
    assert deck.read_bytes() == before and not _pictures(deck)
