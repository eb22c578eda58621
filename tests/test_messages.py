"""What the messages say, word for word: places in files stay places (no emoji), the deck's
own text is shown as written (no markup), counts agree with their nouns, sizes read in
units, ``-v`` goes in slide order, the progress moves with the work, ``cache clear`` asks
first, and ``check --output-format github`` writes workflow annotations."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
import re

import pytest

from mdslides_prompts.config import Settings
from mdslides_prompts.hookspecs import hookimpl
from mdslides_prompts.pipeline import Action, Pipeline
from mdslides_prompts.plugins import get_plugin_manager
from mdslides_prompts.wording import human_size, plural

from .cli_tools import cli, cli_json, openai_server, terminal
from .http_server import Recorded, Reply, asks_art, chat, slide_of

ART = "flat vector illustration, navy and white palette, soft light, calm mood"
"""The deck's art direction, as the local servers answer it."""


def marp(*slides: str) -> str:
    """A Marp deck of *slides*."""
    return "---\nmarp: true\n---\n\n" + "\n---\n\n".join(slides)


def test_a_place_in_a_file_is_not_an_emoji_shortcode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    filler = "\n".join(f"- point {n}" for n in range(91))
    broken = "# Results :smile:\n\n<!-- image-prompt src=1 sum=2 | broken -->\n"
    deck = tmp_path / "deck.md"
    deck.write_text(marp(f"# Intro\n\n{filler}\n", broken), encoding="utf-8")
    code, _, err = cli(capsys, "run", deck)
    assert code == 1
    assert f"{deck}:100: slide 2 failed:" in err, err
    assert "💯" not in err and "😄" not in err


def test_inspect_shows_brackets_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = tmp_path / "[b]deck.md"
    deck.write_text(marp("# The [red] team :100:\n", "# [bold]Two[/bold]\n"), encoding="utf-8")
    code, out, _ = cli(capsys, "inspect", deck)
    assert code == 0
    assert "The [red] team :100:" in out and "[bold]Two[/bold]" in out
    assert "[b]deck.md (marp," in out  # the table's title wraps where the table width says


def test_counts_agree_with_their_nouns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = tmp_path / "one.md"
    deck.write_text(marp("# Only\n\nOne slide.\n"), encoding="utf-8")
    code, _, err = cli(capsys, "check", deck)
    assert code == 1 and "1 deck, 1 slide: 1 slide needs a prompt" in err, err
    code, _, err = cli(capsys, "run", deck, "--dry-run", "--style", "pencil sketch")
    assert code == 0 and "dry run: 1 request; about" in err, err
    code, _, err = cli(capsys, "run", deck, "--dry-run")  # and the deck's art direction
    assert code == 0 and "dry run: 2 requests; about" in err, err
    with openai_server(monkeypatch) as (_, provider):
        # The style is the deck's art direction: one request, for the slide.
        code, _, err = cli(capsys, "run", deck, *provider, "-v", "--style", "pencil sketch")
        assert code == 0, err
        assert f"{deck}: 1 slide (1 generated); written to" in err
        assert re.search(r"slide 1 'Only' generated in \d+\.\d\d s \(1 request; ", err), err
        assert "1 slide in 1 deck: 1 generated; 0 cache hits, 1 request, " in err
        code, out, _ = cli(capsys, "cache", "stats")
        assert code == 0 and "entries  1 answer for 1 deck\n" in out
        # Without one, the deck's art direction is asked for with its one slide.
        code, _, art_err = cli(capsys, "run", deck, *provider, "-v", "--force")
    assert code == 0, art_err
    detail = r"\(1 request \+ 1 for the art direction; 20 prompt \+ 10 completion tokens\)"
    assert re.search(rf"slide 1 'Only' generated in \d+\.\d\d s {detail}", art_err), art_err
    total = "1 slide in 1 deck: 1 generated; 0 cache hits, 2 requests (1 for art direction), "
    assert total in art_err, art_err
    for text in (err, art_err, out):
        assert "(s)" not in text and not re.search(r"\b1 (slides|decks|requests|answers)\b", text)
    assert (plural(1, "slide"), plural(0, "slide"), plural(2, "entry", "entries")) == (
        "1 slide", "0 slides", "2 entries"
    )  # fmt: skip


def test_strip_to_stdout_says_where_the_result_went(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = tmp_path / "deck.md"
    deck.write_text(marp("# One\n", "# Two\n"), encoding="utf-8")
    assert cli(capsys, "run", deck)[0] == 0
    code, out, err = cli(capsys, "strip", deck, "--stdout")
    assert code == 0 and "image-prompt" not in out
    assert err == f"{deck}: 2 prompt markers removed; printed to stdout\n"
    deck.write_text(out, encoding="utf-8")
    code, _, err = cli(capsys, "strip", deck)
    assert err == f"{deck}: no prompt markers to remove; unchanged\n"
    code, out, err = cli(capsys, "run", "--provider", "offline", "--stdout", deck)
    assert code == 0 and out.count("image-prompt") == 2
    assert f"{deck}: 2 slides (2 cached); printed to stdout\n" in err


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (1536, "1.5 KiB"),
        (20636 * 1024, "20.2 MiB"), (150 * 1024**2, "150 MiB"), (3 * 1024**3, "3.0 GiB"),
    ],
)  # fmt: skip
def test_sizes_in_human_units(size: int, shown: str) -> None:
    assert human_size(size) == shown


def test_cache_stats_shows_the_size_in_human_units(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = tmp_path / "deck.md"
    deck.write_text(marp(*(f"# Slide {n}\n\n- a point\n" for n in range(150))))
    assert cli(capsys, "run", deck)[0] == 0
    size = cli_json(capsys, "cache", "stats")["bytes"]
    assert 100 * 1024 <= size < 1024 * 1024  # three digits of KiB: no decimal
    code, out, _ = cli(capsys, "cache", "stats")
    assert code == 0 and f"size     {human_size(size)}\n" in out
    assert re.search(r"^size     \d{3} KiB$", out, re.M), out


def test_verbose_lists_slides_in_slide_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = tmp_path / "deck.md"
    deck.write_text(marp(*(f"# Slide {n}\n" for n in range(1, 7))), encoding="utf-8")

    def script(request: Recorded) -> Reply:  # the first slides answer last
        if asks_art(request):
            return chat(ART)
        number = int(slide_of(request).split()[-1])
        return replace(chat(f"Picture of {number}"), delay=0.1 * (7 - number))

    with openai_server(monkeypatch) as (server, provider):
        server.script = script
        code, _, err = cli(capsys, "run", deck, *provider, "-v", "--concurrency", "6")
    assert code == 0, err
    listed = [int(n) for n in re.findall(r": slide (\d+) 'Slide \d' generated", err)]
    assert listed == [1, 2, 3, 4, 5, 6], err
    assert err.index("slide 6 'Slide 6'") < err.index(f"{deck}: 6 slides (6 generated)")


class Timeline:
    """Plugin that notes, in order, each request built and each slide done."""

    def __init__(self) -> None:
        self.events: list[str] = []

    @hookimpl(wrapper=True)
    def mdslides_build_messages(self, deck: object, slide: object, settings: object) -> object:
        self.events.append("built")
        return (yield)

    @hookimpl
    def mdslides_on_slide_done(self) -> None:
        self.events.append("done")


def test_slides_are_done_as_the_run_goes_not_all_at_the_end(tmp_path: Path) -> None:
    deck_path = tmp_path / "big.md"
    deck_path.write_text(marp(*(f"# Slide {n}\n\n- a point\n" for n in range(300))))
    pm = get_plugin_manager(load_entrypoints=False)
    timeline = Timeline()
    pm.register(timeline)
    pipeline = Pipeline(Settings(provider="offline", cache_dir=tmp_path / "cache"), pm)
    [report] = pipeline.run([pipeline.load(deck_path)])
    assert report.count(Action.GENERATED) == 300
    events = timeline.events
    assert events.count("built") == 300 and events.count("done") == 300
    # The first slide is done long before the last request is built: a bar moves.
    assert events.index("done") < 50, events[:60]


def test_progress_shows_reading_slides_and_writing(tmp_path: Path) -> None:
    deck = tmp_path / "talk [red].md"
    deck.write_text(marp(*(f"# Slide {n}\n" for n in range(40))), encoding="utf-8")
    env = {"MDSLIDES_PROMPTS_CACHE_DIR": str(tmp_path / "cache")}
    code, drawn = terminal("run", deck, env=env)
    assert code == 0, drawn
    text = drawn.decode()
    reading, writing = text.find("reading talk [red].md"), text.find("writing talk [red].md")
    assert 0 <= reading < writing, text
    assert "40/40" in text[writing:]


def test_cache_clear_asks_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    deck = tmp_path / "deck.md"
    deck.write_text(marp("# One\n", "# Two\n"), encoding="utf-8")
    env = {"MDSLIDES_PROMPTS_CACHE_DIR": str(cache)}
    assert cli(capsys, "run", deck, "--cache-dir", cache)[0] == 0

    def entries() -> int:
        return int(cli_json(capsys, "cache", "stats", "--cache-dir", cache)["entries"])

    assert entries() == 3  # the two slides' prompts and the deck's art direction
    code, out, err = cli(capsys, "cache", "clear", "--cache-dir", cache)  # stdin: no terminal
    assert (code, out) == (2, "") and entries() == 3
    assert err == (
        f"mdslides-prompts: cache clear would remove 3 cached answers from {cache}; "
        "pass --yes to remove them\n"
    )
    code, drawn = terminal("cache", "clear", env=env, answer=b"n\n")
    assert code == 1 and f"Remove 3 cached answers from {cache}? [y/N]".encode() in drawn
    assert b"nothing removed" in drawn and entries() == 3
    code, drawn = terminal("cache", "clear", env=env, answer=b"y\n")
    assert code == 0 and b"removed 3 cached answers" in drawn and entries() == 0
    assert cli(capsys, "run", deck, "--cache-dir", cache, "--force")[0] == 0
    code, _, err = cli(capsys, "cache", "clear", "--cache-dir", cache, "--yes")
    assert code == 0 and "removed 3 cached answers" in err and entries() == 0


MARKER_FORMS = "'<!-- image-prompt src=… sum=… | … -->' or '[image-prompt src=… sum=…]: # \"…\"'"


def test_check_writes_github_annotations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "a:b,100%"
    folder.mkdir()
    deck = folder / "deck.md"
    deck.write_text(marp("# One\n", "# Two\n"), encoding="utf-8")
    assert cli(capsys, "run", deck)[0] == 0
    text = deck.read_text(encoding="utf-8")
    deck.write_text(text.replace("# Two", "# Two, changed") + "\n---\n\n# Three\n")
    with deck.open("a", encoding="utf-8") as file:  # GitHub's escapes in the message too
        file.write("\n---\n\n# Four\n\n<!-- image-prompt 50%,x -->\n")
    code, out, err = cli(capsys, "check", deck, "--output-format", "github")
    assert code == 1, err
    name = str(deck).replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
    assert out.splitlines() == [
        f"::error file={name},line=9,title=Image prompt stale::slide 2: stale",
        f"::error file={name},line=14,title=Image prompt missing::slide 3: missing",
        f"::error file={name},line=21,title=Image prompt unparsable::slide 4: unparsable "
        f"(prompt marker does not match {MARKER_FORMS} (unknown word '50%25,x'))",
    ]
    assert "1 deck, 4 slides: 3 slides need a prompt" in err
    code, plain_out, _ = cli(capsys, "check", deck)
    assert code == 1 and plain_out.startswith(f"{deck}:9: slide 2: stale\n")
